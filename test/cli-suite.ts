/**
 * The command-by-command suite of the `leasehold` CLI, run as a user runs it against one
 * store: cli-sqlite.test.ts and cli-mysql.test.ts call it with their own store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it, vi } from 'vitest';
import { ProcessingWorker } from '../src/app/worker/processing-worker.js';
import { controllable } from './support/worker-fixtures.js';
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
  // Every command is a child process (node + tsx): about 1 s each on an idle machine, several
  // seconds on a loaded one, so the suite's tests, which run up to a dozen, get more time.
  vi.setConfig({ testTimeout: 120_000 });
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
    expect(Object.keys(s.json).sort()).toEqual(['activeLeases', 'byQueue', 'byStatus', 'expiredLeases', 'failed', 'now', 'oldestWaiting', 'oldestWaitingExact', 'schedules', 'total']);
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

  it('schedule add, list, pause, resume, remove; status shows the next run; bad input exits 2', { timeout: 120_000 }, async () => {
    const add = await cli('--json', 'schedule', 'add', 'cli-rebalance', '0 * * * *', 'rebalance', '--tz', 'Europe/Berlin', '--payload', '{"account":"main"}', '--missed', 'backfill', '--backfill', '3', '--skip-if-running');
    expect(add.code, add.stderr).toBe(0);
    expect(add.json).toMatchObject({ created: true, changed: true, schedule: { name: 'cli-rebalance', timeZone: 'Europe/Berlin', missed: 'backfill', backfillLimit: 3, skipIfRunning: true, payload: { account: 'main' } } });
    const nextRun = add.json.schedule.nextRunAt as number;
    expect(nextRun % 3_600_000).toBe(0);
    expect(nextRun).toBeGreaterThan(Date.now() - 1000);
    expect((await cli('schedule', 'add', 'cli-rebalance', '0 * * * *', 'rebalance', '--tz', 'Europe/Berlin', '--payload', '{"account":"main"}', '--missed', 'backfill', '--backfill', '3', '--skip-if-running')).stdout).toMatch(/^unchanged schedule cli-rebalance/);
    expect((await cli('schedule', 'pause', 'cli-rebalance')).stdout).toBe('schedule cli-rebalance is paused\n');
    expect((await cli('schedule', 'list')).stdout).toMatch(/cli-rebalance\s+0 \* \* \* \*\s+Europe\/Berlin\s+rebalance\s+backfill 3\s+paused/);
    expect((await cli('schedule', 'resume', 'cli-rebalance')).stdout).toMatch(/is active; next run/);
    const status = await cli('--json', 'status');
    expect(status.json.schedules).toContainEqual({ name: 'cli-rebalance', cron: '0 * * * *', timeZone: 'Europe/Berlin', queue: 'rebalance', paused: false, nextRun });
    const bad = await cli('--json', 'schedule', 'add', 'x', '* * *', 'q');
    expect({ code: bad.code, err: JSON.parse(bad.stderr).error.code }).toEqual({ code: 2, err: 'VALIDATION' });
    expect((await cli('schedule', 'add', 'x', '* * * * *', 'q', '--missed', 'often')).code).toBe(2);
    expect((await cli('schedule', 'remove', 'cli-rebalance')).stdout).toBe('removed schedule cli-rebalance\n');
    expect((await cli('schedule', 'remove', 'cli-rebalance')).code).toBe(1);
  });

  it('limit set, list, remove: a rate limit stored for every worker; bad input exits 2', { timeout: 120_000 }, async () => {
    const set = await cli('--json', 'limit', 'set', 'cli-binance', '10', '1s');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json).toEqual({ queue: 'cli-binance', max: 10, perMs: 1000 });
    expect((await cli('limit', 'set', 'cli-binance', '5', '2s')).stdout).toBe('queue cli-binance: at most 5 claims per 2000 ms\n');
    expect((await cli('limit', 'list')).stdout).toMatch(/cli-binance\s+5\s+2000\s+5 now/);
    expect((await cli('--json', 'limit', 'list')).json.limits).toContainEqual(expect.objectContaining({ queue: 'cli-binance', max: 5, perMs: 2000 }));
    expect((await cli('limit', 'set', 'cli-binance', '0', '1s')).code).toBe(2);
    expect((await cli('limit', 'set', 'cli-binance', '3', 'soon')).code).toBe(2);
    expect((await cli('limit', 'remove', 'cli-binance')).stdout).toBe('removed the rate limit of cli-binance\n');
    expect((await cli('--json', 'limit', 'list')).json.limits).not.toContainEqual(expect.objectContaining({ queue: 'cli-binance' }));
  });

  it('schedule run enqueues the due slots of a per-second schedule until SIGTERM', { timeout: 120_000 }, async () => {
    expect((await cli('schedule', 'add', 'cli-tick', '* * * * * *', 'cli-ticks')).code).toBe(0);
    const child = spawnCli(['--db', target.db(), 'schedule', 'run']);
    const output = watchOutput(child);
    await output.until(/enqueued job \d+ on cli-ticks for \S+\n[\s\S]*enqueued job \d+ on cli-ticks/);
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await cli('schedule', 'remove', 'cli-tick')).code).toBe(0);
    const jobs = (await cli('--json', 'list', '--queue', 'cli-ticks', '--limit', '1000')).json.jobs as { key: string; runAt: number }[];
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(jobs.every((j) => j.key === `schedule:cli-tick@${new Date(j.runAt).toISOString()}` && j.runAt % 1000 === 0)).toBe(true);
    expect(new Set(jobs.map((j) => j.runAt)).size).toBe(jobs.length);
  });

  it('work without a handler export is a usage error', async () => {
    const bad = join(dir, 'nohandler.mjs');
    writeFileSync(bad, 'export const x = 1;\n');
    const r = await cli('work', '--queue', 'q', '--handler', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exports no `handler` function/);
  });

  it('an app worker and `leasehold work` share a job in doubt: the same key, so reconcile finds the first order', { timeout: 180_000 }, async () => {
    // One handler module, used by both: the app worker imports it, `leasehold work` loads it.
    // The exchange is a file of orders (it does not dedupe); reconcile looks orders up there.
    const orders = join(dir, `orders-${Date.now()}.jsonl`);
    const asked = join(dir, `asked-${Date.now()}.jsonl`);
    const module = join(dir, `shared-handler-${Date.now()}.mjs`);
    writeFileSync(
      module,
      `import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const read = (f) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
export const handlers = {
  'shared-q': {
    handle: async (job, ctx) => ctx.step('place-order', async () => {
      const order = { id: 'X-' + (read(${JSON.stringify(orders)}).length + 1), clientOrderId: ctx.idempotencyKey('place-order') };
      appendFileSync(${JSON.stringify(orders)}, JSON.stringify(order) + '\\n');
      await globalThis.afterPlace?.();
      return { orderId: order.id };
    }),
    reconcile: async (job, step, key) => {
      appendFileSync(${JSON.stringify(asked)}, JSON.stringify({ step, key }) + '\\n');
      const o = read(${JSON.stringify(orders)}).find((x) => x.clientOrderId === key);
      return o ? { found: true, result: { orderId: o.id } } : { found: false };
    },
  },
};
`,
    );
    const { json } = await cli('--json', 'enqueue', 'shared-q', '{}');
    const jobId: string = json.job.id;
    const store = target.open();
    const app = controllable(store);
    // The app worker dies right after the exchange booked the order: its store calls never arrive again.
    (globalThis as { afterPlace?: () => Promise<void> }).afterPlace = () => {
      app.crash();
      return new Promise(() => {});
    };
    try {
      const { handlers } = (await import(/* @vite-ignore */ module)) as { handlers: never };
      const worker = new ProcessingWorker({ store: app.store, handlers, queues: ['shared-q'], leaseDurationSeconds: 1, handleSignals: false, maxConcurrentJobs: 4, workerId: 'app-worker' });
      await worker.start();
      await vi.waitFor(async () => expect((await store.getExpiredLeases()).map((j) => j.id)).toContain(jobId), { timeout: 15_000, interval: 50 });
      const child = spawnCli(['--db', target.db(), 'work', '--queue', 'shared-q', '--handler', module]);
      const output = watchOutput(child);
      await output.until(new RegExp(`job ${jobId} done`));
      expect(output.text()).toMatch(new RegExp(`job ${jobId}: step place-order was in doubt \\(key [A-Za-z0-9]{32}\\): reconciled`));
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      delete (globalThis as { afterPlace?: unknown }).afterPlace;
      await store.close();
    }
    const placed = readFileSync(orders, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; clientOrderId: string });
    expect(placed).toHaveLength(1);
    expect(placed[0]!.clientOrderId).toMatch(/^[A-Za-z0-9]{32}$/);
    const questions = readFileSync(asked, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string });
    expect(questions.map((q) => q.key)).toEqual([placed[0]!.clientOrderId]);
    const shown = (await cli('--json', 'show', jobId)).json;
    expect(shown.job).toMatchObject({ status: 'done', result: { orderId: placed[0]!.id } });
    expect(shown.steps).toEqual([expect.objectContaining({ name: 'place-order', state: 'done', key: placed[0]!.clientOrderId, inDoubt: false })]);
  });

  /** A job whose only attempt began `place-order` under `key` and died before recording it. */
  const inDoubtJob = async (queue: string, key: string): Promise<string> => {
    const store = target.open();
    try {
      const { job } = await store.enqueue({ queue, payload: null, maxAttempts: 1 });
      const [lease] = await store.acquire({ workerId: 'crashed', leaseMs: 60_000, queues: [queue] });
      await store.beginStep(lease!, 'place-order', { key });
      await store.fail(lease!, 'worker died mid-order');
      return job.id;
    } finally {
      await store.close();
    }
  };

  it('show marks a step in doubt; list --in-doubt finds it; retry refuses until settle; retry --force', { timeout: 180_000 }, async () => {
    const jobId = await inDoubtJob('doubt-q', 'client-key-1');
    const text = await cli('show', jobId);
    expect(text.stdout).toMatch(/^place-order\s+IN DOUBT\s+\d+\s+client-key-1/m);
    expect(text.stdout).toContain('step place-order is IN DOUBT');
    const shown = (await cli('--json', 'show', jobId)).json;
    expect(shown.inDoubt).toEqual(['place-order']);
    expect(shown.steps[0]).toMatchObject({ name: 'place-order', inDoubt: true, key: 'client-key-1', settledAt: null });
    expect((await cli('--json', 'list', '--in-doubt')).json.jobs.map((j: { id: string }) => j.id)).toContain(jobId);
    const refused = await cli('--json', 'retry', jobId);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error.code).toBe('STEP_IN_DOUBT');
    expect((await cli('settle', jobId, 'place-order')).code).toBe(2);
    const settled = await cli('--json', 'settle', jobId, 'place-order', '--result', '{"orderId":"X-7"}');
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.json.step).toMatchObject({ state: 'done', result: { orderId: 'X-7' }, key: 'client-key-1' });
    expect((await cli('--json', 'list', '--in-doubt')).json.jobs.map((j: { id: string }) => j.id)).not.toContain(jobId);
    expect((await cli('settle', jobId, 'place-order', '--not-happened')).code).toBe(1);
    expect((await cli('--json', 'retry', jobId)).json.job.status).toBe('pending');
    // --force: a second job in doubt, retried without settling.
    const otherId = await inDoubtJob('doubt-q2', 'client-key-2');
    expect((await cli('retry', otherId)).code).toBe(1);
    expect((await cli('--json', 'retry', otherId, '--force')).json.job.status).toBe('pending');
  });

  it('a pruned job\'s key stays retired: enqueue exits 1 with KEY_RETIRED, --reuse-key runs it again with the old uid', { timeout: 180_000 }, async () => {
    const first = (await cli('--json', 'enqueue', 'retire-q', '{}', '--key', 'retire-me', '--key-format', 'uuid')).json.job;
    expect(first.idempotencyKeyFormat).toBe('uuid');
    await cli('cancel', first.id);
    expect((await cli('--json', 'prune', '--older-than', '0s', '--status', 'cancelled')).json.pruned).toBeGreaterThanOrEqual(1);
    const again = await cli('--json', 'enqueue', 'retire-q', '{}', '--key', 'retire-me');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('KEY_RETIRED');
    const reused = await cli('--json', 'enqueue', 'retire-q', '{}', '--key', 'retire-me', '--reuse-key');
    expect(reused.code, reused.stderr).toBe(0);
    expect(reused.json).toMatchObject({ created: true, job: { uid: first.uid, idempotencyKeyFormat: 'uuid', key: 'retire-me' } });
    expect((await cli('enqueue', 'retire-q', '{}', '--key-format', 'hex')).code).toBe(2);
    await cli('cancel', reused.json.job.id);
    await cli('prune', '--older-than', '0s', '--status', 'cancelled', '--forget-keys-older-than', '0s');
    expect((await cli('--json', 'enqueue', 'retire-q', '{}', '--key', 'retire-me')).json.job.uid).not.toBe(first.uid);
  });
}
