/** The README's unit-test example, verbatim apart from imports: it must keep working. */
import { expect, it } from 'vitest';
import { ProcessingWorker } from '../src/index.js';
import { ManualClock, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('retries twice, then places the order once', async () => {
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  let calls = 0;
  const worker = new ProcessingWorker({ store, clock, handleSignals: false,
    handler: async () => { if (++calls < 3) throw new Error('exchange busy'); return 'ok'; } });
  const { job } = await store.enqueue({ queue: 'orders', payload: {} });
  await worker.start();
  await runUntilIdle(store, clock);            // milliseconds, whatever the backoff
  expect((await store.get(job.id))?.status).toBe('done');
  expect(calls).toBe(3);
  await worker.stop();
});
