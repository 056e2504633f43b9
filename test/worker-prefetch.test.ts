/**
 * Claiming ahead: a worker keeps up to `prefetch` leases in a local buffer beyond its free
 * slots, so a slot that frees starts its next job without a round trip. Buffered leases are
 * handed back unstarted (attempt not charged) when they waited until their first extension
 * would be due, and at stop(); a slot goes to the next job once only the outcome's write is
 * out, so completions are written together while the next jobs run.
 */
import { describe, expect, it } from 'vitest';
import type { CompleteEntry, CompleteOutcome } from '../src/domain/job.js';
import { flush, runUntil, runUntilIdle } from '../src/app/testing.js';
import { makeWorker, setup } from './support/worker-fixtures.js';

/** A promise and its resolver. */
function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

describe('worker: claiming ahead (prefetch)', () => {
  it('claims for its free slots plus the buffer in one acquire, and shows the buffer in getStatus', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 6; i++) await store.enqueue({ queue: 'orders', payload: i });
    const held = gate();
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, prefetch: 3, handler: async () => held.wait });
    await worker.start();
    await flush();
    expect(worker.getStatus().running).toHaveLength(1);
    expect(worker.getStatus().prefetched).toBe(3);
    expect((await store.stats()).byStatus).toMatchObject({ processing: 4, pending: 2 });
    held.open();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect((await store.list({ status: 'done' })).map((j) => j.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('stop() hands every buffered lease back unstarted: pending again, the attempt not charged', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 4; i++) await store.enqueue({ queue: 'orders', payload: i });
    const held = gate();
    const started: unknown[] = [];
    const worker = makeWorker({
      store,
      clock,
      maxConcurrentJobs: 1,
      prefetch: 3,
      handler: async (job) => {
        started.push(job.payload);
        await held.wait;
      },
    });
    await worker.start();
    await flush();
    const stopping = worker.stop();
    await flush();
    held.open();
    await stopping;
    expect(started).toEqual([0]);
    const jobs = await store.list();
    expect(jobs.map((j) => [j.payload, j.status, j.attempts, j.lockedBy])).toEqual([
      [0, 'done', 1, null],
      [1, 'pending', 0, null],
      [2, 'pending', 0, null],
      [3, 'pending', 0, null],
    ]);
    expect(worker.getStatus().counts.released).toBe(3);
    expect(worker.getStatus().prefetched).toBe(0);
  });

  it('a buffered lease still waiting when its first extension would be due is handed back, not charged, and claimed again later', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 3; i++) await store.enqueue({ queue: 'orders', payload: i });
    const held = gate();
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, prefetch: 2, leaseDurationSeconds: 10, pollIntervalMs: 60_000, handler: async () => held.wait });
    await worker.start();
    await flush();
    expect(worker.getStatus().prefetched).toBe(2);
    // Half the lease (the first extension) has passed: the running job is extended, the
    // waiting ones go back.
    await runUntil(clock, async () => (await store.stats()).byStatus.pending === 2, { until: clock.now() + 5_000 });
    const waiting = await store.list({ status: 'pending' });
    expect(waiting.map((j) => [j.payload, j.attempts, j.lockedBy])).toEqual([
      [1, 0, null],
      [2, 0, null],
    ]);
    held.open();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect((await store.list({ status: 'done' })).map((j) => [j.payload, j.attempts])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it('the next job starts while the previous completion is still being written', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 2; i++) await store.enqueue({ queue: 'orders', payload: i });
    const write = gate();
    const completeMany = store.completeMany.bind(store);
    let writes = 0;
    store.completeMany = async (entries: CompleteEntry[]): Promise<CompleteOutcome[]> => {
      if (writes++ === 0) await write.wait;
      return completeMany(entries);
    };
    const started: unknown[] = [];
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, prefetch: 1, batchCompletions: true, handler: async (job) => void started.push(job.payload) });
    await worker.start();
    await flush();
    // Job 0's completion is out (held); job 1 already ran in the slot it freed.
    expect(started).toEqual([0, 1]);
    expect((await store.get((await store.list())[0]!.id))?.status).toBe('processing');
    write.open();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect((await store.list({ status: 'done' })).length).toBe(2);
  });

  it('refills the buffer in batches: once it is down to a quarter, for what it lacks', async () => {
    const { clock, store } = setup();
    await store.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ queue: 'orders', payload: i })));
    const asks: number[] = [];
    const acquire = store.acquire.bind(store);
    store.acquire = (req) => {
      asks.push(req.limit ?? 1);
      return acquire(req);
    };
    const gates: (() => void)[] = [];
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, prefetch: 8, handler: () => new Promise<void>((r) => gates.push(r)) });
    await worker.start();
    await flush();
    expect(asks).toEqual([9]);
    const seen: number[][] = [];
    for (let i = 0; i < 6; i++) {
      gates.shift()!();
      await flush();
      seen.push([worker.getStatus().prefetched, asks.length]);
    }
    // No claim while the buffer holds more than 2 of 8; at 2, one claim for the 6 it lacks.
    expect(seen.map(([, n]) => n)).toEqual([1, 1, 1, 1, 1, 2]);
    expect(asks).toEqual([9, 6]);
    expect(worker.getStatus().prefetched).toBe(8);
    const stopping = worker.stop();
    for (const open of gates.splice(0)) open();
    await stopping;
  });

  it('keeps a second claim out beside a slow first one, never a third, and never asks for more than the slots and the buffer hold', async () => {
    const { clock, store } = setup();
    const total = 60;
    await store.enqueueMany(Array.from({ length: total }, (_, i) => ({ queue: 'orders', payload: i })));
    const max = 2;
    const prefetch = 4;
    // Every acquire waits until the test lets it answer, oldest first.
    const waiting: (() => void)[] = [];
    const asks: number[] = [];
    let out = 0;
    let mostOut = 0;
    let mostAsked = 0;
    const slow = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'acquire') {
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? v.bind(target) : v;
        }
        return async (req: { limit: number }) => {
          asks.push(req.limit);
          out++;
          mostOut = Math.max(mostOut, out);
          mostAsked = Math.max(mostAsked, asks.slice(asks.length - out).reduce((a, b) => a + b, 0));
          await new Promise<void>((r) => waiting.push(r));
          try {
            return await target.acquire(req as never);
          } finally {
            out--;
          }
        };
      },
    });
    const started: number[] = [];
    const worker = makeWorker({ store: slow, clock, maxConcurrentJobs: max, prefetch, pollIntervalMs: 1000, handler: async (job) => {
      started.push(job.payload as number);
    } });
    await worker.start();
    for (let round = 0; (await store.stats()).byStatus.done < total; round++) {
      if (round > 10_000) throw new Error(`stuck: ${JSON.stringify({ asks, out, status: worker.getStatus().prefetched })}`);
      await flush();
      const answer = waiting.shift();
      if (answer) answer();
      else {
        // No claim to answer: the worker sleeps (a poll); wake it on the clock.
        const at = clock.nextWakeAt();
        if (at !== undefined) clock.set(at);
      }
    }
    // A claim still out when stop() is called answers too (its leases go back unstarted).
    let stopped = false;
    const stopping = worker.stop().then(() => void (stopped = true));
    while (!stopped) {
      waiting.shift()?.();
      await flush();
    }
    await stopping;
    expect(mostOut).toBe(2);
    // The claims out together never asked for more leases than free slots plus the buffer.
    expect(mostAsked).toBeLessThanOrEqual(max + prefetch);
    expect([...started].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect((await store.list({ status: 'done', limit: 1000 })).every((j) => j.attempts === 1)).toBe(true);
  });

  it('a job enqueued while a claim is out starts at once, not a poll later (the wake-up is not lost)', async () => {
    const { clock, store } = setup();
    const held: (() => void)[] = [];
    let claims = 0;
    const slow = new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'acquire') return typeof v === 'function' ? v.bind(target) : v;
        return async (req: never) => {
          claims++;
          const leases = await target.acquire(req);
          await new Promise<void>((r) => held.push(r));
          return leases;
        };
      },
    });
    let startedAt: number | undefined;
    const worker = makeWorker({ store: slow, clock, maxConcurrentJobs: 1, prefetch: 2, pollIntervalMs: 60_000, handler: async () => {
      startedAt = clock.now();
    } });
    const t0 = clock.now();
    await worker.start();
    await flush();
    expect(held).toHaveLength(1);
    // The claim has read an empty queue; the job arrives before it answers.
    await store.enqueue({ queue: 'orders', payload: 1 });
    held.shift()!();
    for (let i = 0; i < 20 && startedAt === undefined; i++) {
      await flush();
      held.shift()?.();
    }
    // Started with the clock where it was: no poll (60 s) in between.
    expect(startedAt).toBe(t0);
    expect(clock.now()).toBe(t0);
    expect(claims).toBeGreaterThanOrEqual(2);
    let stopped = false;
    const stopping = worker.stop().then(() => void (stopped = true));
    while (!stopped) {
      held.shift()?.();
      await flush();
    }
    await stopping;
  });

  it('without prefetch, one claim at a time', async () => {
    const { clock, store } = setup();
    await store.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ queue: 'orders', payload: i })));
    let out = 0;
    let mostOut = 0;
    const counted = new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'acquire') return typeof v === 'function' ? v.bind(target) : v;
        return async (req: never) => {
          mostOut = Math.max(mostOut, ++out);
          await flush(2);
          try {
            return await target.acquire(req);
          } finally {
            out--;
          }
        };
      },
    });
    const worker = makeWorker({ store: counted, clock, maxConcurrentJobs: 3, handler: async () => undefined });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(mostOut).toBe(1);
  });

  it('is off by default; a bad value names the field', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'orders', payload: 1 });
    await store.enqueue({ queue: 'orders', payload: 2 });
    const held = gate();
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, handler: async () => held.wait });
    await worker.start();
    await flush();
    expect((await store.stats()).byStatus).toMatchObject({ processing: 1, pending: 1 });
    expect(worker.getStatus().prefetched).toBe(0);
    held.open();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(() => makeWorker({ store, clock, handler: async () => undefined, prefetch: -1 })).toThrow(expect.objectContaining({ field: 'prefetch' }));
    expect(() => makeWorker({ store, clock, handler: async () => undefined, prefetch: 1.5 })).toThrow(expect.objectContaining({ field: 'prefetch' }));
  });

  it('a claim slower than the start bound still starts the jobs for its free slots (only buffered ones are handed back)', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 3; i++) await store.enqueue({ queue: 'orders', payload: i });
    const acquire = store.acquire.bind(store);
    let claims = 0;
    store.acquire = async (req) => {
      const leases = await acquire(req);
      claims++;
      clock.advance(6_000); // the round trip took more than half of the 10 s lease
      return leases;
    };
    const started: unknown[] = [];
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, prefetch: 2, leaseDurationSeconds: 10, handler: async (job) => void started.push(job.payload) });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(started).toEqual([0, 1, 2]);
    expect(claims).toBeLessThan(10);
    expect((await store.list({ status: 'done' })).map((j) => j.attempts)).toEqual([1, 1, 1]);
  });

  it('stop() is not held up by a hand-back that never answers: it waits at most the lease time left', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 3; i++) await store.enqueue({ queue: 'orders', payload: i });
    store.release = () => new Promise(() => {});
    const worker = makeWorker({ store, clock, maxConcurrentJobs: 1, prefetch: 2, leaseDurationSeconds: 10, handler: async () => undefined });
    const stopped = gate();
    worker.on('worker:stopped', () => stopped.open());
    let running = true;
    const ran = gate();
    // The first job runs; stop while the other two sit in the buffer.
    worker.on('job:started', () => ran.open());
    await worker.start();
    await ran.wait;
    const stopping = worker.stop().then(() => (running = false));
    await runUntil(clock, () => !running, { until: clock.now() + 10_000 });
    await stopping;
    await stopped.wait;
    expect(worker.getStatus().state).toBe('stopped');
    // Nobody answered the releases: the two buffered leases simply run out, nothing else.
    expect((await store.stats()).byStatus).toMatchObject({ done: 1, processing: 2 });
  });
});
