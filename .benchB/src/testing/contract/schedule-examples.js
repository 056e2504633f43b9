/**
 * Contract examples of the schedule operations, run against every adapter: declaring,
 * re-declaring, pausing, resuming, advancing the cursor only from where it was read, removing.
 */
import { describe, expect, it } from 'vitest';
import { KeyRetiredError, ScheduleNotFoundError, ValidationError } from '../../domain/errors.js';
import { useFreshStore, START } from './harness.js';
const DEF = { name: 'rebalance', cron: '0 * * * *', timeZone: 'Europe/Berlin', queue: 'orders', payload: { account: 'main' } };
const HOUR = 3_600_000;
export function describeScheduleExamples(name, factory) {
    describe(`${name}: contract examples, schedules`, () => {
        let store;
        let clock;
        useFreshStore(factory, (made) => ({ store, clock } = made));
        it('creates a schedule with its defaults and its cursor, and lists schedules by name', async () => {
            const { schedule, created, changed } = await store.saveSchedule(DEF, START + HOUR);
            expect({ created, changed }).toEqual({ created: true, changed: true });
            expect(schedule).toEqual({
                name: 'rebalance', cron: '0 * * * *', timeZone: 'Europe/Berlin', queue: 'orders', payload: { account: 'main' },
                priority: 0, maxAttempts: 3, missed: 'skip', backfillLimit: 10, graceMs: 60_000, skipIfRunning: false,
                paused: false, nextRunAt: START + HOUR, lastSlotAt: null, lastJobId: null, createdAt: START, updatedAt: START,
            });
            await store.saveSchedule({ name: 'audit', cron: '*/5 * * * * *', queue: 'audit', missed: 'backfill', backfillLimit: 3, skipIfRunning: true }, null);
            expect((await store.listSchedules()).map((s) => s.name)).toEqual(['audit', 'rebalance']);
            expect(await store.getSchedule('rebalance')).toEqual(schedule);
            expect(await store.getSchedule('nope')).toBeUndefined();
        });
        it('leaves an unchanged definition alone and re-anchors a changed one, keeping its pause', async () => {
            await store.saveSchedule(DEF, START + HOUR);
            clock.advance(1000);
            const again = await store.saveSchedule(DEF, START + 2 * HOUR);
            expect({ created: again.created, changed: again.changed, next: again.schedule.nextRunAt, updated: again.schedule.updatedAt }).toEqual({ created: false, changed: false, next: START + HOUR, updated: START });
            await store.pauseSchedule('rebalance');
            const moved = await store.saveSchedule({ ...DEF, cron: '30 * * * *' }, START + HOUR / 2);
            expect(moved).toMatchObject({ created: false, changed: true, schedule: { cron: '30 * * * *', nextRunAt: START + HOUR / 2, paused: true, createdAt: START, updatedAt: START + 1000 } });
        });
        it('advances the cursor and enqueues the run’s jobs together, only from the cursor read and not while paused', async () => {
            await store.saveSchedule(DEF, START);
            const slot = (at) => ({ queue: 'orders', payload: { account: 'main' }, runAt: at, key: `schedule:rebalance@${new Date(at).toISOString()}` });
            const moved = await store.advanceSchedule('rebalance', { cursor: START, next: START + 2 * HOUR, jobs: [slot(START), slot(START + HOUR)] });
            expect(moved.jobs.map((r) => ({ created: r.created, runAt: r.job.runAt, key: r.job.key, status: r.job.status }))).toEqual([
                { created: true, runAt: START, key: 'schedule:rebalance@2026-01-01T00:00:00.000Z', status: 'pending' },
                { created: true, runAt: START + HOUR, key: 'schedule:rebalance@2026-01-01T01:00:00.000Z', status: 'pending' },
            ]);
            expect(moved.schedule).toMatchObject({ nextRunAt: START + 2 * HOUR, lastSlotAt: START + HOUR, lastJobId: moved.jobs[1].job.id });
            // A second scheduler that read the same cursor writes nothing: no job, no cursor.
            expect(await store.advanceSchedule('rebalance', { cursor: START, next: START + 3 * HOUR, jobs: [slot(START + 2 * HOUR)] })).toBeUndefined();
            expect((await store.stats()).total).toBe(2);
            // A run that enqueues nothing keeps the last slot and job; a key held already returns its job.
            const empty = await store.advanceSchedule('rebalance', { cursor: START + 2 * HOUR, next: START + 3 * HOUR });
            expect(empty).toEqual({ schedule: expect.objectContaining({ nextRunAt: START + 3 * HOUR, lastSlotAt: START + HOUR, lastJobId: moved.jobs[1].job.id }), jobs: [] });
            const again = await store.advanceSchedule('rebalance', { cursor: START + 3 * HOUR, next: START + 4 * HOUR, jobs: [slot(START)] });
            expect(again.jobs).toEqual([{ created: false, job: moved.jobs[0].job }]);
            expect(again.schedule).toMatchObject({ lastSlotAt: START, lastJobId: moved.jobs[0].job.id });
            await store.pauseSchedule('rebalance');
            expect(await store.advanceSchedule('rebalance', { cursor: START + 4 * HOUR, next: START + 5 * HOUR, jobs: [slot(START + 4 * HOUR)] })).toBeUndefined();
            expect(await store.advanceSchedule('gone', { cursor: 0, next: 1 })).toBeUndefined();
            expect((await store.getSchedule('rebalance')).nextRunAt).toBe(START + 4 * HOUR);
            expect((await store.stats()).total).toBe(2);
        });
        it('refuses a slot whose key was retired (its job ran and was pruned) with KeyRetiredError, and moves nothing', async () => {
            await store.enqueue({ queue: 'orders', payload: 1, key: 'slot-1' });
            const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
            await store.complete(lease);
            expect(await store.prune({ olderThanMs: 0 })).toBe(1);
            const { schedule } = await store.saveSchedule(DEF, START);
            await expect(store.advanceSchedule('rebalance', { cursor: START, next: START + HOUR, jobs: [{ queue: 'orders', payload: 2, runAt: START, key: 'slot-1' }] })).rejects.toBeInstanceOf(KeyRetiredError);
            expect(await store.getSchedule('rebalance')).toEqual(schedule);
            expect((await store.stats()).total).toBe(0);
        });
        it('pauses and resumes with a new cursor; resuming a running one changes nothing', async () => {
            await store.saveSchedule(DEF, START);
            clock.advance(5000);
            expect(await store.pauseSchedule('rebalance')).toMatchObject({ paused: true, nextRunAt: START, updatedAt: START + 5000 });
            expect(await store.pauseSchedule('rebalance')).toMatchObject({ paused: true, updatedAt: START + 5000 });
            expect(await store.resumeSchedule('rebalance', START + 3 * HOUR)).toMatchObject({ paused: false, nextRunAt: START + 3 * HOUR });
            expect(await store.resumeSchedule('rebalance', START + 9 * HOUR)).toMatchObject({ paused: false, nextRunAt: START + 3 * HOUR });
            await expect(store.pauseSchedule('nope')).rejects.toBeInstanceOf(ScheduleNotFoundError);
            await expect(store.resumeSchedule('nope', null)).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
        });
        it('removes a schedule and keeps its jobs', async () => {
            await store.saveSchedule(DEF, START);
            await store.enqueue({ queue: 'orders', payload: null, key: 'schedule:rebalance@2026-01-01T00:00:00.000Z' });
            expect(await store.removeSchedule('rebalance')).toBe(true);
            expect(await store.removeSchedule('rebalance')).toBe(false);
            expect(await store.listSchedules()).toEqual([]);
            expect((await store.stats()).total).toBe(1);
        });
        it('refuses bad input naming the field, and writes nothing', async () => {
            const bad = [
                [{ ...DEF, name: '' }, 'schedule.name'],
                [{ ...DEF, cron: ' ' }, 'schedule.cron'],
                [{ ...DEF, queue: 7 }, 'schedule.queue'],
                [{ ...DEF, missed: 'sometimes' }, 'schedule.missed'],
                [{ ...DEF, backfillLimit: 0 }, 'schedule.backfillLimit'],
                [{ ...DEF, skipIfRunning: 'yes' }, 'schedule.skipIfRunning'],
                [{ ...DEF, every: 5 }, 'schedule.every'],
                [{ ...DEF, payload: { f: () => 1 } }, 'schedule.payload.f'],
            ];
            for (const [def, field] of bad) {
                await expect(store.saveSchedule(def, START), field).rejects.toMatchObject({ name: 'ValidationError', field });
            }
            await expect(store.saveSchedule(DEF, -1)).rejects.toMatchObject({ field: 'nextRunAt' });
            await store.saveSchedule(DEF, START);
            await expect(store.advanceSchedule('rebalance', { cursor: START, next: START + 1, jobs: [{ queue: 'q', payload: null }, { queue: '', payload: null }] })).rejects.toMatchObject({ field: 'advance.jobs[1].queue' });
            await expect(store.advanceSchedule('rebalance', { cursor: 'soon', next: null })).rejects.toMatchObject({ field: 'advance.cursor' });
            expect((await store.stats()).total).toBe(0);
            await expect(store.getSchedule(5)).rejects.toBeInstanceOf(ValidationError);
            expect((await store.listSchedules()).map((s) => s.nextRunAt)).toEqual([START]);
        });
    });
}
//# sourceMappingURL=schedule-examples.js.map