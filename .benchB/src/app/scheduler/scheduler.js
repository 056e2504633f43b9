import { ValidationError } from '../../domain/errors.js';
import { UNFINISHED_STATUSES, planScheduleRun, scheduleSlotKey, validateScheduleDefinition, validateScheduleName, } from '../../domain/schedule.js';
import { CronerCalendar } from '../../adapters/cron/croner-calendar.js';
import { SystemClock } from '../../adapters/clocks/system-clock.js';
import { INTERNAL_ABORT, waitOn } from '../worker/wait.js';
/**
 * Declares schedules and enqueues their due slots.
 * @example
 * const scheduler = new Scheduler({ store, schedules: [
 *   { name: 'rebalance', cron: '0 * * * *', timeZone: 'Europe/Berlin', queue: 'rebalance', payload: { account: 'main' } },
 * ] });
 * await scheduler.start(); // ... await scheduler.stop();
 */
export class Scheduler {
    store;
    clock;
    calendar;
    pollIntervalMs;
    declared;
    onError;
    onRun;
    stopping;
    loop;
    constructor(options) {
        if (typeof options !== 'object' || options === null)
            throw new ValidationError('options', 'must be an object');
        if (typeof options.store?.listSchedules !== 'function')
            throw new ValidationError('store', 'must be a LeaseStore');
        this.store = options.store;
        this.clock = options.clock ?? new SystemClock();
        this.calendar = options.calendar ?? new CronerCalendar();
        const poll = options.pollIntervalMs ?? 5000;
        if (typeof poll !== 'number' || !Number.isFinite(poll) || poll <= 0)
            throw new ValidationError('pollIntervalMs', 'must be a positive number');
        this.pollIntervalMs = poll;
        this.declared = [...(options.schedules ?? [])];
        this.declared.forEach((d, i) => this.check(d, `schedules[${i}]`));
        this.onError = options.onError ?? (() => undefined);
        this.onRun = options.onRun ?? (() => undefined);
    }
    /**
     * Creates the schedule, or updates its definition (re-anchoring its cursor at the first slot
     * from now); declaring an unchanged definition changes nothing, so every process may
     * declare its schedules at start.
     */
    async declare(definition) {
        const d = this.check(definition, 'schedule');
        return this.store.saveSchedule(definition, this.firstSlot(d.cron, d.timeZone));
    }
    /** Every schedule with its next run, by name. */
    async list() {
        return (await this.store.listSchedules()).map((s) => ({ ...s, nextRun: s.paused ? null : s.nextRunAt }));
    }
    /** Stops enqueueing the schedule's slots; those that pass while paused are dropped. */
    pause(name) {
        return this.store.pauseSchedule(name);
    }
    /** Resumes at the first slot from now. */
    async resume(name) {
        const s = await this.store.getSchedule(validateScheduleName(name));
        // Unknown names reach the store, which throws ScheduleNotFoundError.
        return this.store.resumeSchedule(name, s ? this.firstSlot(s.cron, s.timeZone) : null);
    }
    /** Deletes the schedule (its jobs stay). */
    remove(name) {
        return this.store.removeSchedule(name);
    }
    /** The next `count` slots of an expression after `after` (default now): for a dry run or the CLI. */
    preview(cron, timeZone = 'UTC', count = 5, after = this.clock.now()) {
        this.calendar.validate(cron, timeZone);
        const out = [];
        for (let t = this.calendar.next(cron, timeZone, after); t !== null && out.length < count; t = this.calendar.next(cron, timeZone, t))
            out.push(t);
        return out;
    }
    /** Enqueues the due slots of every active schedule, once. Safe to run in many processes at once. */
    async runDue() {
        const now = this.clock.now();
        const run = { enqueued: [], advanced: [], nextDelayMs: this.pollIntervalMs };
        for (const s of await this.store.listSchedules()) {
            if (s.paused || s.nextRunAt === null)
                continue;
            let cursor = s.nextRunAt;
            if (cursor <= now) {
                const moved = await this.runOne(s, now, run);
                if (moved)
                    cursor = moved.nextRunAt ?? Number.POSITIVE_INFINITY;
            }
            run.nextDelayMs = Math.max(0, Math.min(run.nextDelayMs, cursor - now));
        }
        return run;
    }
    /** Declares the configured schedules, then runs due slots until `stop()`. */
    async start() {
        if (this.loop)
            return;
        for (const d of this.declared)
            await this.declare(d);
        const stopping = (this.stopping = new AbortController());
        this.loop = (async () => {
            while (!stopping.signal.aborted) {
                let delay = this.pollIntervalMs;
                try {
                    const run = await this.runDue();
                    delay = run.nextDelayMs;
                    this.onRun(run);
                }
                catch (error) {
                    this.onError(error);
                }
                if (!(await waitOn(this.clock, delay, stopping.signal)))
                    return;
            }
        })();
    }
    /** Stops after the run in progress. */
    async stop() {
        this.stopping?.abort(INTERNAL_ABORT);
        await this.loop;
        this.loop = undefined;
        this.stopping = undefined;
    }
    async runOne(s, now, run) {
        const plan = planScheduleRun(s, now, (after) => this.calendar.next(s.cron, s.timeZone, after));
        let slots = plan.slots;
        if (slots.length > 0 && s.skipIfRunning) {
            const previous = s.lastJobId === null ? undefined : await this.store.get(s.lastJobId);
            // The previous slot's job has not finished: this run's slots are dropped, not delayed.
            if (previous && UNFINISHED_STATUSES.includes(previous.status))
                slots = [];
            else
                slots = slots.slice(-1);
        }
        const jobs = slots.map((slotAt) => ({ queue: s.queue, payload: s.payload, priority: s.priority, maxAttempts: s.maxAttempts, runAt: slotAt, key: scheduleSlotKey(s.name, slotAt) }));
        // The jobs and the cursor are written together, only from the cursor this run read: a run
        // planned on a stale read (another scheduler got there first) writes nothing at all.
        const moved = await this.store.advanceSchedule(s.name, { cursor: s.nextRunAt, next: plan.nextRunAt, jobs });
        if (!moved)
            return undefined;
        run.advanced.push(s.name);
        for (const r of moved.jobs)
            if (r.created)
                run.enqueued.push(r.job);
        return moved.schedule;
    }
    firstSlot(cron, timeZone) {
        // A slot exactly at now counts: the cursor is the earliest slot not yet handled.
        return this.calendar.next(cron, timeZone, this.clock.now() - 1);
    }
    check(definition, field) {
        let d;
        try {
            d = validateScheduleDefinition(definition);
        }
        catch (e) {
            if (e instanceof ValidationError && field !== 'schedule')
                throw new ValidationError(e.field.replace(/^schedule/, field), e.message.slice(e.field.length + 2));
            throw e;
        }
        this.calendar.validate(d.cron, d.timeZone, field);
        return d;
    }
}
//# sourceMappingURL=scheduler.js.map