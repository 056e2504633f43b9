import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';
import { ManualClock } from '../src/testing/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import * as Q from '../src/adapters/sqlite/sqlite-queries.js';
import type { LeaseStore } from '../src/ports/lease-store.js';

/** Poisoned jobs before and after a fresh one, then a claim of one, then a claim of the rest. */
async function poisonScenario(store: LeaseStore, clock: ManualClock): Promise<unknown> {
  await store.enqueue({ queue: 'a', payload: 'early poison', priority: 0, maxLeaseExpiries: 0 });
  await store.enqueue({ queue: 'a', payload: 'late poison', priority: 5, maxLeaseExpiries: 0 });
  await store.enqueue({ queue: 'b', payload: 'other queue poison', priority: 0, maxLeaseExpiries: 0 });
  await store.acquire({ workerId: 'w1', leaseMs: 1000, limit: 3 });
  clock.advance(1000);
  await store.enqueue({ queue: 'a', payload: 'fresh', priority: 1 });
  const first = await store.acquire({ workerId: 'w2', leaseMs: 1000, limit: 1, queues: ['a'] });
  const afterFirst = await store.list();
  const rest = await store.acquire({ workerId: 'w3', leaseMs: 1000, limit: 5, queues: ['a', 'b'] });
  return { first, afterFirst, rest, end: await store.list() };
}

describe('sqlite: the claim', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-claim-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  // The model fails a poisoned job only when its claim walks past it; the random suite
  // rarely builds a poisoned job behind a full batch, so this pins that case down.
  it('fails only the poisoned jobs the claim walks past, exactly like the model', async () => {
    const modelClock = new ManualClock();
    const expected = (await poisonScenario(new InMemoryLeaseStore({ clock: modelClock }), modelClock)) as { afterFirst: { payload: string; status: string }[] };
    expect(expected.afterFirst.map((j) => [j.payload, j.status])).toEqual([
      ['early poison', 'failed'],
      ['late poison', 'processing'],
      ['other queue poison', 'processing'],
      ['fresh', 'processing'],
    ]);
    const clock = new ManualClock();
    const store = new SqliteLeaseStore({ filename: join(dir, 'jobs.db'), clock });
    await store.migrate();
    // uids are random, drawn by each store: compare everything else.
    expect(withoutUids(await poisonScenario(store, clock))).toEqual(withoutUids(expected));
    await store.close();
  });

  it('walks the partial indexes: no claim, poison, reap, prune or count statement scans the table', async () => {
    const db = new Database(join(dir, 'plan.db'));
    const store = new SqliteLeaseStore({ database: db });
    await store.migrate();
    const plan = (sql: string, params: unknown[]): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
    const take = ['w', 1, 1, 1];
    const plans = {
      anyExpiredAll: plan(Q.CLAIM_ALL.anyExpired, [1, 1]),
      anyExpiredOne: plan(Q.CLAIM_ONE_QUEUE.anyExpired, [1, 1, 'q']),
      nextAll: plan(Q.CLAIM_ALL.next, take),
      nextOne: plan(Q.CLAIM_ONE_QUEUE.next, [...take, 'q']),
      waitingAll: plan(Q.CLAIM_ALL.waiting, [...take, 10]),
      waitingOne: plan(Q.CLAIM_ONE_QUEUE.waiting, [...take, 'q', 10]),
      waitingMany: plan(Q.CLAIM_MANY_QUEUES.waiting, [...take, '["q"]', 10]),
      withExpiredAll: plan(Q.CLAIM_ALL.withExpired, [...take, 1, 1, 10]),
      withExpiredOne: plan(Q.CLAIM_ONE_QUEUE.withExpired, [...take, 'q', 1, 1, 'q', 10]),
      withExpiredMany: plan(Q.CLAIM_MANY_QUEUES.withExpired, [...take, '["q"]', 1, 1, '["q"]', 10]),
      poison: plan(Q.CLAIM_ALL.poison, [1, 1, 1, 1, 0, 0, 0]),
      reap: plan(Q.REAP_EXPIRED, [1, 1, 1, 1]),
      prune: plan(Q.SELECT_PRUNABLE, [1, '["done"]', 1000]),
      pruneJobs: plan(Q.PRUNE_JOBS, ['[1, 2]']),
      pruneSteps: plan(Q.PRUNE_STEPS, ['[1, 2]']),
      counts: plan(Q.COUNT_BY_QUEUE_AND_STATUS, []),
      // A worker's leases, found among the leases in flight (the partial lease index).
      expireLeasesOf: plan(Q.EXPIRE_LEASES_OF, [1, 'w', 1]),
      countHeldBy: plan(Q.COUNT_HELD_BY, ['w']),
      listWorkers: plan(Q.LIST_WORKERS, []),
      sweepDeadWorkers: plan(Q.SWEEP_DEAD_WORKERS, [1, 1, 1]),
      releaseHeldBy: plan(Q.RELEASE_HELD_BY, [1, 1, 1, 1, 1, 'w']),
    };
    for (const [name, p] of Object.entries(plans)) expect(p, name).not.toMatch(/^SCAN processing_jobs$/m);
    // Waiting jobs come out of their index already in claim order: no sort of the whole backlog.
    for (const name of ['nextAll', 'nextOne', 'waitingAll', 'waitingOne'] as const) {
      expect(plans[name], name).toMatch(/(SCAN|SEARCH) processing_jobs USING INDEX processing_jobs_waiting/);
      expect(plans[name], name).not.toMatch(/TEMP B-TREE/);
    }
    for (const name of ['withExpiredAll', 'withExpiredOne'] as const) {
      expect(plans[name], name).toMatch(/MERGE \(UNION ALL\)\nLEFT\n(SCAN|SEARCH) processing_jobs USING INDEX processing_jobs_waiting\w*( \(.*\))?\nRIGHT\n/);
      expect(plans[name], name).toMatch(/RIGHT\nSEARCH processing_jobs USING INDEX processing_jobs_leases/);
    }
    for (const name of ['anyExpiredAll', 'anyExpiredOne', 'poison', 'reap'] as const) {
      expect(plans[name], name).toMatch(/SEARCH processing_jobs USING (COVERING )?INDEX processing_jobs_leases/);
    }
    for (const name of ['expireLeasesOf', 'countHeldBy', 'listWorkers', 'sweepDeadWorkers', 'releaseHeldBy'] as const) {
      expect(plans[name], name).toMatch(/(SCAN|SEARCH) (processing_jobs|j) USING (COVERING )?INDEX processing_jobs_leases/);
    }
    expect(plans.prune).toMatch(/USING INDEX processing_jobs_finished/);
    // One chunk is deleted by primary key, never by a scan.
    expect(plans.pruneJobs).toMatch(/SEARCH processing_jobs USING INTEGER PRIMARY KEY/);
    expect(plans.pruneSteps).toMatch(/SEARCH processing_job_steps USING PRIMARY KEY/);
    // Counts read the waiting and the final jobs from covering indexes, and only the leases in
    // flight as rows: stats stays cheap at 1,000,000 jobs, and no claim or completion pays for
    // an index of every open job.
    expect(plans.counts).toMatch(/SCAN processing_jobs USING COVERING INDEX processing_jobs_waiting_counts/);
    expect(plans.counts).toMatch(/SCAN processing_jobs USING INDEX processing_jobs_leases/);
    expect(plans.counts).toMatch(/SCAN processing_jobs USING COVERING INDEX processing_jobs_final_counts/);
    expect(plans.counts).not.toMatch(/processing_jobs_open_counts/);
    await store.close();
    db.close();
  });
});

/** A deep copy without any `uid` field. */
function withoutUids(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'uid' ? undefined : x)));
}
