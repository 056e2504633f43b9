/**
 * How many waiting jobs `status` looks at to find the one due longest: the port lists by id
 * only, so with more waiting jobs than this the figure comes from the lowest ids (see
 * {@link StatusReport.oldestWaitingExact}).
 */
export const STATUS_SAMPLE = 1000;
/** How many failed jobs `status` shows. */
export const STATUS_FAILED_SHOWN = 10;
/**
 * Builds the status report at `now` (epoch ms), which `msLeft` and `waitingMs` are measured
 * from. Which leases count as expired is the store's call, by its own clock, so pass that
 * clock's time. The CLI passes Date.now(): the SQLite store's clock; the MySQL store judges by
 * the server's, so there `msLeft` is off by the host's offset from the server.
 */
export async function statusCommand(store, now) {
    const [stats, active, expired, waiting, failed, schedules, workers] = await Promise.all([
        store.stats(),
        store.getActiveLeases(),
        store.getExpiredLeases(),
        // The port orders by id only, not by runAt; the lowest ids hold the oldest-enqueued jobs,
        // where a stuck queue shows first. When they are all the waiting jobs, the figure is exact.
        store.list({ status: ['pending', 'retry'], limit: STATUS_SAMPLE }),
        store.list({ status: 'failed', order: 'desc', limit: STATUS_FAILED_SHOWN }),
        store.listSchedules(),
        store.listWorkers(),
    ]);
    const byId = new Map(workers.map((w) => [w.workerId, w]));
    const leaseView = (j) => {
        const w = j.lockedBy === null ? undefined : byId.get(j.lockedBy);
        return {
            id: j.id,
            queue: j.queue,
            lockedBy: j.lockedBy,
            leaseToken: j.leaseToken,
            attempts: j.attempts,
            maxAttempts: j.maxAttempts,
            lockedUntil: j.lockedUntil,
            msLeft: j.lockedUntil === null ? null : j.lockedUntil - now,
            holder: w === undefined ? 'unknown' : w.alive ? 'alive' : 'gone',
            holderLastSeenAt: w?.lastSeenAt ?? null,
        };
    };
    return {
        now,
        total: stats.total,
        byStatus: stats.byStatus,
        byQueue: stats.byQueue,
        activeLeases: active.map(leaseView),
        expiredLeases: expired.map(leaseView),
        oldestWaiting: oldestDue(waiting, now),
        oldestWaitingExact: waiting.length < STATUS_SAMPLE || stats.byStatus.pending + stats.byStatus.retry <= waiting.length,
        failed: failed.map((j) => ({ id: j.id, queue: j.queue, attempts: j.attempts, finishedAt: j.finishedAt, lastError: j.lastError })),
        schedules: schedules.map((s) => ({ name: s.name, cron: s.cron, timeZone: s.timeZone, queue: s.queue, paused: s.paused, nextRun: s.paused ? null : s.nextRunAt })),
    };
}
function oldestDue(jobs, now) {
    let best;
    for (const j of jobs)
        if (j.runAt <= now && (!best || j.runAt < best.runAt))
            best = j;
    return best ? { id: best.id, queue: best.queue, status: best.status, waitingMs: now - best.runAt } : null;
}
//# sourceMappingURL=status.js.map