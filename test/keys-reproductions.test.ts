/**
 * The three ways to a wrong client order id from the issue that made keys derive from job
 * identity. Each failed before (a second order, or one id shared by two databases); each
 * passes now. Written against the store and worker API both versions share, so the file runs
 * on either.
 */
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../src/app/demo/simulated-exchange.js';
import { runUntil, runUntilIdle } from '../src/app/testing.js';
import type { Job } from '../src/domain/job.js';
import type { JobContext } from '../src/app/worker/job-context.js';
import type { WorkerOptions } from '../src/app/worker/worker-options.js';
import { controllable, forever, makeWorker, setup } from './support/worker-fixtures.js';

describe('reproductions: a wrong client order id', () => {
  it('1. a job in doubt taken over by a differently configured worker is reconciled under the same key: one order', async () => {
    const { clock, store } = setup();
    const book = new OrderBook({ dedupe: false });
    const { job } = await store.enqueue({ queue: 'orders', payload: null });
    const app = controllable(store);
    let crashed = false;
    const handler = async (j: Job, ctx: JobContext) =>
      ctx.step('place-order', async () => {
        const order = book.placeOrder({ clientOrderId: ctx.idempotencyKey('place-order'), jobId: j.id });
        if (!crashed) {
          crashed = true;
          app.crash(); // SIGKILL after the exchange booked the order
          await forever();
        }
        return order.orderId;
      });
    const reconcile = async (_j: Job, _s: string, key: string) => {
      const o = book.find(key);
      return o ? { found: true as const, result: o.orderId } : { found: false as const };
    };
    // The application's worker is configured as the was: with its own namespace
    // where a version has that option (this one refuses it: no option may change a key).
    const appOptions = { store: app.store, clock, handler, reconcile, leaseDurationSeconds: 30, workerId: 'app', maxConcurrentJobs: 4 } as WorkerOptions & { clock: typeof clock };
    const withNamespace = { ...appOptions, idempotencyNamespace: 'dev' } as typeof appOptions;
    let first;
    try {
      first = makeWorker(withNamespace);
    } catch {
      first = makeWorker(appOptions);
    }
    await first.start();
    await runUntil(clock, () => crashed);
    // `leasehold work`: the defaults, nothing configurable about keys.
    const cli = makeWorker({ store, clock, handler, reconcile, leaseDurationSeconds: 30, workerId: 'cli' });
    await cli.start();
    await runUntilIdle(store, clock);
    await cli.stop();
    expect((await store.get(job.id))?.status).toBe('done');
    expect(book.acceptedPerJob().get(job.id)).toBe(1);
  });

  it('2. job 1 of two fresh databases gets two different client order ids', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { clock, store } = setup();
      const { job } = await store.enqueue({ queue: 'orders', payload: null });
      expect(job.id).toBe('1');
      const worker = makeWorker({ store, clock, handler: async (_j, ctx) => void keys.push(ctx.idempotencyKey('place-order')) });
      await worker.start();
      await runUntilIdle(store, clock);
      await worker.stop();
    }
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('3. a key replayed after prune makes no second job (so no second client order id)', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'orders', key: 'order-42', payload: null });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 1000 });
    await store.complete(lease!);
    clock.advance(60_000);
    expect(await store.prune({ olderThanMs: 1000 })).toBe(1);
    // The producer replays its outbox after the retention window.
    const replay = await store.enqueue({ queue: 'orders', key: 'order-42', payload: null }).then(
      (r) => ({ created: r.created }),
      (e: { code?: string }) => ({ refused: e.code }),
    );
    expect(replay).toEqual({ refused: 'KEY_RETIRED' });
    expect(await store.list()).toEqual([]);
  });
});
