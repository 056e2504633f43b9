/** The README's concurrency-key example, verbatim apart from imports: it must keep working. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ProcessingWorker } from '../src/index.js';
import { ManualClock, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('places one order at a time per account, whichever worker claims it', async () => {
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  const placing = new Map<string, number>();   // account -> orders in flight right now
  let most = 0;
  const placeOrder = async (job: { payload: { account: string } }) => {
    const { account } = job.payload;
    placing.set(account, (placing.get(account) ?? 0) + 1);
    most = Math.max(most, placing.get(account)!);
    await new Promise((r) => setImmediate(r));   // the exchange call: other jobs run meanwhile
    placing.set(account, placing.get(account)! - 1);
  };
  const workers = [1, 2, 3].map(() => new ProcessingWorker<{ orders: { account: string } }>({ store, clock,
    handleSignals: false, maxConcurrentJobs: 4, handlers: { orders: placeOrder } }));
  for (const account of ['alice', 'alice', 'alice', 'bob', 'bob'])
    await store.enqueue({ queue: 'orders', payload: { account }, concurrencyKey: `account:${account}` });
  for (const w of workers) await w.start();
  await runUntilIdle(store, clock);
  for (const w of workers) await w.stop();
  expect(most).toBe(1);                              // never two orders of one account at once
  expect((await store.stats()).byStatus.done).toBe(5);
});

it('is the README block', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const source = readFileSync(import.meta.filename, 'utf8');
  const body = source.slice(source.indexOf("it('places one order"), source.indexOf("it('is the README block'")).trim();
  expect(readme).toContain(body);
});
