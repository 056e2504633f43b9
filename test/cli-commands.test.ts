import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { cancelCommand, enqueueCommand, listCommand, pruneCommand, reapCommand, retryCommand, settleCommand, showCommand } from '../src/app/cli/commands.js';
import { exitCodeFor, ExitCode, UsageError } from '../src/app/cli/exit-codes.js';
import { formatDuration, formatJob, formatStatus } from '../src/app/cli/format.js';
import { legacyIdempotencyKey } from '../src/app/idempotency-key.js';
import { parseDbSpec } from '../src/app/cli/open-store.js';
import { parseDuration, parseStatuses, parseTime } from '../src/app/cli/parse-args.js';
import { redact } from '../src/app/cli/redact.js';
import { STATUS_FAILED_SHOWN, STATUS_SAMPLE, statusCommand } from '../src/app/cli/status.js';
import { JobNotFoundError, StoreUnavailableError, ValidationError } from '../src/domain/errors.js';

const START = Date.UTC(2026, 0, 1);

function setup() {
  const clock = new ManualClock(START);
  return { clock, store: new InMemoryLeaseStore({ clock, random: () => 0.5 }) };
}

describe('CLI command functions (in-memory store)', () => {
  it('status counts by queue and status, shows leases, the oldest due job and failures', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 3; i++) await enqueueCommand(store, { queue: 'orders', payload: { i } });
    await enqueueCommand(store, { queue: 'mail', payload: null, maxAttempts: 1 });
    clock.advance(5_000);
    const [held] = await store.acquire({ workerId: 'w1', leaseMs: 10_000, queues: ['orders'] });
    const [crashed] = await store.acquire({ workerId: 'w2', leaseMs: 1_000, queues: ['orders'] });
    const [mail] = await store.acquire({ workerId: 'w3', leaseMs: 60_000, queues: ['mail'] });
    await store.fail(mail!, new Error('smtp down'));
    clock.advance(2_000);

    const r = await statusCommand(store, clock.now());
    expect(r.total).toBe(4);
    expect(r.byQueue.orders).toMatchObject({ pending: 1, processing: 2 });
    expect(r.byStatus.failed).toBe(1);
    expect(r.activeLeases.map((l) => l.id)).toEqual([held!.job.id]);
    expect(r.expiredLeases).toEqual([expect.objectContaining({ id: crashed!.job.id, lockedBy: 'w2', msLeft: -1_000 })]);
    expect(r.oldestWaiting).toEqual({ id: '3', queue: 'orders', status: 'pending', waitingMs: 7_000 });
    expect(r.failed).toEqual([expect.objectContaining({ id: mail!.job.id, queue: 'mail', lastError: expect.stringContaining('smtp down') })]);
    const text = formatStatus(r);
    expect(text).toContain('expired leases: 1');
    expect(text).toContain('smtp down');
  });

  it('status shows the newest failed jobs even beyond the first STATUS_SAMPLE, and says whether the oldest waiting job is exact', async () => {
    const { clock, store } = setup();
    const n = STATUS_SAMPLE + 5;
    await store.enqueueMany(Array.from({ length: n }, (_, i) => ({ queue: 'q', payload: i, maxAttempts: 1 })));
    const leases = await store.acquire({ workerId: 'w', leaseMs: 60_000, limit: n });
    for (const l of leases) {
      clock.advance(1);
      await store.fail(l, new Error(`boom ${l.job.id}`));
    }
    const newest = leases.slice(-STATUS_FAILED_SHOWN).map((l) => l.job.id).reverse();

    // Few waiting jobs: every one is looked at, so the oldest is exact; a later id can be due longer.
    await store.enqueue({ queue: 'late', payload: null });
    const { job: early } = await store.enqueue({ queue: 'early', payload: null, runAt: START - 60_000 });
    const r = await statusCommand(store, clock.now());
    expect(r.failed.map((f) => f.id)).toEqual(newest);
    expect(r.oldestWaitingExact).toBe(true);
    expect(r.oldestWaiting).toMatchObject({ id: early.id, queue: 'early' });
    expect(formatStatus(r)).toContain(`failed jobs: ${n} (newest ${STATUS_FAILED_SHOWN} shown)`);

    // More waiting jobs than the sample: the report says the figure comes from a sample.
    await store.enqueueMany(Array.from({ length: STATUS_SAMPLE }, () => ({ queue: 'bulk', payload: null })));
    const big = await statusCommand(store, clock.now());
    expect(big.oldestWaitingExact).toBe(false);
    expect(formatStatus(big)).toContain(`among the ${STATUS_SAMPLE} lowest-id waiting jobs of ${STATUS_SAMPLE + 2}`);
  });

  it('show returns the job with its steps in order; unknown ids are not found', async () => {
    const { clock, store } = setup();
    const { job } = await enqueueCommand(store, { queue: 'orders', payload: { sym: 'BTC' } });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
    await store.beginStep(lease!, 'place');
    clock.advance(10);
    await store.saveStep(lease!, 'place', { orderId: 'X1' });
    await store.beginStep(lease!, 'confirm');
    const shown = await showCommand(store, job.id);
    expect(shown.job.id).toBe(job.id);
    expect(shown.steps.map((s) => [s.name, s.state])).toEqual([
      ['place', 'done'],
      ['confirm', 'started'],
    ]);
    await expect(showCommand(store, '999')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('list filters, retry and cancel follow the lifecycle, reap and prune report counts', async () => {
    const { clock, store } = setup();
    const a = (await enqueueCommand(store, { queue: 'q', payload: 1 })).job;
    const b = (await enqueueCommand(store, { queue: 'q', payload: 2, maxAttempts: 1 })).job;
    expect((await cancelCommand(store, a.id)).job.status).toBe('cancelled');
    expect((await listCommand(store, { status: ['cancelled'] })).jobs.map((j) => j.id)).toEqual([a.id]);
    expect((await retryCommand(store, a.id)).job.status).toBe('pending');
    await expect(retryCommand(store, a.id)).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    await store.acquire({ workerId: 'w', leaseMs: 1_000, limit: 2 });
    clock.advance(1_000);
    expect(await reapCommand(store)).toEqual({ reaped: 2 });
    expect((await store.get(b.id))!.status).toBe('failed');
    clock.advance(8 * 86_400_000);
    expect(await pruneCommand(store, { olderThanMs: parseDuration('7d', '--older-than'), statuses: ['done'] })).toEqual({ pruned: 0 });
    expect(await pruneCommand(store, { olderThanMs: parseDuration('7d', '--older-than') })).toEqual({ pruned: 1 });
    expect((await listCommand(store, { queue: 'q', limit: 10 })).jobs.map((j) => j.id)).toEqual([a.id]);
  });
});

describe('CLI argument parsing and error mapping', () => {
  it('parses durations, times, statuses and store URLs', () => {
    expect(parseDuration('1h30m', 'x')).toBe(5_400_000);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(() => parseDuration('7 days', '--older-than')).toThrow(UsageError);
    expect(parseTime('+10m', 'x', 1_000)).toBe(601_000);
    expect(parseTime('2026-01-01T00:00:00Z', 'x', 0)).toBe(START);
    expect(() => parseTime('tomorrow', '--run-at', 0)).toThrow(/--run-at/);
    expect(() => parseStatuses('done,finished', '--status')).toThrow(/"finished" is not a status/);
    expect(parseDbSpec('sqlite:./x.db')).toEqual({ kind: 'sqlite', filename: './x.db' });
    expect(parseDbSpec('mysql://u:p@h/db')).toEqual({ kind: 'mysql', uri: 'mysql://u:p@h/db' });
    expect(() => parseDbSpec('postgres://u:secret@h/db')).toThrow(/postgres:\/\/u:\*\*\*@h\/db/);
  });

  it('redacts passwords in URLs and password= pairs', () => {
    expect(redact('connect mysql://app:s3cr@t@db:3306/x failed')).toBe('connect mysql://app:***@db:3306/x failed');
    expect(redact('mysql://root@db/x')).toBe('mysql://root@db/x');
    expect(redact('uri=mysql://h/x?password=hunter2&ssl=1')).toBe('uri=mysql://h/x?password=***&ssl=1');
  });

  it('maps errors to exit codes', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(ExitCode.USAGE);
    expect(exitCodeFor(new ValidationError('queue', 'must not be empty'))).toBe(ExitCode.USAGE);
    expect(exitCodeFor(new JobNotFoundError('1'))).toBe(ExitCode.FAILED);
    expect(exitCodeFor(new StoreUnavailableError('down'))).toBe(ExitCode.STORE_UNAVAILABLE);
    expect(exitCodeFor(new Error('boom'))).toBe(ExitCode.FAILED);
  });

  it('formats durations for people', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(-3_000)).toBe('3.0s ago');
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000)).toBe('2d 4h');
  });

  it('show marks a step in doubt in words, in the table and in the JSON; list, settle and retry handle it', async () => {
    const { clock, store } = setup();
    const { job } = await enqueueCommand(store, { queue: 'orders', payload: null, maxAttempts: 1 });
    const [lease] = await store.acquire({ workerId: 'w1', leaseMs: 10_000 });
    await store.beginStep(lease!, 'confirm', { key: 'k-confirm' });
    await store.saveStep(lease!, 'confirm', true);
    await store.beginStep(lease!, 'place', { key: 'client-order-1' });
    // While its own attempt holds the job the step is running, not in doubt.
    expect((await showCommand(store, job.id)).inDoubt).toEqual([]);
    await store.fail(lease!, 'crashed');
    const shown = await showCommand(store, job.id);
    expect(shown.inDoubt).toEqual(['place']);
    expect(shown.steps.map((s) => [s.name, s.inDoubt, s.key])).toEqual([['confirm', false, 'k-confirm'], ['place', true, 'client-order-1']]);
    const text = formatJob(shown.job, shown.steps, clock.now());
    expect(text).toMatch(/^place\s+IN DOUBT\s+1\s+client-order-1/m);
    expect(text).toContain('step place is IN DOUBT');
    expect(text).toContain(`leasehold settle ${job.id} place --result`);
    expect((await listCommand(store, { inDoubt: true })).jobs.map((j) => j.id)).toEqual([job.id]);
    await expect(retryCommand(store, job.id)).rejects.toMatchObject({ code: 'STEP_IN_DOUBT' });
    const settled = await settleCommand(store, job.id, 'place', { happened: true, result: { orderId: 'X1' } });
    expect(settled.step).toMatchObject({ state: 'done', result: { orderId: 'X1' }, settledAt: clock.now() });
    expect(formatJob(job, (await showCommand(store, job.id)).steps, clock.now())).toMatch(/^place\s+done \(settled by hand\)/m);
    expect((await listCommand(store, { inDoubt: true })).jobs).toEqual([]);
    expect((await retryCommand(store, job.id)).job.status).toBe('pending');
  });

  it('retry --force retries a job in doubt; prune keeps keys retired unless told to forget them', async () => {
    const { clock, store } = setup();
    const { job } = await enqueueCommand(store, { queue: 'orders', payload: null, maxAttempts: 1, key: 'order-1' });
    const [lease] = await store.acquire({ workerId: 'w1', leaseMs: 10_000 });
    await store.beginStep(lease!, 'place');
    await store.fail(lease!, 'crashed');
    // A step begun without a recorded key (an older leasehold's): show names the key that version derived.
    const shown = await showCommand(store, job.id);
    expect(formatJob(shown.job, shown.steps, clock.now())).toContain(`by its key ${legacyIdempotencyKey(job.id, 'place')} (not recorded`);
    expect((await retryCommand(store, job.id, { force: true })).job.status).toBe('pending');
    await store.cancel(job.id);
    clock.advance(60_000);
    expect((await pruneCommand(store, { olderThanMs: 1_000 })).pruned).toBe(1);
    await expect(enqueueCommand(store, { queue: 'orders', payload: null, key: 'order-1' })).rejects.toMatchObject({ code: 'KEY_RETIRED' });
    expect(exitCodeFor(await enqueueCommand(store, { queue: 'orders', payload: null, key: 'order-1' }).catch((e: unknown) => e))).toBe(ExitCode.FAILED);
    expect((await enqueueCommand(store, { queue: 'orders', payload: null, key: 'order-1', reuseKey: true })).job.uid).toBe(job.uid);
    await store.cancel((await store.list({ status: 'pending' }))[0]!.id);
    clock.advance(60_000);
    await pruneCommand(store, { olderThanMs: 0, forgetKeysOlderThanMs: 0 });
    expect((await enqueueCommand(store, { queue: 'orders', payload: null, key: 'order-1' })).job.uid).not.toBe(job.uid);
  });
});
