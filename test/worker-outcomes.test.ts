import { describe, expect, it } from 'vitest';
import { LeaseLostError, PermanentError, ValidationError } from '../src/domain/errors.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/domain/retry-policy.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { ProcessingWorker } from '../src/app/worker/processing-worker.js';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { flush, runUntil, runUntilIdle } from '../src/app/testing.js';
import { controllable, forever, makeWorker, setup, T0 } from './support/worker-fixtures.js';

describe('worker outcomes', () => {
  it('completes a job with the handler result and emits job:started and job:completed', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: { n: 1 } });
    const seen: string[] = [];
    const worker = makeWorker({ store, clock, handler: async (j, ctx) => ({ doubled: (j.payload as { n: number }).n * 2, attempt: ctx.attempt }) });
    worker.on('job:started', ({ job: j }) => seen.push(`started ${j.id}`));
    worker.on('job:completed', ({ job: j, result }) => seen.push(`completed ${j.id} ${JSON.stringify(result)}`));
    await worker.start();
    await runUntilIdle(store, clock);
    const after = await store.get(job.id);
    expect(after?.status).toBe('done');
    expect(after?.result).toEqual({ doubled: 2, attempt: 1 });
    expect(seen).toEqual([`started ${job.id}`, `completed ${job.id} {"doubled":2,"attempt":1}`]);
    expect(worker.getStatus().counts.completed).toBe(1);
    await worker.stop();
    expect(worker.getStatus().state).toBe('stopped');
  });

  it('retries with the domain backoff (passed as retryAt), then succeeds on the third attempt', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const backoff = { baseMs: 10_000, factor: 3, maxMs: 1_000_000 };
    const retries: { runAt: number; at: number }[] = [];
    let calls = 0;
    const worker = makeWorker({
      store, clock, backoff, pollIntervalMs: 1000,
      handler: async () => {
        if (++calls < 3) throw new Error(`boom ${calls}`);
        return 'ok';
      },
    });
    worker.on('job:retry', ({ runAt }) => retries.push({ runAt, at: clock.now() }));
    await worker.start();
    await runUntilIdle(store, clock);
    expect(calls).toBe(3);
    expect((await store.get(job.id))?.status).toBe('done');
    // random is fixed at 0.5: full jitter gives half of base * factor^(attempt-1).
    expect(retries.map((r) => r.runAt - r.at)).toEqual([backoffDelay(1, backoff, () => 0.5), backoffDelay(2, backoff, () => 0.5)]);
    expect(retries.map((r) => r.runAt - r.at)).toEqual([5000, 15_000]);
    expect(worker.getStatus().counts).toMatchObject({ completed: 1, retried: 2, failed: 0 });
    await worker.stop();
  });

  it('fails the job for good when attempts are used up, with job:failed and lastError', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 2 });
    const failed: string[] = [];
    const worker = makeWorker({ store, clock, handler: async () => { throw new Error('always'); } });
    worker.on('job:failed', ({ job: j }) => failed.push(j.id));
    await worker.start();
    await runUntilIdle(store, clock);
    const after = await store.get(job.id);
    expect(after?.status).toBe('failed');
    expect(after?.attempts).toBe(2);
    expect(after?.lastError).toContain('always');
    expect(failed).toEqual([job.id]);
    expect(DEFAULT_BACKOFF.baseMs).toBe(1000);
    await worker.stop();
  });

  it('PermanentError fails at once, without another attempt', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 5 });
    let calls = 0;
    const worker = makeWorker({ store, clock, handler: async () => { calls++; throw new PermanentError('bad symbol'); } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(calls).toBe(1);
    expect((await store.get(job.id))?.status).toBe('failed');
    await worker.stop();
  });

  it('a timeout aborts ctx.signal and fails the attempt, even when the handler ignores the signal', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    let reason: unknown;
    const worker = makeWorker({ store, clock, jobTimeoutMs: 2000, handler: async (_j, ctx) => {
      ctx.signal.addEventListener('abort', () => (reason = ctx.signal.reason));
      return forever();
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    const after = await store.get(job.id);
    expect(after?.status).toBe('failed');
    expect(after?.lastError).toContain('ran longer than 2000 ms');
    expect((reason as Error).name).toBe('JobTimeoutError');
    expect(after!.finishedAt! - T0).toBe(2000);
    await worker.stop();
  });

  it('a step fn that ignores the timeout past its deadline is abandoned: it cannot write after its attempt ended, and no lease:lost is reported', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    const c = controllable(store);
    let lateError: unknown;
    const lost: string[] = [];
    const worker = makeWorker({ store: c.store, clock, jobTimeoutMs: 1000, handler: async (_j, ctx) => {
      try {
        // Ignores ctx.signal and runs past the step's deadline (10 s): the attempt waits for it that long, no longer.
        await ctx.step('slow', async () => { await clock.sleep(15_000); return 'x'; });
      } catch (e) {
        lateError = e;
      }
    } });
    worker.on('lease:lost', ({ jobId }) => lost.push(jobId));
    await worker.start();
    await runUntil(clock, () => lateError !== undefined);
    expect(lateError).toBeInstanceOf(LeaseLostError);
    expect(c.calls.beginStep).toBe(1);
    expect(c.calls.saveStep ?? 0).toBe(0);
    expect(lost).toEqual([]);
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', finishedAt: T0 + 10_000 });
    await worker.stop();
  });

  it('claims up to the free slots in one acquire and runs them concurrently', async () => {
    const { clock, store } = setup();
    const c = controllable(store);
    await store.enqueueMany([1, 2, 3, 4, 5].map((n) => ({ queue: 'q', payload: n })));
    let inFlight = 0;
    let peak = 0;
    const worker = makeWorker({ store: c.store, clock, maxConcurrentJobs: 3, handler: async () => {
      peak = Math.max(peak, ++inFlight);
      await clock.sleep(100);
      inFlight--;
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(peak).toBe(3);
    // 1 acquire for 3 jobs, then 1 after each completion frees slots, then idle polls: far fewer than one per job + polls.
    const { byStatus } = await store.stats();
    expect(byStatus.done).toBe(5);
    expect(c.calls.acquire).toBeLessThanOrEqual(4);
    await worker.stop();
  });

  it('an enqueue through the same store wakes an idle worker at once (no poll wait)', async () => {
    const { clock, store } = setup();
    const worker = makeWorker({ store, clock, pollIntervalMs: 60_000, handler: async () => 'ok' });
    await worker.start();
    await runUntil(clock, () => clock.sleeping > 0);
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done', { until: clock.now() });
    expect((await store.get(job.id))?.status).toBe('done');
    expect(clock.now()).toBe(T0);
    await worker.stop();
  });

  it('per-queue handlers: each queue gets its own handler and the worker serves only those queues', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'a', payload: null });
    await store.enqueue({ queue: 'b', payload: null });
    const { job: other } = await store.enqueue({ queue: 'c', payload: null });
    const worker = makeWorker({ store, clock, handlers: { a: async () => 'A', b: async () => 'B' } });
    await worker.start();
    await runUntil(clock, async () => (await store.stats()).byStatus.done === 2);
    expect((await store.list({ status: 'done' })).map((j) => j.result)).toEqual(['A', 'B']);
    expect((await store.get(other.id))?.status).toBe('pending');
    await worker.stop();
  });

  it('a throwing listener cannot break the worker; the error is reported as worker:error', async () => {
    const { clock, store } = setup();
    await store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 2 }]);
    const worker = makeWorker({ store, clock, handler: async () => 'ok' });
    const errors: string[] = [];
    worker.on('job:completed', () => { throw new Error('listener bug'); });
    worker.on('job:started', () => { throw new Error('listener bug 2'); });
    worker.on('worker:error', ({ during, error }) => { errors.push(`${during}: ${(error as Error).message}`); throw new Error('even this'); });
    await worker.start();
    await runUntilIdle(store, clock);
    expect((await store.stats()).byStatus.done).toBe(2);
    expect(errors.filter((e) => e === 'listener: listener bug')).toHaveLength(2);
    await worker.stop();
  });

  it('a handler returning a non-JSON value fails the job permanently', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const worker = makeWorker({ store, clock, handler: async () => ({ when: new Date() }) as never });
    await worker.start();
    await runUntilIdle(store, clock);
    expect((await store.get(job.id))?.status).toBe('failed');
    expect((await store.get(job.id))?.attempts).toBe(1);
    await worker.stop();
  });
});

describe('the result size limit is the store\'s', () => {
  it('a result over the store\'s smaller maxPayloadBytes fails the job permanently, after one run', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryLeaseStore({ clock, random: () => 0.5, maxPayloadBytes: 64 });
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
    let runs = 0;
    const worker = makeWorker({ store, clock, handler: async () => { runs++; return 'x'.repeat(100); } });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(runs).toBe(1);
    const after = await store.get(job.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 1 });
    expect(after?.lastError).toContain('over the limit of 64');
  });

  it('a result the store allows under a larger maxPayloadBytes completes the job', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryLeaseStore({ clock, random: () => 0.5, maxPayloadBytes: 4 * 1024 * 1024 });
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const big = 'x'.repeat(2 * 1024 * 1024);
    const worker = makeWorker({ store, clock, handler: async () => big });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1, result: big });
  });
});

describe('a clock without sleep', () => {
  it('falls back to real timers for polling (synchronised on the job:completed event)', async () => {
    const clock = { now: () => Date.now() };
    const store = new InMemoryLeaseStore({ clock });
    const { job } = await store.enqueue({ queue: 'q', payload: null, runAt: Date.now() + 15 });
    const worker = new ProcessingWorker({ store, clock, handleSignals: false, pollIntervalMs: 5, handler: async () => 'late' });
    const completed = new Promise<string>((resolve) => worker.on('job:completed', ({ job: j }) => resolve(j.id)));
    await worker.start();
    expect(await completed).toBe(job.id);
    await worker.stop();
  });
});

describe('batched completions', () => {
  it('completions ready in the same turn go in one completeMany; a lost lease is left out', async () => {
    const { clock, store } = setup();
    const c = controllable(store);
    await store.enqueueMany([1, 2, 3, 4].map((n) => ({ queue: 'q', payload: n })));
    const lost: string[] = [];
    const worker = makeWorker({ store: c.store, clock, maxConcurrentJobs: 4, batchCompletions: true, leaseDurationSeconds: 10, handler: async (j, ctx) => {
      await clock.sleep(9_000, ctx.signal);
      return j.payload;
    } });
    worker.on('lease:lost', ({ jobId }) => lost.push(jobId));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 4);
    c.pause(); // nothing gets through: neither the heartbeats at 5 s nor the completions sent at 9 s
    clock.advance(9_000);
    await flush();
    clock.advance(1_000); // every lease runs out while its completion is in flight: that write's reply decides
    const [taken] = await store.acquire({ workerId: 'thief', leaseMs: 60_000 });
    c.resume();
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    expect(lost).toEqual([taken!.job.id]);
    expect(c.calls.completeMany).toBe(1);
    expect(c.calls.complete ?? 0).toBe(0);
    expect((await store.list({ status: 'done' })).map((j) => j.result)).toEqual([2, 3, 4]);
    expect(await store.get(taken!.job.id)).toMatchObject({ status: 'processing', lockedBy: 'thief' });
    await worker.stop();
  });

  it('a batch the store refuses as a whole fails only the job whose result it cannot take', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryLeaseStore({ clock, random: () => 0.5, maxPayloadBytes: 64 });
    await store.enqueueMany([1, 2, 3].map((n) => ({ queue: 'q', payload: n })));
    // As a MySQL server does when the statement exceeds its packet limit: the batch is refused, nothing written.
    const sizes: number[] = [];
    store.completeMany = (entries) => {
      sizes.push(entries.length);
      return Promise.reject(new ValidationError('result', 'is too large for this server'));
    };
    // All three are claimed together and finish in one turn, so they go in one batch.
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 3, batchCompletions: true, handler: async (j) => (j.payload === 2 ? 'x'.repeat(100) : j.payload) });
    await worker.start();
    await runUntilIdle(store, clock);
    expect((await store.list({ status: 'done' })).map((j) => j.result)).toEqual([1, 3]);
    expect((await store.list({ status: 'failed' })).map((j) => j.payload)).toEqual([2]);
    expect(sizes).toEqual([3, 2]); // one batch of three, then its first half
    await worker.stop();
  });
});

describe('worker options', () => {
  const { store } = setup();
  const h = async () => undefined;
  const cases: [string, Record<string, unknown>][] = [
    ['handler', {}],
    ['leaseDurationSeconds', { handler: h, leaseDurationSeconds: 0 }],
    ['leaseDurationSeconds', { handler: h, leaseDurationSeconds: -5 }],
    ['pollIntervalMs', { handler: h, pollIntervalMs: Number.NaN }],
    ['maxConcurrentJobs', { handler: h, maxConcurrentJobs: 0 }],
    ['maxConcurrentJobs', { handler: h, maxConcurrentJobs: 1.5 }],
    ['leaseExtensionThresholdPercent', { handler: h, leaseExtensionThresholdPercent: 100 }],
    ['queues', { handler: h, queues: [] }],
    ['queues[0]', { handler: h, queues: [''] }],
    ['workerId', { handler: h, workerId: '' }],
    ['inDoubt', { handler: h, inDoubt: 'maybe' }],
    ['backoff.factor', { handler: h, backoff: { factor: 0.5 } }],
    ['handlers', { handler: h, handlers: { a: h } }],
    ['handlers.a', { handlers: { a: 'no' } }],
    ['queues', { handlers: { a: h }, queues: ['b'] }],
    ['jobTimeoutMs', { handler: h, jobTimeoutMs: 0 }],
    ['shutdownTimeoutMs', { handler: h, shutdownTimeoutMs: -1 }],
    ['pollIntervalMS', { handler: h, pollIntervalMS: 5 }],
  ];
  it.each(cases)('rejects a bad %s with a ValidationError naming it', (field, opts) => {
    let caught: unknown;
    try {
      new ProcessingWorker({ store, handleSignals: false, ...opts } as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe(field);
  });

  it('speaks of leaseDurationSeconds in seconds, the unit the option is written in', () => {
    for (const [value, text] of [[-1, 'got -1'], [1e9, 'got 1000000000'], ['5', 'got string']] as const) {
      let caught: unknown;
      try {
        new ProcessingWorker({ store, handler: h, handleSignals: false, leaseDurationSeconds: value as number });
      } catch (e) {
        caught = e;
      }
      expect((caught as ValidationError).field).toBe('leaseDurationSeconds');
      expect((caught as ValidationError).message).toContain(text);
      expect((caught as ValidationError).message).toContain('seconds');
    }
  });

  it('applies the defaults: a hostname-pid-random worker id, and starts idle', () => {
    const w = new ProcessingWorker({ store, handler: h, handleSignals: false });
    expect(w.workerId).toMatch(new RegExp(`-${process.pid}-[0-9a-z]{6}$`));
    expect(w.getStatus()).toMatchObject({ state: 'idle', running: [], lastError: null });
  });
});
