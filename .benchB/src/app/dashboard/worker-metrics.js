/**
 * A worker's own counters and histograms, registered into the application's prom-client
 * registry and fed by the worker's events. Labels are queues (and what was decided about a
 * step in doubt), never job ids or keys, so the series count stays bounded by the queues.
 */
import { Counter, Histogram } from 'prom-client';
import { leaseExpiredMessage } from '../../domain/lifecycle.js';
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/**
 * Registers the worker's metrics into `registry` (several workers of one process may share
 * it: their counts add up) and returns a function that stops counting.
 * @example
 * const registry = new Registry();
 * registerWorkerMetrics(worker, registry);
 * // GET /metrics -> res.end(await registry.metrics())
 */
export function registerWorkerMetrics(worker, registry, opts = {}) {
    const clock = opts.clock ?? { now: () => Date.now() };
    const p = opts.prefix ?? 'leasehold_worker_';
    const buckets = opts.buckets ?? DEFAULT_BUCKETS;
    const counter = (name, help, labelNames = ['queue']) => registry.getSingleMetric(`${p}${name}`) ?? new Counter({ name: `${p}${name}`, help, labelNames, registers: [registry] });
    const histogram = (name, help, labelNames) => registry.getSingleMetric(`${p}${name}`) ?? new Histogram({ name: `${p}${name}`, help, labelNames, buckets, registers: [registry] });
    const started = counter('jobs_started_total', 'Attempts started.');
    const completed = counter('jobs_completed_total', 'Jobs completed.');
    const failed = counter('jobs_failed_total', 'Jobs failed for good (no attempt left, or a permanent error).');
    const retried = counter('jobs_retried_total', 'Failed attempts that will run again.');
    const lost = counter('leases_lost_total', 'Attempts that lost their lease (expired and taken over, or the store refused the token).');
    const takeovers = counter('takeovers_total', "Attempts started on a job whose previous holder's lease had run out.");
    const heldBack = counter('takeovers_held_back_total', "Expired leases this worker could have taken over, held back by their holder's step deadline (once per lease).");
    const inDoubt = counter('steps_in_doubt_total', 'Steps found in doubt (started in an earlier attempt, never recorded), by what the worker decided.', ['queue', 'decision']);
    const errors = counter('errors_total', 'Store or listener errors the worker carried on through, by where they happened.', ['during']);
    const duration = histogram('job_duration_seconds', 'How long an attempt ran, by how it ended.', ['queue', 'outcome']);
    const toStart = histogram('enqueue_to_start_seconds', 'From when a job became due (enqueue, or its runAt) to the start of its attempt.', ['queue']);
    // Jobs running now, for the queue of a lost lease and the duration of a failed attempt.
    const running = new Map();
    const endOf = (job, outcome) => {
        const r = running.get(job.id);
        running.delete(job.id);
        if (r)
            duration.observe({ queue: job.queue, outcome }, Math.max(0, clock.now() - r.at) / 1000);
    };
    const offs = [
        worker.on('job:started', ({ job }) => {
            const now = clock.now();
            running.set(job.id, { queue: job.queue, at: now });
            started.inc({ queue: job.queue });
            if (job.attempts > 1 && job.lastError === leaseExpiredMessage(job.attempts - 1, job.leaseExpiries, job.maxLeaseExpiries))
                takeovers.inc({ queue: job.queue });
            if (job.attempts === 1)
                toStart.observe({ queue: job.queue }, Math.max(0, now - Math.max(job.createdAt, job.runAt)) / 1000);
        }),
        worker.on('job:completed', ({ job, durationMs }) => {
            running.delete(job.id);
            completed.inc({ queue: job.queue });
            duration.observe({ queue: job.queue, outcome: 'completed' }, durationMs / 1000);
        }),
        worker.on('job:failed', ({ job }) => {
            failed.inc({ queue: job.queue });
            endOf(job, 'failed');
        }),
        worker.on('job:retry', ({ job }) => {
            retried.inc({ queue: job.queue });
            endOf(job, 'retry');
        }),
        worker.on('lease:lost', ({ jobId }) => {
            const r = running.get(jobId);
            running.delete(jobId);
            lost.inc({ queue: r?.queue ?? 'unknown' });
        }),
        worker.on('step:in-doubt', ({ job, decision }) => inDoubt.inc({ queue: job.queue, decision })),
        worker.on('lease:held-back', ({ job }) => heldBack.inc({ queue: job.queue })),
        worker.on('worker:error', ({ during }) => errors.inc({ during })),
    ];
    return () => {
        for (const off of offs)
            off();
    };
}
//# sourceMappingURL=worker-metrics.js.map