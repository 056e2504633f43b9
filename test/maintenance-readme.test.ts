/** The README's upkeep example, verbatim apart from imports: it must keep working. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KeyRetiredError, ProcessingWorker } from '../src/index.js';
import { ManualClock, runUntil, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('keeps 30 days of finished orders, and pruning them keeps their keys retired', async () => {
  const DAY = 24 * 60 * 60 * 1000;
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  const worker = new ProcessingWorker({ store, clock, handleSignals: false, queues: ['orders'],
    retention: { olderThanMs: 30 * DAY },          // pruned hourly (and at start) by every worker
    handler: async () => 'placed' });
  const { job } = await store.enqueue({ queue: 'orders', key: 'order-42', payload: { qty: 1 } });
  await worker.start();
  await runUntilIdle(store, clock);
  clock.advance(30 * DAY);                       // a month later, the next hourly prune takes it
  await runUntil(clock, async () => (await store.get(job.id)) === undefined);
  await expect(store.enqueue({ queue: 'orders', key: 'order-42', payload: { qty: 1 } }))
    .rejects.toThrow(KeyRetiredError);             // a replayed order is still refused
  await worker.stop();
});

it('is the README block', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const source = readFileSync(import.meta.filename, 'utf8');
  const body = source.slice(source.indexOf("it('keeps 30 days"), source.indexOf("it('is the README block'")).trim();
  expect(readme).toContain(body);
});
