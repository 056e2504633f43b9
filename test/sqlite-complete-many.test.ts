import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';
import { ManualClock } from '../src/testing/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { LeaseholdError, StoreUnavailableError } from '../src/domain/errors.js';
import type { CompleteOutcome } from '../src/domain/job.js';
import type { LeaseStore } from '../src/ports/lease-store.js';

/** Outcomes as comparable data: the job, or the error's code and field. */
function plain(outcomes: CompleteOutcome[]): unknown[] {
  return outcomes.map((o) => (o.ok ? o : { ok: false, code: (o.error as LeaseholdError).code, field: (o.error as { field?: string }).field }));
}

/**
 * One batch with every awkward entry: the same lease twice, a stale and a fresh lease of one
 * job (in both orders), a lease no store issued, a malformed lease, a bad result.
 */
async function awkwardBatch(store: LeaseStore, clock: ManualClock): Promise<unknown> {
  await store.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ queue: 'q', payload: i })));
  const [a, b] = await store.acquire({ workerId: 'w1', leaseMs: 1000, limit: 2 });
  clock.advance(1000);
  const [a2, b2] = await store.acquire({ workerId: 'w2', leaseMs: 1000, limit: 2 });
  const [c, d, e] = await store.acquire({ workerId: 'w2', leaseMs: 1000, limit: 3 });
  const outcomes = await store.completeMany([
    { lease: c!, result: 'first' },
    { lease: c!, result: 'second' },
    { lease: a!, result: 'stale' },
    { lease: a2!, result: 'fresh' },
    { lease: b2!, result: 'fresh' },
    { lease: b!, result: 'stale' },
    { lease: { ...d!, job: { ...d!.job, id: '99999' } } },
    { lease: { ...d!, token: 0 } },
    { lease: e!, result: (() => 1) as never },
    { lease: d! },
  ]);
  return { outcomes: plain(outcomes), jobs: await store.list() };
}

describe('sqlite: completeMany in one statement', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-cm-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The awkward batch on the model and on a fresh SQLite file (`prepare` runs on the store first), uids left out. */
  async function onBoth(prepare: (store: SqliteLeaseStore) => void = () => {}): Promise<{ expected: unknown; got: unknown }> {
    const modelClock = new ManualClock();
    const expected = await awkwardBatch(new InMemoryLeaseStore({ clock: modelClock }), modelClock);
    const clock = new ManualClock();
    const store = new SqliteLeaseStore({ filename: join(dir, 'jobs.db'), clock });
    try {
      await store.migrate();
      prepare(store);
      // uids are random, drawn by each store: compare everything else.
      return { expected: withoutUids(expected), got: withoutUids(await awkwardBatch(store, clock)) };
    } finally {
      await store.close();
    }
  }

  it('gives every entry the outcome the model gives it', async () => {
    const { expected, got } = await onBoth();
    expect(got).toEqual(expected);
    expect((got as { outcomes: { ok: boolean }[] }).outcomes.map((o) => o.ok)).toEqual([true, false, false, true, true, false, false, false, false, true]);
  });

  /** Cuts every batch into one statement per entry (the budget very large results reach). */
  const oneEntryPerStatement = (store: SqliteLeaseStore): void => {
    (store as unknown as { engine: { completeChunkChars: number } }).engine.completeChunkChars = 1;
  };

  it('in several statements, gives every entry the outcome the model gives it', async () => {
    const { expected, got } = await onBoth(oneEntryPerStatement);
    expect(got).toEqual(expected);
  });

  it('in several statements, is all or nothing: one that fails rolls back those before it', async () => {
    const db = new Database(join(dir, 'jobs.db'));
    const store = new SqliteLeaseStore({ database: db });
    try {
      await store.migrate();
      oneEntryPerStatement(store);
      await store.enqueueMany([1, 2, 3].map((n) => ({ queue: 'q', payload: n })));
      const leases = await store.acquire({ workerId: 'w', leaseMs: 60_000, limit: 3 });
      // The second statement fails (as a full disk or an I/O error would), after the first ran.
      db.exec(`CREATE TEMP TRIGGER refuse BEFORE UPDATE OF status ON processing_jobs WHEN NEW.id = ${Number(leases[1]!.job.id)} BEGIN SELECT RAISE(ABORT, 'refused'); END`);
      await expect(store.completeMany(leases.map((lease) => ({ lease, result: lease.job.payload })))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect((await store.list()).map((j) => j.status)).toEqual(['processing', 'processing', 'processing']);
      db.exec('DROP TRIGGER refuse');
      expect((await store.completeMany(leases.map((lease) => ({ lease })))).map((o) => o.ok)).toEqual([true, true, true]);
    } finally {
      await store.close();
      db.close();
    }
  });
});

/** A deep copy without any `uid` field. */
function withoutUids(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'uid' ? undefined : x)));
}
