/**
 * The peer in the same run: graphile-worker on PostgreSQL (`PG_URL`, default
 * postgres://postgres@127.0.0.1:5432/postgres) against leasehold's MySQL worker, on workload W
 * (20,000 no-op jobs, one worker process, concurrency 10). graphile-worker runs with its
 * local queue (50) and batched completions, the settings its authors recommend for
 * throughput; leasehold with as many claimed ahead (`W_PREFETCH`: 50 unstarted beside the 10
 * running, as graphile's local queue) and its group-committed completions. Runs are interleaved (peer, ours, peer,
 * ours, ...) and the ratio is of medians, so a machine that gets busier during the run
 * weighs on both. Every row says the machine's load average when it was measured.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openBenchStore } from './bench-stores.js';
import type { BenchRow, StoreBench } from './bench-types.js';
import { fill, W_PREFETCH, workerRate } from './bench-util.js';

/** The PostgreSQL server the peer runs on (a database of its own is created there, then dropped). */
export const BENCH_PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Interleaved runs per side; the figures are their medians. */
export const PEER_ROUNDS = 3;

/** Undefined when PostgreSQL answers at `PG_URL` and graphile-worker is installed, else why not. */
export async function peerProblem(): Promise<string | undefined> {
  try {
    await import('graphile-worker');
    const { Client } = (await import('pg')).default;
    const client = new Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 3000 });
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The load average now, as the rows print it. */
function load(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A fresh database on the PostgreSQL server, migrated for graphile-worker, and how to drop it. */
async function freshPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { Client } = (await import('pg')).default;
  const name = `lh_peer_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(BENCH_PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** graphile-worker processes `n` queued no-op jobs; jobs/s from run() to the last success. */
async function graphileRate(n: number): Promise<number> {
  const gw = await import('graphile-worker');
  const { Pool } = (await import('pg')).default;
  const db = await freshPgDatabase();
  // Our own pool, ended (awaited) before the database is dropped: graphile-worker ends a pool
  // it made without waiting, and DROP ... WITH (FORCE) then kills its idle connections, an
  // 'error' on a pool nobody listens to any more, which ends this process.
  const pgPool = new Pool({ connectionString: db.url, max: 12 });
  pgPool.on('error', () => undefined);
  pgPool.on('connect', (client) => void client.on('error', () => undefined));
  try {
    const preset = { worker: { concurrentJobs: 10, maxPoolSize: 12, pollInterval: 50, localQueue: { size: 50 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
    const utils = await gw.makeWorkerUtils({ preset, pgPool });
    try {
      await utils.migrate();
      for (let done = 0; done < n; done += 1000) {
        const size = Math.min(1000, n - done);
        await utils.addJobs(Array.from({ length: size }, (_, i) => ({ identifier: 'noop', payload: { n: done + i } })));
      }
    } finally {
      await utils.release();
    }
    let completed = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const t0 = performance.now();
    const runner = await gw.run({
      preset,
      pgPool,
      noHandleSignals: true,
      taskList: { noop: async () => undefined },
      logger: new gw.Logger(() => () => undefined),
    });
    runner.events.on('job:success', () => {
      if (++completed === n) resolveDone();
    });
    await done;
    const ms = performance.now() - t0;
    await runner.stop();
    return (n / ms) * 1000;
  } finally {
    await pgPool.end();
    await db.drop();
  }
}

/** leasehold's ProcessingWorker on MySQL, the same workload and concurrency. */
async function leaseholdMysqlRate(n: number): Promise<number> {
  const opened = await openBenchStore('mysql');
  try {
    await fill(opened.store, n, 'w', 1000);
    return await workerRate(opened.store, n, { concurrency: 10, prefetch: W_PREFETCH, batchCompletions: true });
  } finally {
    await opened.dispose();
  }
}

/**
 * The peer rows: graphile-worker's rate, ours on MySQL, and the ratio (target >= 1.0).
 * @example const rows = await runPeerBench({ quick: true });
 */
export const runPeerBench: StoreBench = async ({ quick }) => {
  const n = quick ? 2_000 : 20_000;
  const rounds = quick ? 1 : PEER_ROUNDS;
  const peer: number[] = [];
  const ours: number[] = [];
  const loads: string[] = [];
  for (let i = 0; i < rounds; i++) {
    peer.push(await graphileRate(n));
    ours.push(await leaseholdMysqlRate(n));
    loads.push(load());
  }
  const p = median(peer);
  const o = median(ours);
  const ratio = o / p;
  const each = (xs: number[]): string => xs.map((x) => Math.round(x)).join(', ');
  const rows: BenchRow[] = [
    { store: 'peer', scenario: `W: graphile-worker no-op, concurrency 10, localQueue 50, batched completes (PostgreSQL)`, value: p, unit: 'jobs/s', note: `median of ${each(peer)}; ${loads.join('; ')}` },
    { store: 'peer', scenario: `W: leasehold MySQL worker no-op, concurrency 10, prefetch ${W_PREFETCH}, batched completes (same run)`, value: o, unit: 'jobs/s', note: `median of ${each(ours)}` },
    { store: 'peer', scenario: 'W: leasehold MySQL / graphile-worker', value: ratio, unit: 'ratio', note: `target >= 1.0: ${ratio >= 1 ? 'met' : 'not met'}` },
  ];
  return rows;
};
