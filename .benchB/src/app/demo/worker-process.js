/**
 * Entry point of one demo worker process: runs a ProcessingWorker that places orders on the
 * simulated exchange, and reports on stdout as JSON lines (`{"event":"started",...}` first,
 * then one line per completed job). Meant to be killed at any moment. A start that fails
 * (the store cannot be reached or migrated, or its clock cannot be read) prints
 * `{"event":"fatal",...}` and exits 1, so a supervisor starts another.
 *
 * Settings come from argv (`--name value`) or the environment (LEASEHOLD_<NAME>):
 *   --store        sqlite:<file> | mysql://...          (required; parsed as the CLI's --db)
 *   --exchange     http://127.0.0.1:<port>              (required)
 *   --queue        orders (default)
 *   --concurrency  4 (default)
 *   --lease-seconds 2 (default; short so a killed worker's jobs are taken over quickly)
 *   --poll-ms      250 (default)
 *   --delay-ms     0 (default; time around each order, giving kills a window)
 *   --reconcile    on (default) | off
 *   --batch-completions off (default) | on
 *   --worker-id    default hostname-pid-random
 *   --liveness-interval-ms / --liveness-timeout-ms   the worker's defaults (1000 / 8000) unless given
 *   --handles-exit on (default: exit 0 once stopped, below) | off (a signal ends the process as
 *                  it would without leasehold: the worker raises it again once stopped)
 *   --announce-ms  off (default) | N: inside the step, print {"event":"sending"} and wait N ms before the order goes out
 *   --job-timeout-ms  none (default)
 *   --abortable    on (default) | off: off sends the order without the step's signal (a call that cannot be aborted)
 * Lines: started, job-started (jobId, attempt, at: epoch ms), sending, completed, lease-lost,
 * held-back, error, stopped.
 * @example node --import tsx src/app/demo/worker-process.ts --store sqlite:/tmp/jobs.db --exchange http://127.0.0.1:4000
 */
import { ProcessingWorker } from '../worker/processing-worker.js';
import { createOrderHandler, httpExchangeClient } from './order-handler.js';
import { openStore, parseDbSpec } from '../cli/open-store.js';
/** Reads `--name value` from argv, else LEASEHOLD_NAME from the environment. */
function setting(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? process.argv[i + 1] : process.env[`LEASEHOLD_${name.toUpperCase().replace(/-/g, '_')}`];
    if (value !== undefined)
        return value;
    if (fallback === undefined)
        throw new Error(`worker-process: --${name} is required`);
    return fallback;
}
const line = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
async function main() {
    const store = await openStore(parseDbSpec(setting('store')), { create: true });
    await store.migrate();
    const announceMs = setting('announce-ms', 'off');
    const { handler, reconcile } = createOrderHandler({
        exchange: httpExchangeClient(setting('exchange')),
        delayMs: Number(setting('delay-ms', '0')),
        abortable: setting('abortable', 'on') === 'on',
        ...(announceMs === 'off'
            ? {}
            : {
                beforeSend: async (jobId) => {
                    line({ event: 'sending', jobId });
                    await new Promise((r) => setTimeout(r, Number(announceMs)));
                },
            }),
    });
    const jobTimeout = setting('job-timeout-ms', 'none');
    const workerId = process.argv.includes('--worker-id') || process.env.LEASEHOLD_WORKER_ID ? setting('worker-id') : undefined;
    const livenessIntervalMs = setting('liveness-interval-ms', '');
    const livenessTimeoutMs = setting('liveness-timeout-ms', '');
    const handlesExit = setting('handles-exit', 'on') === 'on';
    const worker = new ProcessingWorker({
        store,
        queues: [setting('queue', 'orders')],
        handler,
        ...(setting('reconcile', 'on') === 'on' ? { reconcile } : {}),
        maxConcurrentJobs: Number(setting('concurrency', '4')),
        leaseDurationSeconds: Number(setting('lease-seconds', '2')),
        pollIntervalMs: Number(setting('poll-ms', '250')),
        shutdownTimeoutMs: 5000,
        batchCompletions: setting('batch-completions', 'off') === 'on',
        // By default this process exits on its own once stopped (below), after its last line is written.
        handlesExit,
        ...(livenessIntervalMs ? { livenessIntervalMs: Number(livenessIntervalMs) } : {}),
        ...(livenessTimeoutMs ? { livenessTimeoutMs: Number(livenessTimeoutMs) } : {}),
        ...(jobTimeout === 'none' ? {} : { jobTimeoutMs: Number(jobTimeout) }),
        ...(workerId ? { workerId } : {}),
    });
    worker.on('job:started', ({ job, attempt }) => line({ event: 'job-started', jobId: job.id, attempt, at: Date.now() }));
    worker.on('job:completed', ({ job }) => line({ event: 'completed', jobId: job.id, attempts: job.attempts }));
    worker.on('lease:lost', ({ jobId }) => line({ event: 'lease-lost', jobId }));
    worker.on('lease:held-back', ({ job, takeoverAt }) => line({ event: 'held-back', jobId: job.id, lockedBy: job.lockedBy, takeoverAt }));
    worker.on('worker:error', ({ error, during }) => line({ event: 'error', during, message: String(error?.message ?? error) }));
    worker.on('worker:stopped', () => {
        if (!handlesExit)
            return void line({ event: 'stopped' });
        // Exit once stopped: idle HTTP keep-alive sockets must not hold a stopped worker process open.
        void store.close().then(() => process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`, () => process.exit(0)));
    });
    await worker.start();
    line({ event: 'started', workerId: worker.workerId, pid: process.pid });
}
main().catch((error) => {
    // Exit rather than return: the store's open pool would keep the process alive, never
    // working and never replaced by its supervisor. A MySQL worker whose first clock reading
    // fails (every reading slower than maxRoundTripMs, as on a loaded host) sat idle that way.
    process.stdout.write(`${JSON.stringify({ event: 'fatal', message: String(error?.stack ?? error) })}\n`, () => process.exit(1));
});
//# sourceMappingURL=worker-process.js.map