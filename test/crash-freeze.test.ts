/**
 * Real processes frozen inside a step: the harness SIGSTOPs a worker right after its step's
 * intent is recorded and before its order goes out, and SIGCONTs it 3 s later, past its 1 s
 * lease, while other workers take its jobs over. The woken worker then sends its order. An
 * exchange that dedupes permanently, or one that enforces the step's deadline, refuses it:
 * one order per job. (With an exchange that does neither, the woken worker's order is a
 * second one: the case the README's table says remains.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { expectOneOrderPerJobAcrossFreezes } from './support/crash-harness.js';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

const MODES = ['dedupe', 'deadline'] as const;

describe('freeze: real worker processes paused past the lease inside a step, on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-freeze-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const exchange of MODES) {
    it(`exchange ${exchange}: every job done, one order each, across at least 20 freezes`, { timeout: 180_000 }, async () => {
      const file = join(dir, `jobs-${exchange}.db`);
      const store = new SqliteLeaseStore({ filename: file });
      await store.migrate();
      try {
        await expectOneOrderPerJobAcrossFreezes('sqlite', { store, storeUrl: `sqlite:${file}`, exchange });
      } finally {
        await store.close();
      }
    });
  }
});

await describeMysql('freeze: real worker processes paused past the lease inside a step, on MySQL', () => {
  afterAll(() => endAdminPool());

  for (const exchange of MODES) {
    it(`exchange ${exchange}: every job done, one order each, across at least 20 freezes`, { timeout: 180_000 }, async () => {
      const { store, db, dispose } = await freshMysqlStore({}, 'freeze');
      try {
        await expectOneOrderPerJobAcrossFreezes('mysql', { store, storeUrl: db.url, exchange });
      } finally {
        await dispose();
      }
    });
  }
});
