/** The README's run-again-later example, verbatim apart from imports: it must keep working. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ProcessingWorker } from '../src/index.js';
import { ManualClock, runUntilIdle } from '../src/testing/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('waits out a 429 as the exchange asks, without spending an attempt', async () => {
  const clock = new ManualClock();
  const store = new InMemoryLeaseStore({ clock });
  const answers = [{ status: 429, retryAfterS: 2 }, { status: 429, retryAfterS: 3 }, { status: 200 }];
  const placedAt: number[] = [];
  const worker = new ProcessingWorker({ store, clock, handleSignals: false,
    handler: async (_job, ctx) => {
      const res = answers.shift()!;                       // the exchange's answer to our order
      if (res.status === 429) ctx.retryLater(res.retryAfterS! * 1000, 'exchange answered 429');
      placedAt.push(clock.now());
    } });
  const start = clock.now();
  const { job } = await store.enqueue({ queue: 'orders', payload: { qty: 1 }, maxAttempts: 1 });
  await worker.start();
  await runUntilIdle(store, clock);
  await worker.stop();
  expect(placedAt).toEqual([start + 5000]);            // 2 s, then 3 s later
  expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1 });   // maxAttempts 1 was enough
});

it('is the README block', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const source = readFileSync(import.meta.filename, 'utf8');
  const body = source.slice(source.indexOf("it('waits out a 429"), source.indexOf("it('is the README block'")).trim();
  expect(readme).toContain(body);
});
