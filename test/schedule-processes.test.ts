/**
 * Real processes, one schedule: three scheduler processes on one store, one of them SIGKILLed
 * and restarted every few slots, while this process runs and prunes every job it finds.
 * Every slot from the first to the last must be enqueued exactly once: none missing (the
 * restarts backfill), none twice (not even a slot whose job was already pruned).
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
import { scheduleSlotOf } from '../src/domain/schedule.js';
import type { Clock } from '../src/ports/clock.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { sharedFastClock } from './fixtures/scheduler-clock.js';
import { createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';

const ROOT = resolve(import.meta.dirname, '..');
const SPEED = 4;
const SLOTS = 60;
const KILL_EVERY = 8;
const RESTARTS = 6;

function spawnScheduler(kind: 'sqlite' | 'mysql', target: string, base: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join('test', 'fixtures', 'scheduler-process.ts'), kind, target, String(base), String(SPEED)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => l === 'ready' && res());
    child.once('exit', (code) => rej(new Error(`scheduler exited with ${code} before it was ready`)));
  });
}

async function until(done: () => Promise<boolean>): Promise<void> {
  // Condition polling on the store: the children's progress is visible only there.
  while (!(await done())) await new Promise((r) => setTimeout(r, 50));
}

async function runSchedulers(kind: 'sqlite' | 'mysql', target: string, open: (clock: Clock) => LeaseStore): Promise<void> {
  const base = Date.now();
  const clock = sharedFastClock(base, SPEED);
  const store = open(clock);
  await store.migrate();
  const stderr: string[] = [];
  const start = (): ChildProcess => {
    const child = spawnScheduler(kind, target, base);
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    return child;
  };
  const children = [start(), start(), start()];
  const completed: number[] = [];
  let kills = 0;
  try {
    await Promise.all(children.map(ready));
    const first = (await store.getSchedule('tick'))!.nextRunAt!;
    const cursor = async (): Promise<number> => (await store.getSchedule('tick'))!.nextRunAt!;
    while (kills < RESTARTS || (await cursor()) < first + SLOTS * 1000) {
      const from = await cursor();
      await until(async () => (await cursor()) >= from + KILL_EVERY * 1000);
      // A restart: SIGKILL one (whatever it was doing), start a new one in its place.
      const i = kills++ % children.length;
      const exited = once(children[i]!, 'exit');
      children[i]!.kill('SIGKILL');
      await exited;
      children[i] = start();
      // Run and prune every job so far: a slot whose job is gone must still never come back.
      const leases = await store.acquire({ workerId: 'runner', leaseMs: 60_000, limit: 1000, queues: ['ticks'] });
      await store.completeMany(leases.map((lease) => ({ lease })));
      completed.push(...leases.map((l) => scheduleSlotOf(l.job)!.slotAt));
      await store.prune({ olderThanMs: 0 });
    }
  } finally {
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? (c.kill('SIGKILL'), once(c, 'exit')) : undefined)));
  }
  const left = (await store.list({ limit: 10_000 })).map((j) => scheduleSlotOf(j)!.slotAt);
  await store.close();
  const all = [...completed, ...left].sort((a, b) => a - b);
  expect(stderr.join('')).toBe('');
  expect(all.length).toBeGreaterThanOrEqual(SLOTS);
  expect(new Set(all).size, 'a slot was enqueued twice').toBe(all.length);
  expect(all, 'a slot is missing').toEqual(Array.from({ length: all.length }, (_, k) => all[0]! + k * 1000));
  expect(completed.length).toBeGreaterThan(0);
}

describe('sqlite: scheduler processes', () => {
  it(`3 processes, ${RESTARTS}+ SIGKILL restarts ${KILL_EVERY}+ slots apart, enqueue each of ${SLOTS}+ per-second slots once`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-sched-'));
    try {
      const filename = join(dir, 'jobs.db');
      await runSchedulers('sqlite', filename, (clock) => new SqliteLeaseStore({ filename, clock }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

await describeMysql('mysql: scheduler processes', () => {
  afterAll(endAdminPool);
  it(`3 processes, ${RESTARTS}+ SIGKILL restarts ${KILL_EVERY}+ slots apart, enqueue each of ${SLOTS}+ per-second slots once`, { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('sched');
    await runSchedulers('mysql', db.url, (clock) => new MysqlLeaseStore({ uri: db.url, clock, connectionLimit: 2 }));
  });
});
