/**
 * Recurring jobs as data and pure rules. A schedule's row holds its definition and a cursor,
 * `nextRunAt`: the earliest slot not yet handled. Which slots a run enqueues, and where the
 * cursor goes next, is decided here from the time given and a slot function; the cron
 * arithmetic itself (a library) sits behind that function, outside the domain.
 */
import { ValidationError } from './errors.js';
import { validateInteger, validateJson, validateName, validateTime, DEFAULT_MAX_PAYLOAD_BYTES } from './validation.js';
/** What a run does with slots that passed while no scheduler ran (or the clock jumped ahead). */
export const MISSED_POLICIES = ['skip', 'latest', 'backfill'];
/** Longest cron expression or time zone name. */
export const MAX_CRON_LENGTH = 256;
/** Default `graceMs`: a slot at most a minute old is on time, not missed. */
export const DEFAULT_GRACE_MS = 60_000;
/** Default `backfillLimit`. */
export const DEFAULT_BACKFILL_LIMIT = 10;
/** Largest `backfillLimit`: one run never enqueues more than this many missed slots. */
export const MAX_BACKFILL_LIMIT = 1000;
const DEFINITION_FIELDS = new Set(['name', 'cron', 'timeZone', 'queue', 'payload', 'priority', 'maxAttempts', 'missed', 'backfillLimit', 'graceMs', 'skipIfRunning']);
/** Checks a definition's shape and applies defaults. The expression and zone are checked by the calendar (they need it). */
export function validateScheduleDefinition(input, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES) {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new ValidationError('schedule', 'must be an object');
    const d = input;
    for (const k of Object.keys(d))
        if (!DEFINITION_FIELDS.has(k))
            throw new ValidationError(`schedule.${k}`, `is not a schedule field (expected ${[...DEFINITION_FIELDS].join(', ')})`);
    const name = validateName(d.name, 'schedule.name');
    const cron = validateText(d.cron, 'schedule.cron');
    const timeZone = d.timeZone === undefined ? 'UTC' : validateText(d.timeZone, 'schedule.timeZone');
    const queue = validateName(d.queue, 'schedule.queue');
    const payloadText = validateJson(d.payload === undefined ? null : d.payload, 'schedule.payload', maxPayloadBytes);
    const priority = d.priority === undefined ? 0 : validateInteger(d.priority, 'schedule.priority', -2147483648, 2147483647);
    const maxAttempts = d.maxAttempts === undefined ? 3 : validateInteger(d.maxAttempts, 'schedule.maxAttempts', 1, 1_000_000);
    const missed = d.missed === undefined ? 'skip' : d.missed;
    if (!MISSED_POLICIES.includes(missed))
        throw new ValidationError('schedule.missed', `must be one of ${MISSED_POLICIES.join(', ')}`);
    const backfillLimit = d.backfillLimit === undefined ? DEFAULT_BACKFILL_LIMIT : validateInteger(d.backfillLimit, 'schedule.backfillLimit', 1, MAX_BACKFILL_LIMIT);
    const graceMs = d.graceMs === undefined ? DEFAULT_GRACE_MS : validateInteger(d.graceMs, 'schedule.graceMs', 0, 2147483647);
    if (d.skipIfRunning !== undefined && typeof d.skipIfRunning !== 'boolean')
        throw new ValidationError('schedule.skipIfRunning', 'must be a boolean');
    const skipIfRunning = d.skipIfRunning === true;
    return { name, cron, timeZone, queue, payload: JSON.parse(payloadText), payloadText, priority, maxAttempts, missed: missed, backfillLimit, graceMs, skipIfRunning };
}
/** Checks a schedule name (the argument of get, pause, resume, remove). */
export function validateScheduleName(value, field = 'name') {
    return validateName(value, field);
}
/** Checks the cursor of `advanceSchedule` (its jobs are checked as jobs, by the store). */
export function validateScheduleAdvance(input) {
    if (typeof input !== 'object' || input === null)
        throw new ValidationError('advance', 'must be an object');
    const a = input;
    const cursor = validateTime(a.cursor, 'advance.cursor');
    const next = a.next === null ? null : validateTime(a.next, 'advance.next');
    if (a.jobs !== undefined && !Array.isArray(a.jobs))
        throw new ValidationError('advance.jobs', 'must be an array');
    return { cursor, next, jobs: a.jobs ?? [] };
}
/** True when `s` already holds exactly this definition (re-declaring it changes nothing). */
export function sameDefinition(s, d) {
    return (s.cron === d.cron &&
        s.timeZone === d.timeZone &&
        s.queue === d.queue &&
        JSON.stringify(s.payload) === d.payloadText &&
        s.priority === d.priority &&
        s.maxAttempts === d.maxAttempts &&
        s.missed === d.missed &&
        s.backfillLimit === d.backfillLimit &&
        s.graceMs === d.graceMs &&
        s.skipIfRunning === d.skipIfRunning);
}
/**
 * The schedule `saveSchedule` writes: a new one (cursor `nextRunAt`, not paused), the existing
 * one unchanged when the definition is the same (returns undefined), or the existing one with
 * the new definition, its cursor re-anchored at `nextRunAt` and its paused state kept.
 */
export function applyScheduleDefinition(existing, d, nextRunAt, now) {
    if (existing && sameDefinition(existing, d))
        return undefined;
    const { payloadText: _text, ...def } = d;
    return {
        ...def,
        paused: existing?.paused ?? false,
        nextRunAt,
        lastSlotAt: existing?.lastSlotAt ?? null,
        lastJobId: existing?.lastJobId ?? null,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
    };
}
/** Pauses: a paused schedule enqueues nothing; its slots until resume are dropped, not missed. */
export function applySchedulePause(s, now) {
    return s.paused ? s : { ...s, paused: true, updatedAt: now };
}
/** Resumes with the cursor at `nextRunAt` (the first slot from now), so the pause is not backfilled. */
export function applyScheduleResume(s, nextRunAt, now) {
    return s.paused ? { ...s, paused: false, nextRunAt, updatedAt: now } : s;
}
/**
 * The cursor moves only from where the caller read it, and only while not paused: of two
 * schedulers that planned the same run, one advances (and enqueues) and the other changes
 * nothing. `last` is the run's last slot and its job; none keeps the previous ones.
 */
export function applyScheduleAdvance(s, a, last, now) {
    if (s.paused || s.nextRunAt !== a.cursor)
        return undefined;
    return { ...s, nextRunAt: a.next, lastSlotAt: last ? last.slotAt : s.lastSlotAt, lastJobId: last ? last.jobId : s.lastJobId, updatedAt: now };
}
/** Enumerating slots stops after this many per plan (a per-second expression a year behind). */
const MAX_SLOTS_WALKED = 200_000;
/**
 * Plans the run of a schedule whose cursor is due (`nextRunAt <= now`). The due slots are
 * those in [nextRunAt, now]; the latest is on time when it is at most `graceMs` old, the
 * others are missed. `skip` enqueues the on-time slot only; `latest` the latest due slot,
 * on time or not; `backfill` the on-time slot and up to `backfillLimit` missed ones, the
 * newest of them. The cursor always ends past now, so a slot is planned at most once.
 * @example planScheduleRun(s, now, (after) => calendar.next(s.cron, s.timeZone, after))
 */
export function planScheduleRun(s, now, next) {
    const nextRunAt = next(now);
    if (s.nextRunAt === null || s.nextRunAt > now)
        return { slots: [], nextRunAt: s.nextRunAt };
    const want = s.missed === 'backfill' ? s.backfillLimit + 1 : 1;
    const due = latestSlots(s.nextRunAt, now, want, next);
    if (due.length === 0)
        return { slots: [], nextRunAt };
    const onTime = now - due[due.length - 1] <= s.graceMs;
    let slots;
    if (s.missed === 'skip')
        slots = onTime ? due.slice(-1) : [];
    else if (s.missed === 'latest')
        slots = due.slice(-1);
    else
        slots = onTime ? due : due.slice(-s.backfillLimit);
    return { slots, nextRunAt };
}
/**
 * The latest `want` slots in [from, now] (fewer when the range holds fewer). Walks only a
 * window near `now` that it widens until it holds `want` slots, so a cursor far behind costs
 * little.
 */
function latestSlots(from, now, want, next) {
    for (let span = 1000;; span *= 4) {
        const start = Math.max(from, now - span);
        const found = [];
        let walked = 0;
        for (let t = next(start - 1); t !== null && t <= now && walked < MAX_SLOTS_WALKED; t = next(t)) {
            found.push(t);
            walked++;
            if (found.length > want)
                found.shift();
        }
        if (found.length >= want || start === from || walked >= MAX_SLOTS_WALKED)
            return found;
    }
}
/** Statuses in which a slot's job has not finished: `skipIfRunning` waits while it is in one. */
export const UNFINISHED_STATUSES = ['pending', 'retry', 'processing'];
/** The dedupe key of a schedule's slot: one job per slot, whichever scheduler enqueues it. */
export function scheduleSlotKey(name, slotAt) {
    return `schedule:${name}@${new Date(slotAt).toISOString()}`;
}
/**
 * The schedule and slot a job was enqueued for, read from its key (stable across retries,
 * unlike `runAt`), or undefined for a job no schedule enqueued.
 * @example const slot = scheduleSlotOf(job); if (slot) rebalanceAsOf(slot.slotAt);
 */
export function scheduleSlotOf(job) {
    const m = job.key === null ? null : /^schedule:(.+)@([^@]+)$/.exec(job.key);
    if (!m)
        return undefined;
    const slotAt = Date.parse(m[2]);
    return Number.isNaN(slotAt) ? undefined : { schedule: m[1], slotAt };
}
function validateText(value, field) {
    if (typeof value !== 'string' || value.trim().length === 0)
        throw new ValidationError(field, 'must be a non-empty string');
    if (value.length > MAX_CRON_LENGTH)
        throw new ValidationError(field, `must be at most ${MAX_CRON_LENGTH} characters`);
    return value;
}
//# sourceMappingURL=schedule.js.map