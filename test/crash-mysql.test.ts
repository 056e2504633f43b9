/**
 * Real processes on MySQL/MariaDB: the same crash run as on SQLite (see crash-sqlite.test.ts),
 * against a fresh database on the test server. Skipped when the server does not answer,
 * except with CI=true, where it must.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { adminPool, createTestDatabase, describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';
import { expectOneOrderPerJob } from './support/crash-harness.js';

const ROOT = resolve(import.meta.dirname, '..');

await describeMysql('crash: real worker processes killed at random on MySQL', () => {
  afterAll(() => endAdminPool());

  it('a worker process whose start fails exits 1, so its supervisor starts another, instead of idling with its pool open', { timeout: 60_000 }, async () => {
    const db = await createTestDatabase('fatal');
    try {
      // A schema from a newer leasehold: migrate refuses it after the pool (and the clock) opened.
      await adminPool().query(`CREATE TABLE \`${db.name}\`.processing_jobs_schema (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)`);
      await adminPool().query(`INSERT INTO \`${db.name}\`.processing_jobs_schema VALUES (1, 'create_jobs', 0), (99, 'from_the_future', 0)`);
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/app/demo/worker-process.ts', '--store', db.url, '--exchange', 'http://127.0.0.1:9'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      // A bound, not a synchronisation: a worker still alive after 45 s is the bug.
      const bound = setTimeout(() => proc.kill('SIGKILL'), 45_000);
      const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
      clearTimeout(bound);
      expect(code).toBe(1);
      expect(JSON.parse(out.trim().split('\n').at(-1)!)).toMatchObject({ event: 'fatal', message: expect.stringMatching(/SchemaTooNewError/) });
    } finally {
      await db.drop();
    }
  });

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
