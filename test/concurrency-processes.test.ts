/**
 * Real processes, one concurrency key: three worker processes serve one queue whose jobs mostly
 * share a concurrency key of limit 1, while this process SIGKILLs one of them every few
 * hundred milliseconds and starts another. Two witnesses: the handler calls of the key's jobs
 * (each from its start to its return, or to its process's death) never overlap in real time,
 * and single reads of the key's processing rows (each an exact snapshot) never show two. Every
 * job must end done. (The store's attempt history is not the witness: each transaction is
 * stamped with the time its process read just before it began, so a claim that waited for a
 * lock may be stamped before the end it waited for.)
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
const KEYED = 100;
const OTHERS = 20;
const KILLS = 5;
const WORK_MS = 30;

/** One handler call, as a worker process printed it. */
interface Call {
  job: string;
  from: number;
  to: number;
}


function spawnWorker(kind: 'sqlite' | 'mysql', target: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join('test', 'fixtures', 'flow-worker-process.ts'), kind, target, String(WORK_MS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => l === 'ready' && res());
    child.once('exit', (code) => rej(new Error(`worker exited with ${code} before it was ready`)));
  });
}

async function runKeyed(kind: 'sqlite' | 'mysql', target: string, store: LeaseStore): Promise<void> {
  await store.migrate();
  const jobs = [
    ...Array.from({ length: KEYED }, (_, i) => ({ queue: 'orders', payload: { n: i }, concurrencyKey: 'account:main', maxAttempts: 10 })),
    ...Array.from({ length: OTHERS }, (_, i) => ({ queue: 'orders', payload: { n: -i }, maxAttempts: 10 })),
  ];
  await store.enqueueMany(jobs);
  const stderr: string[] = [];
  const calls: Call[] = [];
  const start = (): ChildProcess => {
    const child = spawnWorker(kind, target);
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const open = new Map<string, Call>();
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [what, job, at] = line.split(' ');
      if (what === 'call') {
        const call = { job: job!, from: Number(at), to: Number.POSITIVE_INFINITY };
        open.set(job!, call);
        calls.push(call);
      } else if (what === 'done') {
        open.get(job!)!.to = Number(at);
        open.delete(job!);
      }
    });
    // A call cut short by the process's death ends with it (its exit is seen after it died).
    child.once('exit', () => {
      for (const call of open.values()) call.to = Date.now();
    });
    return child;
  };
  const children = [start(), start(), start()];
  let kills = 0;
  let most = 0;
  let samples = 0;
  const deadline = Date.now() + 90_000;
  try {
    await Promise.all(children.map(ready));
    for (;;) {
      // One SELECT: an exact snapshot of the key's leases at one instant.
      const processing = await store.list({ status: 'processing', limit: 1000 });
      most = Math.max(most, processing.filter((j) => j.concurrencyKey === 'account:main').length);
      samples++;
      const stats = await store.stats();
      const left = stats.total - stats.byStatus.done;
      if (left === 0) break;
      expect(Date.now(), `jobs still open: ${left}; ${stderr.join('')}`).toBeLessThan(deadline);
      // Real time between kills: the workers are real processes that run on their own.
      await new Promise((r) => setTimeout(r, 20));
      if (kills < KILLS && samples % 15 === 0) {
        const i = kills++ % children.length;
        const exited = once(children[i]!, 'exit');
        children[i]!.kill('SIGKILL');
        await exited;
        children[i] = start();
      }
    }
  } finally {
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? (c.kill('SIGKILL'), once(c, 'exit')) : undefined)));
  }
  const all = await store.list({ limit: 1000 });
  expect(all.filter((j) => j.status !== 'done')).toEqual([]);
  const keyed = all.filter((j) => j.concurrencyKey === 'account:main');
  expect(keyed).toHaveLength(KEYED);
  const ids = new Set(keyed.map((j) => j.id));
  const keyedCalls = calls.filter((c) => ids.has(c.job)).sort((a, b) => a.from - b.from);
  for (let i = 1; i < keyedCalls.length; i++) {
    const prev = keyedCalls[i - 1]!;
    const cur = keyedCalls[i]!;
    expect(cur.from, `job ${cur.job}'s call began while job ${prev.job}'s was running`).toBeGreaterThanOrEqual(prev.to);
  }
  expect(keyedCalls.length).toBeGreaterThanOrEqual(KEYED);
  expect(most, 'two leases of the key in one snapshot').toBe(1);
  expect(samples).toBeGreaterThan(20);
  expect(kills).toBe(KILLS);
  await store.close();
}

describe('sqlite: a concurrency key across processes', () => {
  it(`3 worker processes, ${KILLS} SIGKILLs: the key's leases never overlap, and every job ends done`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-flow-'));
    try {
      const filename = join(dir, 'jobs.db');
      await runKeyed('sqlite', filename, new SqliteLeaseStore({ filename }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

await describeMysql('mysql: a concurrency key across processes', () => {
  afterAll(endAdminPool);
  it(`3 worker processes, ${KILLS} SIGKILLs: the key's leases never overlap, and every job ends done`, { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('flowkey');
    try {
      await runKeyed('mysql', db.url, new MysqlLeaseStore({ uri: db.url, connectionLimit: 2 }));
    } finally {
      await db.drop();
    }
  });
});
