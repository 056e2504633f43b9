/** The README's recurring-jobs example, verbatim apart from imports: it must keep working. */
import { expect, it } from 'vitest';
import { ManualClock, ProcessingWorker, Scheduler, runUntil, scheduleSlotOf } from '../src/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

it('rebalances once an hour, as of the slot, however many processes schedule it', async () => {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 8, 59));
  const store = new InMemoryLeaseStore({ clock });
  const rebalance = { name: 'rebalance-main', cron: '0 * * * *', timeZone: 'Europe/Berlin',
    queue: 'rebalance', payload: { account: 'main' }, missed: 'latest', skipIfRunning: true } as const;
  const asOf: number[] = [];
  const worker = new ProcessingWorker({ store, clock, handleSignals: false, queues: ['rebalance'],
    handler: async (job) => { asOf.push(scheduleSlotOf(job)!.slotAt); } });   // the slot, not "now"
  const schedulers = [1, 2, 3].map(() => new Scheduler({ store, clock, schedules: [rebalance] }));
  for (const s of schedulers) await s.start();
  await worker.start();
  await runUntil(clock, async () => asOf.length === 3);
  for (const s of schedulers) await s.stop();
  await worker.stop();
  expect(asOf).toEqual([9, 10, 11].map((h) => Date.UTC(2026, 2, 2, h)));   // 10:00, 11:00, 12:00 in Berlin
});
