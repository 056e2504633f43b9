/**
 * Every error leasehold throws is a {@link LeaseholdError} with a stable `code`, so callers
 * can branch on `err.code` (or `instanceof` a subclass) without parsing messages.
 * The original driver or handler error, when there is one, is kept as `cause`.
 */
/**
 * Base class of every error leasehold throws.
 * @example
 * try { await store.cancel(id) } catch (e) { if (e instanceof LeaseholdError && e.code === 'INVALID_TRANSITION') ... }
 */
export class LeaseholdError extends Error {
    code;
    constructor(code, message, options) {
        super(message, options);
        this.code = code;
        this.name = new.target.name;
    }
}
/** Bad input to a public entry point. `field` names the argument or option at fault. */
export class ValidationError extends LeaseholdError {
    field;
    constructor(field, message) {
        super('VALIDATION', `${field}: ${message}`);
        this.field = field;
    }
}
/**
 * A worker write carried a lease token that is no longer current: another worker took the
 * job over, or the job left `processing`. Nothing was written.
 */
export class LeaseLostError extends LeaseholdError {
    jobId;
    token;
    constructor(jobId, token, message) {
        super('LEASE_LOST', message ?? `lease on job ${jobId} with token ${token} is no longer held`);
        this.jobId = jobId;
        this.token = token;
    }
}
/** No job has this id. */
export class JobNotFoundError extends LeaseholdError {
    jobId;
    constructor(jobId) {
        super('JOB_NOT_FOUND', `job ${jobId} not found`);
        this.jobId = jobId;
    }
}
/** The store could not be reached or failed in a way worth retrying later. Nothing was changed. */
export class StoreUnavailableError extends LeaseholdError {
    constructor(message, options) {
        super('STORE_UNAVAILABLE', message, options);
    }
}
/** The lifecycle does not allow this operation from the job's current status. Nothing was changed. */
export class InvalidTransitionError extends LeaseholdError {
    jobId;
    from;
    action;
    constructor(jobId, action, from) {
        super('INVALID_TRANSITION', `cannot ${action} job ${jobId}: it is ${from}`);
        this.jobId = jobId;
        this.from = from;
        this.action = action;
    }
}
/** The database was migrated by a newer leasehold than this one; nothing was changed. */
export class SchemaTooNewError extends LeaseholdError {
    constructor(found, known) {
        super('SCHEMA_TOO_NEW', `database schema version ${found} is newer than this leasehold knows (${known}); upgrade leasehold`);
    }
}
/**
 * Thrown by a handler to fail its job at once, without further attempts.
 * @example
 * if (!payload.symbol) throw new PermanentError('order has no symbol');
 */
export class PermanentError extends LeaseholdError {
    constructor(message, options) {
        super('PERMANENT', message, options);
    }
}
/**
 * Thrown by a handler (or by `ctx.retryLater`) to have its job run again `delayMs` from now
 * without charging the attempt: the job goes back to pending with `runAt` = now + delayMs and
 * `lastError` saying why. For an exchange that answers 429 with Retry-After.
 * @example
 * if (res.status === 429) throw new RetryLaterError(Number(res.headers.get('retry-after')) * 1000, 'rate limited (429)');
 */
export class RetryLaterError extends LeaseholdError {
    delayMs;
    constructor(delayMs, reason) {
        if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_RETRY_LATER_MS) {
            throw new ValidationError('delayMs', `must be a number of ms from 0 to ${MAX_RETRY_LATER_MS}, got ${String(delayMs)}`);
        }
        const ms = Math.ceil(delayMs);
        super('RETRY_LATER', `retry later (in ${ms} ms)${reason === undefined ? '' : `: ${reason}`}`);
        this.delayMs = ms;
    }
}
/** The longest delay `RetryLaterError` takes: 30 days. */
export const MAX_RETRY_LATER_MS = 30 * 24 * 3_600_000;
/**
 * A step started in an earlier attempt and never recorded its result, no `reconcile` hook
 * could settle it, and the worker's policy is to fail rather than run it again.
 */
export class StepInDoubtError extends LeaseholdError {
    jobId;
    step;
    constructor(jobId, step, message) {
        super('STEP_IN_DOUBT', message ?? `step "${step}" of job ${jobId} started in an earlier attempt and its outcome is unknown (in doubt)`);
        this.jobId = jobId;
        this.step = step;
    }
}
/**
 * The key was used by a job that has since been pruned: the intent was handled. A producer
 * replaying its outbox treats this as "already done"; to run the intent again on purpose,
 * enqueue with `reuseKey: true`. Nothing was written.
 */
export class KeyRetiredError extends LeaseholdError {
    key;
    retiredAt;
    constructor(key, retiredAt) {
        super('KEY_RETIRED', `key ${JSON.stringify(key)} was used by a job pruned at ${new Date(retiredAt).toISOString()}; enqueue with reuseKey: true to run it again`);
        this.key = key;
        this.retiredAt = retiredAt;
    }
}
/**
 * A person may not settle this step now: the job is processing (its holder may still act),
 * the step is not in doubt (done, or settled), or its deadline has not passed.
 */
export class SettleRefusedError extends LeaseholdError {
    jobId;
    step;
    constructor(jobId, step, reason) {
        super('INVALID_TRANSITION', `cannot settle step "${step}" of job ${jobId}: ${reason}`);
        this.jobId = jobId;
        this.step = step;
    }
}
/** No schedule has this name. */
export class ScheduleNotFoundError extends LeaseholdError {
    scheduleName;
    constructor(name) {
        super('SCHEDULE_NOT_FOUND', `schedule ${JSON.stringify(name)} not found`);
        this.scheduleName = name;
    }
}
/** An operator asked to release a worker's leases while that worker still shows a fresh sign of life. Nothing was changed. */
export class WorkerAliveError extends LeaseholdError {
    workerId;
    lastSeenAt;
    constructor(workerId, lastSeenAt, message) {
        super('WORKER_ALIVE', message ?? `worker ${workerId} is alive (last seen at ${new Date(lastSeenAt).toISOString()}); pass force to release its leases anyway`);
        this.workerId = workerId;
        this.lastSeenAt = lastSeenAt;
    }
}
/** A worker started with a `workerId` that a live process already uses. Nothing was changed. */
export class WorkerIdInUseError extends LeaseholdError {
    workerId;
    constructor(workerId, holder) {
        super('WORKER_ID_IN_USE', `workerId ${workerId} is in use by a live process (host ${holder.host}, pid ${holder.pid}, last seen at ${new Date(holder.lastSeenAt).toISOString()}); give each worker process its own workerId`);
        this.workerId = workerId;
    }
}
//# sourceMappingURL=errors.js.map