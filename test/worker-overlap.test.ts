/**
 * One process never overlaps itself: an attempt whose step fn has not settled is not
 * failed, retried, released or handed back, whatever ended it (timeout, shutdown, a lease
 * given up). Each test counts the orders an exchange that does not dedupe accepted.
 */
import { describe, expect, it } from 'vitest';
import { flush, runUntil, runUntilIdle } from '../src/app/testing.js';
import { forever, gated, makeWorker, setup, T0 } from './support/worker-fixtures.js';

/** An exchange call that cannot be aborted: it ignores every signal and takes `ms`. */
function slowExchange(clock: { sleep(ms: number): Promise<void> }, ms: number) {
  const orders: number[] = [];
  return {
    orders,
    place: async (token: number): Promise<{ orderId: number }> => {
      await clock.sleep(ms);
      orders.push(token);
      return { orderId: orders.length };
    },
  };
}

describe('no overlap inside one process', () => {
  it('a jobTimeoutMs shorter than a non-abortable call: one order, and the job ends done', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
    const exchange = slowExchange(clock, 5000);
    const worker = makeWorker({ store, clock, jobTimeoutMs: 1000, handler: async (_j, ctx) => {
      return ctx.step('place', () => exchange.place(ctx.lease.token));
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    clock.advance(60_000); // every fn that was still running has settled by now
    await flush();
    expect(exchange.orders).toEqual([1]);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', result: { orderId: 1 } });
    await worker.stop();
  });

  it('stop({ timeoutMs: 0 }) with a request in flight: the lease is released only after the call settled, so the next worker does not place again', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const exchange = slowExchange(clock, 5000);
    const handler = async (_j: unknown, ctx: { lease: { token: number }; step<T>(n: string, fn: () => Promise<T>): Promise<T> }) =>
      ctx.step('place', () => exchange.place(ctx.lease.token));
    const w1 = makeWorker({ store, clock, workerId: 'w1', handler });
    await w1.start();
    await runUntil(clock, async () => (await store.getStepRecords(job.id)).length === 1);
    let stopped = false;
    void w1.stop({ timeoutMs: 0 }).then(() => (stopped = true));
    await flush();
    // The attempt waits out its step: it still holds its slot and its lease, and says so.
    expect(stopped).toBe(false);
    expect(w1.getStatus().running).toMatchObject([{ jobId: job.id, phase: 'waiting' }]);
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', lockedBy: 'w1' });
    const w2 = makeWorker({ store, clock, workerId: 'w2', handler });
    await w2.start();
    await runUntil(clock, () => stopped);
    expect(await store.get(job.id)).toMatchObject({ status: 'pending' }); // released, after the step recorded its result
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    clock.advance(60_000);
    await flush();
    expect(exchange.orders).toEqual([1]);
    await w2.stop();
  });

  it('an attempt waiting out its step counts against maxConcurrentJobs, and is abandoned once the step deadline passed', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: 1 });
    const { job: other } = await store.enqueue({ queue: 'q', payload: 2 });
    let stepDeadline = 0;
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, jobTimeoutMs: 1000, pollIntervalMs: 100, handler: async (j, ctx) => {
      if (j.payload === 1) await ctx.step('hang', (s) => { stepDeadline = s.deadlineAt; return forever(); });
      return 'ok';
    } });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running[0]?.phase === 'waiting');
    expect(stepDeadline).toBe(T0 + 10_000); // the default: 10 s after the step starts, in the store's clock
    await runUntil(clock, () => clock.now() >= T0 + 9_999, { until: T0 + 9_999 });
    expect(worker.getStatus().running.map((r) => r.jobId)).toEqual([job.id]);
    expect((await store.get(other.id))?.status).toBe('pending');
    await runUntil(clock, async () => (await store.get(other.id))?.status === 'done');
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 10_000);
    expect((await store.get(job.id))?.status).not.toBe('processing');
    await worker.stop();
  });
});

describe('a lease given up stays given up', () => {
  it('a late extend that lands after the worker gave the lease up does not keep the job idle for a whole lease', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const g = gated(store);
    const worker = makeWorker({ store: g.store, clock, workerId: 'w1', leaseDurationSeconds: 10, pollIntervalMs: 600_000, handler: async (_j, ctx) => {
      if (ctx.lease.token === 1) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return 'ok';
    } });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    // The database server pauses: every request from now on waits until it resumes.
    for (const m of ['extend', 'release', 'acquire']) g.hold(m);
    await runUntil(clock, () => worker.getStatus().counts.lost === 1, { until: T0 + 10_000 });
    expect(clock.now()).toBe(T0 + 10_000); // the worker gave the lease up: it ran out unrenewed
    clock.advance(1000);
    // The server resumes: the extend sent at 5 s lands first and grants a fresh 10 s lease
    // to an attempt that no longer exists; then whatever the worker sent after it.
    for (const m of ['extend', 'release', 'acquire']) {
      g.open(m);
      await flush();
    }
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done', { until: T0 + 20_000 });
    expect(await store.get(job.id)).toMatchObject({ status: 'done', result: 'ok', leaseToken: 2 });
    expect(clock.now()).toBeLessThan(T0 + 20_000);
    await worker.stop();
  });
});
