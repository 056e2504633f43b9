/**
 * The job lifecycle as data. The worker, the in-memory store (the model every adapter is
 * held to) and the tests all read this table; SQL adapters repeat its guards in WHERE
 * clauses, and the contract suite proves they agree.
 *
 * ```
 * pending --acquire--> processing --complete--> done
 * retry   --acquire--> processing --fail (attempts left)--> retry
 *                      processing --fail (none left, or permanent)--> failed
 *                      processing --release--> pending (attempt given back)
 *                      processing --expire (acquire or reap)--> processing (taken over), retry, or failed
 * pending|retry --cancel--> cancelled;  failed|cancelled --retry--> pending (attempts reset)
 * ```
 */
import { InvalidTransitionError } from './errors.js';
/** For each action: the statuses it may start from and the statuses it may lead to. */
export const TRANSITIONS = {
    acquire: { from: ['pending', 'retry', 'processing'], to: ['processing'] },
    complete: { from: ['processing'], to: ['done'] },
    fail: { from: ['processing'], to: ['retry', 'failed'] },
    release: { from: ['processing'], to: ['pending'] },
    expire: { from: ['processing'], to: ['retry', 'failed'] },
    cancel: { from: ['pending', 'retry'], to: ['cancelled'] },
    retry: { from: ['failed', 'cancelled'], to: ['pending'] },
};
/** Statuses a job leaves only by a manual `retry`. */
export const FINAL_STATUSES = ['done', 'failed', 'cancelled'];
/** Statuses whose jobs wait for a worker. */
export const WAITING_STATUSES = ['pending', 'retry'];
/** Whether the table allows `action` from `status`. */
export function canTransition(action, status) {
    return TRANSITIONS[action].from.includes(status);
}
/** Throws `InvalidTransitionError` (code INVALID_TRANSITION) when the table forbids it. */
export function assertTransition(jobId, action, status) {
    if (!canTransition(action, status))
        throw new InvalidTransitionError(jobId, action, status);
}
/**
 * Attempts charged against `maxAttempts`: acquisitions, less those that ended because the
 * lease ran out (counted in `leaseExpiries`, against their own budget). Attempts given back
 * (see {@link giveBackAttempt}) were never charged: `attempts` went down with them.
 */
export function chargedAttempts(job) {
    return Math.max(0, job.attempts - job.leaseExpiries);
}
/** Whether one more lease expiry ends the job (the poison rule, rule 2). */
export function expiryBudgetUsedUp(job) {
    return job.leaseExpiries + 1 > job.maxLeaseExpiries;
}
/**
 * The message recorded when a lease expired: `expiries` counts this expiry. When the budget
 * is used up the job fails, and the message says that lease expiries (not handler failures)
 * ended it. Both forms start with `LEASE_EXPIRED_PREFIX`, which is how the attempt history
 * (and SQLite's history trigger) tells an expired attempt from a failed one.
 */
export function leaseExpiredMessage(attempt, expiries, maxExpiries) {
    return expiries > maxExpiries
        ? `lease expired on attempt ${attempt}: the job's lease expired ${expiries} times, more than its budget of ${maxExpiries} lease expiries; it failed without its handler failing (its holder crashed, paused or lost the store each time)`
        : `lease expired on attempt ${attempt} (lease expiry ${expiries} of ${maxExpiries} allowed)`;
}
/** Every {@link NotChargedReason}. */
export const NOT_CHARGED_REASONS = ['shutdown', 'unstarted', 'held-back'];
/**
 * The attempt counter after an acquisition that is not charged: it is undone. The one
 * definition of "not charged" (release, and whatever later hands a job back without running it).
 */
export function giveBackAttempt(attempts) {
    return Math.max(0, attempts - 1);
}
// The functions below give the job that each transition produces. They do not check the
// guard (callers do, with the table or a fenced WHERE); they only say what changes.
/** The job after `workerId` acquires it at `now`; a lease taken over records why and counts the expiry. */
export function applyAcquire(job, workerId, now, leaseMs) {
    const takenOver = job.status === 'processing';
    const leaseExpiries = takenOver ? job.leaseExpiries + 1 : job.leaseExpiries;
    return {
        ...job,
        status: 'processing',
        attempts: job.attempts + 1,
        leaseExpiries,
        leaseToken: job.leaseToken + 1,
        lockedBy: workerId,
        lockedUntil: now + leaseMs,
        lastError: takenOver ? leaseExpiredMessage(job.attempts, leaseExpiries, job.maxLeaseExpiries) : job.lastError,
        updatedAt: now,
    };
}
/** The job after its holder extends the lease. */
export function applyExtend(job, now, leaseMs) {
    return { ...job, lockedUntil: now + leaseMs, updatedAt: now };
}
/** The job after its holder completes it. */
export function applyComplete(job, now, result) {
    return { ...job, status: 'done', result, lockedBy: null, lockedUntil: null, updatedAt: now, finishedAt: now };
}
/** The job after a failed attempt: `retryAt` null means no attempt is left (failed). */
export function applyFail(job, now, lastError, retryAt) {
    const base = { ...job, lastError, lockedBy: null, lockedUntil: null, updatedAt: now };
    return retryAt === null
        ? { ...base, status: 'failed', finishedAt: now }
        : { ...base, status: 'retry', runAt: retryAt };
}
/**
 * The job after its holder releases it (graceful shutdown, unstarted, held back): the attempt
 * is not charged. `later`: run again at `runAt` (a handler's RetryLaterError), saying why.
 */
export function applyRelease(job, now, later) {
    const next = { ...job, status: 'pending', attempts: giveBackAttempt(job.attempts), lockedBy: null, lockedUntil: null, updatedAt: now };
    return later === undefined ? next : { ...next, runAt: later.runAt, lastError: later.lastError };
}
/**
 * The job after its expired lease is reaped (or found poisoned at acquire): the expiry is
 * counted; retry, or failed when the expiry budget is used up (rule 2). `maxAttempts` is
 * not touched: an outage is not a handler failure.
 */
export function applyExpire(job, now, retryAt) {
    const leaseExpiries = job.leaseExpiries + 1;
    const lastError = leaseExpiredMessage(job.attempts, leaseExpiries, job.maxLeaseExpiries);
    const base = { ...job, leaseExpiries, lastError, lockedBy: null, lockedUntil: null, updatedAt: now };
    if (leaseExpiries > job.maxLeaseExpiries)
        return { ...base, status: 'failed', finishedAt: now };
    return retryAt === undefined ? { ...base, status: 'retry' } : { ...base, status: 'retry', runAt: retryAt };
}
/** The job after a manual cancel. */
export function applyCancel(job, now) {
    return { ...job, status: 'cancelled', updatedAt: now, finishedAt: now };
}
/** The job after a manual retry: pending now, attempts and lease expiries reset. Steps are kept. */
export function applyManualRetry(job, now) {
    return { ...job, status: 'pending', attempts: 0, leaseExpiries: 0, runAt: now, updatedAt: now, finishedAt: null };
}
/**
 * The job after a store found its row undecodable (its payload or result is not JSON the store
 * can read back, e.g. edited by hand, or written by a version without the depth limit): failed
 * at once, with `reason` as its last error, so it can never block a queue. Not an action a
 * caller takes, so not in `TRANSITIONS`: the claim applies it to a row it meets, whatever its
 * waiting or processing status. `retry` then runs it again once the row is repaired.
 */
export function applyUndecodable(job, now, reason) {
    return { ...job, status: 'failed', lastError: reason, lockedBy: null, lockedUntil: null, updatedAt: now, finishedAt: now };
}
//# sourceMappingURL=lifecycle.js.map