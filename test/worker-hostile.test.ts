/**
 * Issue 11, case 1, end to end: a step name cut in the middle of an emoji. The SQL stores kept
 * another name than the one given, so the finished step was not found on the next attempt and
 * the order was placed again. Now the name is refused before the step's fn runs, on every store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { runUntilIdle } from '../src/app/testing.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { LONE_HIGH } from '../src/testing/contract/lease-store-hostile.js';
import { makeWorker, T0 } from './support/worker-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const stores: [string, (clock: ManualClock) => Promise<LeaseStore>][] = [
  ['memory', async (clock) => new InMemoryLeaseStore({ clock, random: () => 0.5 })],
  [
    'sqlite',
    async (clock) => {
      const dir = mkdtempSync(join(tmpdir(), 'leasehold-hostile-'));
      const store = new SqliteLeaseStore({ filename: join(dir, 'jobs.db'), clock, random: () => 0.5, synchronous: 'NORMAL' });
      await store.migrate();
      cleanups.push(async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return store;
    },
  ],
];

describe.each(stores)('%s: a step name with a lone surrogate', (_name, make) => {
  it('is refused before the step runs, so no order is placed, let alone twice', async () => {
    const clock = new ManualClock(T0);
    const store = await make(clock);
    const { job } = await store.enqueue({ queue: 'orders', payload: null });
    let placements = 0;
    let attempts = 0;
    const worker = makeWorker({
      store,
      clock,
      handler: async (_job, ctx) => {
        attempts++;
        // '😀 order'.slice(0, 1): a name cut by a length limit in the application.
        await ctx.step(`place ${LONE_HIGH}`, async () => {
          placements++;
          return { orderId: 'X1' };
        });
        // The first attempt dies after placing; the next one must find the step done.
        if (attempts === 1) throw new Error('crash after the step');
        return 'ok';
      },
    });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(placements).toBe(0);
    const after = await store.get(job.id);
    expect(after?.status).toBe('failed');
    expect(after?.lastError).toContain('name: must be well-formed Unicode');
    expect(await store.getStepRecords(job.id)).toEqual([]);
  });
});
