/**
 * The command-by-command suite of the `leasehold` CLI, run as a user runs it against one
 * store: cli-sqlite.test.ts and cli-mysql.test.ts call it with their own store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import type { Clock } from '../src/ports/clock.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { runCli, spawnCli, watchOutput } from './cli-support.js';

/** A store the CLI runs against: its --db value, the same store opened in the test, and a scratch folder. */
export interface CliTarget {
  db: () => string;
  open: (clock?: Clock) => LeaseStore;
  dir: string;
}

/** Registers the suite (call inside a describe). */
export function cliSuite(target: CliTarget): void {
  const dir = target.dir;
  const cli = (...args: string[]) => runCli(['--db', target.db(), ...args]);

  beforeAll(async () => {
    const r = await cli('--json', 'migrate');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ migrated: true, db: target.db().replace(/:[^:@/]*@/, ':***@') });
  });

  it('enqueue returns the job; the same --key returns the existing job', async () => {
    const a = await cli('--json', 'enqueue', 'orders', '{"sym":"BTC","qty":1}', '--key', 'order-1', '--priority', '5', '--max-attempts', '7');
    expect(a.code, a.stderr).toBe(0);
    expect(a.json).toEqual({ created: true, job: expect.objectContaining({ queue: 'orders', key: 'order-1', status: 'pending', priority: 5, maxAttempts: 7, payload: { sym: 'BTC', qty: 1 } }) });
    const b = await cli('--json', 'enqueue', 'orders', '{"sym":"BTC","qty":1}', '--key', 'order-1');
    expect(b.json).toMatchObject({ created: false, job: { id: a.json.job.id } });
    const text = await cli('enqueue', 'mail', 'null', '--run-at', '+1h');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^enqueued job \d+ on mail \(pending\)\n$/);
  });

  it('workers lists the processes the store knows; release-worker refuses a live one (exit 1) unless --force', { timeout: 120_000 }, async () => {
    const store = target.open();
    await store.registerWorker({ workerId: 'cli-bot', incarnation: 'inc-1', host: 'host-a', pid: 77, bootId: 'b', livenessTimeoutMs: 600_000 });
    await store.enqueue({ queue: 'workers-q', payload: 1 });
    await store.acquire({ workerId: 'cli-bot', leaseMs: 600_000, queues: ['workers-q'] });
    await store.close();
    const listed = await cli('--json', 'workers');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json.workers).toEqual([expect.objectContaining({ workerId: 'cli-bot', host: 'host-a', pid: 77, alive: true, jobsHeld: 1 })]);
    expect((await cli('workers')).stdout).toMatch(/cli-bot\s+host-a\s+77\s.*alive\s+1/);
    const refused = await cli('--json', 'release-worker', 'cli-bot');
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('WORKER_ALIVE');
    const forced = await cli('release-worker', 'cli-bot', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe('released 1 lease of worker cli-bot\n');
  });

  it('show prints the job with its steps; an unknown id fails with exit 1', async () => {
    const { json } = await cli('--json', 'enqueue', 'show-q', '{"n":2}');
    const store = target.open();
    const [lease] = await store.acquire({ workerId: 'test-worker', leaseMs: 60_000, queues: ['show-q'] });
    await store.beginStep(lease!, 'place-order');
    await store.saveStep(lease!, 'place-order', { orderId: 'ex-1' });
    await store.complete(lease!, { ok: true });
    await store.close();

    const shown = await cli('--json', 'show', json.job.id);
    expect(shown.code).toBe(0);
    expect(shown.json.job).toMatchObject({ id: json.job.id, status: 'done', result: { ok: true } });
    expect(shown.json.steps).toEqual([expect.objectContaining({ name: 'place-order', state: 'done', result: { orderId: 'ex-1' } })]);
    const text = await cli('show', json.job.id);
    expect(text.stdout).toMatch(/status\s+done/);
    expect(text.stdout).toMatch(/place-order\s+done/);

    const missing = await cli('show', '999999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('leasehold: job 999999 not found\n');
    const missingJson = await cli('--json', 'show', '999999');
    expect(JSON.parse(missingJson.stderr)).toEqual({ error: { code: 'JOB_NOT_FOUND', message: 'job 999999 not found' } });
  });

  it('cancel and retry follow the lifecycle; a forbidden transition exits 1', async () => {
    const { json } = await cli('--json', 'enqueue', 'cancel-me', '{}');
    const id: string = json.job.id;
    expect((await cli('--json', 'cancel', id)).json.job.status).toBe('cancelled');
    const again = await cli('cancel', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^leasehold: cannot cancel job \d+: it is cancelled\n$/);
    expect((await cli('--json', 'retry', id)).json.job).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await cli('retry', id)).code).toBe(1);
  });

  it('list filters by status and queue and limits', async () => {
    const all = await cli('--json', 'list', '--queue', 'orders');
    expect(all.code).toBe(0);
    expect(all.json.jobs.length).toBeGreaterThanOrEqual(1);
    expect(all.json.jobs.every((j: { queue: string }) => j.queue === 'orders')).toBe(true);
    const done = await cli('--json', 'list', '--status', 'done,failed', '--limit', '1');
    expect(done.json.jobs).toEqual([expect.objectContaining({ status: 'done' })]);
    const text = await cli('list', '--status', 'pending');
    expect(text.stdout.split('\n')[0]).toMatch(/^id\s+queue\s+status\s+attempts/);
  });

  it('status shows counts, leases (expired ones too) and reap takes expired leases back', async () => {
    // A worker that "crashed" an hour ago: its lease ran out long before the CLI looks.
    const clock = new ManualClock(Date.now() - 3_600_000);
    const store = target.open(clock);
    await store.enqueue({ queue: 'crashy', payload: { n: 1 } });
    const [lease] = await store.acquire({ workerId: 'dead-worker', leaseMs: 1_000, queues: ['crashy'] });
    await store.close();

    const s = await cli('--json', 'status');
    expect(s.code).toBe(0);
    expect(Object.keys(s.json).sort()).toEqual(['activeLeases', 'byQueue', 'byStatus', 'expiredLeases', 'failed', 'now', 'oldestWaiting', 'oldestWaitingExact', 'total']);
    expect(s.json.byQueue.crashy).toMatchObject({ processing: 1 });
    expect(s.json.expiredLeases).toEqual([expect.objectContaining({ id: lease!.job.id, lockedBy: 'dead-worker' })]);
    expect(s.json.oldestWaiting).toMatchObject({ queue: 'orders', status: 'pending' });
    expect(s.json.activeLeases).toEqual([]);
    const text = await cli('status');
    expect(text.stdout).toMatch(/^queue\s+pending\s+processing\s+retry\s+done\s+failed\s+cancelled\s+total/);
    expect(text.stdout).toContain('expired leases: 1');

    expect((await cli('--json', 'reap')).json).toEqual({ reaped: 1 });
    expect((await cli('--json', 'show', lease!.job.id)).json.job.status).toBe('retry');
    expect((await cli('reap')).stdout).toBe('reaped 0 expired leases\n');
  });

  it('prune deletes finished jobs older than the duration, only the statuses asked for', async () => {
    const { json } = await cli('--json', 'enqueue', 'prune-me', '{}');
    await cli('cancel', json.job.id);
    expect((await cli('--json', 'prune', '--older-than', '7d')).json).toEqual({ pruned: 0 });
    expect((await cli('--json', 'prune', '--older-than', '0s', '--status', 'failed')).json).toEqual({ pruned: 0 });
    expect((await cli('--json', 'prune', '--older-than', '0s', '--status', 'cancelled')).json).toEqual({ pruned: 1 });
    expect((await cli('show', json.job.id)).code).toBe(1);
  });

  it('work runs a handler module until SIGTERM, then stops cleanly', async () => {
    const handler = join(dir, 'handler.mjs');
    writeFileSync(handler, 'export async function handler(job) { return { seen: job.payload.n }; }\n');
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await cli('--json', 'enqueue', 'work-q', JSON.stringify({ n }))).json.job.id);
    const child = spawnCli(['--db', target.db(), 'work', '--queue', 'work-q', '--handler', handler, '--concurrency', '2']);
    const output = watchOutput(child);
    for (const id of ids) await output.until(new RegExp(`job ${id} done`));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const id of ids) expect((await cli('--json', 'show', id)).json.job).toMatchObject({ status: 'done', result: { seen: expect.any(Number) } });
  });

  it('work without a handler export is a usage error', async () => {
    const bad = join(dir, 'nohandler.mjs');
    writeFileSync(bad, 'export const x = 1;\n');
    const r = await cli('work', '--queue', 'q', '--handler', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exports no `handler` function/);
  });
}
