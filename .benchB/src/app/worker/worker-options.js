/**
 * The worker's options, their defaults, and their validation: every bad option is a
 * `ValidationError` naming it, thrown by the constructor before anything runs.
 */
import { hostname } from 'node:os';
import { ValidationError } from '../../domain/errors.js';
import { MAX_LEASE_MS, validateDuration, validateInteger, validateName, validatePrune } from '../../domain/validation.js';
import { SystemClock } from '../../adapters/clocks/system-clock.js';
import { resolveBackoff } from '../../adapters/common/store-options.js';
import { LIVENESS_DEFAULTS } from '../../domain/liveness.js';
import { currentProcessIdentity } from './process-identity.js';
const KNOWN = new Set([
    'store', 'clock', 'workerId', 'queues', 'handler', 'handlers', 'reconcile', 'inDoubt', 'leaseDurationSeconds',
    'pollIntervalMs', 'maxConcurrentJobs', 'leaseExtensionThresholdPercent', 'backoff', 'jobTimeoutMs',
    'shutdownTimeoutMs', 'handleSignals', 'random', 'batchCompletions', 'prefetch',
    'livenessIntervalMs', 'livenessTimeoutMs', 'liveness', 'processIdentity', 'handlesExit',
    'reapIntervalMs', 'retention',
]);
/** Validates worker options and applies the defaults. Throws `ValidationError` naming the option. */
export function resolveWorkerOptions(input) {
    if (typeof input !== 'object' || input === null)
        throw new ValidationError('options', 'must be an object');
    if ('idempotencyNamespace' in input) {
        // Removed, not ignored: a worker option that changed keys is how two workers placed two orders for one job.
        throw new ValidationError('idempotencyNamespace', 'was removed: idempotency keys now derive from the job alone (its uid, or its key and the database identity), so no worker option can change them; drop the option');
    }
    for (const k of Object.keys(input))
        if (!KNOWN.has(k))
            throw new ValidationError(k, 'is not a worker option');
    const o = input;
    const store = o.store;
    if (typeof store !== 'object' || store === null || typeof store.acquire !== 'function')
        throw new ValidationError('store', 'must be a LeaseStore');
    if (o.clock !== undefined && typeof o.clock?.now !== 'function')
        throw new ValidationError('clock', 'must have a now() method');
    if (o.random !== undefined && typeof o.random !== 'function')
        throw new ValidationError('random', 'must be a function returning [0, 1)');
    for (const k of ['reconcile', 'handler']) {
        if (o[k] !== undefined && typeof o[k] !== 'function')
            throw new ValidationError(k, 'must be a function');
    }
    let handlers;
    if (o.handlers !== undefined) {
        if (o.handler !== undefined)
            throw new ValidationError('handlers', 'give either handler or handlers, not both');
        if (typeof o.handlers !== 'object' || o.handlers === null || Object.keys(o.handlers).length === 0) {
            throw new ValidationError('handlers', 'must be a non-empty record of queue name to handler');
        }
        handlers = {};
        for (const [q, h] of Object.entries(o.handlers)) {
            validateName(q, `handlers.${q}`);
            handlers[q] = queueHandler(h, `handlers.${q}`);
        }
    }
    else if (o.handler === undefined) {
        throw new ValidationError('handler', 'is required (or give handlers, one per queue)');
    }
    let queues;
    if (o.queues !== undefined) {
        if (!Array.isArray(o.queues) || o.queues.length === 0)
            throw new ValidationError('queues', 'must be a non-empty array of queue names');
        queues = o.queues.map((q, i) => validateName(q, `queues[${i}]`));
        if (handlers)
            for (const q of queues)
                if (!handlers[q])
                    throw new ValidationError('queues', `queue "${q}" has no handler in handlers`);
    }
    else if (handlers) {
        queues = Object.keys(handlers);
    }
    const leaseMs = o.leaseDurationSeconds === undefined ? 300_000 : leaseSecondsToMs(o.leaseDurationSeconds);
    const threshold = o.leaseExtensionThresholdPercent === undefined ? 50 : validateInteger(o.leaseExtensionThresholdPercent, 'leaseExtensionThresholdPercent', 1, 90);
    const inDoubt = o.inDoubt ?? 'rerun';
    if (inDoubt !== 'rerun' && inDoubt !== 'fail')
        throw new ValidationError('inDoubt', `must be 'rerun' or 'fail', got ${String(inDoubt)}`);
    for (const k of ['handleSignals', 'batchCompletions', 'liveness', 'handlesExit']) {
        if (o[k] !== undefined && typeof o[k] !== 'boolean')
            throw new ValidationError(k, 'must be a boolean');
    }
    const handler = o.handler;
    return {
        store,
        clock: o.clock ?? new SystemClock(),
        workerId: o.workerId === undefined ? defaultWorkerId(o.random ?? Math.random) : validateName(o.workerId, 'workerId'),
        queues,
        handlerFor: handlers ? (q) => handlers[q]?.handle : () => handler,
        reconcileFor: handlers ? (q) => handlers[q]?.reconcile ?? o.reconcile : () => o.reconcile,
        inDoubt,
        leaseMs,
        pollIntervalMs: o.pollIntervalMs === undefined ? 5000 : validateDuration(o.pollIntervalMs, 'pollIntervalMs'),
        maxConcurrentJobs: o.maxConcurrentJobs === undefined ? 1 : validateInteger(o.maxConcurrentJobs, 'maxConcurrentJobs', 1, 10_000),
        extendAfterMs: Math.floor((leaseMs * threshold) / 100),
        safetyMarginMs: safetyMargin(leaseMs),
        backoff: resolveBackoff(o.backoff, 'backoff'),
        jobTimeoutMs: o.jobTimeoutMs === undefined ? undefined : validateDuration(o.jobTimeoutMs, 'jobTimeoutMs'),
        shutdownTimeoutMs: o.shutdownTimeoutMs === undefined ? 30_000 : validateShutdown(o.shutdownTimeoutMs),
        handleSignals: o.handleSignals ?? true,
        random: o.random ?? Math.random,
        batchCompletions: o.batchCompletions ?? true,
        prefetch: o.prefetch === undefined ? 0 : validateInteger(o.prefetch, 'prefetch', 0, 10_000),
        liveness: o.liveness === false ? undefined : resolveLiveness(o),
        handlesExit: o.handlesExit ?? false,
        reapIntervalMs: o.reapIntervalMs === undefined ? 60_000 : o.reapIntervalMs === 0 ? 0 : validateDuration(o.reapIntervalMs, 'reapIntervalMs'),
        retention: resolveRetention(o.retention),
    };
}
const RETENTION_KEYS = new Set(['olderThanMs', 'intervalMs', 'statuses', 'forgetKeysOlderThanMs']);
/** `retention` checked, with its fields named `retention.<field>` in errors. */
function resolveRetention(r) {
    if (r === undefined || r === false)
        return undefined;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
        throw new ValidationError('retention', 'must be { olderThanMs, intervalMs?, statuses?, forgetKeysOlderThanMs? } or false');
    }
    const o = r;
    for (const k of Object.keys(o))
        if (!RETENTION_KEYS.has(k))
            throw new ValidationError(`retention.${k}`, `is not a retention option (expected ${[...RETENTION_KEYS].join(', ')})`);
    if (o.olderThanMs === undefined)
        throw new ValidationError('retention.olderThanMs', 'is required: the age (ms) past which finished jobs are pruned');
    let p;
    try {
        p = validatePrune(o);
    }
    catch (error) {
        if (error instanceof ValidationError)
            throw new ValidationError(`retention.${error.field}`, error.message.slice(error.field.length + 2));
        throw error;
    }
    const intervalMs = o.intervalMs === undefined ? 3_600_000 : validateDuration(o.intervalMs, 'retention.intervalMs');
    const prune = { olderThanMs: p.olderThanMs, statuses: p.statuses };
    if (p.forgetKeysOlderThanMs !== null)
        prune.forgetKeysOlderThanMs = p.forgetKeysOlderThanMs;
    return { intervalMs, prune };
}
function resolveLiveness(o) {
    const intervalMs = o.livenessIntervalMs === undefined ? LIVENESS_DEFAULTS.intervalMs : validateDuration(o.livenessIntervalMs, 'livenessIntervalMs');
    const timeoutMs = o.livenessTimeoutMs === undefined ? LIVENESS_DEFAULTS.timeoutMs : validateDuration(o.livenessTimeoutMs, 'livenessTimeoutMs');
    if (timeoutMs < 2 * intervalMs)
        throw new ValidationError('livenessTimeoutMs', `must be at least twice livenessIntervalMs (${intervalMs} ms), got ${timeoutMs}`);
    const id = o.processIdentity;
    if (id !== undefined && (typeof id !== 'object' || id === null || typeof id.isRunning !== 'function')) {
        throw new ValidationError('processIdentity', 'must be { host, pid, bootId, isRunning(pid) }');
    }
    // The margin: a quarter of the timeout, at most 1 s, so a short test timeout still leaves room to renew.
    return { intervalMs, timeoutMs, marginMs: Math.min(LIVENESS_DEFAULTS.marginMs, Math.floor(timeoutMs / 4)), identity: id ?? currentProcessIdentity() };
}
/** A `handlers` entry as `{ handle, reconcile? }`, whichever form it was given in. */
function queueHandler(h, field) {
    if (typeof h === 'function')
        return { handle: h };
    if (typeof h !== 'object' || h === null)
        throw new ValidationError(field, 'must be a function or { handle, reconcile? }');
    const entry = h;
    for (const k of Object.keys(entry))
        if (k !== 'handle' && k !== 'reconcile')
            throw new ValidationError(`${field}.${k}`, 'is not a handler field (handle, reconcile)');
    if (typeof entry.handle !== 'function')
        throw new ValidationError(`${field}.handle`, 'must be a function');
    if (entry.reconcile !== undefined && typeof entry.reconcile !== 'function')
        throw new ValidationError(`${field}.reconcile`, 'must be a function');
    return entry.reconcile === undefined ? { handle: entry.handle } : { handle: entry.handle, reconcile: entry.reconcile };
}
/**
 * A step does not start with less than this much lease left: 20% of the lease, raised to
 * 1 s for short leases but never above half of it (else every step of a 1 s lease would
 * extend first).
 */
export function safetyMargin(leaseMs) {
    return Math.max(Math.floor(leaseMs * 0.2), Math.min(1000, Math.floor(leaseMs / 2)));
}
/** Checks `leaseDurationSeconds` in the unit the user wrote it in, then converts to ms. */
function leaseSecondsToMs(v) {
    const maxSeconds = Math.floor(MAX_LEASE_MS / 1000);
    if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ValidationError('leaseDurationSeconds', `must be a finite number of seconds, got ${typeof v === 'number' ? v : typeof v}`);
    if (v < 0.1 || v > maxSeconds)
        throw new ValidationError('leaseDurationSeconds', `must be between 0.1 and ${maxSeconds} seconds, got ${v}`);
    return Math.ceil(v * 1000);
}
function validateShutdown(v) {
    if (v === 0)
        return 0;
    return validateDuration(v, 'shutdownTimeoutMs');
}
function defaultWorkerId(random) {
    const suffix = Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0');
    return `${hostname()}-${process.pid}-${suffix}`.slice(0, 128);
}
//# sourceMappingURL=worker-options.js.map