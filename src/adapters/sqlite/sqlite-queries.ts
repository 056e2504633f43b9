/**
 * Every SQL statement of the SQLite dialect, as named constants with `?` placeholders.
 * Values always go as parameters; `now` is always a parameter (the Clock port decides time,
 * never `strftime('now')`). Status guards repeat the lifecycle table of src/domain/lifecycle.ts.
 */

import { JOB_COLUMNS, STEP_COLUMNS } from '../sql/sql-rows.js';
import { SCHEDULE_COLUMN_LIST, SCHEDULE_COLUMNS } from '../sql/sql-schedules.js';

/** Name of the SQL function (registered on the connection) that words a lease-expired error. */
export const LEASE_EXPIRED_MESSAGE_FN = 'leasehold_lease_expired_message';

// ---- schema versions ----

/** Creates the table that records applied migrations. */
export const CREATE_SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS leasehold_schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`;

/** Every applied migration version. */
export const SELECT_SCHEMA_VERSIONS = `SELECT version FROM leasehold_schema_migrations`;

/** Records one applied migration: version, name, applied_at. */
export const INSERT_SCHEMA_VERSION = `INSERT INTO leasehold_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`;

// ---- enqueue and reads ----

/**
 * Inserts a pending job. The caller looks the key up first, in the same transaction: an
 * `ON CONFLICT DO NOTHING` would burn an AUTOINCREMENT id, and ids must follow the model's.
 * Params: uid, queue, job_key, idempotency_key_format, payload, priority, run_at,
 * max_attempts, max_lease_expiries, created_at, updated_at, concurrency_key, concurrency_limit.
 * The engine builds the job from these values (`insertedJob`), so nothing is read back.
 */
export const INSERT_JOB = `INSERT INTO processing_jobs
  (uid, queue, job_key, idempotency_key_format, payload, status, priority, run_at, attempts, max_attempts, lease_expiries, max_lease_expiries, lease_token, created_at, updated_at, concurrency_key, concurrency_limit)
VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, 0, ?, 0, ?, 0, ?, ?, ?, ?)`;

/** The database identity. */
export const SELECT_IDENTITY = `SELECT identity FROM leasehold_identity WHERE id = 1`;

// ---- the keys' own storage ----

/** What is known of a key: live (job_id set) or retired (job_id NULL, retired_at set). Params: job_key. */
export const SELECT_KEY = `SELECT job_uid, idempotency_key_format, job_id, retired_at FROM processing_job_keys WHERE job_key = ?`;

/** A key seen for the first time. Params: job_key, job_uid, idempotency_key_format, job_id, created_at. */
export const INSERT_KEY = `INSERT INTO processing_job_keys (job_key, job_uid, idempotency_key_format, job_id, retired_at, created_at)
VALUES (?, ?, ?, ?, NULL, ?)`;

/** A retired key taken over by a new job (reuseKey). Params: job_id, job_key. */
export const REVIVE_KEY = `UPDATE processing_job_keys SET job_id = ?, retired_at = NULL WHERE job_key = ?`;

/** One job. Params: id. */
export const SELECT_JOB = `SELECT ${JOB_COLUMNS} FROM processing_jobs WHERE id = ?`;

/** The live job holding a key, through the keys table's primary key. Params: key. */
export const SELECT_JOB_BY_KEY = `SELECT ${JOB_COLUMNS} FROM processing_jobs WHERE id = (SELECT job_id FROM processing_job_keys WHERE job_key = ?)`;

/**
 * Whether the job (the outer row of processing_jobs) has a step in doubt: the SQL of
 * `isStepInDoubt` (started, not settled, and not the running attempt's own).
 */
const HAS_STEP_IN_DOUBT = `EXISTS (SELECT 1 FROM processing_job_steps s
  WHERE s.job_id = processing_jobs.id AND s.state = 'started' AND s.settled_at IS NULL
    AND NOT (processing_jobs.status = 'processing' AND processing_jobs.lease_token = s.token))`;

const LIST_WHERE = `WHERE (? IS NULL OR status IN (SELECT value FROM json_each(?)))
  AND (? IS NULL OR queue = ?)
  AND (? IS NULL OR ${HAS_STEP_IN_DOUBT} = ?)`;

/**
 * Jobs in id order, filtered. Params: statuses (JSON array or null) twice, queue (or null)
 * twice, in doubt (1, 0 or null) twice, limit.
 */
export const LIST_JOBS = `SELECT ${JOB_COLUMNS} FROM processing_jobs
${LIST_WHERE}
ORDER BY id
LIMIT ?`;

/** {@link LIST_JOBS} newest first. Same params. */
export const LIST_JOBS_DESC = `SELECT ${JOB_COLUMNS} FROM processing_jobs
${LIST_WHERE}
ORDER BY id DESC
LIMIT ?`;

/** Processing jobs whose lease has not run out, in id order. Params: now. */
export const LIST_ACTIVE_LEASES = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE status = 'processing' AND locked_until > ? ORDER BY id`;

/** Processing jobs whose lease has run out, in id order. Params: now. */
export const LIST_EXPIRED_LEASES = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE status = 'processing' AND locked_until <= ? ORDER BY id`;

/**
 * Expired leases that a step deadline after the cutoff (now - clockMarginMs) still holds back:
 * the ones `TAKEABLE` leaves out. Params: now, cutoff, queues (JSON array or null, twice), limit.
 */
export const LIST_HELD_LEASES = `SELECT ${JOB_COLUMNS}, step_deadline_at FROM processing_jobs
WHERE status = 'processing' AND locked_until <= ? AND step_deadline_at > ?
  AND (? IS NULL OR queue IN (SELECT value FROM json_each(?)))
ORDER BY id LIMIT ?`;

/**
 * Counts by queue and status in three parts, each row in exactly one: waiting jobs from their
 * covering index, jobs in processing (the leases in flight, a few per worker slot) through the
 * partial lease index, and final jobs (finished_at is set exactly then) from theirs. No index
 * holds every open job: a claim would move the job's entry in it, and a completion remove it.
 */
export const COUNT_BY_QUEUE_AND_STATUS = `SELECT queue, status, COUNT(*) AS n FROM processing_jobs WHERE status IN ('pending', 'retry') GROUP BY queue, status
UNION ALL
SELECT queue, status, COUNT(*) AS n FROM processing_jobs WHERE status = 'processing' GROUP BY queue, status
UNION ALL
SELECT queue, status, COUNT(*) AS n FROM processing_jobs WHERE finished_at IS NOT NULL GROUP BY queue, status`;

// ---- acquire ----
//
// Claim order is (priority, run_at, id) over two sets: waiting jobs whose run_at came, and
// expired leases (rule 1). Almost always no lease has expired, so the store first asks
// whether one has (an index probe) and then claims with the cheapest statement that is
// exact for the case; each claim is still one statement. Measured on better-sqlite3 12 /
// SQLite 3.53: the merged two-set claim costs ~60 us of CPU, `id IN (subquery)` ~45 us,
// `id = (subquery)` ~8 us, so one-at-a-time claims use the scalar form.

/** Queue filters the claim comes in: every queue, one queue (its own index), or a JSON list. */
const QUEUE_FILTERS = {
  all: '',
  one: 'AND queue = ?',
  many: 'AND queue IN (SELECT value FROM json_each(?))',
  // Every queue but those a rate limit holds back (a JSON list).
  notIn: 'AND queue NOT IN (SELECT value FROM json_each(?))',
} as const;

/** The statements of one queue filter. `[, queue]` marks where the filter's parameter goes. */
export interface ClaimSql {
  /** Whether any lease in these queues has expired and may be taken over. Params: now, cutoff [, queue]. */
  anyExpired: string;
  /** Claims the next waiting job. Params: worker_id, locked_until, now, now [, queue]. */
  next: string;
  /** Claims up to `limit` waiting jobs. Params: worker_id, locked_until, now, now [, queue], limit. */
  waiting: string;
  /**
   * Claims up to `limit` jobs from both sets, merged in claim order: each set walks its own
   * index. Expired leases whose expiry budget is used up are not claimed (see `poison`). A
   * taken-over lease counts an expiry and records why, worded by the domain through the
   * registered SQL function.
   * Params: worker_id, locked_until, now, now [, queue], now, cutoff [, queue], limit.
   */
  withExpired: string;
  /**
   * The poison rule (rule 2) as the model applies it: expired leases whose expiry budget is
   * used up fail when the claim walks past them, that is when they sort before the last job claimed
   * (or all of them when the claim did not fill its limit: pass a bound beyond any priority).
   * Params: now (updated_at), now (finished_at), now, cutoff [, queue], bound priority, bound run_at, bound id.
   */
  poison: string;
  /**
   * The claim where concurrency keys are in use: up to `limit` candidates from both sets in
   * claim order, read (not yet claimed) so the engine can hold back jobs of a full key, fail
   * poisoned leases and claim the rest, as the model walks. The caller sorts them.
   * Params: now [, queue], now, cutoff [, queue], limit.
   */
  candidates: string;
}

const TAKE = `SET status = 'processing',
    attempts = attempts + 1,
    lease_token = lease_token + 1,
    locked_by = ?,
    locked_until = ?,
    -- A takeover counts a lease expiry (SET reads the old values: this is applyAcquire).
    lease_expiries = CASE WHEN status = 'processing' THEN lease_expiries + 1 ELSE lease_expiries END,
    last_error = CASE WHEN status = 'processing' THEN ${LEASE_EXPIRED_MESSAGE_FN}(attempts, lease_expiries + 1, max_lease_expiries) ELSE last_error END,
    step_deadline_at = NULL,
    updated_at = ?`;

// `blocked = 0` repeats the claim indexes' WHERE: jobs a concurrency key holds back are not in them.
const WAITING = `FROM processing_jobs WHERE status IN ('pending', 'retry') AND blocked = 0 AND run_at <= ?`;

/**
 * Expired leases that may be taken over: not held back by a step deadline after the cutoff
 * (now - clockMarginMs; `takeoverAt` in the domain). Params: now, cutoff.
 */
const TAKEABLE = `status = 'processing' AND locked_until <= ? AND (step_deadline_at IS NULL OR step_deadline_at <= ?)`;

const EXPIRED = `FROM processing_jobs WHERE ${TAKEABLE}`;

function claimSql(filter: string): ClaimSql {
  return {
    anyExpired: `SELECT 1 ${EXPIRED} ${filter} LIMIT 1`,
    next: `UPDATE processing_jobs ${TAKE}
WHERE id = (SELECT id ${WAITING} ${filter} ORDER BY priority, run_at, id LIMIT 1)
RETURNING ${JOB_COLUMNS}`,
    waiting: `UPDATE processing_jobs ${TAKE}
WHERE id IN (SELECT id ${WAITING} ${filter} ORDER BY priority, run_at, id LIMIT ?)
RETURNING ${JOB_COLUMNS}`,
    withExpired: `UPDATE processing_jobs ${TAKE}
WHERE id IN (
  SELECT id FROM (
    SELECT id, priority, run_at ${WAITING} ${filter}
    UNION ALL
    SELECT id, priority, run_at ${EXPIRED} AND lease_expiries + 1 <= max_lease_expiries ${filter}
    ORDER BY priority, run_at, id
    LIMIT ?
  )
)
RETURNING ${JOB_COLUMNS}`,
    candidates: `SELECT ${JOB_COLUMNS} FROM processing_jobs WHERE id IN (
  SELECT id FROM (
    SELECT id, priority, run_at ${WAITING} ${filter}
    UNION ALL
    SELECT id, priority, run_at ${EXPIRED} ${filter}
    ORDER BY priority, run_at, id
    LIMIT ?
  )
)`,
    poison: `UPDATE processing_jobs
SET status = 'failed',
    lease_expiries = lease_expiries + 1,
    last_error = ${LEASE_EXPIRED_MESSAGE_FN}(attempts, lease_expiries + 1, max_lease_expiries),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = ?,
    finished_at = ?
WHERE ${TAKEABLE} AND lease_expiries + 1 > max_lease_expiries ${filter}
  AND (priority, run_at, id) < (?, ?, ?)`,
  };
}

// ---- concurrency keys (src/domain/concurrency.ts) ----

/** Whether any open job carries a concurrency key: if none, the claim takes its cheaper statements. */
export const ANY_KEYED = `SELECT 1 FROM processing_jobs WHERE concurrency_key IS NOT NULL AND finished_at IS NULL LIMIT 1`;

/** The leases a key holds. Params: concurrency_key. */
export const COUNT_HOLDERS = `SELECT COUNT(*) AS n FROM processing_jobs
WHERE concurrency_key = ? AND status = 'processing' AND concurrency_key IS NOT NULL AND finished_at IS NULL`;

/** Claims the chosen candidates (read in this transaction). Params: worker_id, locked_until, now, JSON array of ids. */
export const TAKE_JOBS = `UPDATE processing_jobs ${TAKE}
WHERE id IN (SELECT value FROM json_each(?))
RETURNING ${JOB_COLUMNS}`;

/** Holds waiting jobs back: out of the claim indexes, nothing else changed. Params: JSON array of ids. */
export const BLOCK_JOBS = `UPDATE processing_jobs SET blocked = 1 WHERE id IN (SELECT value FROM json_each(?))`;

/** Marks a key as having blocked jobs, with the limit of the one blocked last. Params: concurrency_key, concurrency_limit. */
export const MARK_SEMAPHORE = `INSERT INTO processing_job_semaphores (concurrency_key, concurrency_limit, blocked) VALUES (?, ?, 1)
ON CONFLICT (concurrency_key) DO UPDATE SET concurrency_limit = excluded.concurrency_limit, blocked = 1`;

/** Keys that may have blocked jobs. */
export const BLOCKED_SEMAPHORES = `SELECT concurrency_key, concurrency_limit FROM processing_job_semaphores WHERE blocked = 1`;

/** Frees a key's first blocked jobs in claim order. Params: concurrency_key, how many. */
export const UNBLOCK_JOBS = `UPDATE processing_jobs SET blocked = 0 WHERE id IN (
  SELECT id FROM processing_jobs WHERE blocked = 1 AND concurrency_key = ? ORDER BY priority, run_at, id LIMIT ?)`;

/** A key left with no blocked job. Params: concurrency_key. */
export const CLEAR_SEMAPHORE = `UPDATE processing_job_semaphores SET blocked = 0 WHERE concurrency_key = ?`;

/** Claim statements from every queue. */
export const CLAIM_ALL: ClaimSql = claimSql(QUEUE_FILTERS.all);
/** Claim statements from one queue. */
export const CLAIM_ONE_QUEUE: ClaimSql = claimSql(QUEUE_FILTERS.one);
/** Claim statements from a JSON array of queues. */
export const CLAIM_MANY_QUEUES: ClaimSql = claimSql(QUEUE_FILTERS.many);
/** Claim statements from every queue but a JSON array of them. */
export const CLAIM_NOT_IN_QUEUES: ClaimSql = claimSql(QUEUE_FILTERS.notIn);

// ---- rate limits (src/domain/rate-limit.ts) ----

/** Every queue's rate limit and its recent claim times. */
export const SELECT_RATE_LIMITS = `SELECT queue, max_claims, per_ms, recent FROM processing_job_rate_limits ORDER BY queue`;

/** Sets a queue's limit, keeping its recorded claim times. Params: queue, max_claims, per_ms. */
export const UPSERT_RATE_LIMIT = `INSERT INTO processing_job_rate_limits (queue, max_claims, per_ms, recent) VALUES (?, ?, ?, '[]')
ON CONFLICT (queue) DO UPDATE SET max_claims = excluded.max_claims, per_ms = excluded.per_ms`;

/** Removes a queue's limit. Params: queue. */
export const DELETE_RATE_LIMIT = `DELETE FROM processing_job_rate_limits WHERE queue = ?`;

/** Records a queue's claim times after a claim. Params: recent (JSON), queue. */
export const WRITE_RATE_RECENT = `UPDATE processing_job_rate_limits SET recent = ? WHERE queue = ?`;

// ---- fenced worker writes (rule 3): id, lease_token and status = 'processing' ----

const FENCE = `id = ? AND lease_token = ? AND status = 'processing'`;

/**
 * The one fenced write (rule 3): sets the decided `columns` (fixed names from the core's
 * write lists, never input) while the lease holds; `pin` also requires the attempts the
 * decision was made from. Params: the columns' values, id, token [, attempts, max_attempts, lease_expiries].
 */
export function fencedWrite(columns: readonly string[], pin: boolean): string {
  return `UPDATE processing_jobs SET ${columns.map((c) => `${c} = ?`).join(', ')}
WHERE ${FENCE}${pin ? ' AND attempts = ? AND max_attempts = ? AND lease_expiries = ?' : ''}
RETURNING ${JOB_COLUMNS}`;
}

/**
 * Completes one lease, fenced (rule 3). Nothing is read back: the engine builds the done job
 * from the store's copy of the job it leased (`completedFromHeld`), as the MySQL store does;
 * reading back the whole row cost about as much as the write itself. Params: result text, now (updated_at), now
 * (finished_at), id, token.
 */
export const COMPLETE_JOB = `UPDATE processing_jobs
SET status = 'done', result = ?, locked_by = NULL, locked_until = NULL, updated_at = ?, finished_at = ?
WHERE ${FENCE}`;

/**
 * Completes a batch (or a chunk of one, see completeHeld) in one statement, each entry fenced
 * on its own: entries is a JSON array of [id, token, result text or null], at most one entry
 * per (id, token). The id and token come back for each entry whose lease still held (the
 * engine builds the done job as for one). One statement instead of one per entry saves about
 * a third of the SQLite time per job.
 * Params: now (updated_at), now (finished_at), entries.
 */
export const COMPLETE_JOBS = `UPDATE processing_jobs
SET status = 'done', result = e.value ->> 2, locked_by = NULL, locked_until = NULL, updated_at = ?, finished_at = ?
FROM json_each(?) AS e
WHERE processing_jobs.id = e.value ->> 0 AND processing_jobs.lease_token = e.value ->> 1
  AND processing_jobs.status = 'processing'
RETURNING processing_jobs.id, processing_jobs.lease_token`;

/** Sets decided `columns` on one job the caller read in this transaction. Params: the values, id. */
export function writeJob(columns: readonly string[]): string {
  // Every such write (cancel, manual retry, a failed undecodable row) takes the job out of
  // its key's blocked jobs: it is final, or waiting afresh.
  return `UPDATE processing_jobs SET ${columns.map((c) => `${c} = ?`).join(', ')}, blocked = 0
WHERE id = ?
RETURNING ${JOB_COLUMNS}`;
}

/** Whether a lease is still held, and until when. Params: id, token. */
export const SELECT_HELD = `SELECT lease_token, locked_until FROM processing_jobs WHERE ${FENCE}`;

/** Raises the job row's latest step deadline to a step's. Params: deadline, deadline, id. */
export const RAISE_STEP_DEADLINE = `UPDATE processing_jobs SET step_deadline_at = MAX(COALESCE(step_deadline_at, ?), ?) WHERE id = ?`;

// ---- steps ----

/**
 * Records a step's intent and its deadline; a step already done is kept as it is, and a key
 * the step already has is kept (the first key a step ran under stays its key). A new intent
 * ends a settlement. Params: job_id, name, token, started_at, idempotency_key, deadline_at.
 */
export const BEGIN_STEP = `INSERT INTO processing_job_steps (job_id, name, state, result, token, started_at, finished_at, idempotency_key, settled_at, deadline_at)
VALUES (?, ?, 'started', NULL, ?, ?, NULL, ?, NULL, ?)
ON CONFLICT (job_id, name) DO UPDATE
SET state = 'started', result = NULL, token = excluded.token, started_at = excluded.started_at, finished_at = NULL,
    idempotency_key = COALESCE(processing_job_steps.idempotency_key, excluded.idempotency_key), settled_at = NULL,
    deadline_at = excluded.deadline_at
WHERE processing_job_steps.state <> 'done'`;

/**
 * Records a step's result, keeping the time it started and the key it began under.
 * Params: job_id, name, result, token, now (started_at if new), now (finished_at).
 */
export const SAVE_STEP = `INSERT INTO processing_job_steps (job_id, name, state, result, token, started_at, finished_at)
VALUES (?, ?, 'done', ?, ?, ?, ?)
ON CONFLICT (job_id, name) DO UPDATE
SET state = 'done', result = excluded.result, token = excluded.token, finished_at = excluded.finished_at, settled_at = NULL`;

/** Every step of a job (the caller sorts them the domain's way). Params: job_id. */
export const SELECT_STEPS = `SELECT ${STEP_COLUMNS} FROM processing_job_steps WHERE job_id = ?`;

/** One step of a job. Params: job_id, name. */
export const SELECT_STEP = `SELECT ${STEP_COLUMNS} FROM processing_job_steps WHERE job_id = ? AND name = ?`;

/** A person's settlement of a step. Params: state, result, finished_at, settled_at, job_id, name. */
export const SETTLE_STEP = `UPDATE processing_job_steps SET state = ?, result = ?, finished_at = ?, settled_at = ?
WHERE job_id = ? AND name = ?
RETURNING ${STEP_COLUMNS}`;

// ---- expiry and admin ----

/** applyExpire as a SET clause (it reads the old values). Params: now (updated_at), now (finished_at). */
const EXPIRE_SET = `SET status = CASE WHEN lease_expiries + 1 > max_lease_expiries THEN 'failed' ELSE 'retry' END,
    lease_expiries = lease_expiries + 1,
    last_error = ${LEASE_EXPIRED_MESSAGE_FN}(attempts, lease_expiries + 1, max_lease_expiries),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = ?,
    finished_at = CASE WHEN lease_expiries + 1 > max_lease_expiries THEN ? ELSE finished_at END`;

/**
 * Every expired lease not held back by a step deadline to retry, or failed when its expiry
 * budget is used up (applyExpire). Params: now, now, now, cutoff.
 */
export const REAP_EXPIRED = `UPDATE processing_jobs ${EXPIRE_SET}
WHERE ${TAKEABLE}`;

// `finished_at IS NOT NULL` repeats the partial index's WHERE so prune searches that index
// instead of scanning every row.
/**
 * One chunk of final jobs finished at or before the cutoff, oldest first (the partial index on
 * finished_at). Params: cutoff, statuses (JSON array), limit.
 */
export const SELECT_PRUNABLE = `SELECT id FROM processing_jobs
WHERE finished_at IS NOT NULL AND finished_at <= ? AND status IN (SELECT value FROM json_each(?))
ORDER BY finished_at, id LIMIT ?`;

/** Steps of the jobs prune is about to delete. Params: ids (JSON array). */
export const PRUNE_STEPS = `DELETE FROM processing_job_steps WHERE job_id IN (SELECT value FROM json_each(?))`;

/** The jobs of one prune chunk. Params: ids (JSON array). */
export const PRUNE_JOBS = `DELETE FROM processing_jobs WHERE id IN (SELECT value FROM json_each(?))`;

/**
 * Turns the keys of one prune chunk's jobs into tombstones. Looked up by key (the keys table's
 * primary key), not by job_id, which has no index. Params: now, ids (JSON array).
 */
export const RETIRE_KEYS = `UPDATE processing_job_keys SET job_id = NULL, retired_at = ?
WHERE job_key IN (SELECT job_key FROM processing_jobs WHERE job_key IS NOT NULL AND id IN (SELECT value FROM json_each(?)))`;

/** Forgets tombstones retired at or before a time. Params: forget_before. */
export const FORGET_KEYS = `DELETE FROM processing_job_keys WHERE retired_at IS NOT NULL AND retired_at <= ?`;

// ---- history (written by the triggers of migration 005) ----

/** A job's attempts in token order. Params: job id. */
export const SELECT_ATTEMPTS = `SELECT token, worker_id, started_at, ended_at, outcome, error
FROM processing_job_attempts WHERE job_id = ? ORDER BY token`;

/** Per-minute counters from a minute on. Params: first minute (epoch ms). */
export const SELECT_THROUGHPUT = `SELECT minute, queue, completed, failed, retried
FROM processing_job_counts WHERE minute >= ? ORDER BY minute, queue`;

/** Drops counters of minutes before one. Params: minute (epoch ms). */
export const PRUNE_COUNTS = `DELETE FROM processing_job_counts WHERE minute < ?`;

// Newest first below an id: a backwards walk of the primary key, so a page costs the rows it
// walks, not the table; queue and status are checked on those rows. No (queue, id) index: the
// planner would take it for the claim of one queue instead of the partial waiting index.
/** Params: before id, statuses (JSON array or null) twice, limit. */
export const FIND_JOBS = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE id < ? AND (? IS NULL OR status IN (SELECT value FROM json_each(?)))
ORDER BY id DESC LIMIT ?`;

/** Params: queue, before id, statuses (JSON array or null) twice, limit. */
export const FIND_JOBS_IN_QUEUE = `SELECT ${JOB_COLUMNS} FROM processing_jobs
WHERE queue = ? AND id < ? AND (? IS NULL OR status IN (SELECT value FROM json_each(?)))
ORDER BY id DESC LIMIT ?`;

// ---- connection ----

/** Pragmas set on every connection the store uses. */
export const PRAGMA_WAL = 'journal_mode = WAL';
/** `synchronous` pragma; the level is one of a fixed set, checked before it is used. */
export const pragmaSynchronous = (level: 'FULL' | 'NORMAL'): string => `synchronous = ${level}`;
/** `busy_timeout` pragma; the value is a validated integer. */
export const pragmaBusyTimeout = (ms: number): string => `busy_timeout = ${ms}`;

// ---- schedules ----

/** One schedule. Params: name. */
export const SELECT_SCHEDULE = `SELECT ${SCHEDULE_COLUMNS} FROM processing_job_schedules WHERE name = ?`;

/** Every schedule, by name (BINARY: UTF-8 byte order). No params. */
export const LIST_SCHEDULES = `SELECT ${SCHEDULE_COLUMNS} FROM processing_job_schedules ORDER BY name`;

/**
 * Writes a schedule row whole: inserts it, or replaces every column of the row with its name.
 * Params: every column in SCHEDULE_COLUMN_LIST order.
 */
export const UPSERT_SCHEDULE = `INSERT INTO processing_job_schedules (${SCHEDULE_COLUMNS})
VALUES (${SCHEDULE_COLUMN_LIST.map(() => '?').join(', ')})
ON CONFLICT (name) DO UPDATE SET ${SCHEDULE_COLUMN_LIST.filter((c) => c !== 'name').map((c) => `${c} = excluded.${c}`).join(', ')}
RETURNING ${SCHEDULE_COLUMNS}`;

/** Deletes a schedule. Params: name. */
export const DELETE_SCHEDULE = `DELETE FROM processing_job_schedules WHERE name = ?`;

// ---- worker processes (liveness) ----

const WORKER_COLUMNS = 'worker_id, incarnation, host, pid, boot_id, started_at, last_seen_at, liveness_timeout_ms';

/** One worker row. Params: worker_id. */
export const SELECT_WORKER = `SELECT ${WORKER_COLUMNS} FROM processing_workers WHERE worker_id = ?`;

/** Writes a worker row over whatever held the id. Params: the WORKER_COLUMNS values. */
export const UPSERT_WORKER = `INSERT OR REPLACE INTO processing_workers (${WORKER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Marks one worker id's unexpired leases expired, keeping the claim (sweptLockedUntil).
 * Params: now (locked_until), worker_id, now.
 */
export const EXPIRE_LEASES_OF = `UPDATE processing_jobs SET locked_until = ?
WHERE status = 'processing' AND locked_by = ? AND locked_until > ?`;

/** Processing jobs one worker id holds. Params: worker_id. */
export const COUNT_HELD_BY = `SELECT COUNT(*) AS n FROM processing_jobs WHERE status = 'processing' AND locked_by = ?`;

/** A renewal (mirrors mayRenew): only that incarnation, only while alive. Params: now, worker_id, incarnation, now. */
export const RENEW_WORKER = `UPDATE processing_workers SET last_seen_at = ?
WHERE worker_id = ? AND incarnation = ? AND last_seen_at + liveness_timeout_ms > ?
RETURNING ${WORKER_COLUMNS}`;

/** Removes one incarnation's row. Params: worker_id, incarnation. */
export const DELETE_WORKER_INCARNATION = `DELETE FROM processing_workers WHERE worker_id = ? AND incarnation = ?`;

/** Removes a worker row. Params: worker_id. */
export const DELETE_WORKER = `DELETE FROM processing_workers WHERE worker_id = ?`;

/** Every worker row with the processing jobs it holds. Params: none. */
export const LIST_WORKERS = `SELECT ${WORKER_COLUMNS},
  (SELECT COUNT(*) FROM processing_jobs j WHERE j.status = 'processing' AND j.locked_by = w.worker_id) AS jobs_held
FROM processing_workers w`;

/** The sweep: unexpired leases of dead rows expire now, the claim kept. Params: now, now, now. */
export const SWEEP_DEAD_WORKERS = `UPDATE processing_jobs SET locked_until = ?
WHERE status = 'processing' AND locked_until > ?
  AND locked_by IN (SELECT worker_id FROM processing_workers WHERE last_seen_at + liveness_timeout_ms <= ?)`;

/**
 * What a claimer wants to know after a sweep: how many leases are takeable, and the earliest
 * coming expiry (a lease running out, a worker row's sign of life running out, a held-back
 * lease's step deadline passing). Each part walks the partial lease index or scans the small
 * worker table. Params: now, cutoff, now, now, now, cutoff.
 */
export const SWEEP_OUTLOOK = `SELECT
  (SELECT COUNT(*) FROM processing_jobs WHERE ${TAKEABLE}) AS expired,
  (SELECT MIN(locked_until) FROM processing_jobs WHERE status = 'processing' AND locked_until > ?) AS next_lease_end,
  (SELECT MIN(last_seen_at + liveness_timeout_ms) FROM processing_workers WHERE last_seen_at + liveness_timeout_ms > ?) AS next_death,
  (SELECT MIN(step_deadline_at) FROM processing_jobs WHERE status = 'processing' AND locked_until <= ? AND step_deadline_at > ?) AS next_held_deadline`;

/**
 * An operator's release: applyExpire on every processing job one worker holds, retrying a
 * job whose step deadline (plus the margin) is still ahead no earlier than then (heldRetryAt).
 * Params: margin, now, margin (run_at), now (updated_at), now (finished_at), worker_id.
 */
export const RELEASE_HELD_BY = `UPDATE processing_jobs
SET run_at = CASE WHEN lease_expiries + 1 <= max_lease_expiries AND step_deadline_at IS NOT NULL AND step_deadline_at + ? > ?
      THEN step_deadline_at + ? ELSE run_at END,
    ${EXPIRE_SET.slice('SET '.length)}
WHERE status = 'processing' AND locked_by = ?`;

/** Rows dead for longer than the retention that hold no lease. Params: olderThanMs, now. */
export const PRUNE_WORKERS = `DELETE FROM processing_workers
WHERE last_seen_at + liveness_timeout_ms + ? <= ?
  AND NOT EXISTS (SELECT 1 FROM processing_jobs j WHERE j.status = 'processing' AND j.locked_by = processing_workers.worker_id)`;
