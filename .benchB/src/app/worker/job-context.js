/**
 * What a handler gets besides its job: the abort signal, the attempt number, the lease,
 * durable steps and idempotency keys.
 */
import { PermanentError, RetryLaterError, StepInDoubtError, ValidationError } from '../../domain/errors.js';
import { validateInteger, validateJson, validateKey } from '../../domain/validation.js';
import { isStepInDoubt } from '../../domain/steps.js';
import { idempotencyKey, legacyIdempotencyKey } from '../idempotency-key.js';
/** Least and greatest per-step deadline. */
export const MIN_STEP_DEADLINE_MS = 2_000;
export const MAX_STEP_DEADLINE_MS = 60_000;
/** The step deadline when none is given (or the safety margin, when the lease is too short for it). */
export const DEFAULT_STEP_DEADLINE_MS = 10_000;
/**
 * Builds the context of one attempt. Internal to the worker, which awaits `prepare()` before
 * the handler runs: a job acquired before has its step records loaded then, so that
 * `ctx.idempotencyKey` (synchronous) returns a recorded key from the start.
 */
export function createJobContext(job, holder, deps) {
    const used = new Set();
    let records;
    let loaded;
    const keyOf = (name) => {
        validateKey(name, 'name');
        const prior = loaded?.get(name);
        // A recorded key wins whatever this worker would derive; a step begun by a leasehold that
        // recorded no keys keeps the key that version derived (with the default namespace).
        if (prior)
            return prior.key ?? legacyIdempotencyKey(job.id, name);
        return idempotencyKey(job, deps.identity, name);
    };
    const loadRecords = () => (records ??= deps.store.getStepRecords(job.id).then((list) => (loaded = new Map(list.map((r) => [r.name, r])))));
    // Token 1 is the job's first acquisition: no step can have been recorded before it.
    const prepare = async () => void (holder.lease.token > 1 ? await loadRecords() : (loaded = new Map()));
    const defaultDeadlineMs = Math.min(DEFAULT_STEP_DEADLINE_MS, deps.safetyMarginMs);
    const deadlineOf = (opts) => {
        if (opts === undefined)
            return defaultDeadlineMs;
        if (typeof opts !== 'object' || opts === null)
            throw new ValidationError('opts', 'must be an object');
        if (opts.deadlineMs === undefined)
            return defaultDeadlineMs;
        const ms = validateInteger(opts.deadlineMs, 'deadlineMs', MIN_STEP_DEADLINE_MS, MAX_STEP_DEADLINE_MS);
        const room = deps.leaseMs - deps.safetyMarginMs;
        if (ms > room)
            throw new ValidationError('deadlineMs', `must be at most ${room} ms (the lease less its safety margin), got ${ms}`);
        return ms;
    };
    async function step(name, fn, opts) {
        validateKey(name, 'name');
        if (typeof fn !== 'function')
            throw new ValidationError('fn', 'must be a function returning a promise');
        const deadlineMs = deadlineOf(opts);
        // A second use of a name in one attempt would read back the first's record: almost always a bug.
        if (used.has(name))
            throw new ValidationError('name', `step "${name}" was already used in this attempt; step names must be unique within an attempt`);
        used.add(name);
        holder.throwIfLost();
        holder.throwIfAborted();
        const prior = (await loadRecords()).get(name);
        if (prior?.state === 'done')
            return prior.result;
        if (prior && isStepInDoubt({ status: 'processing', leaseToken: holder.lease.token }, prior)) {
            // In doubt: the step began in an earlier attempt that never recorded how it ended.
            const key = keyOf(name);
            if (deps.reconcile) {
                const answer = await deps.reconcile(job, name, key);
                if (answer?.found === true) {
                    const text = validateJson(answer.result, `reconcile(${name}).result`);
                    deps.onInDoubt({ step: name, key, decision: 'reconciled' });
                    await holder.ensureTime();
                    await holder.writeRetrying((lease) => deps.store.saveStep(lease, name, answer.result), deps.onStoreError);
                    return JSON.parse(text);
                }
                if (answer?.found !== false)
                    throw new ValidationError('reconcile', 'must resolve to { found: true, result } or { found: false }');
                deps.onInDoubt({ step: name, key, decision: 'rerun' });
            }
            else if (deps.inDoubt === 'fail') {
                deps.onInDoubt({ step: name, key, decision: 'failed' });
                throw new StepInDoubtError(job.id, name);
            }
            else {
                deps.onInDoubt({ step: name, key, decision: 'rerun' });
            }
        }
        // The deadline must fall within the lease it is written under: extend first when less is left.
        await holder.ensureTime(deadlineMs);
        // In the store's clock, from the lease (never this host's wall clock): it fits the lease by construction.
        const deadlineAt = Math.floor(holder.storeNow()) + deadlineMs;
        await holder.writeRetrying((lease) => deps.store.beginStep(lease, name, { key: keyOf(name), deadlineAt }), deps.onStoreError, { startsStep: true });
        // Retries may have used up lease time: self-fence again before the effect.
        await holder.ensureTime();
        // The abort may have landed while beginStep was in flight: an aborted attempt (its lease
        // being released, or timed out) starts no new step.
        holder.throwIfAborted();
        const run = { deadlineAt, idempotencyKey: keyOf(name), signal: holder.signal };
        // The attempt does not end while fn (and the write of its result) is out.
        return holder.trackStep(deadlineAt, (async () => record(name, await fn(run)))());
    }
    /** Records what fn returned (retried through blips: fn ran, so the step must not be left in doubt). */
    async function record(name, value) {
        const json = value === undefined ? null : value;
        let text;
        try {
            // Shape only: the size limit is the store's own (it may set maxPayloadBytes), and its
            // saveStep enforces it with the same ValidationError.
            text = validateJson(json, `step(${name}) result`, Number.POSITIVE_INFINITY);
            // fn ran: a blip here must not leave the step in doubt (the next attempt would run it again).
            await holder.writeRetrying((lease) => deps.store.saveStep(lease, name, json), deps.onStoreError);
        }
        catch (error) {
            if (!(error instanceof ValidationError))
                throw error;
            // fn's effect may have happened and can never be recorded: a retry would find the step
            // in doubt and could run it again (a second order). Fail the job for good instead.
            const failure = new PermanentError(`step "${name}" of job ${job.id} ran, but its result is not recordable JSON (${error.message}); ` +
                'its effect may have happened, so the job is failed rather than the step run again', { cause: error });
            deps.onUnrecordable(failure);
            throw failure;
        }
        return JSON.parse(text);
    }
    const ctx = {
        get signal() {
            return holder.signal;
        },
        attempt: job.attempts,
        get lease() {
            return holder.lease;
        },
        step,
        idempotencyKey: keyOf,
        retryLater(delayMs, reason) {
            throw new RetryLaterError(delayMs, reason);
        },
    };
    return { ctx, prepare };
}
//# sourceMappingURL=job-context.js.map