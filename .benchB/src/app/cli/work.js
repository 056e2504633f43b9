/**
 * `leasehold work`: runs a ProcessingWorker on the store `--db` names, with the handler a
 * user module exports, until SIGINT or SIGTERM, then stops gracefully (in-flight jobs finish
 * up to the worker's shutdown deadline, the rest are released for another worker).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './exit-codes.js';
import { openStore } from './open-store.js';
import { firstLine } from './format.js';
/**
 * Loads a handler module (path relative to `cwd`) and picks its handler(s): `handlers` (each
 * entry a function or `{ handle, reconcile }`), or `handler`, or a default export that is a
 * function. Throws UsageError when there is none.
 * @example export async function handler(job, ctx) { await ctx.step('place', () => place(job.payload)); }
 */
export async function loadHandlerModule(path, cwd) {
    const url = pathToFileURL(resolve(cwd, path)).href;
    let mod;
    try {
        mod = (await import(url));
    }
    catch (error) {
        throw new Error(`--handler ${path}: cannot load the module: ${error.message}`, { cause: error });
    }
    const picked = {};
    if (mod.handlers && typeof mod.handlers === 'object')
        picked.handlers = mod.handlers;
    else if (typeof mod.handler === 'function')
        picked.handler = mod.handler;
    else if (typeof mod.default === 'function')
        picked.handler = mod.default;
    else
        throw new UsageError(`--handler ${path}: the module exports no \`handler\` function, \`handlers\` map or default function`);
    if (typeof mod.reconcile === 'function')
        picked.reconcile = mod.reconcile;
    return picked;
}
/** Runs the worker until SIGINT/SIGTERM. Resolves after it stopped. */
export async function workCommand(o) {
    const picked = await loadHandlerModule(o.handlerPath, o.cwd);
    // Loaded here, not at the top: every other command starts faster without the worker.
    const { ProcessingWorker } = await import('../worker/processing-worker.js');
    const store = await openStore(o.db, { create: false });
    try {
        // Fail fast on a wrong URL or a missing schema (exit 3): once started, the worker rides out
        // outages by design and would retry a store that was never there forever.
        await store.get('1');
    }
    catch (error) {
        await store.close().catch(() => undefined);
        throw error;
    }
    const worker = new ProcessingWorker({
        store,
        queues: o.queues,
        ...picked,
        maxConcurrentJobs: o.concurrency,
        ...(o.leaseMs === undefined ? {} : { leaseDurationSeconds: o.leaseMs / 1000 }),
        ...(o.retentionMs === undefined ? {} : { retention: { olderThanMs: o.retentionMs } }),
        ...(o.reapIntervalMs === undefined ? {} : { reapIntervalMs: o.reapIntervalMs }),
        handleSignals: false,
    });
    const log = (event, fields, text) => {
        if (o.json)
            o.out.json({ event, at: Date.now(), ...fields });
        else
            o.out.out(`${new Date().toISOString()} ${text}`);
    };
    const msg = (error) => firstLine(error instanceof Error ? error.message : String(error));
    worker.on('job:completed', ({ job, durationMs }) => log('job:completed', { jobId: job.id, durationMs }, `job ${job.id} done in ${Math.round(durationMs)} ms`));
    worker.on('job:retry', ({ job, error, runAt }) => log('job:retry', { jobId: job.id, error: msg(error), runAt }, `job ${job.id} failed, will retry: ${msg(error)}`));
    worker.on('job:failed', ({ job, error }) => log('job:failed', { jobId: job.id, error: msg(error) }, `job ${job.id} failed: ${msg(error)}`));
    worker.on('step:in-doubt', ({ job, step, key, decision }) => log('step:in-doubt', { jobId: job.id, step, key, decision }, `job ${job.id}: step ${step} was in doubt (key ${key}): ${decision}`));
    worker.on('lease:lost', ({ jobId }) => log('lease:lost', { jobId }, `job ${jobId}: lease lost (another worker took it over)`));
    worker.on('worker:error', ({ error, during }) => log('worker:error', { during, error: msg(error) }, `worker error during ${during}: ${msg(error)}`));
    let stopping;
    const stopped = new Promise((done) => {
        const stop = (signal) => {
            if (stopping)
                return;
            log('worker:stopping', { signal }, `${signal}: stopping (finishing in-flight jobs)`);
            stopping = worker.stop().then(done, done);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
    });
    try {
        await worker.start();
        log('worker:started', { queues: o.queues, concurrency: o.concurrency }, `working on ${o.queues.join(', ')} (concurrency ${o.concurrency}); Ctrl-C to stop`);
        await stopped;
        log('worker:stopped', {}, 'stopped');
    }
    finally {
        await store.close().catch(() => undefined);
    }
}
//# sourceMappingURL=work.js.map