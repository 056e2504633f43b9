/** The README's rate-limit example, verbatim apart from imports: it must keep working. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ProcessingWorker } from '../src/index.js';
import { ManualClock, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('keeps three workers together under the exchange’s 10 orders per second', async () => {
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  await store.setRateLimit('binance', { max: 10, perMs: 1000 });   // stored: every process obeys it
  const calls: number[] = [];
  const workers = [1, 2, 3].map(() => new ProcessingWorker({ store, clock, handleSignals: false,
    maxConcurrentJobs: 8, queues: ['binance'], handler: async () => { calls.push(clock.now()); } }));
  await store.enqueueMany(Array.from({ length: 25 }, (_, i) => ({ queue: 'binance', payload: { order: i } })));
  const start = clock.now();
  for (const w of workers) await w.start();
  await runUntilIdle(store, clock);
  for (const w of workers) await w.stop();
  const perSecond = [0, 1, 2].map((s) => calls.filter((t) => t - start >= s * 1000 && t - start < (s + 1) * 1000).length);
  expect(perSecond).toEqual([10, 10, 5]);            // held back, not failed: every order placed
  expect((await store.stats()).byStatus.done).toBe(25);
});

it('is the README block', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const source = readFileSync(import.meta.filename, 'utf8');
  const body = source.slice(source.indexOf("it('keeps three workers"), source.indexOf("it('is the README block'")).trim();
  expect(readme).toContain(body);
});
