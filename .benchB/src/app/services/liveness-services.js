/**
 * Marks the leases of processes whose sign of life is too old as expired, every `intervalMs`
 * or sooner: when the store knows of an earlier expiry (a process about to count as dead, a
 * lease about to run out), the next sweep runs right then. `onExpired` is told whenever
 * expired leases appeared since the last sweep (marked by this sweep or another process's,
 * or run out by themselves), so the claimer takes them over at the earliest known expiry
 * instead of at its next poll. Leases that stay expired (a queue no worker here serves) do
 * not wake it again.
 */
export function livenessSweeper(store, intervalMs, onExpired) {
    let expiredBefore = 0;
    // This run was scheduled at the earliest known expiry (not at the plain interval).
    let atKnownExpiry = false;
    return {
        name: 'liveness-sweeper',
        intervalMs,
        async run() {
            const out = await store.sweepDeadWorkers();
            // Leases became takeable since the last sweep: this one marked some, there are more, or a
            // known expiry fell due (one lease taken and the next come due leave the count as it was).
            if (out.marked > 0 || out.expired > expiredBefore || (atKnownExpiry && out.expired > 0))
                onExpired();
            expiredBefore = out.expired;
            atKnownExpiry = out.nextExpiryInMs !== null && out.nextExpiryInMs <= intervalMs;
            return atKnownExpiry ? Math.max(1, out.nextExpiryInMs) : intervalMs;
        },
    };
}
/** Every `intervalMs`, deletes rows of processes dead for more than `retentionMs` that hold no lease. */
export function workerRowCleanup(store, intervalMs, retentionMs) {
    return {
        name: 'worker-row-cleanup',
        intervalMs,
        async run() {
            await store.pruneWorkers({ olderThanMs: retentionMs });
        },
    };
}
//# sourceMappingURL=liveness-services.js.map