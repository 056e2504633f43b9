/**
 * Small helpers the per-store benches share: timing, filling a queue, percentiles.
 * Timing lives only in src/app/bench; tests never assert on it.
 */
import { performance } from 'node:perf_hooks';
import type { NewJob } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { ProcessingWorker } from '../worker/processing-worker.js';

/**
 * Leases workload W claims ahead (`prefetch`): 50 unstarted beside the 10 running, the local
 * queue of the peer bench's graphile-worker (its queue holds only jobs no worker has taken yet,
 * and it fetches 50 at a time once that queue is empty).
 */
export const W_PREFETCH = 50;

/** Runs `fn` and returns how long it took, in ms. */
export async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Enqueues `n` small jobs on `queue` with enqueueMany, `chunk` at a time. */
export async function fill(store: LeaseStore, n: number, queue = 'bench', chunk = 10_000): Promise<void> {
  for (let done = 0; done < n; done += chunk) {
    const size = Math.min(chunk, n - done);
    const jobs: NewJob[] = new Array(size);
    for (let i = 0; i < size; i++) jobs[i] = { queue, payload: { n: done + i } };
    await store.enqueueMany(jobs);
  }
}

/** Claims and completes one job at a time until `n` are done. Returns jobs/s. */
export async function claimCompleteOne(store: LeaseStore, n: number, workerId = 'bench'): Promise<number> {
  let done = 0;
  const ms = await timed(async () => {
    while (done < n) {
      const [lease] = await store.acquire({ workerId, leaseMs: 60_000 });
      if (!lease) break;
      await store.complete(lease);
      done++;
    }
  });
  return (done / ms) * 1000;
}

/** Claims `batch` jobs per acquire and completes them with one completeMany until `n` are done. Returns jobs/s. */
export async function claimCompleteBatch(store: LeaseStore, n: number, batch: number, workerId = 'bench'): Promise<number> {
  let done = 0;
  const ms = await timed(async () => {
    while (done < n) {
      const leases = await store.acquire({ workerId, leaseMs: 60_000, limit: Math.min(batch, n - done) });
      if (leases.length === 0) break;
      await store.completeMany(leases.map((lease) => ({ lease })));
      done += leases.length;
    }
  });
  return (done / ms) * 1000;
}

/**
 * Mean cost of one `acquire` (µs) with `depth` jobs queued: each claimed job is completed and
 * replaced outside the timed section, so the queue stays at `depth` throughout.
 */
export async function claimCost(store: LeaseStore, depth: number, claims: number, workerId = 'bench'): Promise<number> {
  await fill(store, depth);
  let spent = 0;
  let next = depth;
  for (let i = 0; i < claims; i++) {
    const t0 = performance.now();
    const [lease] = await store.acquire({ workerId, leaseMs: 60_000 });
    spent += performance.now() - t0;
    if (!lease) throw new Error('claimCost: the queue ran dry');
    await store.complete(lease);
    await store.enqueue({ queue: 'bench', payload: { n: next++ } });
  }
  return (spent / claims) * 1000;
}

/** The p-th percentile (0-100) of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Processes `n` queued jobs through a ProcessingWorker with a no-op handler; jobs/s from
 * start() to the last completion.
 */
export async function workerRate(store: LeaseStore, n: number, opts: { concurrency: number; batchCompletions: boolean; prefetch?: number }): Promise<number> {
  let completed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const worker = new ProcessingWorker({
    store,
    handler: async () => undefined,
    maxConcurrentJobs: opts.concurrency,
    batchCompletions: opts.batchCompletions,
    prefetch: opts.prefetch ?? 0,
    handleSignals: false,
    pollIntervalMs: 50,
  });
  worker.on('job:completed', () => {
    if (++completed === n) resolveDone();
  });
  const t0 = performance.now();
  await worker.start();
  await done;
  const ms = performance.now() - t0;
  await worker.stop();
  return (n / ms) * 1000;
}
