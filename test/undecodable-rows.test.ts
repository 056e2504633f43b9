/**
 * Issue 11, case 2: a row the store cannot decode never blocks the others. On MySQL a payload
 * nested 2,500 levels made every claim of every worker fail (0 of 11 jobs ran), with an error
 * that named no job. Here rows are corrupted behind the store's back (hand-edited text, nesting
 * past the limit from before there was one) among good ones: the claim fails each bad one with
 * a reason naming the job and the cause, the good ones run, and get, list, stats and the
 * lease listings keep working around them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { runUntilIdle } from '../src/app/testing.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { runCli } from './cli-support.js';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';
import { makeWorker, T0 } from './support/worker-fixtures.js';

/** Raw access to the table behind the store. */
type Corrupt = (id: string, column: 'payload' | 'result', text: string) => Promise<void>;

const DEEP_TEXT = '['.repeat(2_500) + ']'.repeat(2_500);

async function corruptedAmongGood(store: LeaseStore, clock: ManualClock, corrupt: Corrupt): Promise<{ good: string[]; notJson: string; deep: string }> {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await store.enqueue({ queue: 'orders', payload: { n: i }, priority: i === 1 || i === 3 ? -1 : 0 })).job.id);
  // The bad rows sort first (priority -1): the first claim meets them before any good one.
  await corrupt(ids[1]!, 'payload', '{"n": 1, oops');
  await corrupt(ids[3]!, 'payload', DEEP_TEXT);
  clock.advance(1);
  return { good: [ids[0]!, ids[2]!, ids[4]!, ids[5]!], notJson: ids[1]!, deep: ids[3]! };
}

async function expectWorksAround(store: LeaseStore, clock: ManualClock, corrupt: Corrupt): Promise<void> {
  const { good, notJson, deep } = await corruptedAmongGood(store, clock, corrupt);

  // Reads work around the bad rows: the value comes back null and lastError says why.
  expect(await store.get(notJson)).toMatchObject({ payload: null, status: 'pending', lastError: expect.stringMatching(new RegExp(`^job ${notJson} cannot be decoded: its payload is not JSON`)) });
  expect(await store.get(deep)).toMatchObject({ payload: null, lastError: `job ${deep} cannot be decoded: its payload is nested deeper than 256 levels` });
  expect((await store.list()).map((j) => j.id)).toHaveLength(6);
  expect((await store.stats()).byStatus.pending).toBe(6);

  // One claim of three: both bad rows sort first; they are failed, and three good ones come back.
  const leases = await store.acquire({ workerId: 'w1', leaseMs: 10_000, limit: 3 });
  expect(leases.map((l) => l.job.id)).toEqual(good.slice(0, 3));
  expect(leases.map((l) => l.job.payload)).toEqual([{ n: 0 }, { n: 2 }, { n: 4 }]);
  for (const id of [notJson, deep]) {
    const job = await store.get(id);
    expect(job).toMatchObject({ status: 'failed', lockedBy: null, lockedUntil: null, payload: null, finishedAt: clock.now() });
    expect(job?.lastError).toMatch(new RegExp(`^job ${id} cannot be decoded: its payload `));
    // The stored reason is the one reads give: it is not repeated.
    expect(job?.lastError?.split('cannot be decoded')).toHaveLength(2);
  }
  expect(await store.getActiveLeases()).toHaveLength(3);
  for (const l of leases) await store.complete(l, { ok: true });

  // A worker runs what is left.
  const worker = makeWorker({ store, clock, handler: async (job) => ({ done: (job.payload as { n: number }).n }) });
  await worker.start();
  await runUntilIdle(store, clock);
  await worker.stop();
  expect((await store.list({ status: 'done' })).map((j) => j.id)).toEqual(good);
  expect((await store.list({ status: 'failed' })).map((j) => j.id).sort()).toEqual([notJson, deep].sort());
}

describe('sqlite: an undecodable row among good ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-undecodable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is failed by the claim with a reason naming the job, and the good ones run', async () => {
    const filename = join(dir, 'jobs.db');
    const clock = new ManualClock(T0);
    const store = new SqliteLeaseStore({ filename, clock, random: () => 0.5, synchronous: 'NORMAL' });
    await store.migrate();
    const raw = new Database(filename);
    try {
      await expectWorksAround(store, clock, async (id, column, text) => void raw.prepare(`UPDATE processing_jobs SET ${column} = ? WHERE id = ?`).run(text, Number(id)));
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('the CLI shows, lists and counts around it', async () => {
    const filename = join(dir, 'cli.db');
    const store = new SqliteLeaseStore({ filename });
    await store.migrate();
    const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
    await store.enqueue({ queue: 'orders', payload: 2 });
    await store.close();
    const raw = new Database(filename);
    raw.prepare('UPDATE processing_jobs SET payload = ? WHERE id = ?').run('not json', Number(job.id));
    raw.close();
    const cli = (...args: string[]) => runCli(['--db', `sqlite:${filename}`, ...args]);
    const [show, list, status] = await Promise.all([cli('--json', 'show', job.id), cli('--json', 'list'), cli('--json', 'status')]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.json.job).toMatchObject({ id: job.id, payload: null, lastError: expect.stringContaining(`job ${job.id} cannot be decoded`) });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json.jobs).toHaveLength(2);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json.total).toBe(2);
  });
});

await describeMysql('mysql: an undecodable row among good ones', () => {
  afterAll(endAdminPool);

  it('is failed by the claim with a reason naming the job, and the good ones run', async () => {
    const clock = new ManualClock(T0);
    const made = await freshMysqlStore({ clock, random: () => 0.5 }, 'undecodable');
    const raw = await mysql.createConnection({ uri: made.db.url });
    try {
      await expectWorksAround(made.store, clock, async (id, column, text) => void (await raw.query(`UPDATE processing_jobs SET ${column} = ? WHERE id = ?`, [text, Number(id)])));
    } finally {
      await raw.end();
      await made.dispose();
    }
  });
});
