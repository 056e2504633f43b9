import { describe, expect, it } from 'vitest';
import { flush, runUntil, runUntilIdle } from '../src/app/testing.js';
import { controllable, makeWorker, setup } from './support/worker-fixtures.js';

describe('outages are not crashes', () => {
  for (const mode of ['down', 'paused'] as const) {
    it(`a job whose database was ${mode === 'down' ? 'unreachable' : 'paused'} 3 times for 4 s while it ran (lease 2 s) completes: lease expiries have their own budget`, async () => {
      const { clock, store } = setup();
      const { job } = await store.enqueue({ queue: 'q', payload: null });
      const c = controllable(store);
      let runs = 0;
      const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 2, pollIntervalMs: 500, handler: async (_j, ctx) => {
        runs++;
        await clock.sleep(3000, ctx.signal);
        return 'placed';
      } });
      await worker.start();
      for (let outage = 1; outage <= 3; outage++) {
        await runUntil(clock, () => runs === outage && worker.getStatus().running.length === 1);
        // No extend gets through for 4 s (calls fail, or wait unanswered): the lease runs out,
        // the worker gives it up and hands it back once the database answers again.
        if (mode === 'down') c.down();
        else c.pause();
        for (let t = 0; t < 4000; t += 100) {
          clock.advance(100);
          await flush();
        }
        if (mode === 'down') c.up();
        else c.resume();
      }
      await runUntilIdle(store, clock);
      const after = await store.get(job.id);
      // The handler never failed: maxAttempts (3) is untouched, and the 3 expiries fit the budget of 10.
      expect(after).toMatchObject({ status: 'done', result: 'placed', attempts: 4, leaseExpiries: 3, maxAttempts: 3, maxLeaseExpiries: 10 });
      expect(runs).toBe(4);
      await worker.stop();
    });
  }

  it('a job that keeps losing its lease fails once its expiry budget is used up, and lastError says so', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxLeaseExpiries: 2 });
    for (let i = 0; i < 3; i++) {
      const [lease] = await store.acquire({ workerId: `crashing-${i}`, leaseMs: 1000 });
      expect(lease?.job.attempts).toBe(i + 1);
      clock.advance(1000); // the holder crashed: its lease runs out
    }
    expect(await store.acquire({ workerId: 'next', leaseMs: 1000 })).toEqual([]);
    const after = await store.get(job.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 3, leaseExpiries: 3 });
    expect(after?.lastError).toContain('the job\'s lease expired 3 times, more than its budget of 2 lease expiries');
  });

  it('handler failures alone spend maxAttempts; expiries in between do not', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 2 });
    let lease = (await store.acquire({ workerId: 'w', leaseMs: 1000 }))[0]!;
    await store.fail(lease, new Error('boom 1'), { retryAt: clock.now() });
    lease = (await store.acquire({ workerId: 'w', leaseMs: 1000 }))[0]!;
    clock.advance(1000); // this attempt's holder crashed
    lease = (await store.acquire({ workerId: 'w', leaseMs: 1000 }))[0]!;
    expect(lease.job).toMatchObject({ attempts: 3, leaseExpiries: 1 });
    const failed = await store.fail(lease, new Error('boom 2'));
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, leaseExpiries: 1 });
    expect(failed.lastError).toContain('boom 2');
    expect(job.id).toBe(failed.id);
  });
});
