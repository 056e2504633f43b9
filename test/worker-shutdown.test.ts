import { afterEach, describe, expect, it } from 'vitest';
import { runUntil } from '../src/app/testing.js';
import { controllable, forever, makeWorker, setup } from './support/worker-fixtures.js';

describe('shutdown', () => {
  it('stop() stops claiming and waits for running jobs to finish (drain)', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const { job: waiting } = await store.enqueue({ queue: 'q', payload: null });
    const worker = makeWorker({ store, clock, shutdownTimeoutMs: 10_000, handler: async () => { await clock.sleep(3000); return 'finished'; } });
    const stopped: number[] = [];
    worker.on('worker:stopped', ({ released }) => stopped.push(released));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    let resolved = false;
    const stopping = worker.stop().then(() => (resolved = true));
    expect(worker.getStatus().state).toBe('stopping');
    await runUntil(clock, () => resolved);
    await stopping;
    expect(await store.get(job.id)).toMatchObject({ status: 'done', result: 'finished' });
    expect((await store.get(waiting.id))?.status).toBe('pending');
    expect(stopped).toEqual([0]);
    expect(worker.getStatus().state).toBe('stopped');
  });

  it('past shutdownTimeoutMs it aborts running jobs and releases their leases: the attempt is not charged', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    let reason: unknown;
    const worker = makeWorker({ store, clock, shutdownTimeoutMs: 5000, handler: async (_j, ctx) => {
      ctx.signal.addEventListener('abort', () => (reason = ctx.signal.reason));
      return forever();
    } });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    const start = clock.now();
    let resolved = false;
    void worker.stop().then(() => (resolved = true));
    await runUntil(clock, () => resolved);
    expect(clock.now() - start).toBe(5000);
    expect((reason as Error).name).toBe('ShutdownAbortError');
    expect(await store.get(job.id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null });
    expect(worker.getStatus().counts.released).toBe(1);
  });
});

describe('shutdown during a store outage', () => {
  it('does not wait out the outage to release: the unreleased lease expires and the job runs again', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 60, shutdownTimeoutMs: 1000, handler: async () => forever() });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    c.down();
    const start = clock.now();
    let resolved = false;
    void worker.stop().then(() => (resolved = true));
    await runUntil(clock, () => resolved);
    expect(clock.now() - start).toBe(1000);
    expect(worker.getStatus().lastError?.message).toContain('store down (release)');
    c.up();
    clock.advance(60_000);
    const [again] = await store.acquire({ workerId: 'w2', leaseMs: 1000 });
    expect(again?.job.id).toBe(job.id);
  });
});

describe('signals', () => {
  // handlesExit: without it the worker raises the signal again once stopped (so a real process
  // exits; test/worker-signals.test.ts and the liveness process tests hold that), which would
  // end this test process.
  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  afterEach(() => {
    expect(process.listeners('SIGTERM')).toEqual(before.SIGTERM);
    expect(process.listeners('SIGINT')).toEqual(before.SIGINT);
  });

  it('SIGTERM stops gracefully and removes the listeners it added', async () => {
    const { clock, store } = setup();
    const worker = makeWorker({ store, clock, handleSignals: true, handlesExit: true, handler: async () => 'ok' });
    await worker.start();
    expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM.length + 1);
    expect(process.listenerCount('SIGINT')).toBe(before.SIGINT.length + 1);
    const stopped = new Promise<void>((resolve) => worker.on('worker:stopped', () => resolve()));
    process.emit('SIGTERM');
    await stopped;
    expect(worker.getStatus().state).toBe('stopped');
  });

  it('a second signal stops at once: running jobs are aborted and released without waiting', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const worker = makeWorker({ store, clock, handleSignals: true, handlesExit: true, shutdownTimeoutMs: 3_600_000, handler: async () => forever() });
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    const stopped = new Promise<void>((resolve) => worker.on('worker:stopped', () => resolve()));
    process.emit('SIGTERM');
    await runUntil(clock, () => worker.getStatus().state === 'stopping', { until: clock.now() });
    expect(worker.getStatus().running).toHaveLength(1);
    const at = clock.now();
    process.emit('SIGINT');
    await stopped;
    expect(clock.now()).toBe(at);
    expect(await store.get(job.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
