/**
 * The demo in a small configuration, run as a user runs it: worker processes are SIGKILLed
 * mid-order, and the report must show every job done, one order per job, no duplicates.
 * On SQLite always; on MySQL when reachable (always in CI).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'leasehold-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/app/demo/demo.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
