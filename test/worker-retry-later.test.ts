/**
 * Run again later, not charged: a handler that throws RetryLaterError (or calls ctx.retryLater)
 * hands its job back due later, with the attempt given back and lastError saying why.
 */
import { expect, it } from 'vitest';
import { ProcessingWorker, RetryLaterError, ValidationError } from '../src/index.js';
import { ManualClock, runUntil, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('runs the job again after the delay, as often as asked, without using up its attempts', async () => {
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  const calls: number[] = [];
  const later: { runAt: number; lastError: string | null; attempts: number }[] = [];
  const worker = new ProcessingWorker({ store, clock, handleSignals: false, pollIntervalMs: 60_000,
    handler: async (_job, ctx) => {
      calls.push(clock.now());
      if (calls.length < 4) ctx.retryLater(2000, 'exchange answered 429');
      return 'placed';
    } });
  worker.on('job:retry-later', ({ job, runAt }) => later.push({ runAt, lastError: job.lastError, attempts: job.attempts }));
  const start = clock.now();
  const { job } = await store.enqueue({ queue: 'orders', payload: {}, maxAttempts: 1 });
  await worker.start();
  await runUntilIdle(store, clock);
  await worker.stop();
  expect(calls.map((t) => t - start)).toEqual([0, 2000, 4000, 6000]);
  expect(later).toEqual([1, 2, 3].map((i) => ({ runAt: start + i * 2000, lastError: 'retry later (in 2000 ms): exchange answered 429', attempts: 0 })));
  expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1 });
  expect(worker.getStatus().counts).toMatchObject({ retriedLater: 3, retried: 0, failed: 0, completed: 1 });
});

it('takes a thrown RetryLaterError the same way, and refuses a bad delay', async () => {
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  let n = 0;
  const worker = new ProcessingWorker({ store, clock, handleSignals: false,
    handler: async () => {
      if (++n === 1) throw new RetryLaterError(500);
    } });
  const { job } = await store.enqueue({ queue: 'orders', payload: {} });
  await worker.start();
  await runUntil(clock, async () => (await store.get(job.id))!.status === 'pending' && n === 1);
  expect(await store.get(job.id)).toMatchObject({ status: 'pending', attempts: 0, runAt: clock.now() + 500, lastError: 'retry later (in 500 ms)' });
  await runUntilIdle(store, clock);
  await worker.stop();
  expect(n).toBe(2);
  expect(() => new RetryLaterError(-1)).toThrow(ValidationError);
  expect(() => new RetryLaterError(Number.NaN)).toThrow(ValidationError);
});
