import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { runChildrenTogether } from './fixtures/sqlite-children.js';

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
    const results = await runChildrenTogether(BATCHES.map((batch, i) => ['claim', filename, `worker-${i}`, String(batch)]));

    for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const byWorker = results.map((r) => (r.output as { completed: string[] }).completed);
    const all = byWorker.flat();
    expect(all.length).toBe(JOBS);
    expect(new Set(all).size).toBe(JOBS);
    expect(new Set(all)).toEqual(new Set(created.map((c) => c.job.id)));
    // More than one process did real work, so the claims did contend.
    expect(byWorker.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);

    const jobs = await store.list({ limit: JOBS + 1 });
    expect(jobs.length).toBe(JOBS);
    for (const job of jobs) {
      expect(job).toMatchObject({ status: 'done', attempts: 1, leaseToken: 1, lastError: null });
      const worker = byWorker.findIndex((ids) => ids.includes(job.id));
      expect(job.result).toBe(`worker-${worker}`);
    }
    await store.close();
  });
});
