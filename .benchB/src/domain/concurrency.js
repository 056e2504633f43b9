/**
 * Whether the claim must hold `job` back: a waiting job of a key that already holds as many
 * leases as the job's limit allows. Takeovers are never held back (the slot moves).
 */
export function isConcurrencyBlocked(job, holders) {
    return job.concurrencyKey !== undefined && job.status !== 'processing' && holders >= (job.concurrencyLimit ?? 1);
}
/** How many blocked jobs of a key the wake step frees: the limit less the leases held, at least 0. */
export function slotsFree(limit, holders) {
    return Math.max(0, limit - holders);
}
//# sourceMappingURL=concurrency.js.map