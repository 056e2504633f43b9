import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/testing/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { runChildAndKill, runChildrenTogether } from './fixtures/sqlite-children.js';

const JOBS = 2000;
const BATCHES = [1, 7, 10, 25, 50];

describe('sqlite: several processes on one file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-mp-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${BATCHES.length} processes claim and complete ${JOBS} jobs in batches: each done exactly once, none lost, no busy error`, { timeout: 60_000 }, async () => {
    const filename = join(dir, 'jobs.db');
    const store = new SqliteLeaseStore({ filename });
    await store.migrate();
    const created = await store.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ queue: 'orders', payload: { order: i } })));
    const results = await runChildrenTogether(
      BATCHES.map((batch, i) => ['claim', filename, `worker-${i}`, String(batch)]),
      { barrier: 'claimed' },
    );

    for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const byWorker = results.map((r) => (r.output as { completed: string[] }).completed);
    const all = byWorker.flat();
    expect(all.length).toBe(JOBS);
    expect(new Set(all).size).toBe(JOBS);
    expect(new Set(all)).toEqual(new Set(created.map((c) => c.job.id)));
    // Every process held leases at the same moment (the barrier), so the claims did contend.
    for (const ids of byWorker) expect(ids.length).toBeGreaterThan(0);

    const jobs = await store.list({ limit: JOBS + 1 });
    expect(jobs.length).toBe(JOBS);
    for (const job of jobs) {
      expect(job).toMatchObject({ status: 'done', attempts: 1, leaseToken: 1, lastError: null });
      const worker = byWorker.findIndex((ids) => ids.includes(job.id));
      expect(job.result).toBe(`worker-${worker}`);
    }
    await store.close();
  });

  it('a process killed mid-run loses nothing: its commits stand, its leases are taken over once', { timeout: 60_000 }, async () => {
    const filename = join(dir, 'jobs.db');
    const store = new SqliteLeaseStore({ filename });
    await store.migrate();
    await store.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ queue: 'orders', payload: { order: i } })));
    await store.close();

    const killed = await runChildAndKill(['hold', filename, 'doomed', '10', '5']);
    expect(killed).toMatchObject({ signal: 'SIGKILL' });
    expect(killed.committed.length).toBe(50);
    expect(killed.holding.length).toBe(10);

    // The survivor comes along once the dead worker's leases have run out (it leased for 600 s).
    const clock = new ManualClock(Date.now() + 600_001);
    const survivor = new SqliteLeaseStore({ filename, clock });
    const before = await survivor.stats();
    expect(before.total).toBe(JOBS);
    expect(before.byStatus.done).toBe(killed.committed.length);
    const orphaned = await survivor.getExpiredLeases();
    expect(orphaned.map((j) => j.id)).toEqual(killed.holding);
    expect(orphaned.every((j) => j.lockedBy === 'doomed')).toBe(true);
    let recovered = 0;
    for (;;) {
      const leases = await survivor.acquire({ workerId: 'survivor', leaseMs: 60_000, limit: 100 });
      if (leases.length === 0) break;
      await survivor.completeMany(leases.map((lease) => ({ lease, result: 'survivor' })));
      recovered += leases.length;
    }
    expect(recovered).toBe(JOBS - killed.committed.length);
    const jobs = await survivor.list({ limit: JOBS + 1 });
    const byChild = new Set(killed.committed);
    for (const job of jobs) {
      expect(job.status).toBe('done');
      if (byChild.has(job.id)) expect(job).toMatchObject({ result: 'doomed', attempts: 1, leaseToken: 1 });
      else expect(job.result).toBe('survivor');
    }
    // The dead worker's claimed-but-uncommitted jobs were taken over, once each.
    const takenOver = jobs.filter((j) => j.leaseToken === 2);
    expect(takenOver.map((j) => j.id).sort()).toEqual(orphaned.map((j) => j.id).sort());
    for (const j of takenOver) expect(j.lastError).toBe('lease expired on attempt 1 (lease expiry 1 of 10 allowed)');
    await survivor.close();
  });
});
