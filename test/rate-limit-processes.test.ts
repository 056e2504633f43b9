/**
 * Real processes, one rate limit: three worker processes serve a queue limited to N claims a
 * second, stored in the database they share. The store's claim times (each attempt's start,
 * the time the claim ran under) must never put more than N claims in any second, the queue must
 * keep moving at about that rate, and each handler call must begin within the stated slack of
 * its claim.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';

const ROOT = resolve(import.meta.dirname, '..');
const MAX = 10;
const PER_MS = 1000;
const JOBS = 45;
/** The slack the README states between a claim and its handler call: a bound, not a typical figure. */
const CALL_SLACK_MS = 1000;

function spawnWorker(kind: 'sqlite' | 'mysql', target: string): ChildProcess {
  // A 1 s poll: a worker held back by the limit must come back when the interval slides, not a poll later.
  return spawn(process.execPath, ['--import', 'tsx', join('test', 'fixtures', 'flow-worker-process.ts'), kind, target, '5', '1000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function runLimited(kind: 'sqlite' | 'mysql', target: string, store: LeaseStore): Promise<void> {
  await store.migrate();
  await store.setRateLimit('orders', { max: MAX, perMs: PER_MS });
  const stderr: string[] = [];
  const calls = new Map<string, number>();
  const children = [0, 1, 2].map(() => {
    const child = spawnWorker(kind, target);
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    return child;
  });
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((res, rej) => {
            createInterface({ input: child.stdout! }).on('line', (line) => {
              const [what, job, at] = line.split(' ');
              if (what === 'ready') res();
              if (what === 'call') calls.set(job!, Number(at));
            });
            child.once('exit', (code) => rej(new Error(`worker exited with ${code} before it was ready`)));
          }),
      ),
    );
    const started = Date.now();
    await store.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ queue: 'orders', payload: { order: i } })));
    for (;;) {
      const { byStatus } = await store.stats();
      if (byStatus.done === JOBS) break;
      expect(Date.now() - started, `done ${byStatus.done} of ${JOBS}; ${stderr.join('')}`).toBeLessThan(60_000);
      // Real time: the workers are real processes that run on their own.
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = Date.now() - started;
    // Moving: JOBS / MAX intervals' worth of claims, give or take a few intervals.
    expect(elapsed).toBeLessThan((Math.ceil(JOBS / MAX) + 3) * PER_MS);
  } finally {
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? (c.kill('SIGKILL'), once(c, 'exit')) : undefined)));
  }
  const jobs = await store.list({ limit: 1000 });
  const claims: { job: string; at: number }[] = [];
  for (const j of jobs) for (const a of await store.getAttempts(j.id)) claims.push({ job: j.id, at: a.startedAt });
  const stamps = claims.map((c) => c.at).sort((a, b) => a - b);
  expect(stamps).toHaveLength(JOBS);
  // No interval (t - PER_MS, t] holds more than MAX claims: any MAX + 1 in a row span PER_MS.
  for (let i = 0; i + MAX < stamps.length; i++) {
    expect(stamps[i + MAX]! - stamps[i]!, `claims ${i}..${i + MAX} within one interval`).toBeGreaterThanOrEqual(PER_MS);
  }
  // Each call began after its claim, within the slack.
  for (const c of claims) {
    const call = calls.get(c.job);
    expect(call, `job ${c.job} was never called`).toBeDefined();
    expect(call! - c.at).toBeLessThanOrEqual(CALL_SLACK_MS);
  }
  await store.close();
}

describe('sqlite: a rate limit across processes', () => {
  it(`3 worker processes under ${MAX} claims per ${PER_MS} ms: never more in any interval, and the queue keeps moving`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-rate-'));
    try {
      const filename = join(dir, 'jobs.db');
      await runLimited('sqlite', filename, new SqliteLeaseStore({ filename }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

await describeMysql('mysql: a rate limit across processes', () => {
  afterAll(endAdminPool);
  it(`3 worker processes under ${MAX} claims per ${PER_MS} ms: never more in any interval, and the queue keeps moving`, { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('flowrate');
    try {
      await runLimited('mysql', db.url, new MysqlLeaseStore({ uri: db.url, connectionLimit: 2 }));
    } finally {
      await db.drop();
    }
  });
});
