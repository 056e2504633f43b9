/** No claiming ahead on a rate-limited queue: the worker claims only what it can start at once. */
import { expect, it } from 'vitest';
import { ProcessingWorker } from '../src/index.js';
import { ManualClock, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';
import type { AcquireRequest, Lease } from '../src/domain/job.js';

class CountingStore extends InMemoryLeaseStore {
  readonly asked: number[] = [];
  override acquire(req: AcquireRequest): Promise<Lease[]> {
    this.asked.push(req.limit ?? 1);
    return super.acquire(req);
  }
}

it('asks for no more than its free slots while its queue has a rate limit, prefetch or not', async () => {
  const clock = new ManualClock();
  const store = new CountingStore({ clock });
  await store.setRateLimit('binance', { max: 5, perMs: 1000 });
  await store.enqueueMany(Array.from({ length: 12 }, (_, i) => ({ queue: 'binance', payload: i })));
  const worker = new ProcessingWorker({ store, clock, handleSignals: false, queues: ['binance'], maxConcurrentJobs: 2, prefetch: 6, handler: async () => undefined });
  await worker.start();
  await runUntilIdle(store, clock);
  await worker.stop();
  expect((await store.stats()).byStatus.done).toBe(12);
  expect(Math.max(...store.asked)).toBeLessThanOrEqual(2);
});
