/**
 * Worker liveness, apart from the lease: each worker process makes itself known to the store
 * and renews a sign of life at a short interval; the store judges, by its own clock, that a
 * process whose sign of life is older than its liveness timeout is dead, and then its leases
 * may be taken over at once instead of when they run out. Pure rules, used by every store.
 */
import { ValidationError } from './errors.js';
import { MAX_LEASE_MS, validateInteger, validateName } from './validation.js';
/** Defaults of worker liveness. With them a SIGKILLed worker's job runs again within about 10 s. */
export const LIVENESS_DEFAULTS = Object.freeze({
    /** How often a process renews its sign of life. */
    intervalMs: 1000,
    /**
     * How old a sign of life may get before the process counts as dead. Above a 5 s event-loop
     * stall plus one interval plus the margin, so a slow process keeps its jobs.
     */
    timeoutMs: 8000,
    /** A process that has not renewed within timeout - margin (its own clock) stops acting. */
    marginMs: 1000,
    /** Rows of processes dead for longer than this are deleted (when they hold no lease). */
    retentionMs: 24 * 60 * 60 * 1000,
});
/** Whether the process's sign of life is still fresh at `now` (the store's clock). */
export function isWorkerAlive(w, now) {
    return w.lastSeenAt + w.livenessTimeoutMs > now;
}
/** When the process counts as dead unless it renews. */
export function workerDeadAt(w) {
    return w.lastSeenAt + w.livenessTimeoutMs;
}
/**
 * Whether a registration may take the id: nobody holds it, its holder is dead, or the caller
 * proved that exact incarnation dead (`replaces`).
 */
export function mayRegister(existing, now, opts = {}) {
    return existing === undefined || !isWorkerAlive(existing, now) || (opts.replaces !== undefined && opts.replaces === existing.incarnation);
}
/**
 * Whether a renewal is accepted: the row is this incarnation's and still alive. A process
 * that was judged dead (or replaced) meanwhile is refused: its leases may be anyone's by now,
 * so it must not act on them, and it registers afresh.
 */
export function mayRenew(existing, incarnation, now) {
    return existing !== undefined && existing.incarnation === incarnation && isWorkerAlive(existing, now);
}
/**
 * The lease expiry the sweep gives a dead process's job: now (claimable at once), never
 * later than it already was. A later rule (an open step's deadline) may hold it back.
 */
export function sweptLockedUntil(lockedUntil, now, holdUntil = null) {
    const target = holdUntil === null ? now : Math.max(now, holdUntil);
    return Math.min(lockedUntil, target);
}
/** The outcome of a sweep at `now`: `nextAt` are the candidate next expiries (epoch ms, after now; null for none). */
export function sweepOutcome(marked, expired, nextAt, now) {
    let next = null;
    for (const t of nextAt)
        if (t !== null && t > now && (next === null || t < next))
            next = t;
    return { marked, expired, nextExpiryInMs: next === null ? null : next - now };
}
/** Checks a registration naming the bad field; returns a clean copy. */
export function validateWorkerRegistration(input) {
    if (typeof input !== 'object' || input === null)
        throw new ValidationError('registration', 'must be an object');
    const r = input;
    const text = (field, max, allowEmpty = false) => {
        const v = r[field];
        if (typeof v !== 'string' || (!allowEmpty && v.length === 0) || v.length > max) {
            throw new ValidationError(field, `must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${max} characters`);
        }
        return v;
    };
    return {
        workerId: validateName(r.workerId, 'workerId'),
        incarnation: text('incarnation', 64),
        host: text('host', 255),
        pid: validateInteger(r.pid, 'pid', 0, 2 ** 31 - 1),
        bootId: text('bootId', 64, true),
        livenessTimeoutMs: validateInteger(r.livenessTimeoutMs, 'livenessTimeoutMs', 1, MAX_LEASE_MS),
    };
}
/** The `replaces` of `registerWorker`'s options, checked. */
export function validateReplaces(opts) {
    if (opts === undefined)
        return undefined;
    if (typeof opts !== 'object' || opts === null)
        throw new ValidationError('opts', 'must be an object');
    const v = opts.replaces;
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 64))
        throw new ValidationError('replaces', 'must be a non-empty string of at most 64 characters');
    return v;
}
/** The `force` of `releaseWorkerLeases`'s options, checked. */
export function validateForce(opts) {
    if (opts === undefined)
        return false;
    if (typeof opts !== 'object' || opts === null)
        throw new ValidationError('opts', 'must be an object');
    const v = opts.force;
    if (v !== undefined && typeof v !== 'boolean')
        throw new ValidationError('force', 'must be a boolean');
    return v === true;
}
/** The options of `pruneWorkers`, checked: how long a process must have been dead. */
export function validatePruneWorkers(opts) {
    if (typeof opts !== 'object' || opts === null)
        throw new ValidationError('opts', 'must be an object { olderThanMs }');
    return validateInteger(opts.olderThanMs, 'olderThanMs', 0, Number.MAX_SAFE_INTEGER);
}
//# sourceMappingURL=liveness.js.map