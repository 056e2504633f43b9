/**
 * /metrics against `status --json`: on a quiet database (no worker running) the store-derived
 * gauges, parsed by a Prometheus text parser, say what `leasehold status --json` says. Then
 * the worker's own counters and histograms, fed by its events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clocks/manual-clock.js';
import { SqliteLeaseStore } from '../../src/adapters/sqlite/index.js';
import { MysqlLeaseStore } from '../../src/adapters/mysql/index.js';
import { JOB_STATUSES } from '../../src/domain/job.js';
import { runCli } from '../../src/app/cli/program.js';
import type { StatusReport } from '../../src/app/cli/status.js';
import { registerWorkerMetrics } from '../../src/app/dashboard/index.js';
import { createTestDatabase, describeMysql, endAdminPool } from '../support/mysql.js';
import { controllable, makeWorker, setup, T0 } from '../support/worker-fixtures.js';
import { runUntil, runUntilIdle } from '../../src/app/testing.js';
import { populate, samples } from './metrics-support.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} });
  return { code, stdout, stderr };
}

const HOUR = 3_600_000;
const past = { now: () => Date.now() - HOUR };

/** Scrapes `leasehold metrics`, reads `leasehold status --json`, and holds one to the other. */
async function expectMetricsMatchStatus(db: string): Promise<void> {
  const scrape = await cli(['--db', db, 'metrics']);
  expect(scrape.code, scrape.stderr).toBe(0);
  const status = await cli(['--db', db, 'status', '--json']);
  expect(status.code, status.stderr).toBe(0);
  const report = JSON.parse(status.stdout) as StatusReport;
  const m = samples(scrape.stdout);
  let total = 0;
  for (const [queue, counts] of Object.entries(report.byQueue)) {
    for (const s of JOB_STATUSES) {
      expect(m.get(`leasehold_jobs{queue="${queue}",status="${s}"}`), `${queue}/${s}`).toBe(counts[s]);
      total += counts[s];
    }
  }
  expect(total).toBe(report.total);
  expect(report.total).toBeGreaterThan(0);
  const sum = (name: string): number => [...m].filter(([k]) => k.startsWith(`${name}{`)).reduce((n, [, v]) => n + v, 0);
  expect(sum('leasehold_leases_active')).toBe(report.activeLeases.length);
  expect(sum('leasehold_leases_expired')).toBe(report.expiredLeases.length);
  expect(report.expiredLeases.length).toBe(1);
  expect(m.get('leasehold_workers_holding_leases')).toBe(new Set(report.activeLeases.map((l) => l.lockedBy)).size);
  // Lag: the largest per-queue lag is status's oldest waiting job; the two reads are a moment apart.
  const lag = Math.max(...[...m].filter(([k]) => k.startsWith('leasehold_queue_lag_seconds{')).map(([, v]) => v));
  expect(report.oldestWaiting).not.toBeNull();
  expect(Math.abs(lag * 1000 - report.oldestWaiting!.waitingMs)).toBeLessThan(60_000);
  expect(lag).toBeGreaterThan(HOUR / 1000 - 60);
  // Never an id or a key in a label.
  expect(scrape.stdout).not.toMatch(/order-|job_id|key=/);
}

describe('metrics: SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a scrape on a quiet database parses and matches status --json', async () => {
    const file = join(dir, 'quiet.db');
    const store = new SqliteLeaseStore({ filename: file });
    await store.migrate();
    const old = new SqliteLeaseStore({ filename: file, clock: past });
    await populate(store, old);
    await old.close();
    await store.close();
    await expectMetricsMatchStatus(`sqlite:${file}`);
  });
});

await describeMysql('metrics: MySQL', () => {
  afterAll(endAdminPool);
  it('a scrape on a quiet database parses and matches status --json', async () => {
    const db = await createTestDatabase('metrics');
    try {
      const store = new MysqlLeaseStore({ uri: db.url, clock: { now: () => Date.now() } });
      await store.migrate();
      const old = new MysqlLeaseStore({ uri: db.url, clock: past });
      await populate(store, old);
      await old.close();
      await store.close();
      await expectMetricsMatchStatus(db.url);
    } finally {
      await db.drop();
    }
  });
});

describe('worker metrics', () => {
  async function valueOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
    const metric = await registry.getSingleMetric(name)!.get();
    const found = metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return found?.value ?? 0;
  }

  it('counts completions, retries, failures, takeovers, lost leases and steps in doubt by queue', async () => {
    const { clock, store } = setup();
    const registry = new Registry();
    let calls = 0;
    const worker = makeWorker({
      store,
      clock,
      leaseDurationSeconds: 10,
      pollIntervalMs: 100,
      handlers: {
        orders: async () => {
          if (++calls === 1) throw new Error('exchange busy');
          return 'ok';
        },
        mail: async () => {
          throw new Error('smtp down');
        },
      },
    });
    const stop = registerWorkerMetrics(worker, registry, { clock });
    // A job whose first holder died inside a step: the next attempt takes it over and finds the step in doubt.
    const { job: orphan } = await store.enqueue({ queue: 'orders', payload: 1, runAt: T0 });
    const [dead] = await store.acquire({ workerId: 'dead', leaseMs: 1000 });
    await store.beginStep(dead!, 'place');
    const inDoubtHandler = makeWorker({ store, clock, workerId: 'w2', leaseDurationSeconds: 10, handler: async (_job, ctx) => ctx.step('place', async () => 'placed') });
    registerWorkerMetrics(inDoubtHandler, registry, { clock });
    clock.advance(2000);
    await inDoubtHandler.start();
    await runUntilIdle(store, clock);
    await inDoubtHandler.stop();
    expect((await store.get(orphan.id))?.status).toBe('done');

    await store.enqueue({ queue: 'orders', payload: 2 });
    await store.enqueue({ queue: 'mail', payload: 3, maxAttempts: 1 });
    clock.advance(1500); // enqueue-to-start: 1.5 s
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    stop();

    expect(await valueOf(registry, 'leasehold_worker_jobs_completed_total', { queue: 'orders' })).toBe(2);
    expect(await valueOf(registry, 'leasehold_worker_jobs_retried_total', { queue: 'orders' })).toBe(1);
    expect(await valueOf(registry, 'leasehold_worker_jobs_failed_total', { queue: 'mail' })).toBe(1);
    expect(await valueOf(registry, 'leasehold_worker_jobs_failed_total', { queue: 'orders' })).toBe(0);
    expect(await valueOf(registry, 'leasehold_worker_takeovers_total', { queue: 'orders' })).toBe(1);
    expect(await valueOf(registry, 'leasehold_worker_steps_in_doubt_total', { queue: 'orders', decision: 'rerun' })).toBe(1);
    const toStart = await registry.getSingleMetric('leasehold_worker_enqueue_to_start_seconds')!.get();
    const count = toStart.values.find((v) => (v as { metricName?: string }).metricName === 'leasehold_worker_enqueue_to_start_seconds_count' && v.labels.queue === 'orders');
    expect(count?.value).toBe(1); // only first attempts: the orphan's was 'dead''s, and job 2's retry is its second
    const within = toStart.values.find((v) => (v as { metricName?: string }).metricName === 'leasehold_worker_enqueue_to_start_seconds_bucket' && v.labels.queue === 'mail' && v.labels.le === 2.5);
    expect(within?.value).toBe(1);
    const durations = await registry.getSingleMetric('leasehold_worker_job_duration_seconds')!.get();
    const completedCount = durations.values.find((v) => (v as { metricName?: string }).metricName === 'leasehold_worker_job_duration_seconds_count' && v.labels.queue === 'orders' && v.labels.outcome === 'completed');
    expect(completedCount?.value).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain('leasehold_worker_job_duration_seconds_count{queue="orders",outcome="completed"} 2');
    expect(text).not.toMatch(/job_?id|"dead"|w2/);
  });

  it('counts a lost lease under its queue', async () => {
    const { clock, store } = setup();
    const c = controllable(store);
    const registry = new Registry();
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    } });
    registerWorkerMetrics(worker, registry, { clock });
    await store.enqueue({ queue: 'orders', payload: 1 });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    c.pause(); // the process freezes: its heartbeat does not get through, another worker takes the job over
    clock.advance(10_000);
    expect(await store.acquire({ workerId: 'other', leaseMs: 60_000 })).toHaveLength(1);
    c.resume();
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    await worker.stop();
    expect(await valueOf(registry, 'leasehold_worker_leases_lost_total', { queue: 'orders' })).toBe(1);
  });

  it('counts a takeover held back by a step deadline under its queue, once per held lease', async () => {
    const { clock, store } = setup();
    const registry = new Registry();
    await store.enqueue({ queue: 'orders', payload: 1 });
    const [frozen] = await store.acquire({ workerId: 'frozen', leaseMs: 10_000 });
    await store.beginStep(frozen!, 'place', { deadlineAt: T0 + 9_500 });
    const worker = makeWorker({ store, clock, pollIntervalMs: 250, leaseDurationSeconds: 10, handler: async () => 'placed' });
    registerWorkerMetrics(worker, registry, { clock });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(await valueOf(registry, 'leasehold_worker_takeovers_held_back_total', { queue: 'orders' })).toBe(1);
    expect(await valueOf(registry, 'leasehold_worker_takeovers_total', { queue: 'orders' })).toBe(1);
  });
});
