/**
 * Step deadlines: recorded with the step's intent, never later than the lease they are
 * written under, and after a lease expiry no new owner takes the job before its latest step
 * deadline plus the clock margin. The worker hands fn that deadline; an exchange that refuses
 * late requests then makes a paused holder harmless.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { ValidationError } from '../src/domain/errors.js';
import { isEligible, takeoverAt } from '../src/domain/lease-rules.js';
import { OrderBook, type ExchangeMode } from '../src/app/demo/simulated-exchange.js';
import { flush, runUntil } from '../src/app/testing.js';
import type { ReconcileHook } from '../src/app/worker/worker-options.js';
import { controllable, makeWorker, T0 } from './support/worker-fixtures.js';

function setup(clockMarginMs?: number) {
  const clock = new ManualClock(T0);
  return { clock, store: new InMemoryLeaseStore({ clock, random: () => 0.5, ...(clockMarginMs === undefined ? {} : { clockMarginMs }) }) };
}

describe('the step deadline in the store (the contract suite holds every store to the rest)', () => {
  it('a deadline well inside the lease holds nothing back, and the margin is an option', async () => {
    const { clock, store } = setup(0);
    await store.enqueue({ queue: 'q', payload: null });
    const [lease] = await store.acquire({ workerId: 'a', leaseMs: 10_000 });
    await store.beginStep(lease!, 'place', { deadlineAt: T0 + 10_000 });
    clock.set(T0 + 10_000);
    expect((await store.acquire({ workerId: 'b', leaseMs: 1000 }))[0]?.token).toBe(2);
    expect(() => new InMemoryLeaseStore({ clockMarginMs: -1 })).toThrow(ValidationError);
  });

  it('the domain rule: takeover at the later of the lease expiry and the deadline plus the margin', () => {
    const job = { status: 'processing', lockedUntil: 100, runAt: 0 } as never;
    expect(takeoverAt(job, null, 2000)).toBe(100);
    expect(takeoverAt(job, 50, 2000)).toBe(2050);
    expect(takeoverAt(job, 50, 0)).toBe(100);
    expect(isEligible(job, 2049, 50, 2000)).toBe(false);
    expect(isEligible(job, 2050, 50, 2000)).toBe(true);
  });
});

describe('the worker computes a step deadline in the store\'s clock', () => {
  it('from its lease, not from its own wall clock: a worker whose clock runs 3 s ahead writes the deadline the store expects', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    // The worker's wall clock is 3 s ahead of the store's; its timers and monotonic clock are the same.
    const skewed = { now: () => clock.now() + 3000, monotonic: () => clock.monotonic(), sleep: (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal) };
    const seen: number[] = [];
    const worker = makeWorker({ store, clock: skewed as unknown as ManualClock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      await clock.sleep(1000);
      return ctx.step('place', async (s) => { seen.push(s.deadlineAt); return 'ok'; }, { deadlineMs: 5000 });
    } });
    await worker.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    expect(seen).toEqual([T0 + 1000 + 5000]);
    expect((await store.getStepRecords(job.id))[0]).toMatchObject({ deadlineAt: T0 + 6000 });
    await worker.stop();
  });

  it('a per-step deadline outside 2-60 s, or longer than the lease allows, is a ValidationError naming deadlineMs', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    const errors: unknown[] = [];
    const worker = makeWorker({ store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      for (const deadlineMs of [1999, 60_001, 8001]) {
        try { await ctx.step(`s${deadlineMs}`, async () => 1, { deadlineMs }); } catch (e) { errors.push(e); }
      }
    } });
    await worker.start();
    await runUntil(clock, () => errors.length === 3);
    for (const e of errors) expect(e).toMatchObject({ name: 'ValidationError', field: 'deadlineMs' });
    await worker.stop();
  });
});

describe('a holder paused inside a step (in process: its store calls hang, its fn waits)', () => {
  /**
   * Worker A begins 'place' at 8 s of a 10 s lease (deadline 10 s), then freezes before its
   * request goes out. B takes the job over; A wakes later and sends its request. Returns
   * the orders the exchange accepted and when B took over.
   */
  async function pausedHolder(mode: ExchangeMode) {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const book = new OrderBook({ mode, now: () => clock.now() });
    const a = controllable(store);
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    const reconcile: ReconcileHook = async (_j, _s, key) => {
      const o = book.find(key);
      return o ? { found: true, result: o.orderId } : { found: false };
    };
    const wa = makeWorker({ store: a.store, clock, workerId: 'a', leaseDurationSeconds: 10, leaseExtensionThresholdPercent: 90, reconcile, handler: async (_j, ctx) => {
      await clock.sleep(8000);
      return ctx.step('place', async (s) => {
        a.crash(); // frozen: nothing this process sends arrives any more
        await woken;
        const out = book.place({ clientOrderId: s.idempotencyKey, jobId: job.id, deadlineAt: s.deadlineAt });
        return out.status === 'expired' ? 'refused' : out.order.orderId;
      });
    } });
    await wa.start();
    await runUntil(clock, async () => (await store.getStepRecords(job.id)).length === 1);
    const [record] = await store.getStepRecords(job.id);
    let takenAt: number | undefined;
    const wb = makeWorker({ store, clock, workerId: 'b', leaseDurationSeconds: 10, pollIntervalMs: 100, reconcile, handler: async (_j, ctx) => {
      takenAt ??= clock.now();
      return ctx.step('place', async (s) => {
        const out = book.place({ clientOrderId: s.idempotencyKey, jobId: job.id, deadlineAt: s.deadlineAt });
        return out.status === 'expired' ? 'refused' : out.order.orderId;
      });
    } });
    await wb.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done', { until: T0 + 60_000 });
    wake(); // A wakes and sends the request it was about to send
    await flush();
    await wb.stop();
    return { orders: book.acceptedPerJob().get(job.id) ?? 0, takenAt, deadlineAt: record!.deadlineAt, job: await store.get(job.id) };
  }

  it('an exchange that enforces the deadline refuses the woken holder: one order, and B took over only after deadline + margin', async () => {
    const r = await pausedHolder('deadline');
    expect(r.deadlineAt).toBe(T0 + 10_000);
    expect(r.takenAt).toBeGreaterThanOrEqual(T0 + 12_000);
    expect(r.job).toMatchObject({ status: 'done' });
    expect(r.orders).toBe(1);
  });

  it('an exchange that dedupes permanently refuses it too: one order', async () => {
    const r = await pausedHolder('dedupe');
    expect(r.orders).toBe(1);
    expect(r.job).toMatchObject({ status: 'done' });
  });

  it('an exchange that does neither takes the woken holder\'s order: the case that remains (two orders)', async () => {
    const r = await pausedHolder('none');
    expect(r.orders).toBe(2);
  });
});
