/**
 * The package as a user installs it: build to dist/, then import each subpath export from a
 * folder outside the project that depends on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('package exports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-consumer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds, and each subpath loads from a project that depends on leasehold', { timeout: 120_000 }, () => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/leasehold'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', dependencies: { leasehold: '*' } }));
    writeFileSync(
      join(dir, 'check.mjs'),
      `const root = await import('leasehold');
       const { InMemoryLeaseStore } = await import('leasehold/memory');
       const { SqliteLeaseStore } = await import('leasehold/sqlite');
       const { MysqlLeaseStore, MysqlClock } = await import('leasehold/mysql');
       const dashboard = await import('leasehold/dashboard');
       const sqlite = new SqliteLeaseStore({ filename: ':memory:' });
       await sqlite.migrate();
       const viaSqlite = (await sqlite.enqueue({ queue: 'q', payload: 1 })).job.status;
       await sqlite.close();
       const store = new InMemoryLeaseStore({ clock: new root.ManualClock(0) });
       const { job } = await store.enqueue({ queue: 'q', payload: { n: 1 } });
       const scrape = await dashboard.registerStoreMetrics(store).metrics();
       const metrics = /leasehold_jobs\{queue="q",status="pending"\} 1/.test(scrape);
       const pages = typeof dashboard.createDashboardHandler({ store }) + typeof dashboard.startDashboard + typeof dashboard.registerWorkerMetrics;
       console.log(JSON.stringify({ metrics, pages, status: job.status, viaSqlite, mysql: typeof MysqlLeaseStore + typeof MysqlClock, errors: typeof root.LeaseLostError, worker: typeof root.ProcessingWorker }));`,
    );
    const out = execFileSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ metrics: true, pages: 'functionfunctionfunction', status: 'pending', viaSqlite: 'pending', mysql: 'functionfunction', errors: 'function', worker: 'function' });
  });
});
