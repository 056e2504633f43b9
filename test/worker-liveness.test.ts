import { describe, expect, it } from 'vitest';
import { LeaseLostError, WorkerIdInUseError } from '../src/domain/errors.js';
import { flush, runUntil } from '../src/app/testing.js';
import { LivenessLostError } from '../src/app/worker/liveness-client.js';
import type { ProcessIdentity } from '../src/app/worker/process-identity.js';
import { controllable, forever, makeWorker, setup, T0 } from './support/worker-fixtures.js';

const HERE: ProcessIdentity = { host: 'host-a', pid: 2000, bootId: 'boot-1', isRunning: () => false };
const live = { liveness: true, processIdentity: HERE } as const;

describe('worker liveness (defaults: renew every 1 s, dead after 8 s)', () => {
  it('a killed worker\'s job runs again on another worker within 10 s, long before its 300 s lease runs out', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const a = controllable(store);
    const startedAt: Record<string, number> = {};
    const handler = (name: string) => async () => {
      startedAt[name] ??= clock.now();
      if (name === 'a') await forever();
      return 'ok';
    };
    const wa = makeWorker({ store: a.store, clock, workerId: 'a', ...live, handler: handler('a') });
    await wa.start();
    await runUntil(clock, () => startedAt.a !== undefined);
    clock.advance(500);
    await flush();
    a.crash(); // SIGKILL: nothing this process sends arrives any more
    const killedAt = clock.now();
    const wb = makeWorker({ store, clock, workerId: 'b', ...live, processIdentity: { ...HERE, pid: 2001 }, handler: handler('b') });
    await wb.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    // a's last sign of life was its registration at T0: it counts as dead at T0 + 8 s, and b's
    // sweeper, which knows that expiry, runs right then and wakes b's claimer.
    expect(startedAt.b).toBe(T0 + 8000);
    expect(startedAt.b! - killedAt).toBeLessThanOrEqual(8000);
    expect(await store.get(job.id)).toMatchObject({ attempts: 2, leaseExpiries: 1, lockedBy: null });
    await wb.stop();
  });

  it('an idle worker takes a dead process\'s lease at once when another process\'s sweep marked it, not at its next poll', async () => {
    const { clock, store } = setup();
    await store.registerWorker({ workerId: 'dead', incarnation: 'i', host: 'h', pid: 1, bootId: 'b', livenessTimeoutMs: 8000 });
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    await store.acquire({ workerId: 'dead', leaseMs: 300_000 });
    let startedAt: number | undefined;
    const idle = makeWorker({ store, clock, workerId: 'idle', ...live, pollIntervalMs: 60_000, handler: async () => {
      startedAt = clock.now();
      return 'ok';
    } });
    await idle.start();
    await runUntil(clock, () => false, { until: T0 + 7999 });
    // Another process's sweeper marks the lease first: this worker's own sweep marks nothing.
    clock.set(T0 + 8000);
    expect((await store.sweepDeadWorkers()).marked).toBe(1);
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    expect(startedAt).toBe(T0 + 8000);
    await idle.stop();
  });

  it('held-back leases of dead processes are each taken over when their step deadline plus the margin passes, one after the other, not at the next poll', async () => {
    const { clock, store } = setup();
    const deadlines = [T0 + 10_000, T0 + 10_500];
    for (const [i, deadlineAt] of deadlines.entries()) {
      await store.registerWorker({ workerId: `dead-${i}`, incarnation: 'i', host: 'h', pid: i + 1, bootId: 'b', livenessTimeoutMs: 8000 });
      await store.enqueue({ queue: 'q', payload: i });
      const [lease] = await store.acquire({ workerId: `dead-${i}`, leaseMs: 300_000 });
      await store.beginStep(lease!, 'place', { key: `k-${i}`, deadlineAt });
    }
    const startedAt: number[] = [];
    const w = makeWorker({ store, clock, workerId: 'rescuer', ...live, pollIntervalMs: 60_000, maxConcurrentJobs: 2, reconcile: async () => ({ found: false }), handler: async () => {
      startedAt.push(clock.now());
      return 'ok';
    } });
    await w.start();
    await runUntil(clock, () => startedAt.length === 2);
    // Dead at T0 + 8 s, held until each deadline plus the 2 s margin.
    expect(startedAt).toEqual(deadlines.map((d) => d + 2000));
    await w.stop();
  });

  it('a lease that runs out by itself (its holder kept no process row) is taken over when it expires, not at the next poll', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const [lease] = await store.acquire({ workerId: 'no-liveness', leaseMs: 30_000 });
    let startedAt: number | undefined;
    const w = makeWorker({ store, clock, workerId: 'b', ...live, pollIntervalMs: 60_000, handler: async () => {
      startedAt = clock.now();
      return 'ok';
    } });
    await w.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    expect(startedAt).toBe(lease!.expiresAt);
    await w.stop();
  });

  it('a process stalled for 5 s (event loop blocked) keeps its job: its late renewal still counts', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const wa = makeWorker({ store, clock, workerId: 'a', ...live, handler: async () => {
      await gate;
      return 'kept';
    } });
    const wb = makeWorker({ store, clock, workerId: 'b', ...live, processIdentity: { ...HERE, pid: 2001 }, handler: async () => 'stolen' });
    await wa.start();
    await wb.start();
    await runUntil(clock, () => wa.getStatus().running.length === 1);
    await runUntil(clock, () => false, { until: clock.now() + 999 }); // just before the next renewal
    clock.advance(5000); // nothing runs for 5 s, then every overdue timer fires at once
    await flush();
    await runUntil(clock, () => false, { until: clock.now() + 3000 });
    release();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    expect(await store.get(job.id)).toMatchObject({ result: 'kept', attempts: 1, leaseExpiries: 0 });
    await wa.stop();
    await wb.stop();
  });

  it('a process whose renewals do not get through fences itself at timeout - margin: signal aborted, no new step, job released uncharged', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    let reason: unknown;
    let stepRan = false;
    let stepError: unknown;
    const worker = makeWorker({ store: c.store, clock, workerId: 'a', ...live, handler: async (_j, ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      reason = ctx.signal.reason;
      await ctx.step('place', async () => (stepRan = true)).catch((e: unknown) => (stepError = e));
    } });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    const cutAt = clock.now();
    c.down('renewWorker');
    await runUntil(clock, () => reason !== undefined);
    // Last renewal got through at most 1 s before the cut; fenced 7 s (8 s - 1 s margin) after it.
    expect(clock.now() - cutAt).toBeLessThanOrEqual(7000);
    expect(clock.now() - cutAt).toBeGreaterThan(6000);
    expect(reason).toBeInstanceOf(LivenessLostError);
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    expect(stepRan).toBe(false);
    expect(stepError).toBeDefined();
    expect(await store.get(job.id)).toMatchObject({ status: 'pending', attempts: 0, leaseExpiries: 0 });
    expect(c.calls.acquire).toBe(1);
    // Nothing is claimed while fenced; once renewals get through again it claims and runs the job.
    await runUntil(clock, () => false, { until: clock.now() + 20_000 });
    expect(c.calls.acquire).toBe(1);
    c.up();
    await runUntil(clock, () => (c.calls.acquire ?? 0) > 1);
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', attempts: 1 });
    await worker.stop({ timeoutMs: 0 });
  });

  it('a fenced worker hands its claimed-ahead leases back unstarted and starts none of them', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 3; i++) await store.enqueue({ queue: 'q', payload: i });
    const c = controllable(store);
    const started: string[] = [];
    const worker = makeWorker({ store: c.store, clock, workerId: 'a', ...live, prefetch: 2, handler: async (job, ctx) => {
      started.push(job.id);
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    } });
    await worker.start();
    await runUntil(clock, () => started.length === 1 && worker.getStatus().prefetched === 2);
    c.down('renewWorker');
    await runUntil(clock, async () => (await store.list({ status: 'pending' })).length === 3);
    // The running one was aborted and released, the buffered two went back unstarted: none charged.
    expect(started).toHaveLength(1);
    expect((await store.list()).map((j) => [j.status, j.attempts])).toEqual([['pending', 0], ['pending', 0], ['pending', 0]]);
    await worker.stop({ timeoutMs: 0 });
  });

  it('a claim that answers only after the worker fenced itself starts none of its leases and hands them back uncharged', async () => {
    const { clock, store } = setup();
    for (let i = 0; i < 2; i++) await store.enqueue({ queue: 'q', payload: i });
    const c = controllable(store);
    let answer: (() => void) | undefined;
    const late = new Proxy(c.store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'acquire') return typeof v === 'function' ? v.bind(target) : v;
        return async (req: never) => {
          const leases = await target.acquire(req);
          // The claim committed; its answer is held back until the test lets it through.
          await new Promise<void>((r) => (answer = r));
          return leases;
        };
      },
    });
    const started: string[] = [];
    const worker = makeWorker({ store: late, clock, workerId: 'a', ...live, maxConcurrentJobs: 2, prefetch: 2, handler: async (job) => {
      started.push(job.id);
    } });
    await worker.start();
    await runUntil(clock, () => answer !== undefined);
    const cutAt = clock.now();
    c.down('renewWorker');
    // Fenced 7 s after the last renewal got through (8 s timeout, 1 s margin).
    await runUntil(clock, () => clock.now() >= cutAt + 7500);
    answer!();
    await runUntil(clock, async () => (await store.list({ status: 'pending' })).length === 2);
    expect(started).toEqual([]);
    expect((await store.list()).map((j) => [j.status, j.attempts])).toEqual([['pending', 0], ['pending', 0]]);
    c.up();
    await worker.stop({ timeoutMs: 0 });
  });

  it('a frozen process that wakes after being judged dead completes nothing: fenced by its own clock, superseded by the store', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const a = controllable(store);
    let lostReason: unknown;
    const wa = makeWorker({ store: a.store, clock, workerId: 'a', ...live, handler: async (_j, ctx) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      lostReason = ctx.signal.reason;
      return 'late';
    } });
    await wa.start();
    await runUntil(clock, () => wa.getStatus().running.length === 1);
    const firstIncarnation = (await store.listWorkers())[0]!.incarnation;
    a.pause(); // SIGSTOP longer than the liveness timeout
    const wb = makeWorker({ store, clock, workerId: 'b', ...live, processIdentity: { ...HERE, pid: 2001 }, handler: async () => 'taken over' });
    await wb.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    a.resume();
    await runUntil(clock, () => wa.getStatus().running.length === 0);
    // Its own clock says it missed its renewals (a real SIGSTOP wakes the same way), so the
    // attempt is aborted before any store answer arrives; the store refuses its renewal.
    expect(lostReason).toBeInstanceOf(LivenessLostError);
    expect(a.calls.complete ?? 0).toBe(0);
    await runUntil(clock, () => (a.calls.registerWorker ?? 0) >= 2);
    expect((await store.listWorkers()).find((w) => w.workerId === 'a')?.incarnation).not.toBe(firstIncarnation);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', result: 'taken over' });
    await wa.stop();
    await wb.stop();
  });

  /** bot-1 holds the job and is SIGKILLed; a restart under bot-1 with `identity` resumes it. */
  async function restartAfterKill(identity: ProcessIdentity): Promise<{ killedAt: number; lastSeen: number; startedAt: number; job: { attempts: number; leaseExpiries: number } }> {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const old = controllable(store);
    const w1 = makeWorker({ store: old.store, clock, workerId: 'bot-1', ...live, handler: forever });
    await w1.start();
    await runUntil(clock, () => w1.getStatus().running.length === 1);
    const lastSeen = (await store.listWorkers())[0]!.lastSeenAt;
    old.crash();
    const killedAt = clock.now();
    let startedAt: number | undefined;
    const w2 = makeWorker({ store, clock, workerId: 'bot-1', ...live, processIdentity: identity, handler: async () => {
      startedAt = clock.now();
      return 'resumed';
    } });
    const starting = w2.start();
    await runUntil(clock, async () => (await store.get(job.id))?.status === 'done');
    await starting;
    await w2.stop();
    return { killedAt, lastSeen, startedAt: startedAt!, job: (await store.get(job.id))! };
  }

  it('a restart under the same workerId takes its predecessor\'s leases at once when it can prove it dead (same host and boot, pid gone)', async () => {
    const r = await restartAfterKill({ ...HERE, pid: 2002, isRunning: () => false });
    expect(r.startedAt).toBe(r.killedAt);
    expect(r.job).toMatchObject({ attempts: 2, leaseExpiries: 1 });
  });

  it('a restart that cannot prove its predecessor dead (another boot) waits out the liveness timeout', async () => {
    const r = await restartAfterKill({ ...HERE, bootId: 'boot-2', pid: 2002 });
    expect(r.startedAt).toBeGreaterThanOrEqual(r.lastSeen + 8000);
    expect(r.startedAt).toBeLessThanOrEqual(r.lastSeen + 9000);
    expect(r.job).toMatchObject({ attempts: 2, leaseExpiries: 1 });
  });

  it('two live processes with one workerId: the second start is refused with WorkerIdInUseError', async () => {
    const { clock, store } = setup();
    const w1 = makeWorker({ store, clock, workerId: 'bot-1', ...live, handler: async () => 'x' });
    await w1.start();
    const w2 = makeWorker({ store, clock, workerId: 'bot-1', ...live, processIdentity: { ...HERE, pid: 2002, isRunning: () => true }, handler: async () => 'y' });
    let refused: unknown;
    const starting = w2.start().catch((e: unknown) => (refused = e));
    await runUntil(clock, () => refused !== undefined);
    await starting;
    expect(refused).toBeInstanceOf(WorkerIdInUseError);
    expect(String((refused as Error).message)).toContain('workerId bot-1 is in use by a live process (host host-a, pid 2000');
    expect(clock.now() - T0).toBeLessThan(8000);
    expect((await store.listWorkers()).map((w) => w.pid)).toEqual([2000]);
    await w1.stop();
    expect(await store.listWorkers()).toEqual([]);
  });
});
