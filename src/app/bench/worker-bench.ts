/**
 * Workload W: the same store measured through the real ProcessingWorker, so the bench shows
 * what a user gets, not only what the store can do. Per store: enqueue 20,000 jobs one by one
 * and with enqueueMany; process them with a no-op handler at concurrency 1 and 10, next to the
 * store-only claim+complete rate of the same store (target: the worker keeps >= 80% of it);
 * and enqueue-to-start latency with an idle worker woken by the store's onEnqueue (same
 * process; target p50 < 2 ms). The last worker row claims ahead (`W_PREFETCH`: 50 unstarted
 * beside the 10 running, as the peer bench).
 */
import { performance } from 'node:perf_hooks';
import type { NewJob } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { ProcessingWorker } from '../worker/processing-worker.js';
import type { BenchRow, StoreBench } from './bench-types.js';
import { claimCompleteOne, fill, percentile, timed, W_PREFETCH, workerRate } from './bench-util.js';
import { openBenchStore, type BenchStoreName } from './bench-stores.js';

/** Targets of workload W. */
export const WORKER_TARGETS = { shareOfStoreRate: 0.8, enqueueToStartP50Ms: 2 } as const;

/** What the runner knows from the store's own bench. */
export interface WorkerBenchContext {
  /** The store's raw commit ceiling (commits/s: one single-row UPDATE per transaction), from its bench module. */
  ceilingCommitsPerSec?: number;
  /** The store's module already measured enqueue: do not repeat it. */
  skipEnqueue?: boolean;
}

/**
 * The workload W bench for one store.
 * @example const rows = await workerBenchFor('sqlite')({ quick: true });
 */
export function workerBenchFor(name: BenchStoreName, context: WorkerBenchContext = {}): StoreBench {
  return async ({ quick }) => {
    const n = quick ? 2_000 : 20_000;
    const rows: BenchRow[] = [];
    const row = (scenario: string, value: number, unit: string, note?: string): void => {
      rows.push(note === undefined ? { store: name, scenario, value, unit } : { store: name, scenario, value, unit, note });
    };

    if (!context.skipEnqueue) await enqueueRows(name, n, row);

    const storeRate = await withStore(name, async (store) => {
      await fill(store, n, 'w', 1000);
      return claimCompleteOne(store, n);
    });
    const storeCeiling = context.ceilingCommitsPerSec ? `; ${Math.round((storeRate / (context.ceilingCommitsPerSec / 2)) * 100)}% of the 2-commit ceiling` : '';
    row(`W: store-only claim+complete one at a time`, storeRate, 'jobs/s', `the worker rows compare with this${storeCeiling}`);

    for (const [concurrency, batchCompletions, prefetch] of [[1, false, 0], [10, false, 0], [10, true, 0], [10, true, W_PREFETCH]] as const) {
      const rate = await withStore(name, async (store) => {
        await fill(store, n, 'w', 1000);
        return workerRate(store, n, { concurrency, batchCompletions, prefetch });
      });
      const share = rate / storeRate;
      // A job costs two commits (claim, complete); batching under concurrency can beat that.
      const ofCeiling = context.ceilingCommitsPerSec ? `; ${Math.round((rate / (context.ceilingCommitsPerSec / 2)) * 100)}% of the 2-commit ceiling` : '';
      row(
        `W: ProcessingWorker no-op, concurrency ${concurrency}${batchCompletions ? ', batchCompletions' : ''}${prefetch > 0 ? `, prefetch ${prefetch}` : ''}`,
        rate,
        'jobs/s',
        `${Math.round(share * 100)}% of store-only (target >= ${WORKER_TARGETS.shareOfStoreRate * 100}%: ${share >= WORKER_TARGETS.shareOfStoreRate ? 'met' : 'not met'})${ofCeiling}`,
      );
    }

    const lat = await withStore(name, (store) => enqueueToStart(store, quick ? 200 : 1_000));
    const p50 = percentile(lat, 50);
    row('W: enqueue-to-start p50, idle worker (onEnqueue wake-up)', p50, 'ms', `target < ${WORKER_TARGETS.enqueueToStartP50Ms} ms: ${p50 < WORKER_TARGETS.enqueueToStartP50Ms ? 'met' : 'not met'}`);
    row('W: enqueue-to-start p99, idle worker', percentile(lat, 99), 'ms');
    return rows;
  };
}

async function enqueueRows(name: BenchStoreName, n: number, row: (scenario: string, value: number, unit: string) => void): Promise<void> {
  await withStore(name, async (store) => {
    const ms = await timed(async () => {
      for (let i = 0; i < n; i++) await store.enqueue({ queue: 'w', payload: { i } });
    });
    row(`W: enqueue ${n.toLocaleString('en-US')} one by one`, (n / ms) * 1000, 'jobs/s');
  });
  await withStore(name, async (store) => {
    const ms = await timed(async () => {
      for (let done = 0; done < n; done += 1000) {
        const jobs: NewJob[] = [];
        for (let i = done; i < Math.min(n, done + 1000); i++) jobs.push({ queue: 'w', payload: { i } });
        await store.enqueueMany(jobs);
      }
    });
    row(`W: enqueue ${n.toLocaleString('en-US')} with enqueueMany(1000)`, (n / ms) * 1000, 'jobs/s');
  });
}

async function withStore<T>(name: BenchStoreName, fn: (store: LeaseStore) => Promise<T>): Promise<T> {
  const opened = await openBenchStore(name);
  try {
    return await fn(opened.store);
  } finally {
    await opened.dispose();
  }
}

/**
 * Enqueues `samples` jobs one after another into an idle worker and records, for each, the
 * time from calling enqueue to the handler starting. The poll interval is long, so only the
 * store's onEnqueue wake-up can make this fast.
 */
async function enqueueToStart(store: LeaseStore, samples: number): Promise<number[]> {
  const out: number[] = [];
  let started: (() => void) | undefined;
  const worker = new ProcessingWorker({
    store,
    handler: async () => {
      started?.();
    },
    handleSignals: false,
    pollIntervalMs: 60_000,
  });
  let idle: (() => void) | undefined;
  worker.on('job:completed', () => idle?.());
  await worker.start();
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const begun = new Promise<number>((r) => (started = () => r(performance.now())));
    const finished = new Promise<void>((r) => (idle = r));
    await store.enqueue({ queue: 'lat', payload: { i } });
    out.push((await begun) - t0);
    await finished;
  }
  await worker.stop();
  return out;
}
