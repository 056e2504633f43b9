/**
 * Real processes that must not overlap themselves, on SQLite and MySQL, with an exchange that
 * neither dedupes nor enforces deadlines and no reconcile hook: a `jobTimeoutMs` (100 ms)
 * shorter than an exchange call that cannot be aborted (400 ms), and forced stops (two
 * SIGTERMs) while an order is in flight. Before the fix both placed orders twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { expectNoOverlap } from './support/crash-harness.js';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

const FAULTS = ['timeout', 'forced-stop'] as const;

describe('overlap: a timed-out or force-stopped worker process waits out its step, on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-overlap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const fault of FAULTS) {
    it(`${fault}: every job done, one order each`, { timeout: 120_000 }, async () => {
      const file = join(dir, `jobs-${fault}.db`);
      const store = new SqliteLeaseStore({ filename: file });
      await store.migrate();
      try {
        await expectNoOverlap('sqlite', { store, storeUrl: `sqlite:${file}`, fault });
      } finally {
        await store.close();
      }
    });
  }
});

await describeMysql('overlap: a timed-out or force-stopped worker process waits out its step, on MySQL', () => {
  afterAll(() => endAdminPool());
  for (const fault of FAULTS) {
    it(`${fault}: every job done, one order each`, { timeout: 120_000 }, async () => {
      const { store, db, dispose } = await freshMysqlStore({}, 'overlap');
      try {
        await expectNoOverlap('mysql', { store, storeUrl: db.url, fault });
      } finally {
        await dispose();
      }
    });
  }
});
