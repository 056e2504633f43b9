import { describe, expect, it } from 'vitest';
import { LeaseLostError, StoreUnavailableError } from '../src/domain/errors.js';
import type { Lease } from '../src/domain/job.js';
import { OrderBook } from '../src/app/demo/simulated-exchange.js';
import { flush, runUntil, runUntilIdle } from '../src/app/testing.js';
import { safetyMargin } from '../src/app/worker/worker-options.js';
import { controllable, forever, gated, makeWorker, setup, T0 } from './support/worker-fixtures.js';

describe('heartbeat', () => {
  it('extends the lease each time the threshold share of it has elapsed, so a long job keeps its only attempt', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    const extendedAt: number[] = [];
    const worker = makeWorker({ store, clock, leaseDurationSeconds: 10, leaseExtensionThresholdPercent: 40, handler: async () => {
      await clock.sleep(25_000);
      return 'long';
    } });
    worker.on('lease:extended', ({ lease }) => extendedAt.push(lease.expiresAt - T0));
    await worker.start();
    await runUntilIdle(store, clock);
    // Extensions at 4, 8, ... s, each pushing expiry to that time + 10 s.
    expect(extendedAt).toEqual([14_000, 18_000, 22_000, 26_000, 30_000, 34_000]);
    const after = await store.get(job.id);
    expect(after).toMatchObject({ status: 'done', attempts: 1, result: 'long' });
    await worker.stop();
  });

  it('a LeaseLostError from extend aborts ctx.signal with it, emits lease:lost, and the attempt writes nothing more', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    let reason: unknown;
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      reason = ctx.signal.reason;
      return 'too late';
    } });
    const lost: string[] = [];
    worker.on('lease:lost', ({ jobId }) => lost.push(jobId));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    c.pause(); // the process freezes: its heartbeat does not get through
    clock.advance(10_000);
    const [taken] = await store.acquire({ workerId: 'other', leaseMs: 60_000 });
    c.resume();
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(lost).toEqual([job.id]);
    expect(c.calls.complete ?? 0).toBe(0);
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', lockedBy: 'other', leaseToken: taken!.token });
    await worker.stop();
  });

  it('keeps retrying a failing extend while the lease may still be held, then fences itself before it runs out', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    let reason: unknown;
    const errors: string[] = [];
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      if (ctx.attempt > 1) return;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      reason = ctx.signal.reason;
    } });
    worker.on('worker:error', ({ during }) => errors.push(during));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    c.down('extend');
    await runUntil(clock, () => reason !== undefined);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(clock.now() - T0).toBeLessThanOrEqual(10_000);
    expect(errors.filter((e) => e === 'extend').length).toBeGreaterThan(3);
    c.up();
    // The fenced attempt handed its lease back (a failed attempt); the job runs again.
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    expect((await store.get(job.id))?.attempts).toBe(2);
    await worker.stop();
  });
});

describe('self-fencing', () => {
  it('a step with less than the safety margin of lease left extends first', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'q', payload: null });
    const extendedAt: number[] = [];
    // Threshold 90%: the heartbeat waits until 9 s of a 10 s lease; a step at 8.5 s has 1.5 s < margin 2 s.
    const worker = makeWorker({ store, clock, leaseDurationSeconds: 10, leaseExtensionThresholdPercent: 90, handler: async (_j, ctx) => {
      await clock.sleep(8500);
      return ctx.step('s', async () => 'ran');
    } });
    worker.on('lease:extended', () => extendedAt.push(clock.now() - T0));
    expect(safetyMargin(10_000)).toBe(2000);
    await worker.start();
    await runUntilIdle(store, clock);
    expect(extendedAt).toEqual([8500]);
    expect((await store.list({ status: 'done' }))[0]?.result).toBe('ran');
    await worker.stop();
  });

  it('when that extend fails, the step does not start and the attempt is aborted with LeaseLostError', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    const book = new OrderBook();
    let stepError: unknown;
    let attempts = 0;
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, leaseExtensionThresholdPercent: 90, handler: async (j, ctx) => {
      attempts++;
      if (attempts === 1) {
        await clock.sleep(8500);
        c.down('extend');
      }
      try {
        return await ctx.step('place', async () => book.placeOrder({ clientOrderId: ctx.idempotencyKey('place'), jobId: j.id }).orderId);
      } catch (e) {
        stepError = e;
        c.up();
        throw e;
      }
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(stepError).toBeInstanceOf(LeaseLostError);
    expect(book.placementCalls.get(job.id)).toBe(1); // only the second attempt placed
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
    await worker.stop();
  });
});

describe('store outages', () => {
  it('an outage at start and while claiming emits worker:error, backs off, and resumes without losing a job', async () => {
    const { clock, store } = setup();
    const c = controllable(store);
    await store.enqueueMany([1, 2, 3].map((n) => ({ queue: 'q', payload: n })));
    c.down();
    const errors: string[] = [];
    const worker = makeWorker({ store: c.store, clock, handler: async (j) => j.payload });
    worker.on('worker:error', ({ during, error }) => {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      errors.push(during);
    });
    await worker.start();
    await runUntil(clock, () => errors.length >= 6);
    expect(errors[0]).toBe('reap');
    expect(worker.getStatus().lastError?.message).toContain('store down');
    // Exponential: successive acquire attempts are further apart.
    const before = clock.now();
    c.up();
    await runUntilIdle(store, clock);
    expect(clock.now() - before).toBeLessThanOrEqual(30_000);
    expect((await store.stats()).byStatus.done).toBe(3);
    expect(worker.getStatus().state).toBe('running');
    await worker.stop();
  });

  it('a completion the store refuses for a while is retried, then written once', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    c.down('complete');
    let runs = 0;
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 60, handler: async () => ++runs });
    const errors: string[] = [];
    worker.on('worker:error', ({ during }) => errors.push(during));
    await worker.start();
    await runUntil(clock, () => errors.length >= 3);
    c.up();
    await runUntilIdle(store, clock);
    expect(errors.every((e) => e === 'complete')).toBe(true);
    expect(runs).toBe(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1, result: 1 });
    await worker.stop();
  });
});

describe('a final write that hangs past the lease', () => {
  // Attempt 1's complete and its extend hang (a partition leaves the requests unanswered).
  // Waiting on them forever would hold the slot and make stop() hang with it.
  it('is given up when the lease runs out: the attempt ends, the job is taken over, stop() finishes', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const g = gated(store);
    g.hold('extend');
    g.hold('complete');
    const runs: number[] = [];
    const errors: string[] = [];
    const worker = makeWorker({ store: g.store, clock, maxConcurrentJobs: 2, leaseDurationSeconds: 10, pollIntervalMs: 1000, handler: async (_j, ctx) => {
      runs.push(ctx.lease.token);
      if (ctx.lease.token !== 1) await forever();
    } });
    worker.on('worker:error', ({ during }) => errors.push(during));
    const stopped: number[] = [];
    worker.on('worker:stopped', ({ released }) => stopped.push(released));
    await worker.start();
    await runUntil(clock, () => runs.length === 2, { maxSteps: 100 });
    expect(errors).toContain('complete');
    expect(worker.getStatus().running.map((r) => `${r.jobId}#${r.token}`)).toEqual([`${job.id}#2`]);
    await worker.stop({ timeoutMs: 0 }); // aborts attempt 2 and releases its lease before resolving
    expect(stopped).toEqual([1]);
    g.open('complete'); // attempt 1's complete lands at last: the fence refuses it
    await flush();
    expect(await store.get(job.id)).toMatchObject({ status: 'pending', lockedBy: null, leaseToken: 2 });
  });
});

describe('the heartbeat around the final write', () => {
  it('an extend that reaches the store after complete committed is not a lost lease', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const g = gated(store);
    g.hold('complete', 'reply'); // complete commits at once; its reply is slow
    const events: string[] = [];
    const worker = makeWorker({ store: g.store, clock, leaseDurationSeconds: 10, handler: async () => {
      await clock.sleep(4_900);
      return 'ok';
    } });
    for (const e of ['job:completed', 'job:failed', 'job:retry', 'lease:lost'] as const) worker.on(e, () => events.push(e));
    await worker.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    clock.advance(200); // the heartbeat's 50% mark passes while complete's reply is in flight
    await flush();
    g.open('complete');
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    expect(events).toEqual(['job:completed']);
    expect(worker.getStatus().counts).toMatchObject({ completed: 1, lost: 0 });
    expect(await store.get(job.id)).toMatchObject({ status: 'done', result: 'ok' });
    await worker.stop();
  });
});

describe('an extend that hangs (the store neither answers nor errors)', () => {
  it('when the lease runs out by the monotonic clock, ctx.signal is aborted with LeaseLostError, lease:lost is emitted once, and the attempt writes nothing more', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const g = gated(store);
    g.hold('extend'); // a partition with the connection still open: the extend is sent, no reply comes
    const writes: string[] = [];
    for (const method of ['beginStep', 'saveStep', 'complete', 'fail', 'release', 'expireLease'] as const) {
      const real = store[method].bind(store) as (lease: Lease, ...rest: never[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (lease: Lease, ...rest: never[]) => {
        writes.push(`${method}#${lease.token}`);
        return real(lease, ...rest);
      };
    }
    let reason: unknown;
    let stepError: unknown;
    const placed: number[] = [];
    const worker = makeWorker({ store: g.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      if (ctx.lease.token === 1) {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        reason = ctx.signal.reason;
      }
      try {
        await ctx.step('place', async () => placed.push(ctx.lease.token));
      } catch (e) {
        stepError = e;
      }
      return 'done';
    } });
    const lost: { jobId: string; token: number }[] = [];
    worker.on('lease:lost', ({ jobId, token }) => lost.push({ jobId, token }));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    clock.advance(5_000); // the heartbeat's 50% mark: its extend goes out and hangs
    await flush();
    expect(g.calls.extend).toBe(1);
    clock.advance(4_999);
    await flush();
    expect(reason).toBeUndefined(); // 1 ms of the lease is left
    clock.advance(1); // the lease has run out, counted from just before the acquire was sent
    await flush();
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as Error).message).toMatch(/ran out without a renewal/);
    expect(stepError).toBe(reason); // attempt 1's later step did not run fn
    expect(lost).toEqual([{ jobId: job.id, token: 1 }]);
    // The job was taken over (here by this same worker, as attempt 2): only attempt 2 placed and completed.
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    expect(placed).toEqual([2]);
    // Attempt 1's one write is the fenced hand-back of the lease it gave up (a lease expiry, due now).
    expect(writes.filter((w) => w.endsWith('#1'))).toEqual(['expireLease#1']);
    expect(writes).toEqual(['expireLease#1', 'beginStep#2', 'saveStep#2', 'complete#2']);
    g.open('extend'); // attempt 1's extend finally gets through (refused: the lease was taken over): nothing more happens
    await flush();
    expect(lost).toEqual([{ jobId: job.id, token: 1 }]);
    expect(worker.getStatus().counts).toMatchObject({ lost: 1, completed: 1 });
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2, result: 'done' });
    await worker.stop();
  });

  it('a handler that returns while an extend hangs still ends its attempt and frees its slot, without waiting for the extend', async () => {
    const { clock, store } = setup();
    const first = await store.enqueue({ queue: 'q', payload: 1 });
    const g = gated(store);
    g.hold('extend');
    const events: string[] = [];
    const worker = makeWorker({ store: g.store, clock, leaseDurationSeconds: 10, pollIntervalMs: 1000, handler: async (j) => {
      if (j.payload === 1) await clock.sleep(6_000); // past the 50% mark: the extend hangs meanwhile
      return j.payload;
    } });
    for (const e of ['job:completed', 'job:failed', 'job:retry', 'lease:lost', 'worker:error'] as const) worker.on(e, () => events.push(e));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    const second = await store.enqueue({ queue: 'q', payload: 2 });
    clock.advance(5_000);
    await flush();
    expect(g.calls.extend).toBe(1);
    clock.advance(1_000); // the handler returns; the extend is still out
    await flush();
    expect(await store.get(first.job.id)).toMatchObject({ status: 'done', result: 1 });
    expect(worker.getStatus().running).toEqual([]);
    // The slot is free: the next job runs on this one-slot worker while the extend still hangs.
    await runUntil(clock, async () => (await store.get(second.job.id))?.status === 'done', { until: T0 + 8_000 });
    expect(await store.get(second.job.id)).toMatchObject({ status: 'done', result: 2 });
    g.open('extend'); // the late extend's answer is ignored
    await flush();
    clock.advance(20_000); // and no lease timer of the ended attempt fires
    await flush();
    expect(events).toEqual(['job:completed', 'job:completed']);
    expect(worker.getStatus().counts).toMatchObject({ completed: 2, lost: 0 });
    await worker.stop();
  });
});

describe('a takeover held back by a step deadline', () => {
  it('emits lease:held-back once per held lease, then takes the job over when the hold ends', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'orders', payload: null });
    // Another process took the job, began its order step with a deadline, and froze.
    const [frozen] = await store.acquire({ workerId: 'frozen', leaseMs: 10_000 });
    await store.beginStep(frozen!, 'place-order', { deadlineAt: T0 + 9_500 });
    const held: { at: number; jobId: string; lockedBy: string | null; token: number; stepDeadlineAt: number; takeoverAt: number }[] = [];
    let startedAt: number | undefined;
    const worker = makeWorker({ store, clock, leaseDurationSeconds: 10, pollIntervalMs: 250, handler: async () => 'placed' });
    worker.on('lease:held-back', ({ job: j, stepDeadlineAt, takeoverAt }) =>
      held.push({ at: clock.now(), jobId: j.id, lockedBy: j.lockedBy, token: j.leaseToken, stepDeadlineAt, takeoverAt }));
    worker.on('job:started', () => (startedAt = clock.now()));
    await worker.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    // The lease ran out at 10 s; the deadline (9.5 s) plus the 2 s margin held it until 11.5 s,
    // across several polls, and the event came once, from the first poll after the expiry.
    expect(held).toEqual([{ at: expect.any(Number), jobId: job.id, lockedBy: 'frozen', token: 1, stepDeadlineAt: T0 + 9_500, takeoverAt: T0 + 11_500 }]);
    expect(held[0]!.at).toBeGreaterThanOrEqual(T0 + 10_000);
    expect(held[0]!.at).toBeLessThan(T0 + 10_500);
    expect(startedAt).toBeGreaterThanOrEqual(T0 + 11_500);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2, result: 'placed' });
    await worker.stop();
  });

  it('asks the store for held leases only while someone listens, and only in its own queues', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'orders', payload: null });
    await store.enqueue({ queue: 'reports', payload: null });
    for (const [lease] of [await store.acquire({ workerId: 'frozen', leaseMs: 10_000, queues: ['orders'] }), await store.acquire({ workerId: 'frozen', leaseMs: 10_000, queues: ['reports'] })]) {
      await store.beginStep(lease!, 'step', { deadlineAt: T0 + 9_000 });
    }
    const c = controllable(store);
    const worker = makeWorker({ store: c.store, clock, queues: ['orders'], pollIntervalMs: 250, handler: async () => 'ok' });
    await worker.start();
    await runUntil(clock, () => false, { until: T0 + 10_400 });
    expect(c.calls.getHeldLeases ?? 0).toBe(0);
    const queues: string[] = [];
    const off = worker.on('lease:held-back', ({ job }) => queues.push(job.queue));
    await runUntil(clock, () => queues.length > 0, { until: T0 + 10_900 });
    expect(queues).toEqual(['orders']);
    off();
    const asked = c.calls.getHeldLeases!;
    expect(asked).toBeGreaterThan(0);
    await runUntil(clock, () => false, { until: T0 + 10_990 });
    expect(c.calls.getHeldLeases).toBe(asked);
    await worker.stop();
  });
});
