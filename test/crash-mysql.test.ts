/**
 * Real processes on MySQL/MariaDB: the same crash run as on SQLite (see crash-sqlite.test.ts),
 * against a fresh database on the test server. Skipped when the server does not answer,
 * except with CI=true, where it must.
 */
import { afterAll, it } from 'vitest';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';
import { expectOneOrderPerJob } from './support/crash-harness.js';

await describeMysql('crash: real worker processes killed at random on MySQL', () => {
  afterAll(() => endAdminPool());

  for (const dedupe of [true, false]) {
    it(`${dedupe ? 'deduping exchange, no reconcile hook, batched completions' : 'exchange without dedupe, reconcile hook'}: every job done, one order each`, { timeout: 60_000 }, async () => {
      const { store, db, dispose } = await freshMysqlStore({}, 'crash');
      try {
        await expectOneOrderPerJob('mysql', { store, storeUrl: db.url, dedupe });
      } finally {
        await dispose();
      }
    });
  }
});
