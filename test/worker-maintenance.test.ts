/**
 * Periodic maintenance on the worker's service runner, on the worker's clock: the reaper puts
 * jobs of leases that ran out back in line every `reapIntervalMs` (before, it ran only at
 * start, so a job in a queue no running worker served sat expired until a restart), and
 * retention prunes finished jobs past an age. Both are safe when many processes run them:
 * three workers on one SQLite file or one MySQL database reap each job once and prune each
 * job once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { KeyRetiredError, ValidationError } from '../src/domain/errors.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { ProcessingWorker } from '../src/app/worker/processing-worker.js';
import type { WorkerOptions } from '../src/app/worker/worker-options.js';
import { flush, runUntil } from '../src/app/testing.js';
import { controllable, makeWorker, setup, T0 } from './support/worker-fixtures.js';
import { describeMysql, freshMysqlStore } from './support/mysql.js';

const S = 1000;
const ok = async (): Promise<string> => 'ok';

/** Finished jobs made through the store itself: `n` done jobs with keys `${tag}-i`, finished now. */
async function finishJobs(store: LeaseStore, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { job } = await store.enqueue({ queue: 'done-here', key: `${tag}-${i}`, payload: { i } });
    ids.push(job.id);
  }
  for (const lease of await store.acquire({ workerId: 'finisher', leaseMs: 60 * S, queues: ['done-here'], limit: n })) await store.complete(lease, 'ok');
  return ids;
}

describe('the reaper', () => {
  it('puts a job whose lease ran out, in a queue no worker serves, back in line at its next run (not only at start)', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'unserved', payload: null });
    await store.acquire({ workerId: 'gone', leaseMs: 2 * S, queues: ['unserved'] });
    const w = makeWorker({ store, clock, queues: ['q'], handler: ok, pollIntervalMs: 3_600_000, reapIntervalMs: 10 * S });
    await w.start();
    // The start-up reap found nothing: the lease runs out at T0 + 2 s.
    await runUntil(clock, () => false, { until: T0 + 9 * S });
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', lockedBy: 'gone' });
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'retry');
    expect(clock.now()).toBe(T0 + 10 * S);
    expect(await store.get(job.id)).toMatchObject({ status: 'retry', lockedBy: null, leaseExpiries: 1, attempts: 1 });
    expect(w.getStatus().counts.reaped).toBe(1);
    await w.stop();
  });

  it('with reapIntervalMs 0 reaps only at start', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'unserved', payload: null });
    await store.acquire({ workerId: 'gone', leaseMs: 2 * S, queues: ['unserved'] });
    const w = makeWorker({ store, clock, queues: ['q'], handler: ok, pollIntervalMs: 30 * S, reapIntervalMs: 0 });
    await w.start();
    await runUntil(clock, () => false, { until: T0 + 600 * S });
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', lockedBy: 'gone' });
    expect(w.getStatus().counts.reaped).toBe(0);
    await w.stop();
  });

  it('a reap that fails is reported (during "reap") and the next one runs at its interval', async () => {
    const { clock, store: inner } = setup();
    const c = controllable(inner);
    const { job } = await inner.enqueue({ queue: 'unserved', payload: null });
    await inner.acquire({ workerId: 'gone', leaseMs: 2 * S, queues: ['unserved'] });
    const w = makeWorker({ store: c.store, clock, queues: ['q'], handler: ok, pollIntervalMs: 3_600_000, reapIntervalMs: 10 * S });
    const errors: string[] = [];
    w.on('worker:error', ({ during }) => errors.push(during));
    await w.start();
    c.failNext('reapExpired');
    await runUntil(clock, async () => (await inner.get(job.id))?.status === 'retry');
    expect(errors).toEqual(['reap']);
    expect(clock.now()).toBe(T0 + 20 * S);
    await w.stop();
  });
});

describe('stop() during start()', () => {
  it('starts no upkeep once stop() came while start was still reaping', async () => {
    const { clock, store } = setup();
    let release!: () => void;
    const reaping = new Promise<void>((r) => (release = r));
    let reaps = 0;
    const slowReap = new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'reapExpired') return typeof v === 'function' ? v.bind(target) : v;
        return async () => {
          reaps++;
          await reaping;
          return target.reapExpired();
        };
      },
    });
    const w = makeWorker({ store: slowReap, clock, queues: ['q'], handler: ok, reapIntervalMs: 5 * S, retention: { olderThanMs: S, intervalMs: 5 * S } });
    const starting = w.start();
    await flush();
    const stopping = w.stop();
    release();
    await starting;
    await stopping;
    await flush();
    expect(clock.nextWakeAt()).toBeUndefined();
    clock.advance(60 * S);
    await flush();
    expect(reaps).toBe(1);
  });
});

describe('retention', () => {
  it('prunes finished jobs older than olderThanMs at start and at each interval; younger, open and pending jobs stay; keys stay retired', async () => {
    const { clock, store } = setup();
    const [old] = await finishJobs(store, 1, 'old');
    const { job: pending } = await store.enqueue({ queue: 'elsewhere', payload: null, runAt: T0 + 10_000 * S });
    clock.set(T0 + 35 * S);
    const [young] = await finishJobs(store, 1, 'young');
    const w = makeWorker({ store, clock, queues: ['q'], handler: ok, pollIntervalMs: 3_600_000, retention: { olderThanMs: 60 * S, intervalMs: 10 * S } });
    await w.start();
    // Runs at 35 s (start), 45, 55, 65 s: at 65 s the cut-off is 5 s, past the old job's end at 0 s.
    await runUntil(clock, () => false, { until: T0 + 64 * S });
    expect(await store.get(old!)).toBeDefined();
    await runUntil(clock, async () => (await store.get(old!)) === undefined);
    expect(clock.now()).toBe(T0 + 65 * S);
    expect(await store.get(young!)).toBeDefined();
    // At 95 s the cut-off reaches the young job's end at 35 s (a job exactly olderThanMs old goes).
    await runUntil(clock, async () => (await store.get(young!)) === undefined);
    expect(clock.now()).toBe(T0 + 95 * S);
    expect(await store.get(pending.id)).toMatchObject({ status: 'pending' });
    expect(w.getStatus().counts.pruned).toBe(2);
    await expect(store.enqueue({ queue: 'done-here', key: 'old-0', payload: null })).rejects.toBeInstanceOf(KeyRetiredError);
    await w.stop();
  });

  it('prunes only the statuses it is given', async () => {
    const { clock, store } = setup();
    const [done] = await finishJobs(store, 1, 'd');
    const { job: failing } = await store.enqueue({ queue: 'done-here', payload: null });
    const [lease] = await store.acquire({ workerId: 'f', leaseMs: 60 * S, queues: ['done-here'] });
    await store.fail(lease!, new Error('no'), { permanent: true });
    clock.set(T0 + 120 * S);
    const w = makeWorker({ store, clock, queues: ['q'], handler: ok, pollIntervalMs: 3_600_000, retention: { olderThanMs: 60 * S, statuses: ['done'] } });
    await w.start();
    await runUntil(clock, async () => (await store.get(done!)) === undefined);
    expect(await store.get(failing.id)).toMatchObject({ status: 'failed' });
    await w.stop();
  });

  it('a prune that fails is reported (during "prune"), nothing is lost, and the next interval prunes', async () => {
    const { clock, store: inner } = setup();
    const c = controllable(inner);
    const [done] = await finishJobs(inner, 1, 'd');
    clock.set(T0 + 120 * S);
    c.failNext('prune');
    const w = makeWorker({ store: c.store, clock, queues: ['q'], handler: ok, pollIntervalMs: 3_600_000, retention: { olderThanMs: 60 * S, intervalMs: 30 * S } });
    const errors: string[] = [];
    w.on('worker:error', ({ during }) => errors.push(during));
    await w.start();
    await runUntil(clock, async () => (await inner.get(done!)) === undefined);
    expect(errors).toEqual(['prune']);
    expect(clock.now()).toBe(T0 + 150 * S);
    await w.stop();
  });
});

describe('maintenance options are checked, naming the field', () => {
  const { store } = setup();
  const fieldOf = (extra: Partial<WorkerOptions>): string => {
    try {
      new ProcessingWorker({ store, handler: ok, handleSignals: false, liveness: false, ...extra });
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).field;
    }
    throw new Error('expected a ValidationError');
  };

  it.each([
    [{ reapIntervalMs: -1 }, 'reapIntervalMs'],
    [{ reapIntervalMs: '1m' }, 'reapIntervalMs'],
    [{ retention: 7 }, 'retention'],
    [{ retention: {} }, 'retention.olderThanMs'],
    [{ retention: { olderThanMs: -5 } }, 'retention.olderThanMs'],
    [{ retention: { olderThanMs: 1000, every: 5 } }, 'retention.every'],
    [{ retention: { olderThanMs: 1000, intervalMs: 0 } }, 'retention.intervalMs'],
    [{ retention: { olderThanMs: 1000, statuses: ['pending'] } }, 'retention.statuses'],
    [{ retention: { olderThanMs: 1000, statuses: [] } }, 'retention.statuses'],
    [{ retention: { olderThanMs: 1000, forgetKeysOlderThanMs: 'never' } }, 'retention.forgetKeysOlderThanMs'],
  ])('%j is refused as %s', (extra, field) => {
    expect(fieldOf(extra as Partial<WorkerOptions>)).toBe(field);
  });

  it('retention: false and reapIntervalMs: 0 are accepted', () => {
    expect(() => new ProcessingWorker({ store, handler: ok, handleSignals: false, liveness: false, retention: false, reapIntervalMs: 0 })).not.toThrow();
  });
});

/**
 * Three workers, each on its own store object (as three processes would be), with the reaper
 * and retention due at the same instants: every expired job is reaped once (one lease expiry,
 * not three), every old job pruned once, and no worker reports an error.
 */
async function threeWorkersShareMaintenance(open: (clock: ManualClock) => Promise<LeaseStore[]>): Promise<void> {
  const clock = new ManualClock(T0);
  const stores = await open(clock);
  const [first] = stores;
  try {
    const finished = await finishJobs(first!, 30, 'old');
    const expiring: string[] = [];
    for (let i = 0; i < 10; i++) expiring.push((await first!.enqueue({ queue: 'unserved', payload: { i } })).job.id);
    await first!.acquire({ workerId: 'gone', leaseMs: 2 * S, queues: ['unserved'], limit: 10 });
    clock.set(T0 + 120 * S);
    // The leases ran out at T0 + 2 s; each worker's start-up reap races the others.
    const errors: unknown[] = [];
    const workers = stores.map((store, i) => {
      const w = makeWorker({ store, clock, workerId: `w${i}`, queues: ['q'], handler: ok, pollIntervalMs: 3_600_000, reapIntervalMs: 5 * S, retention: { olderThanMs: 60 * S, intervalMs: 5 * S } });
      w.on('worker:error', ({ error }) => errors.push(error));
      return w;
    });
    await Promise.all(workers.map((w) => w.start()));
    await runUntil(clock, () => false, { until: T0 + 140 * S });
    for (const w of workers) await w.stop();
    expect(errors).toEqual([]);
    for (const id of finished) expect(await first!.get(id)).toBeUndefined();
    const reaped = await Promise.all(expiring.map((id) => first!.get(id)));
    expect(reaped.map((j) => [j?.status, j?.leaseExpiries, j?.lockedBy])).toEqual(expiring.map(() => ['retry', 1, null]));
    const total = (k: 'reaped' | 'pruned'): number => workers.reduce((n, w) => n + w.getStatus().counts[k], 0);
    // The start-up reap is not counted (only the periodic reaper's are); the 10 jobs went at start.
    expect(total('pruned')).toBe(30);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

describe('many processes run maintenance at once', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('sqlite: three workers on one file reap each job once and prune each job once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-maintenance-'));
    const filename = join(dir, 'jobs.db');
    await threeWorkersShareMaintenance(async (clock) => {
      const stores = [0, 1, 2].map(() => new SqliteLeaseStore({ filename, clock }));
      await stores[0]!.migrate();
      return stores;
    });
  });
});

await describeMysql('mysql: maintenance from many processes', () => {
  it('three workers on one database reap each job once and prune each job once', async () => {
    let dispose: (() => Promise<void>) | undefined;
    try {
      await threeWorkersShareMaintenance(async (clock) => {
        const fresh = await freshMysqlStore({ clock }, 'maint');
        dispose = fresh.dispose;
        // The first store is closed with the others; dispose then drops the database.
        return [fresh.store, ...[0, 1].map(() => new MysqlLeaseStore({ uri: fresh.db.url, clock, connectionLimit: 3 }))];
      });
    } finally {
      await dispose?.().catch(() => undefined);
    }
  });
});
