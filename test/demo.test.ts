/**
 * The demo in a small configuration, run as a user runs it: worker processes are SIGKILLed
 * mid-order, and the report must show every job done, one order per job, no duplicates.
 * On SQLite always; on MySQL when reachable (always in CI).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/sqlite-lease-store.js';
import { createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'leasehold-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// tsx by path, so the demo also runs from a scratch directory (its default store is relative to the cwd).
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

function runDemo(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  if (!opts.env?.LEASEHOLD_DB) delete env.LEASEHOLD_DB;
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/app/demo/demo.ts'), ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

async function expectCleanRun(db: string): Promise<void> {
  const r = await runDemo(['--db', db, '--jobs', '30', '--workers', '2', '--kills', '2', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report).toMatchObject({
    ok: true,
    jobs: 30,
    jobsDone: 30,
    jobsFailed: 0,
    jobsLost: 0,
    ordersAccepted: 30,
    duplicateOrders: 0,
    jobsWithoutOrder: 0,
    workersKilled: 2,
    workersStarted: 4,
  });
  expect(report.placementCalls).toBeGreaterThanOrEqual(30);
  expect(r.stderr).toContain('SIGKILL');
}

describe('npm run demo', () => {
  it('survives SIGKILLs with every job done and no duplicate order', { timeout: 120_000 }, async () => {
    await expectCleanRun(`sqlite:${join(dir, 'demo.db')}`);
  });

  it("ignores LEASEHOLD_DB: a user's database is never the demo's default, and survives the demo", { timeout: 120_000 }, async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const userDb = join(dir, 'user-jobs.db');
    const store = new SqliteLeaseStore({ filename: userDb });
    await store.migrate();
    const { job } = await store.enqueue({ queue: 'payroll', payload: { month: 11 } });
    await store.close();

    const r = await runDemo(['--jobs', '4', '--workers', '1', '--kills', '0', '--json'], { cwd, env: { LEASEHOLD_DB: `sqlite:${userDb}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, store: 'sqlite:./.leasehold/demo.db', jobsDone: 4 });
    expect(existsSync(join(cwd, '.leasehold/demo.db'))).toBe(true);

    const after = new SqliteLeaseStore({ filename: userDb });
    try {
      expect(await after.get(job.id)).toMatchObject({ queue: 'payroll', payload: { month: 11 }, status: 'pending' });
      expect((await after.stats()).total).toBe(1);
    } finally {
      await after.close();
    }
  });

  it("refuses an explicit --db sqlite file that holds jobs outside the demo's queues (exit 2), and changes nothing", async () => {
    const userDb = join(dir, 'explicit-user.db');
    const store = new SqliteLeaseStore({ filename: userDb });
    await store.migrate();
    const { job } = await store.enqueue({ queue: 'payroll', payload: { month: 12 } });
    await store.close();
    const before = readFileSync(userDb);

    const r = await runDemo(['--db', `sqlite:${userDb}`, '--jobs', '2', '--workers', '1', '--kills', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('payroll');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(userDb).equals(before)).toBe(true);
    const after = new SqliteLeaseStore({ filename: userDb });
    try {
      expect(await after.get(job.id)).toMatchObject({ queue: 'payroll' });
    } finally {
      await after.close();
    }
  });

  it('refuses an existing file that is not a leasehold database, and its own default file when it holds other jobs', async () => {
    const notOurs = join(dir, 'notes.txt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(notOurs, 'my notes\n');
    const r = await runDemo(['--db', `sqlite:${notOurs}`, '--jobs', '2', '--workers', '1', '--kills', '0']);
    expect(r.code, r.stderr).toBe(2);
    expect(readFileSync(notOurs, 'utf8')).toBe('my notes\n');

    // Someone pointed the CLI at the demo's own path and enqueued real work there.
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    mkdirSync(join(cwd, '.leasehold'));
    const own = new SqliteLeaseStore({ filename: join(cwd, '.leasehold/demo.db') });
    await own.migrate();
    await own.enqueue({ queue: 'payroll', payload: null });
    await own.close();
    const d = await runDemo(['--jobs', '2', '--workers', '1', '--kills', '0'], { cwd });
    expect(d.code, d.stderr).toBe(2);
    const still = new SqliteLeaseStore({ filename: join(cwd, '.leasehold/demo.db') });
    try {
      expect((await still.stats()).byQueue.payroll).toMatchObject({ pending: 1 });
    } finally {
      await still.close();
    }
  });

  it("runs again on an explicit file that holds only demo jobs (a previous run's), keeping them", { timeout: 120_000 }, async () => {
    const db = `sqlite:${join(dir, 'rerun.db')}`;
    const args = ['--db', db, '--jobs', '3', '--workers', '1', '--kills', '0', '--json'];
    const first = await runDemo(args);
    expect(first.code, first.stderr).toBe(0);
    const second = await runDemo(args);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true, jobs: 3, jobsDone: 3, ordersAccepted: 3 });
    const store = new SqliteLeaseStore({ filename: join(dir, 'rerun.db') });
    try {
      expect((await store.stats()).total).toBe(6);
    } finally {
      await store.close();
    }
  });

  it('rejects bad options with exit 2', async () => {
    const r = await runDemo(['--jobs', 'many']);
    expect(r.code).toBe(2);
  });
});


await describeMysql('npm run demo on MySQL', () => {
  afterAll(() => endAdminPool());
  it('survives SIGKILLs with every job done and no duplicate order', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('demo');
    try {
      await expectCleanRun(db.url);
    } finally {
      await db.drop();
    }
  });
});
