/**
 * Real processes on MySQL with skewed clocks: every other worker process runs 3 s ahead under
 * Debian's `faketime` (installed by .ci/run), with no `clock` option. Leases are judged by the
 * server's clock, the store's default, so the skewed workers take no live lease over.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { expectOneOrderPerJobWithSkew } from './support/crash-harness.js';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

await describeMysql('skew: worker processes whose clock runs 3 s ahead, on MySQL', () => {
  afterAll(() => endAdminPool());

  it('faketime really moves a process\'s clock 3 s ahead', () => {
    const ahead = Number(execFileSync('faketime', ['-f', '+3s', process.execPath, '-e', 'process.stdout.write(String(Date.now()))'], { encoding: 'utf8' }));
    expect(ahead - Date.now()).toBeGreaterThan(2000);
  });

  for (const exchange of ['dedupe', 'deadline'] as const) {
    it(`exchange ${exchange}: every job done, one order each`, { timeout: 120_000 }, async () => {
      const { store, db, dispose } = await freshMysqlStore({}, 'skew');
      try {
        await expectOneOrderPerJobWithSkew('mysql', { store, storeUrl: db.url, exchange });
      } finally {
        await dispose();
      }
    });
  }
});
