/** A processing job whose lease ran out at or before `now`. */
export function isLeaseExpired(job, now) {
    return job.status === 'processing' && job.lockedUntil !== null && job.lockedUntil <= now;
}
/** How far apart two clocks (a worker's, the store's, the exchange's) are allowed to be, by default. */
export const DEFAULT_CLOCK_MARGIN_MS = 2_000;
/**
 * When a processing job may be taken over: once its lease ran out, and not before the latest
 * step deadline of its current attempt (`stepDeadlineAt`, null when none) plus `marginMs` has
 * passed, so no new owner reconciles or reruns a step whose request may still be valid.
 */
export function takeoverAt(job, stepDeadlineAt, marginMs) {
    const lease = job.lockedUntil ?? Number.NEGATIVE_INFINITY;
    return stepDeadlineAt === null ? lease : Math.max(lease, stepDeadlineAt + marginMs);
}
/** An expired lease that a step deadline still holds back at `now` (not yet takeable). */
export function isHeldBack(job, now, stepDeadlineAt, marginMs) {
    return isLeaseExpired(job, now) && takeoverAt(job, stepDeadlineAt, marginMs) > now;
}
/**
 * Whether `acquire` at `now` may hand this job out (rule 1). A processing job's step
 * deadline, when given, holds its takeover back (see {@link takeoverAt}).
 */
export function isEligible(job, now, stepDeadlineAt = null, marginMs = DEFAULT_CLOCK_MARGIN_MS) {
    if (job.status === 'pending' || job.status === 'retry')
        return job.runAt <= now;
    return isLeaseExpired(job, now) && takeoverAt(job, stepDeadlineAt, marginMs) <= now;
}
/**
 * An expired (and no longer held back) job whose lease-expiry budget is used up fails instead
 * of being handed out again (rule 2).
 */
export function isPoisoned(job, now, stepDeadlineAt = null, marginMs = DEFAULT_CLOCK_MARGIN_MS) {
    return job.status === 'processing' && isEligible(job, now, stepDeadlineAt, marginMs) && job.leaseExpiries + 1 > job.maxLeaseExpiries;
}
/**
 * When a job taken from its holder other than by a takeover (an operator's release of a dead
 * worker's leases) may run again: not before the latest step deadline of that lease plus
 * `marginMs`, as a takeover would wait; undefined when no step deadline holds it (run now).
 */
export function heldRetryAt(stepDeadlineAt, marginMs, now) {
    return stepDeadlineAt !== null && stepDeadlineAt + marginMs > now ? stepDeadlineAt + marginMs : undefined;
}
/** Whether a step deadline may be written under a lease that runs until `lockedUntil`. */
export function deadlineFitsLease(deadlineAt, lockedUntil) {
    return lockedUntil !== null && deadlineAt <= lockedUntil;
}
/** Claim order: priority, then runAt, then id (ids are increasing integers as strings). */
export function compareClaimOrder(a, b) {
    return a.priority - b.priority || a.runAt - b.runAt || compareIds(a.id, b.id);
}
/** Orders two store-assigned ids (decimal integer strings) numerically. */
export function compareIds(a, b) {
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
/** Whether `token` is still the job's current lease (the fence of rule 3). */
export function holdsLease(job, token) {
    return job.status === 'processing' && job.leaseToken === token;
}
//# sourceMappingURL=lease-rules.js.map