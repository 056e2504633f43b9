import { describe, expect, it } from 'vitest';
import { StepInDoubtError, ValidationError } from '../src/domain/errors.js';
import { idempotencyKey, legacyIdempotencyKey } from '../src/app/idempotency-key.js';
import type { Job } from '../src/domain/job.js';
import { OrderBook } from '../src/app/demo/simulated-exchange.js';
import { runUntil, runUntilIdle } from '../src/app/testing.js';
import type { JobContext } from '../src/app/worker/job-context.js';
import type { WorkerEvents } from '../src/app/worker/worker-events.js';
import type { ReconcileHook, WorkerOptions } from '../src/app/worker/worker-options.js';
import { controllable, forever, makeWorker, setup } from './support/worker-fixtures.js';

type Handle = (j: Job, ctx: JobContext) => Promise<string>;

/**
 * A job on `orders` (and one on `other`) whose first worker dies after the exchange booked
 * the order and before the step was recorded: the step is in doubt for whoever takes the job
 * over. `second` builds the second worker's options from the handler and the exchange.
 * Returns the second worker's events and status counts, the exchange, and the job afterwards.
 */
async function inDoubtAfterCrash(second: (handle: Handle, book: OrderBook) => Omit<WorkerOptions, 'store' | 'clock'>) {
  const { clock, store } = setup();
  const book = new OrderBook({ dedupe: false });
  const { job } = await store.enqueue({ queue: 'orders', payload: null });
  await store.enqueue({ queue: 'other', payload: null });
  const first = controllable(store);
  let crashed = false;
  const handle: Handle = async (j, ctx) =>
    ctx.step('place', async () => {
      const out = book.placeOrder({ clientOrderId: ctx.idempotencyKey('place'), jobId: j.id });
      if (!crashed && j.queue === 'orders') {
        crashed = true;
        first.crash();
        await forever();
      }
      return out.orderId;
    });
  const w1 = makeWorker({ store: first.store, clock, leaseDurationSeconds: 30, workerId: 'w1', queues: ['orders'], handler: handle });
  await w1.start();
  await runUntil(clock, () => crashed);
  const events: WorkerEvents['step:in-doubt'][] = [];
  const w2 = makeWorker({ ...second(handle, book), store, clock, leaseDurationSeconds: 30, workerId: 'w2' } as WorkerOptions & { clock: typeof clock });
  w2.on('step:in-doubt', (e) => events.push(e));
  await w2.start();
  await runUntilIdle(store, clock);
  const status = w2.getStatus();
  await w2.stop();
  return { events, status, book, after: (await store.get(job.id))!, jobId: job.id };
}

const findIn = (book: OrderBook, asked?: string[], label?: string): ReconcileHook => async (_j, _s, key) => {
  if (asked && label) asked.push(label);
  const o = book.find(key);
  return o ? { found: true, result: o.orderId } : { found: false };
};

describe('step:in-doubt', () => {
  it('says "reconciled" when the hook found the order, with the job, step and key, and counts it', async () => {
    const { events, status, after, jobId, book } = await inDoubtAfterCrash((handler, b) => ({ handler, reconcile: findIn(b) }));
    expect(after.status).toBe('done');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ step: 'place', decision: 'reconciled', key: book.accepted[0]!.clientOrderId });
    expect(events[0]!.job.id).toBe(jobId);
    expect(status.counts.inDoubt).toBe(1);
    expect(book.acceptedPerJob().get(jobId)).toBe(1);
  });

  it('says "rerun" without a hook under inDoubt "rerun", and "failed" under inDoubt "fail"', async () => {
    const rerun = await inDoubtAfterCrash((handler) => ({ handler, inDoubt: 'rerun' }));
    expect(rerun.events.map((e) => e.decision)).toEqual(['rerun']);
    expect(rerun.status.counts.inDoubt).toBe(1);
    const failed = await inDoubtAfterCrash((handler) => ({ handler, inDoubt: 'fail' }));
    expect(failed.events.map((e) => e.decision)).toEqual(['failed']);
    expect(failed.after.status).toBe('failed');
    expect(failed.status.counts.inDoubt).toBe(1);
  });

  it('says "rerun" when the hook did not find the effect', async () => {
    const { events, after } = await inDoubtAfterCrash((handler) => ({ handler, reconcile: async () => ({ found: false }) }));
    expect(events.map((e) => e.decision)).toEqual(['rerun']);
    expect(after.status).toBe('done');
  });
});

describe('per-queue reconcile', () => {
  it('a handlers entry { handle, reconcile } asks its own hook, not the worker-wide one', async () => {
    const asked: string[] = [];
    const { after, book, jobId, events } = await inDoubtAfterCrash((handle, b) => ({
      handlers: { orders: { handle, reconcile: findIn(b, asked, 'own') }, other: handle },
      reconcile: async () => {
        asked.push('worker-wide');
        return { found: false };
      },
    }));
    expect(after.status).toBe('done');
    expect(asked).toEqual(['own']);
    expect(events.map((e) => e.decision)).toEqual(['reconciled']);
    expect(book.acceptedPerJob().get(jobId)).toBe(1);
    expect(book.placementCalls.get(jobId)).toBe(1);
  });

  it('a bare function entry falls back to the worker-wide reconcile', async () => {
    const asked: string[] = [];
    const { after, book, jobId } = await inDoubtAfterCrash((handle, b) => ({
      handlers: { orders: handle, other: { handle } },
      reconcile: findIn(b, asked, 'worker-wide'),
    }));
    expect(after.status).toBe('done');
    expect(asked).toEqual(['worker-wide']);
    expect(book.acceptedPerJob().get(jobId)).toBe(1);
  });

  it('refuses a malformed handlers entry with a ValidationError naming it', () => {
    const { clock, store } = setup();
    for (const [entry, field] of [
      [{ reconcile: async () => ({ found: false }) }, 'handlers.orders.handle'],
      [{ handle: async () => null, reconcile: 'no' }, 'handlers.orders.reconcile'],
      [{ handle: async () => null, extra: 1 }, 'handlers.orders.extra'],
      [42, 'handlers.orders'],
    ] as const) {
      let caught: unknown;
      try {
        makeWorker({ store, clock, handlers: { orders: entry as never } });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).field).toBe(field);
    }
  });
});

describe('recorded keys', () => {
  /** A job whose first attempt (driven by hand) began step `place` with `intent`, then lost its lease. */
  async function begunBefore(intent: { key: string } | undefined) {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'orders', payload: null });
    const [lease] = await store.acquire({ workerId: 'old', leaseMs: 1000 });
    await store.beginStep(lease!, 'place', intent);
    clock.advance(2000);
    const seen: { outside: string; inside?: string; reconciled?: string } = { outside: '' };
    const worker = makeWorker({
      store,
      clock,
      handler: async (_j, ctx) => {
        seen.outside = ctx.idempotencyKey('place');
        return ctx.step('place', async () => (seen.inside = ctx.idempotencyKey('place')));
      },
      reconcile: async (_j, _s, key) => {
        seen.reconciled = key;
        return { found: false };
      },
    });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    return { seen, job, records: await store.getStepRecords(job.id), identity: await store.identity() };
  }

  it('a later attempt uses the key the step recorded, not what it would derive: in reconcile, before and inside the step', async () => {
    const { seen, records } = await begunBefore({ key: 'recorded-by-an-older-worker' });
    expect(seen).toEqual({ outside: 'recorded-by-an-older-worker', inside: 'recorded-by-an-older-worker', reconciled: 'recorded-by-an-older-worker' });
    expect(records[0]).toMatchObject({ state: 'done', key: 'recorded-by-an-older-worker' });
  });

  it('a step begun before keys were recorded keeps the derivation of that version', async () => {
    const { seen, job, records } = await begunBefore(undefined);
    const legacy = legacyIdempotencyKey(job.id, 'place');
    expect(seen).toEqual({ outside: legacy, inside: legacy, reconciled: legacy });
    expect(records[0]).toMatchObject({ state: 'done', key: legacy });
  });

  it('a fresh step records the key derived from the job', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'orders', payload: null, key: 'order-7', idempotencyKeyFormat: 'uuid' });
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => ctx.step('place', async () => ctx.idempotencyKey('place')) });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    const expected = idempotencyKey(job, await store.identity(), 'place');
    expect(expected).toMatch(/^[0-9a-f-]{36}$/);
    expect((await store.getStepRecords(job.id))[0]).toMatchObject({ key: expected, result: expected });
  });
});

describe('a person settles a step in doubt (inDoubt: "fail")', () => {
  /** The first worker dies `when` the exchange call is made (before it, or after it booked); the second fails the job in doubt. */
  async function failedInDoubt(when: 'before-placing' | 'after-placing') {
    const { clock, store } = setup();
    const book = new OrderBook({ dedupe: false });
    const { job } = await store.enqueue({ queue: 'orders', payload: null });
    const first = controllable(store);
    let crashed = false;
    const handler = async (j: Job, ctx: JobContext) =>
      ctx.step('place', async () => {
        const die = async () => {
          crashed = true;
          first.crash();
          await forever();
        };
        if (!crashed && when === 'before-placing') await die();
        const order = book.placeOrder({ clientOrderId: ctx.idempotencyKey('place'), jobId: j.id });
        if (!crashed) await die();
        return order.orderId;
      });
    const w1 = makeWorker({ store: first.store, clock, leaseDurationSeconds: 30, workerId: 'w1', handler });
    await w1.start();
    await runUntil(clock, () => crashed);
    const run = async (): Promise<void> => {
      const w = makeWorker({ store, clock, leaseDurationSeconds: 30, workerId: 'w2', handler, inDoubt: 'fail' });
      await w.start();
      await runUntilIdle(store, clock);
      await w.stop();
    };
    await run();
    return { store, book, job, run };
  }

  it.each(['before-placing', 'after-placing'] as const)('crash %s: retry is refused until settled; settle by looking the key up, retry: exactly one order', async (when) => {
    const { store, book, job, run } = await failedInDoubt(when);
    expect((await store.get(job.id))?.status).toBe('failed');
    expect((await store.list({ inDoubt: true })).map((j) => j.id)).toEqual([job.id]);
    await expect(store.retry(job.id)).rejects.toBeInstanceOf(StepInDoubtError);
    // What a person does: read the recorded key, ask the exchange, settle accordingly.
    const [step] = await store.getStepRecords(job.id);
    const order = book.find(step!.key!);
    expect(order !== undefined).toBe(when === 'after-placing');
    await store.settleStep(job.id, 'place', order ? { happened: true, result: order.orderId } : { happened: false });
    await store.retry(job.id);
    await run();
    const after = await store.get(job.id);
    expect(after?.status).toBe('done');
    expect(book.acceptedPerJob().get(job.id)).toBe(1);
    expect(after?.result).toBe(book.accepted[0]!.orderId);
    // The rerun placed under the recorded key: the same client order id a deduping exchange would refuse twice.
    expect(book.accepted[0]!.clientOrderId).toBe(step!.key);
  });

  it('retry with force lets the next attempt decide again (here: fail in doubt again, never a second order)', async () => {
    const { store, book, job, run } = await failedInDoubt('after-placing');
    await store.retry(job.id, { force: true });
    await run();
    expect((await store.get(job.id))?.status).toBe('failed');
    expect(book.acceptedPerJob().get(job.id)).toBe(1);
  });
});
