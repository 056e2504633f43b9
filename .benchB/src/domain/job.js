/** Every status a job can be in. */
export const JOB_STATUSES = ['pending', 'processing', 'retry', 'done', 'failed', 'cancelled'];
/** The lease-expiry budget of a job enqueued without `maxLeaseExpiries`. */
export const DEFAULT_MAX_LEASE_EXPIRIES = 10;
/** Empty status counts. */
export function emptyStatusCounts() {
    return { pending: 0, processing: 0, retry: 0, done: 0, failed: 0, cancelled: 0 };
}
//# sourceMappingURL=job.js.map