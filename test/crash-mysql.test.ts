/**
 * Real processes on MySQL/MariaDB: the same crash run as on SQLite (see crash-sqlite.test.ts),
 * against a fresh database on the test server. Skipped when the server does not answer,
 * except with CI=true, where it must.
 */
import { afterAll, expect, it } from 'vitest';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';
import { runCrashScenario } from './support/crash-harness.js';

const crashSeed = (): number | undefined => (process.env.LEASEHOLD_CRASH_SEED ? Number(process.env.LEASEHOLD_CRASH_SEED) : undefined);

await describeMysql('crash: real worker processes killed at random on MySQL', () => {
  afterAll(() => endAdminPool());

  for (const dedupe of [true, false]) {
    it(`${dedupe ? 'deduping exchange, no reconcile hook, batched completions' : 'exchange without dedupe, reconcile hook'}: every job done, one order each`, { timeout: 60_000 }, async () => {
      const { store, db, dispose } = await freshMysqlStore({}, 'crash');
      try {
        const report = await runCrashScenario({ store, storeUrl: db.url, seed: crashSeed(), dedupe, reconcile: !dedupe, batchCompletions: dedupe });
        console.log(`crash mysql dedupe=${dedupe}`, JSON.stringify(report));
        expect(report.done).toBe(report.jobs);
        expect(report.acceptedOrders).toBe(report.jobs);
        expect(report.jobsWithTwoOrders).toBe(0);
        expect(report.kills).toBeGreaterThan(0);
        expect(report.killsInsidePlacement).toBeGreaterThan(0);
      } finally {
        await dispose();
      }
    });
  }
});
