/** The start of every `lastError` the lease-expiry transitions write (see `leaseExpiredMessage`). */
export const LEASE_EXPIRED_PREFIX = 'lease expired on attempt ';
/** Per-minute counters are kept at least this long, whatever `prune` is asked: 7 days. */
export const COUNTER_RETENTION_MS = 7 * 24 * 3_600_000;
/**
 * How the attempt `prev` holds ends when the job becomes `next`, or null when it does not
 * end (no attempt held, or the same one goes on: an extend).
 */
export function attemptEnd(prev, next) {
    if (prev.status !== 'processing')
        return null;
    if (next.status === 'processing')
        return next.leaseToken !== prev.leaseToken ? 'expired' : null;
    if (next.status === 'done')
        return 'completed';
    if (next.status === 'pending')
        return 'released';
    if (next.lastError !== null && next.lastError.startsWith(LEASE_EXPIRED_PREFIX))
        return 'expired';
    return next.status === 'retry' ? 'retry' : 'failed';
}
/** Which per-minute counter the change bumps: jobs leaving processing for done, failed or retry. */
export function throughputField(prev, next) {
    if (prev.status !== 'processing' || next.status === prev.status)
        return null;
    return next.status === 'done' ? 'completed' : next.status === 'failed' ? 'failed' : next.status === 'retry' ? 'retried' : null;
}
/** The start of the minute `t` falls in (epoch ms). */
export function minuteOf(t) {
    return Math.floor(t / 60_000) * 60_000;
}
/** The first minute `prune` keeps counters for: at least {@link COUNTER_RETENTION_MS} back from now. */
export function countersKept(now, olderThanMs) {
    return minuteOf(now - Math.max(olderThanMs, COUNTER_RETENTION_MS));
}
//# sourceMappingURL=history.js.map