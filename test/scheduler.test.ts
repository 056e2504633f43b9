/**
 * The scheduler on a ManualClock: every slot enqueued once by any number of schedulers, with
 * its scheduled time; missed slots per policy; skip while running; pause, resume, remove;
 * restarts, a clock stepping back, pruned slots; DST through the whole path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/sqlite-lease-store.js';
import { scheduleSlotOf, type ScheduleDefinition } from '../src/domain/schedule.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { Scheduler } from '../src/app/scheduler/scheduler.js';
import { flush, runUntil } from '../src/app/testing.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const S = 1000;
const TICK: ScheduleDefinition = { name: 'tick', cron: '* * * * * *', queue: 'ticks', payload: { account: 'main' } };

const stores: LeaseStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
function memory(clock: ManualClock): LeaseStore {
  const store = new InMemoryLeaseStore({ clock });
  stores.push(store);
  return store;
}
async function slotsOf(store: LeaseStore): Promise<number[]> {
  return (await store.list({ limit: 10_000 })).map((j) => scheduleSlotOf(j)!.slotAt);
}

describe('Scheduler', () => {
  for (const kind of ['memory', 'sqlite'] as const) {
    it(`${kind}: three schedulers on one store enqueue every slot once, with its scheduled time`, async () => {
      const clock = new ManualClock(T0);
      const store = kind === 'memory' ? memory(clock) : new SqliteLeaseStore({ filename: ':memory:', clock });
      if (kind === 'sqlite') stores.push(store);
      await store.migrate();
      const schedulers = [0, 1, 2].map(() => new Scheduler({ store, clock, schedules: [TICK] }));
      for (const s of schedulers) await s.start();
      await runUntil(clock, async () => clock.now() >= T0 + 30 * S);
      for (const s of schedulers) await s.stop();
      const jobs = await store.list({ limit: 10_000 });
      expect(jobs.map((j) => j.runAt)).toEqual(Array.from({ length: 31 }, (_, i) => T0 + i * S));
      expect(jobs.every((j) => j.queue === 'ticks' && JSON.stringify(j.payload) === '{"account":"main"}')).toBe(true);
      expect(jobs.map((j) => scheduleSlotOf(j))).toEqual(jobs.map((j) => ({ schedule: 'tick', slotAt: j.runAt })));
      expect(await store.getSchedule('tick')).toMatchObject({ nextRunAt: T0 + 31 * S, lastSlotAt: T0 + 30 * S, lastJobId: jobs.at(-1)!.id });
    });
  }

  it('two schedulers that planned the same run enqueue one job and move the cursor once', async () => {
    const clock = new ManualClock(T0);
    const store = memory(clock);
    const a = new Scheduler({ store, clock });
    const b = new Scheduler({ store, clock });
    await a.declare(TICK);
    clock.advance(2 * S);
    const [ra, rb] = await Promise.all([a.runDue(), b.runDue()]);
    expect(ra.enqueued.length + rb.enqueued.length).toBe(1);
    expect([...ra.advanced, ...rb.advanced]).toEqual(['tick']);
    expect(await slotsOf(store)).toEqual([T0 + 2 * S]);
  });

  it('after a restart: skip enqueues only the on-time slot, latest the newest, backfill up to its limit', async () => {
    for (const [missed, expected] of [
      ['skip', []],
      ['latest', [T0 + 600 * S]],
      ['backfill', [T0 + 598 * S, T0 + 599 * S, T0 + 600 * S]],
    ] as const) {
      const clock = new ManualClock(T0);
      const store = memory(clock);
      const first = new Scheduler({ store, clock, schedules: [{ ...TICK, missed, backfillLimit: 3, graceMs: 500 }] });
      await first.start();
      await first.stop();
      expect(await slotsOf(store)).toEqual([T0]);
      // Down for ten minutes; the new process wakes 800 ms after the newest slot.
      clock.set(T0 + 600 * S + 800);
      await new Scheduler({ store, clock, schedules: [{ ...TICK, missed, backfillLimit: 3, graceMs: 500 }] }).runDue();
      expect(await slotsOf(store), missed).toEqual([T0, ...expected]);
      expect((await store.getSchedule('tick'))!.nextRunAt).toBe(T0 + 601 * S);
    }
  });

  it('a scheduler whose clock is behind enqueues nothing handled already; a pruned slot is never enqueued again', async () => {
    const clock = new ManualClock(T0);
    const store = memory(clock);
    const s = new Scheduler({ store, clock });
    await s.declare({ ...TICK, missed: 'backfill', backfillLimit: 100 });
    clock.advance(5 * S);
    await s.runDue();
    expect(await slotsOf(store)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * S));
    // Every slot's job runs and is pruned: the cursor, not the jobs, says they were handled.
    const leases = await store.acquire({ workerId: 'w', leaseMs: 1000, limit: 10 });
    expect(leases).toHaveLength(6);
    await store.completeMany(leases.map((lease) => ({ lease })));
    clock.advance(2 * S);
    expect(await store.prune({ olderThanMs: 1 })).toBe(6);
    const behind = new ManualClock(T0 + 2 * S);
    await new Scheduler({ store, clock: behind }).runDue();
    expect(await slotsOf(store)).toEqual([]);
    await s.runDue();
    expect(await slotsOf(store)).toEqual([6, 7].map((i) => T0 + i * S));
  });

  it('skipIfRunning drops slots while the previous slot’s job has not finished', async () => {
    const clock = new ManualClock(T0);
    const store = memory(clock);
    const s = new Scheduler({ store, clock });
    await s.declare({ ...TICK, skipIfRunning: true, missed: 'backfill' });
    await s.runDue();
    clock.advance(3 * S);
    await s.runDue();
    expect(await slotsOf(store)).toEqual([T0]);
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 60_000 });
    clock.advance(S);
    await s.runDue();
    expect(await slotsOf(store)).toEqual([T0]);
    await store.complete(lease!);
    clock.advance(S);
    await s.runDue();
    expect(await slotsOf(store)).toEqual([T0, T0 + 5 * S]);
  });

  it('pause drops the slots until resume, which starts from now; remove keeps the jobs', async () => {
    const clock = new ManualClock(T0);
    const store = memory(clock);
    const s = new Scheduler({ store, clock });
    await s.declare({ ...TICK, missed: 'backfill', backfillLimit: 100 });
    await s.runDue();
    await s.pause('tick');
    clock.advance(10 * S);
    await s.runDue();
    expect((await s.list())[0]).toMatchObject({ paused: true, nextRun: null });
    await s.resume('tick');
    await s.runDue();
    expect(await slotsOf(store)).toEqual([T0, T0 + 10 * S]);
    expect(await s.remove('tick')).toBe(true);
    clock.advance(S);
    await s.runDue();
    expect(await slotsOf(store)).toEqual([T0, T0 + 10 * S]);
    await expect(s.resume('tick')).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
  });

  it('re-declaring an unchanged schedule keeps its cursor; a changed expression re-anchors it at the next slot', async () => {
    const clock = new ManualClock(T0 + 500);
    const store = memory(clock);
    const s = new Scheduler({ store, clock });
    expect((await s.declare(TICK)).schedule.nextRunAt).toBe(T0 + S);
    clock.advance(10 * S);
    expect(await s.declare(TICK)).toMatchObject({ created: false, changed: false, schedule: { nextRunAt: T0 + S } });
    expect(await s.declare({ ...TICK, cron: '0 * * * *' })).toMatchObject({ changed: true, schedule: { nextRunAt: T0 + 3600 * S } });
    await expect(s.declare({ ...TICK, cron: '* * *' })).rejects.toMatchObject({ field: 'schedule.cron' });
    expect(() => new Scheduler({ store, clock, schedules: [{ ...TICK, timeZone: 'Nowhere/Land' }] })).toThrow(expect.objectContaining({ field: 'schedules[0].timeZone' }));
  });

  it('waits on the clock for the next slot, and sees a schedule another process declared within its poll', async () => {
    const clock = new ManualClock(T0 + 100);
    const store = memory(clock);
    const s = new Scheduler({ store, clock, pollIntervalMs: 5000 });
    await s.start();
    await flush();
    await new Scheduler({ store, clock }).declare({ ...TICK, cron: '0 * * * * *' });
    expect(clock.nextWakeAt()).toBe(T0 + 5100);
    await runUntil(clock, async () => (await store.list()).length === 2);
    expect(clock.now()).toBe(T0 + 120 * S);
    await s.stop();
    expect(clock.sleeping).toBe(0);
  });

  it('DST in Berlin: 02:30 runs once on the autumn day and at 03:00 on the spring day', async () => {
    for (const [from, to, expected] of [
      ['2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z', ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
      ['2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z', ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']],
    ] as const) {
      const clock = new ManualClock(Date.parse(from));
      const store = memory(clock);
      const s = new Scheduler({ store, clock, pollIntervalMs: 3_600_000 });
      await s.declare({ name: 'nightly', cron: '30 2 * * *', timeZone: 'Europe/Berlin', queue: 'q' });
      // Walk the clock in 10-minute steps across the change, running at each.
      while (clock.now() < Date.parse(to)) {
        clock.advance(600 * S);
        await s.runDue();
      }
      expect((await slotsOf(store)).map((t) => new Date(t).toISOString())).toEqual(expected);
    }
  });
});
