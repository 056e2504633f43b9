import { formatDuration, formatTime, table } from './format.js';
/** Every worker process the store knows, alive or not, with the jobs each holds. */
export async function workersCommand(store) {
    return { workers: await store.listWorkers() };
}
/**
 * Releases the leases of a worker (fenced: its jobs go to retry, counted as lease expiries).
 * Refused with WORKER_ALIVE while it shows a fresh sign of life, unless `force`.
 */
export async function releaseWorkerCommand(store, workerId, opts = {}) {
    return { workerId, released: await store.releaseWorkerLeases(workerId, { force: opts.force === true }) };
}
/** The `workers` table for people. */
export function formatWorkers(workers, now) {
    if (workers.length === 0)
        return 'no worker processes known';
    return table(['id', 'host', 'pid', 'started', 'last seen', 'state', 'jobs held'], workers.map((w) => [
        w.workerId,
        w.host,
        String(w.pid),
        formatTime(w.startedAt),
        `${formatDuration(now - w.lastSeenAt)} ago`,
        w.alive ? 'alive' : 'gone',
        String(w.jobsHeld),
    ]));
}
//# sourceMappingURL=workers.js.map