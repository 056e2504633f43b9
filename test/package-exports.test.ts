/**
 * The package as a user installs it: build to dist/, then import each subpath export from a
 * folder outside the project that depends on it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
       const { ManualClock } = await import('leasehold/testing');
       const dashboard = await import('leasehold/dashboard');
       const sqlite = new SqliteLeaseStore({ filename: ':memory:' });
       await sqlite.migrate();
       const viaSqlite = (await sqlite.enqueue({ queue: 'q', payload: 1 })).job.status;
       await sqlite.close();
       const store = new InMemoryLeaseStore({ clock: new ManualClock(0) });
       const { job } = await store.enqueue({ queue: 'q', payload: { n: 1 } });
       const scrape = await dashboard.registerStoreMetrics(store).metrics();
       const metrics = /leasehold_jobs\{queue="q",status="pending"\} 1/.test(scrape);
       const pages = typeof dashboard.createDashboardHandler({ store }) + typeof dashboard.startDashboard + typeof dashboard.registerWorkerMetrics;
       console.log(JSON.stringify({ metrics, pages, status: job.status, viaSqlite, mysql: typeof MysqlLeaseStore + typeof MysqlClock, errors: typeof root.LeaseLostError, worker: typeof root.ProcessingWorker }));`,
    );
    const out = execFileSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ metrics: true, pages: 'functionfunctionfunction', status: 'pending', viaSqlite: 'pending', mysql: 'functionfunction', errors: 'function', worker: 'function' });
  });

  it(
    'installed from its packed tarball with only mysql2, compiles nothing native; the sqlite subpath names the package to install; require() loads it',
    { timeout: 300_000 },
    () => {
      // The build of the test above is what gets packed (tests of one file run in order).
      const packDir = join(dir, 'pack');
      mkdirSync(packDir);
      const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' })) as { filename: string }[];
      const tarball = join(packDir, packed[0]!.filename);
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
      const app = join(dir, 'mysql-only-app');
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'mysql-only-app', private: true, type: 'module', dependencies: { leasehold: `file:${tarball}`, mysql2: lock.packages['node_modules/mysql2']!.version } }),
      );
      // Install scripts allowed: a native build would run, so its absence is what is proven.
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, encoding: 'utf8' });
      const installed = readdirSync(join(app, 'node_modules'));
      expect(installed).toContain('mysql2');
      expect(installed).not.toContain('better-sqlite3');
      const withInstallScripts = installed.filter((name) => {
        const pkgFile = join(app, 'node_modules', name, 'package.json');
        if (!existsSync(pkgFile)) return false;
        const scripts = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
        return ['preinstall', 'install', 'postinstall'].some((k) => k in scripts) || existsSync(join(app, 'node_modules', name, 'binding.gyp'));
      });
      expect(withInstallScripts).toEqual([]);

      writeFileSync(
        join(app, 'check.mjs'),
        `const { MysqlLeaseStore } = await import('leasehold/mysql');
         let sqlite;
         try { await import('leasehold/sqlite'); sqlite = 'loaded'; } catch (e) { sqlite = e.message; }
         console.log(JSON.stringify({ mysql: typeof MysqlLeaseStore, sqlite }));`,
      );
      const out = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' })) as { mysql: string; sqlite: string };
      expect(out.mysql).toBe('function');
      expect(out.sqlite).toContain('npm install better-sqlite3');

      // A CommonJS project: require() of an ES module works on Node 20.19+ (and 22.12+).
      writeFileSync(
        join(app, 'check.cjs'),
        `const { ProcessingWorker, LeaseLostError } = require('leasehold');
         const { MysqlLeaseStore } = require('leasehold/mysql');
         console.log(JSON.stringify([typeof ProcessingWorker, typeof LeaseLostError, typeof MysqlLeaseStore]));`,
      );
      const cjs = execFileSync(process.execPath, ['check.cjs'], { cwd: app, encoding: 'utf8' });
      expect(JSON.parse(cjs.trim().split('\n').pop()!)).toEqual(['function', 'function', 'function']);
    },
  );
});
