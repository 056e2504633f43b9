/**
 * Prometheus gauges of what the store knows, computed at scrape time through the LeaseStore
 * port: jobs by queue and status, queue lag, active and expired leases, workers holding a
 * lease. One scrape reads the store once, whatever the number of gauges.
 */
import { Gauge, Registry } from 'prom-client';
import { JOB_STATUSES } from '../../domain/job.js';
import { readSnapshot } from './store-snapshot.js';
/**
 * Registers the store-derived gauges into `registry` and returns it. Labels are queues and
 * statuses only, never job ids or keys.
 * @example
 * const registry = registerStoreMetrics(store, new Registry());
 * const text = await registry.metrics(); // leasehold_jobs{queue="orders",status="pending"} 3 ...
 */
export function registerStoreMetrics(store, registry = new Registry(), opts = {}) {
    const clock = opts.clock ?? { now: () => Date.now() };
    const p = opts.prefix ?? 'leasehold_';
    // Every gauge's collect() asks for the snapshot; the first one of a scrape reads the store
    // and the others share its promise.
    let pending;
    const snapshot = () => {
        if (!pending) {
            pending = readSnapshot(store, clock.now());
            const clear = () => {
                setImmediate(() => (pending = undefined));
            };
            pending.then(clear, clear);
        }
        return pending;
    };
    new Gauge({
        name: `${p}jobs`,
        help: 'Jobs in the store by queue and status.',
        labelNames: ['queue', 'status'],
        registers: [registry],
        async collect() {
            const s = await snapshot();
            this.reset();
            for (const q of s.queues)
                for (const status of JOB_STATUSES)
                    this.set({ queue: q.queue, status }, q.counts[status]);
        },
    });
    new Gauge({
        name: `${p}queue_lag_seconds`,
        help: 'How long the waiting job due longest has waited (now - runAt), per queue; 0 when none is due.',
        labelNames: ['queue'],
        registers: [registry],
        async collect() {
            const s = await snapshot();
            this.reset();
            for (const q of s.queues)
                this.set({ queue: q.queue }, (q.lagMs ?? 0) / 1000);
        },
    });
    new Gauge({
        name: `${p}leases_active`,
        help: 'Processing jobs whose lease has not run out, per queue.',
        labelNames: ['queue'],
        registers: [registry],
        async collect() {
            const s = await snapshot();
            this.reset();
            for (const q of s.queues)
                this.set({ queue: q.queue }, q.activeLeases);
        },
    });
    new Gauge({
        name: `${p}leases_expired`,
        help: 'Processing jobs whose lease ran out and that nobody has taken over yet, per queue.',
        labelNames: ['queue'],
        registers: [registry],
        async collect() {
            const s = await snapshot();
            this.reset();
            for (const q of s.queues)
                this.set({ queue: q.queue }, q.expiredLeases);
        },
    });
    new Gauge({
        name: `${p}workers_holding_leases`,
        help: 'Distinct workers holding a lease that has not run out.',
        registers: [registry],
        async collect() {
            this.set((await snapshot()).workersHoldingLeases);
        },
    });
    return registry;
}
//# sourceMappingURL=store-metrics.js.map