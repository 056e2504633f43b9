/**
 * Every SQL statement of the SQLite dialect, as named constants with `?` placeholders.
 * Values always go as parameters; `now` is always a parameter (the Clock port decides time,
 * never `strftime('now')`). Status guards repeat the lifecycle table of src/domain/lifecycle.ts.
 */

/** Name of the SQL function (registered on the connection) that words a lease-expired error. */
export const LEASE_EXPIRED_MESSAGE_FN = 'leasehold_lease_expired_message';

const JOB_COLUMNS = `id, queue, job_key, payload, status, priority, run_at, attempts, max_attempts, locked_by,
  locked_until, lease_token, last_error, result, created_at, updated_at, finished_at`;

// ---- schema versions ----

/** Creates the table that records applied migrations. */
export const CREATE_SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS leasehold_schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`;

/** Highest applied migration version (0 for none). */
export const SELECT_SCHEMA_VERSION = `SELECT COALESCE(MAX(version), 0) AS version FROM leasehold_schema_migrations`;

/** Records one applied migration: version, name, applied_at. */
export const INSERT_SCHEMA_VERSION = `INSERT INTO leasehold_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`;

// ---- enqueue and reads ----

/**
 * Inserts a pending job. The caller looks the key up first, in the same transaction: an
 * `ON CONFLICT DO NOTHING` would burn an AUTOINCREMENT id, and ids must follow the model's.
 * Params: queue, job_key, payload, priority, run_at, max_attempts, created_at, updated_at.
 */
export const INSERT_JOB = `INSERT INTO processing_jobs
  (queue, job_key, payload, status, priority, run_at, attempts, max_attempts, lease_token, created_at, updated_at)
VALUES (?, ?, ?, 'pending', ?, ?, 0, ?, 0, ?, ?)
RETURNING ${JOB_COLUMNS}`;

/** The job holding a dedupe key. Params: job_key. */
export const SELECT_JOB_BY_KEY = `SELECT ${JOB_COLUMNS} FROM processing_jobs WHERE job_key = ?`;

/** One job. Params: id. */
export const SELECT_JOB = `SELECT ${JOB_COLUMNS} FROM processing_jobs WHERE id = ?`;

/**
 * Jobs in id order, filtered. Params: statuses (JSON array or null) twice, queue (or null)
 * twice, limit.
 */
export const LIST_JOBS = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE (? IS NULL OR status IN (SELECT value FROM json_each(?)))
  AND (? IS NULL OR queue = ?)
ORDER BY id
LIMIT ?`;

/** Processing jobs whose lease has not run out, in id order. Params: now. */
export const LIST_ACTIVE_LEASES = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE status = 'processing' AND locked_until > ? ORDER BY id`;

/** Processing jobs whose lease has run out, in id order. Params: now. */
export const LIST_EXPIRED_LEASES = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE status = 'processing' AND locked_until <= ? ORDER BY id`;

/** Counts by queue and status. */
export const COUNT_BY_QUEUE_AND_STATUS = `SELECT queue, status, COUNT(*) AS n FROM processing_jobs GROUP BY queue, status`;

// ---- acquire ----

/** Queue filters the claim comes in: every queue, one queue (its own index), or a JSON list. */
const QUEUE_FILTERS = {
  all: '',
  one: 'AND queue = ?',
  many: 'AND queue IN (SELECT value FROM json_each(?))',
} as const;

/**
 * One claim in one statement (rule 1). Two arms, each walking its own index in claim order,
 * merged and cut at `limit`: waiting jobs whose runAt came, and expired leases that still
 * have an attempt left (rule 2 fails the others, see FAIL_POISONED_*). A taken-over lease
 * records why, worded by the domain through the registered SQL function.
 * Params: worker_id, locked_until, now (updated_at), now [, queue], now [, queue], limit.
 */
function claimSql(filter: string): string {
  return `UPDATE processing_jobs
SET status = 'processing',
    attempts = attempts + 1,
    lease_token = lease_token + 1,
    locked_by = ?,
    locked_until = ?,
    last_error = CASE WHEN status = 'processing' THEN ${LEASE_EXPIRED_MESSAGE_FN}(attempts, max_attempts) ELSE last_error END,
    updated_at = ?
WHERE id IN (
  SELECT id FROM (
    SELECT id, priority, run_at FROM processing_jobs
     WHERE status IN ('pending', 'retry') AND run_at <= ? ${filter}
    UNION ALL
    SELECT id, priority, run_at FROM processing_jobs
     WHERE status = 'processing' AND locked_until <= ? AND attempts < max_attempts ${filter}
    ORDER BY priority, run_at, id
    LIMIT ?
  )
)
RETURNING ${JOB_COLUMNS}`;
}

/** Claim from every queue. */
export const CLAIM_ALL = claimSql(QUEUE_FILTERS.all);
/** Claim from one queue. */
export const CLAIM_ONE_QUEUE = claimSql(QUEUE_FILTERS.one);
/** Claim from a JSON array of queues. */
export const CLAIM_MANY_QUEUES = claimSql(QUEUE_FILTERS.many);

/**
 * The poison rule (rule 2) as the model applies it: expired leases with no attempt left fail
 * when the claim walks past them, that is when they come before the last job claimed in
 * claim order (or all of them when the claim did not fill its limit: pass a bound beyond any
 * priority). Params: now (updated_at), now (finished_at), now [, queue], bound priority,
 * bound run_at, bound id.
 */
function failPoisonedSql(filter: string): string {
  return `UPDATE processing_jobs
SET status = 'failed',
    last_error = ${LEASE_EXPIRED_MESSAGE_FN}(attempts, max_attempts),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = ?,
    finished_at = ?
WHERE status = 'processing' AND locked_until <= ? AND attempts >= max_attempts ${filter}
  AND (priority, run_at, id) < (?, ?, ?)`;
}

/** Poison rule over every queue. */
export const FAIL_POISONED_ALL = failPoisonedSql(QUEUE_FILTERS.all);
/** Poison rule over one queue. */
export const FAIL_POISONED_ONE_QUEUE = failPoisonedSql(QUEUE_FILTERS.one);
/** Poison rule over a JSON array of queues. */
export const FAIL_POISONED_MANY_QUEUES = failPoisonedSql(QUEUE_FILTERS.many);

// ---- fenced worker writes (rule 3): id, lease_token and status = 'processing' ----

const FENCE = `id = ? AND lease_token = ? AND status = 'processing'`;

/** Params: locked_until, now, id, token. */
export const EXTEND_LEASE = `UPDATE processing_jobs SET locked_until = ?, updated_at = ?
WHERE ${FENCE}
RETURNING ${JOB_COLUMNS}`;

/** Params: result, now (updated_at), now (finished_at), id, token. */
export const COMPLETE_JOB = `UPDATE processing_jobs
SET status = 'done', result = ?, locked_by = NULL, locked_until = NULL, updated_at = ?, finished_at = ?
WHERE ${FENCE}
RETURNING ${JOB_COLUMNS}`;

/**
 * Records a failed attempt; the caller decided retry or failed from the lease's attempts, so
 * the fence also pins attempts and max_attempts (always equal under a held token).
 * Params: status, last_error, run_at (null keeps it), now (updated_at), finished_at (or null),
 * id, token, attempts, max_attempts.
 */
export const FAIL_JOB = `UPDATE processing_jobs
SET status = ?, last_error = ?, run_at = COALESCE(?, run_at), locked_by = NULL, locked_until = NULL,
    updated_at = ?, finished_at = ?
WHERE ${FENCE} AND attempts = ? AND max_attempts = ?
RETURNING ${JOB_COLUMNS}`;

/** Gives the job back, attempt returned. Params: now, id, token. */
export const RELEASE_JOB = `UPDATE processing_jobs
SET status = 'pending', attempts = MAX(0, attempts - 1), locked_by = NULL, locked_until = NULL, updated_at = ?
WHERE ${FENCE}
RETURNING ${JOB_COLUMNS}`;

/** Whether a lease is still held. Params: id, token. */
export const SELECT_HELD = `SELECT lease_token FROM processing_jobs WHERE ${FENCE}`;

// ---- steps ----

/**
 * Records a step's intent; a step already done is kept as it is.
 * Params: job_id, name, token, started_at.
 */
export const BEGIN_STEP = `INSERT INTO processing_job_steps (job_id, name, state, result, token, started_at, finished_at)
VALUES (?, ?, 'started', NULL, ?, ?, NULL)
ON CONFLICT (job_id, name) DO UPDATE
SET state = 'started', result = NULL, token = excluded.token, started_at = excluded.started_at, finished_at = NULL
WHERE processing_job_steps.state <> 'done'`;

/**
 * Records a step's result, keeping the time it started when its intent was recorded.
 * Params: job_id, name, result, token, now (started_at if new), now (finished_at).
 */
export const SAVE_STEP = `INSERT INTO processing_job_steps (job_id, name, state, result, token, started_at, finished_at)
VALUES (?, ?, 'done', ?, ?, ?, ?)
ON CONFLICT (job_id, name) DO UPDATE
SET state = 'done', result = excluded.result, token = excluded.token, finished_at = excluded.finished_at`;

/** Every step of a job (the caller sorts them the domain's way). Params: job_id. */
export const SELECT_STEPS = `SELECT name, state, result, token, started_at, finished_at
FROM processing_job_steps WHERE job_id = ?`;

// ---- expiry and admin ----

/** Every expired lease to retry, or failed when attempts are used up. Params: now, now, now. */
export const REAP_EXPIRED = `UPDATE processing_jobs
SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'retry' END,
    last_error = ${LEASE_EXPIRED_MESSAGE_FN}(attempts, max_attempts),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = ?,
    finished_at = CASE WHEN attempts >= max_attempts THEN ? ELSE finished_at END
WHERE status = 'processing' AND locked_until <= ?`;

/** Manual cancel (the caller checked the lifecycle). Params: now, now, id. */
export const CANCEL_JOB = `UPDATE processing_jobs SET status = 'cancelled', updated_at = ?, finished_at = ?
WHERE id = ?
RETURNING ${JOB_COLUMNS}`;

/** Manual retry (the caller checked the lifecycle): pending now, attempts reset. Params: now, now, id. */
export const RETRY_JOB = `UPDATE processing_jobs
SET status = 'pending', attempts = 0, run_at = ?, updated_at = ?, finished_at = NULL
WHERE id = ?
RETURNING ${JOB_COLUMNS}`;

// The literal status list repeats the partial index's WHERE so prune searches that index
// instead of scanning every row; the parameter narrows it to the statuses asked for.
const PRUNABLE = `SELECT id FROM processing_jobs
WHERE status IN ('done', 'failed', 'cancelled') AND status IN (SELECT value FROM json_each(?))
  AND finished_at IS NOT NULL AND finished_at <= ?`;

/** Steps of the jobs prune is about to delete. Params: statuses (JSON array), cutoff. */
export const PRUNE_STEPS = `DELETE FROM processing_job_steps WHERE job_id IN (${PRUNABLE})`;

/** Final jobs finished at or before the cutoff. Params: statuses (JSON array), cutoff. */
export const PRUNE_JOBS = `DELETE FROM processing_jobs WHERE id IN (${PRUNABLE})`;

// ---- connection ----

/** Pragmas set on every connection the store uses. */
export const PRAGMA_WAL = 'journal_mode = WAL';
/** `synchronous` pragma; the level is one of a fixed set, checked before it is used. */
export const pragmaSynchronous = (level: 'FULL' | 'NORMAL'): string => `synchronous = ${level}`;
/** `busy_timeout` pragma; the value is a validated integer. */
export const pragmaBusyTimeout = (ms: number): string => `busy_timeout = ${ms}`;
