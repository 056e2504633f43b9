/**
 * What the dashboard's overview and the store-derived metrics read, in one place, so the
 * page, `/metrics` and `leasehold metrics` agree with `leasehold status`: the same port
 * calls, the same lag rule (see {@link statusCommand}).
 */
import { JOB_STATUSES } from '../../domain/job.js';
import { statusCommand } from '../cli/status.js';
/**
 * Reads the store once: `statusCommand` plus the per-queue lag from the same sample of
 * waiting jobs.
 */
export async function readSnapshot(store, now) {
    const [status, waiting] = await Promise.all([
        statusCommand(store, now),
        // The same sample status takes its oldest waiting job from, so the two never disagree.
        store.list({ status: ['pending', 'retry'], limit: 1000 }),
    ]);
    const lag = new Map();
    for (const j of waiting)
        if (j.runAt <= now)
            lag.set(j.queue, Math.max(lag.get(j.queue) ?? 0, now - j.runAt));
    const names = new Set([...Object.keys(status.byQueue), ...status.activeLeases.map((l) => l.queue), ...status.expiredLeases.map((l) => l.queue)]);
    const queues = [...names].sort().map((queue) => ({
        queue,
        counts: status.byQueue[queue] ?? Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])),
        lagMs: lag.get(queue) ?? null,
        activeLeases: status.activeLeases.filter((l) => l.queue === queue).length,
        expiredLeases: status.expiredLeases.filter((l) => l.queue === queue).length,
    }));
    const holders = new Set(status.activeLeases.map((l) => l.lockedBy).filter((w) => w !== null));
    return { status, queues, workersHoldingLeases: holders.size };
}
//# sourceMappingURL=store-snapshot.js.map