/**
 * Rate limits per queue: `{ max, perMs }`, stored with the jobs so every process and host
 * enforces the same one. A claim (a fresh one or a takeover) of a job of a limited queue is a
 * call on the limit: at a claim at `now`, the queue has room for `max` less the claims it
 * recorded after `now - perMs`, and each claim records `now`. So no interval of `perMs`
 * (`(t - perMs, t]`) ever holds more than `max` claims of the queue, as judged by the store's
 * clock. Jobs the limit holds back are not claimed: not charged, nothing of them changes.
 */
import { ValidationError } from './errors.js';
import { validateName } from './validation.js';
/** The largest `max` a rate limit may have. */
export const MAX_RATE_LIMIT = 10_000;
/** Checks a rate limit: integers, `max` in 1..10,000, `perMs` in 1..one day. */
export function validateRateLimit(value, field = 'limit') {
    if (typeof value !== 'object' || value === null)
        throw new ValidationError(field, 'must be an object { max, perMs }');
    const v = value;
    for (const k of Object.keys(v))
        if (k !== 'max' && k !== 'perMs')
            throw new ValidationError(`${field}.${k}`, 'is not a rate limit field (expected max, perMs)');
    const max = v.max;
    const perMs = v.perMs;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RATE_LIMIT)
        throw new ValidationError(`${field}.max`, `must be an integer from 1 to ${MAX_RATE_LIMIT}`);
    if (typeof perMs !== 'number' || !Number.isInteger(perMs) || perMs < 1 || perMs > 86_400_000)
        throw new ValidationError(`${field}.perMs`, 'must be an integer from 1 to 86400000 (one day)');
    return { max, perMs };
}
/** Checks a `listRateLimits` filter: the queues to show, or null for all. */
export function validateRateLimitFilter(filter) {
    if (filter === undefined)
        return null;
    if (typeof filter !== 'object' || filter === null)
        throw new ValidationError('filter', 'must be an object { queues? }');
    const queues = filter.queues;
    if (queues === undefined)
        return null;
    if (!Array.isArray(queues))
        throw new ValidationError('filter.queues', 'must be an array of queue names');
    return queues.map((q, i) => validateName(q, `filter.queues[${i}]`));
}
/** How many more claims the queue may make at `now`. */
export function rateRoom(limit, now) {
    let used = 0;
    // A time after now (a clock that stepped back) still counts: the limit errs on the safe side.
    for (const t of limit.recent)
        if (t > now - limit.perMs)
            used++;
    return Math.max(0, limit.max - used);
}
/**
 * The limit after `n` claims at `now`: their times recorded, only the `max` latest times kept
 * (in time order). Keeping the latest times, not the latest claims, keeps the rule exact when a
 * claim's `now` is older than an earlier claim's (it was read before a lock wait): whichever
 * claim of an interval of `perMs` comes last, it counts every other claim of that interval.
 */
export function recordClaims(limit, now, n) {
    if (n === 0)
        return limit;
    const recent = [...limit.recent, ...Array.from({ length: n }, () => now)].sort((a, b) => a - b);
    return { ...limit, recent: recent.slice(Math.max(0, recent.length - limit.max)) };
}
/** When the queue next has room for a claim (`now` when it has room now). */
export function nextRoomAt(limit, now) {
    if (rateRoom(limit, now) > 0)
        return now;
    // Full: the oldest counted claim leaves the interval first.
    const counted = limit.recent.filter((t) => t > now - limit.perMs).sort((a, b) => a - b);
    return counted[counted.length - limit.max] + limit.perMs;
}
//# sourceMappingURL=rate-limit.js.map