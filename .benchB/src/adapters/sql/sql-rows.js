import { applyComplete } from '../../domain/lifecycle.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../domain/validation.js';
/** The columns of a job row, in the order every SELECT and RETURNING lists them. */
export const JOB_COLUMNS = 'id, uid, queue, job_key, idempotency_key_format, payload, status, priority, run_at, attempts, max_attempts, lease_expiries, max_lease_expiries, locked_by, locked_until, lease_token, last_error, result, created_at, updated_at, finished_at, concurrency_key, concurrency_limit';
/** The columns of a step row. */
export const STEP_COLUMNS = 'name, state, result, token, started_at, finished_at, idempotency_key, settled_at, deadline_at';
/**
 * Text of a string column: UTF-8 bytes (mysql2 returns VARBINARY as Buffers unless the pool's
 * own typeCast made them strings) or a string.
 */
export function text(v) {
    return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}
/** A nullable number column as a number or null. */
export const numOrNull = (v) => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v) => (v === null || v === undefined ? null : String(v));
const jsonOrNull = (v) => (v === null || v === undefined ? null : JSON.parse(String(v)));
const undecodable = new WeakMap();
/**
 * Why the row `job` was decoded from cannot be read back (its payload or result shown as null),
 * or undefined when it could. Only for a job straight from `rowToJob`: a copy has no reason.
 */
export function undecodableReason(job) {
    return undecodable.get(job);
}
/**
 * A JSON column as stored, or why it is not JSON this store would have accepted: text a person
 * edited, a charset that mangled it, or nesting past the limit from before there was one.
 */
function decodeJson(v) {
    if (v === null || v === undefined)
        return { value: null };
    let value;
    try {
        value = JSON.parse(String(v));
    }
    catch (e) {
        return { value: null, problem: `is not JSON (${e instanceof Error ? e.message : String(e)})` };
    }
    return exceedsJsonDepth(value) ? { value: null, problem: `is nested deeper than ${MAX_JSON_DEPTH} levels` } : { value };
}
/**
 * A job row as the public Job. A row whose payload or result cannot be decoded never throws:
 * that value comes back as null, `lastError` says why, and `undecodableReason(job)` tells the
 * claim to fail the job instead of handing it out (so one such row never blocks a queue, and
 * `get`, `list` and `stats` keep working around it).
 */
export function rowToJob(row) {
    const payload = decodeJson(row.payload);
    const result = decodeJson(row.result);
    const job = {
        id: String(row.id),
        uid: String(row.uid),
        queue: text(row.queue),
        key: row.job_key === null || row.job_key === undefined ? null : text(row.job_key),
        idempotencyKeyFormat: String(row.idempotency_key_format),
        payload: payload.value,
        status: String(row.status),
        priority: Number(row.priority),
        runAt: Number(row.run_at),
        attempts: Number(row.attempts),
        maxAttempts: Number(row.max_attempts),
        leaseExpiries: Number(row.lease_expiries),
        maxLeaseExpiries: Number(row.max_lease_expiries),
        lockedBy: strOrNull(row.locked_by),
        lockedUntil: numOrNull(row.locked_until),
        leaseToken: Number(row.lease_token),
        lastError: strOrNull(row.last_error),
        result: result.value,
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
        finishedAt: numOrNull(row.finished_at),
    };
    if (row.concurrency_key !== null && row.concurrency_key !== undefined) {
        job.concurrencyKey = text(row.concurrency_key);
        job.concurrencyLimit = Number(row.concurrency_limit);
    }
    const problem = payload.problem === undefined ? (result.problem === undefined ? undefined : `its result ${result.problem}`) : `its payload ${payload.problem}`;
    if (problem === undefined)
        return job;
    const reason = `job ${job.id} cannot be decoded: ${problem}`;
    undecodable.set(job, reason);
    job.lastError = job.lastError === null || job.lastError === reason ? reason : `${reason}\n${job.lastError}`;
    return job;
}
/** A step row as the public StepRecord (a started step has no result). */
export function rowToStep(row) {
    const state = String(row.state);
    const step = {
        name: text(row.name),
        state,
        result: state === 'done' ? jsonOrNull(row.result) : null,
        token: Number(row.token),
        startedAt: Number(row.started_at),
        finishedAt: numOrNull(row.finished_at),
        key: row.idempotency_key === null || row.idempotency_key === undefined ? null : text(row.idempotency_key),
        settledAt: numOrNull(row.settled_at),
    };
    // Present only when the intent carried one, as in the model.
    const deadlineAt = numOrNull(row.deadline_at);
    if (deadlineAt !== null)
        step.deadlineAt = deadlineAt;
    return step;
}
/** A copy that shares no object with `job`. */
export function copyJob(job) {
    return { ...job, payload: structuredClone(job.payload), result: structuredClone(job.result) };
}
/**
 * The job a fenced complete produced, built instead of read back: while its token holds, only
 * the holder changes the row, and only lockedUntil/updatedAt (extend), which complete
 * overwrites. So the held job plus `applyComplete` is the row as written. `held` is the store's
 * own copy of the job it leased (`SqlLeaseStore.ownJob`) or the row as read, never the caller's
 * `lease.job`, which a handler may have edited; the result shares its payload.
 */
export function completedFromHeld(held, now, resultText) {
    return { ...applyComplete(held, now, null), result: resultText === null ? null : JSON.parse(resultText) };
}
/** A job inserted as pending with `id`, built from its validated input. */
export function insertedJob(id, v, now) {
    const job = {
        id: String(id),
        uid: v.uid,
        queue: v.queue,
        key: v.key,
        idempotencyKeyFormat: v.idempotencyKeyFormat,
        // validateNewJob parsed this copy for this call alone; nobody else holds it.
        payload: v.payload,
        status: 'pending',
        priority: v.priority,
        runAt: v.runAt,
        attempts: 0,
        maxAttempts: v.maxAttempts,
        leaseExpiries: 0,
        maxLeaseExpiries: v.maxLeaseExpiries,
        lockedBy: null,
        lockedUntil: null,
        leaseToken: 0,
        lastError: null,
        result: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
    };
    if (v.concurrencyKey !== null) {
        job.concurrencyKey = v.concurrencyKey;
        job.concurrencyLimit = v.concurrencyLimit;
    }
    return job;
}
/** The columns of a worker process row. */
export const WORKER_COLUMNS = 'worker_id, incarnation, host, pid, boot_id, started_at, last_seen_at, liveness_timeout_ms';
/** A worker process row as the domain's WorkerProcess. */
export function rowToWorker(row) {
    return {
        workerId: text(row.worker_id),
        incarnation: text(row.incarnation),
        host: text(row.host),
        pid: Number(row.pid),
        bootId: text(row.boot_id),
        livenessTimeoutMs: Number(row.liveness_timeout_ms),
        startedAt: Number(row.started_at),
        lastSeenAt: Number(row.last_seen_at),
    };
}
/** The parameters of a worker row insert, in WORKER_COLUMNS order. */
export function workerValues(w) {
    return [w.workerId, w.incarnation, w.host, w.pid, w.bootId, w.startedAt, w.lastSeenAt, w.livenessTimeoutMs];
}
/** An attempt row (token, worker_id, started_at, ended_at, outcome, error) as an AttemptRecord. */
export function rowToAttempt(row) {
    return {
        token: Number(row.token),
        workerId: text(row.worker_id),
        startedAt: Number(row.started_at),
        endedAt: numOrNull(row.ended_at),
        outcome: String(row.outcome),
        error: row.error === null || row.error === undefined ? null : text(row.error),
    };
}
/** A counter row (minute, queue, completed, failed, retried) as a ThroughputBucket. */
export function rowToBucket(row) {
    return { minute: Number(row.minute), queue: text(row.queue), completed: Number(row.completed), failed: Number(row.failed), retried: Number(row.retried) };
}
/** A rate-limit row (queue, max_claims, per_ms, recent as JSON text) with its claim times. */
export function rowToRateLimit(row) {
    return { queue: text(row.queue), max: Number(row.max_claims), perMs: Number(row.per_ms), recent: JSON.parse(text(row.recent)).map(Number) };
}
//# sourceMappingURL=sql-rows.js.map