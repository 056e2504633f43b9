/**
 * Every SQL statement of the MySQL adapter. Values always travel as `?` parameters; the table
 * name, validated once by `validateTableName`, is the only identifier ever interpolated.
 * Every statement here runs unchanged on MySQL 8.0 and MariaDB 10.6+; where the two differ
 * the comment says so.
 */
import { JOB_COLUMNS, STEP_COLUMNS } from '../sql/sql-rows.js';
import { SCHEDULE_COLUMN_LIST, SCHEDULE_COLUMNS } from '../sql/sql-schedules.js';

/** READ COMMITTED for every transaction of a connection the store's own pool opens. */
export const READ_COMMITTED_SESSION = 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED';

/**
 * The server's time in epoch ms (MysqlClock's only use of server time), read in UTC: `UTC_TIMESTAMP(6)` does not go through the
 * session time zone (whose repeated hour at the end of daylight saving makes
 * `UNIX_TIMESTAMP(NOW())` ambiguous), and TIMESTAMPDIFF between two naive datetimes converts
 * nothing. MySQL 8 and MariaDB 10.6+ both accept it.
 */
export const SERVER_TIME = "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000 AS ms";

/** `?, ?, ?` for n values. */
export function placeholders(n: number): string {
  return n <= 0 ? '' : '?' + ', ?'.repeat(n - 1);
}

/**
 * Rows matching one of n `(a, b)` pairs; params: the pairs in order. One pair is written as two
 * equalities: MariaDB plans an UPDATE whose row-constructor IN list has a single element as a
 * scan of the whole index (with two or more, a range of the primary key), so the one-job
 * history of a single complete read every attempt ever written, and locked them as it went.
 */
export function pairsIn(a: string, b: string, n: number): string {
  return n === 1 ? `${a} = ? AND ${b} = ?` : `(${a}, ${b}) IN (${Array(n).fill('(?, ?)').join(', ')})`;
}

/**
 * Expired leases that may be taken over: not held back by a step deadline after the cutoff
 * (now - clockMarginMs; `takeoverAt` in the domain). Params: now, cutoff.
 */
const TAKEABLE = `status = 'processing' AND locked_until <= ? AND (step_deadline_at IS NULL OR step_deadline_at <= ?)`;

/**
 * The SQL of one configured table. Built once per store.
 * @example const q = mysqlQueries('processing_jobs'); await conn.query(q.selectById, [id]);
 */
export function mysqlQueries(table: string) {
  const t = `\`${table}\``;
  const steps = `\`${table}_steps\``;
  const schema = `\`${table}_schema\``;
  const attempts = `\`${table}_attempts\``;
  // endHeldAttempts below; a const so that endKeptAttempt can build on it.
  const endHeldAttempts = (n: number): string =>
    `UPDATE ${attempts} SET ended_at = ?, outcome = 'completed', error = NULL WHERE ended_at IS NULL AND ${pairsIn('job_id', 'token', n)}`;
  const counts = `\`${table}_counts\``;
  const schedules = `\`${table}_schedules\``;
  const keys = `\`${table}_keys\``;
  const identity = `\`${table}_identity\``;
  const semaphores = `\`${table}_semaphores\``;
  const rateLimits = `\`${table}_rate_limits\``;
  const workers = `\`${table}_workers\``;
  const workerColumns = 'worker_id, incarnation, host, pid, boot_id, started_at, last_seen_at, liveness_timeout_ms';
  // A worker's leases: status = 'processing' is a range of ix_lease (the leases in flight, however
  // many finished rows the table holds). locked_by is VARCHAR utf8mb4_bin (PAD SPACE on both
  // servers), worker_id VARBINARY: BINARY makes the match exact ('bot-1 ' is not 'bot-1').
  // Where each status's locking walk starts (see claimWaitingFrom), per session: named for
  // leasehold, so a pool shared with the application does not meet its own variables.
  const HEAD_VARS = {
    pending: ['@leasehold_pending_priority', '@leasehold_pending_run_at', '@leasehold_pending_id'],
    retry: ['@leasehold_retry_priority', '@leasehold_retry_run_at', '@leasehold_retry_id'],
  } as const;
  const heldBy = "status = 'processing' AND locked_by = ? AND BINARY locked_by = ?";
  const insertColumns =
    '(uid, queue, job_key, idempotency_key_format, payload, status, priority, run_at, attempts, max_attempts, lease_expiries, max_lease_expiries, lease_token, created_at, updated_at, concurrency_key, concurrency_limit)';
  const insertRow = "(?, ?, ?, ?, ?, 'pending', ?, ?, 0, ?, 0, ?, 0, ?, ?, ?, ?)";
  const keyRow = '(?, ?, ?, ?, NULL, ?)';
  // isStepInDoubt in SQL, for the job row aliased j: a step started, not settled, and not the
  // running attempt's own.
  const hasStepInDoubt = `EXISTS (SELECT 1 FROM ${steps} s WHERE s.job_id = j.id AND s.state = 'started' AND s.settled_at IS NULL AND NOT (j.status = 'processing' AND j.lease_token = s.token))`;

  return {
    /** One new pending job; its id is the driver's insertId. */
    insertJob: `INSERT INTO ${t} ${insertColumns} VALUES ${insertRow}`,
    /**
     * n new pending jobs in one statement. A multi-row INSERT is a "simple insert": InnoDB
     * hands its rows consecutive AUTO_INCREMENT values in every innodb_autoinc_lock_mode
     * (0, 1, and 2, MySQL 8's default), so ids are insertId + i * auto_increment_increment.
     */
    insertJobs: (n: number) => `INSERT INTO ${t} ${insertColumns} VALUES ${Array(n).fill(insertRow).join(', ')}`,
    autoIncrementStep: 'SELECT @@auto_increment_increment AS step',
    // The session's character sets and packet limit, checked once before the first operation.
    // Same names and meaning on MariaDB and MySQL 8.
    serverSettings:
      'SELECT @@character_set_client AS client, @@character_set_connection AS connection, @@character_set_results AS results, @@max_allowed_packet AS maxPacket',

    selectById: `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id = ?`,
    selectByIdForUpdate: `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id = ? FOR UPDATE`,
    selectByIds: (n: number) => `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id IN (${placeholders(n)})`,
    selectByIdsForUpdate: (n: number) => `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id IN (${placeholders(n)}) FOR UPDATE`,
    selectIdentity: `SELECT identity FROM ${identity} WHERE id = 1`,
    /** The live job holding a key, through the keys table's primary key. Params: key. */
    selectByKey: `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id = (SELECT job_id FROM ${keys} WHERE job_key = ?)`,

    // ---- the keys' own storage ----
    /** What is known of n keys, locked: the key rows of live keys and tombstones alike. */
    selectKeysForUpdate: (n: number) => `SELECT job_key, job_uid, idempotency_key_format, job_id, retired_at FROM ${keys} WHERE job_key IN (${placeholders(n)}) FOR UPDATE`,
    /** n keys seen for the first time. Params per row: job_key, job_uid, idempotency_key_format, job_id, created_at. */
    insertKeys: (n: number) => `INSERT INTO ${keys} (job_key, job_uid, idempotency_key_format, job_id, retired_at, created_at) VALUES ${Array(n).fill(keyRow).join(', ')}`,
    /** A retired key taken over by a new job (reuseKey). Params: job_id, job_key. */
    reviveKey: `UPDATE ${keys} SET job_id = ?, retired_at = NULL WHERE job_key = ?`,
    /** The keys of n jobs prune is deleting become tombstones. Params: retired_at, keys... */
    retireKeys: (n: number) => `UPDATE ${keys} SET job_id = NULL, retired_at = ? WHERE job_key IN (${placeholders(n)})`,
    /** Forgets up to `limit` tombstones retired at or before a time. Params: forget_before, limit. */
    forgetKeys: `DELETE FROM ${keys} WHERE retired_at IS NOT NULL AND retired_at <= ? ORDER BY retired_at LIMIT ?`,

    /**
     * The first waiting job of one status (pending or retry) in claim order, read WITHOUT locks:
     * its (priority, run_at, id) is where the locking walk (`claimWaitingFrom`) starts. Each
     * claim and completion leaves a delete-marked entry at the head of the status's range of
     * ix_claim until purge removes it; a locking read walks and locks each of them (measured
     * after churn: 1.7 ms for 20 rows, against 0.15 ms unlocked), a consistent read skips them.
     * FORCE INDEX pins the walk to (status, blocked, priority, run_at, id), whose order is the
     * ORDER BY: the read stops at LIMIT. One status per statement because
     * `status IN ('pending','retry')` cannot be read in this order.
     * Params: status, now [, queues...], limit (the filtered forms below take the queue first or
     * after now, as written).
     */
    claimWaiting: `SELECT priority, run_at, id FROM ${t} FORCE INDEX (ix_claim) WHERE status = ? AND blocked = 0 AND run_at <= ? ORDER BY priority, run_at, id LIMIT ?`,
    /** The same for a single queue, on (queue, status, blocked, priority, run_at, id). */
    claimWaitingInQueue: `SELECT priority, run_at, id FROM ${t} FORCE INDEX (ix_queue_claim) WHERE queue = ? AND status = ? AND blocked = 0 AND run_at <= ? ORDER BY priority, run_at, id LIMIT ?`,
    /** The same for several queues: the claim-order walk, filtering queues as it goes. */
    claimWaitingInQueues: (nQueues: number) =>
      `SELECT priority, run_at, id FROM ${t} FORCE INDEX (ix_claim) WHERE status = ? AND blocked = 0 AND run_at <= ? AND queue IN (${placeholders(nQueues)}) ORDER BY priority, run_at, id LIMIT ?`,
    /** The same for every queue but n of them (those a rate limit holds back). */
    claimWaitingNotInQueues: (nQueues: number) =>
      `SELECT priority, run_at, id FROM ${t} FORCE INDEX (ix_claim) WHERE status = ? AND blocked = 0 AND run_at <= ? AND queue NOT IN (${placeholders(nQueues)}) ORDER BY priority, run_at, id LIMIT ?`,
    /** Clears the heads of both statuses (session variables, so a head read that finds nothing leaves none behind). */
    clearHeads: `SET ${HEAD_VARS.pending.join(' = NULL, ')} = NULL, ${HEAD_VARS.retry.join(' = NULL, ')} = NULL`,
    /**
     * A head read (one of the four above, with its LIMIT 1) kept in the status's session
     * variables. INTO at the end of the statement, which has no locking clause: every MySQL 8
     * takes it, and MariaDB 10.11 runs it with deprecation warning 1287 (it prefers INTO
     * before FROM); no row leaves the variables NULL, with warning 1329.
     */
    intoHead: (read: string, status: 'pending' | 'retry') => `${read} INTO ${HEAD_VARS[status].join(', ')}`,
    /**
     * Waiting jobs of one status in claim order from the head `intoHead` kept, locked: the same
     * walk with a lower bound on (priority, run_at, id), written as the OR-tree the range
     * optimiser turns into ranges in index order (no filesort); the session variables are
     * constants to it, and with no head (NULL) the WHERE is impossible and nothing is read. The
     * head read and the walk go in one round trip. Rows before the bound are entries that read
     * did not see: delete-marked ones, or rows that became waiting since. Rows other claimers
     * hold are skipped. Filter: null (every queue), 'one' (ix_queue_claim), 'in' or 'notIn' n
     * queues. Params: [queue,] status, now [, queues...], limit.
     */
    claimWaitingFrom: (status: 'pending' | 'retry', filter: null | 'one' | 'in' | 'notIn', nQueues = 0) => {
      const [p, r, i] = HEAD_VARS[status];
      return `SELECT ${JOB_COLUMNS} FROM ${t} FORCE INDEX (${filter === 'one' ? 'ix_queue_claim' : 'ix_claim'}) WHERE ${filter === 'one' ? 'queue = ? AND ' : ''}status = ? AND blocked = 0 AND run_at <= ? AND (priority > ${p} OR (priority = ${p} AND (run_at > ${r} OR (run_at = ${r} AND id >= ${i}))))${
        filter === 'in' || filter === 'notIn' ? ` AND queue ${filter === 'notIn' ? 'NOT IN' : 'IN'} (${placeholders(nQueues)})` : ''
      } ORDER BY priority, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED`;
    },
    /**
     * Ids of processing jobs whose lease ran out, in claim order, read WITHOUT locks. A locking
     * range scan on (status, locked_until) reads, locks and (on MariaDB 10.11) keeps until commit
     * the first entry past the range: a live lease, whose holder's complete then waits for this
     * claim. Measured: that wait was most of the lock time of ten concurrent claimers. Expired
     * leases are rare, so they are found without locks and then locked by id (`lockExpired`).
     */
    findExpired: (nQueues: number, notIn = false) =>
      `SELECT id FROM ${t} FORCE INDEX (ix_lease) WHERE ${TAKEABLE}${
        nQueues > 0 ? ` AND queue ${notIn ? 'NOT IN' : 'IN'} (${placeholders(nQueues)})` : ''
      } ORDER BY priority, run_at, id LIMIT ?`,
    /** Locks the found expired rows by primary key, checking again that they still may be taken over. Params: ids..., now, cutoff. */
    lockExpired: (n: number) =>
      `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id IN (${placeholders(n)}) AND ${TAKEABLE} FOR UPDATE SKIP LOCKED`,
    /** Marks the claimed rows (already locked by this transaction) as held by one worker; a new lease has no step deadline yet. */
    markClaimed: (n: number) =>
      `UPDATE ${t} SET status = 'processing', attempts = attempts + 1, lease_token = lease_token + 1, locked_by = ?, locked_until = ?, step_deadline_at = NULL, updated_at = ? WHERE id IN (${placeholders(n)})`,
    /** A taken-over lease starts without a step deadline. Params: id. */
    clearStepDeadline: `UPDATE ${t} SET step_deadline_at = NULL WHERE id = ?`,
    /** Raises the job row's latest step deadline to a step's (the row is locked). Params: deadline, deadline, id. */
    raiseStepDeadline: `UPDATE ${t} SET step_deadline_at = GREATEST(COALESCE(step_deadline_at, ?), ?) WHERE id = ?`,

    /**
     * The one fenced write (rule 3): sets decided columns (fixed names from the core's write
     * lists, never input) while the lease holds; `pin` also requires the attempts the decision
     * was made from. Params: the columns' values, id, token [, attempts, max_attempts, lease_expiries].
     */
    fencedWrite: (columns: readonly string[], pin: boolean) =>
      `UPDATE ${t} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ? AND status = 'processing' AND lease_token = ?${pin ? ' AND attempts = ? AND max_attempts = ? AND lease_expiries = ?' : ''}`,
    /**
     * Sets decided columns on a row this transaction read FOR UPDATE, guarded by the status and
     * token it was read with. Params: the columns' values, id, status, token.
     */
    // Such a write (cancel, manual retry, a takeover, an expiry) leaves the job out of its key's
    // blocked jobs: it is final, processing, or waiting afresh.
    writeLocked: (columns: readonly string[]) => `UPDATE ${t} SET ${columns.map((c) => `${c} = ?`).join(', ')}, blocked = 0 WHERE id = ? AND status = ? AND lease_token = ?`,

    // ---- concurrency keys (src/domain/concurrency.ts) ----
    /** Keys that may have blocked jobs, locked; a key another claimer holds is left to it. */
    wakeSemaphores: `SELECT concurrency_key, concurrency_limit FROM ${semaphores} FORCE INDEX (ix_semaphores_blocked) WHERE blocked = 1 FOR UPDATE SKIP LOCKED`,
    /**
     * Locks n keys' rows (made here on first use), in key order, so claimers of one key take
     * its slots one after the other. Params per row: concurrency_key.
     */
    lockSemaphores: (n: number) =>
      `INSERT INTO ${semaphores} (concurrency_key, concurrency_limit, blocked) VALUES ${Array(n).fill('(?, 1, 0)').join(', ')} ON DUPLICATE KEY UPDATE blocked = blocked`,
    /** The leases of n keys (run under their locks; READ COMMITTED reads what was committed). Params: keys... */
    countHolders: (n: number) =>
      `SELECT lease_key, COUNT(*) AS n FROM ${t} FORCE INDEX (ix_lease_key) WHERE lease_key IN (${placeholders(n)}) GROUP BY lease_key`,
    /** Holds n locked waiting jobs back: out of the claim's index range, nothing else changed. Params: ids... */
    blockJobs: (n: number) => `UPDATE ${t} SET blocked = 1 WHERE id IN (${placeholders(n)})`,
    /** Marks a locked key as having blocked jobs, with the limit of the one blocked last. Params: concurrency_limit, concurrency_key. */
    markSemaphore: `UPDATE ${semaphores} SET concurrency_limit = ?, blocked = 1 WHERE concurrency_key = ?`,
    /**
     * A key's first blocked jobs in claim order, locked: ix_blocked is that order. A SELECT, not
     * an UPDATE ... ORDER BY LIMIT, which MariaDB 10.11 sorts (filesort) whatever the index.
     * Params: concurrency_key, how many.
     */
    selectBlocked: `SELECT id FROM ${t} FORCE INDEX (ix_blocked) WHERE concurrency_key = ? AND blocked = 1 ORDER BY priority, run_at, id LIMIT ? FOR UPDATE`,
    /** Frees n blocked jobs this transaction locked. Params: ids... */
    unblockJobs: (n: number) => `UPDATE ${t} SET blocked = 0 WHERE id IN (${placeholders(n)})`,
    // ---- rate limits (src/domain/rate-limit.ts) ----
    /** The rate limits of n queues (0: every queue), locked for the claim that reads them. Params: queues... */
    lockRateLimits: (nQueues: number) =>
      `SELECT queue, max_claims, per_ms, recent FROM ${rateLimits}${nQueues > 0 ? ` WHERE queue IN (${placeholders(nQueues)})` : ''} FOR UPDATE`,
    /** Every rate limit, unlocked. */
    selectRateLimits: `SELECT queue, max_claims, per_ms, recent FROM ${rateLimits} ORDER BY queue`,
    /** Sets a queue's limit, keeping its recorded claim times. Params: queue, max_claims, per_ms. */
    upsertRateLimit: `INSERT INTO ${rateLimits} (queue, max_claims, per_ms, recent) VALUES (?, ?, ?, '[]') ON DUPLICATE KEY UPDATE max_claims = VALUES(max_claims), per_ms = VALUES(per_ms)`,
    /** Removes a queue's limit. Params: queue. */
    deleteRateLimit: `DELETE FROM ${rateLimits} WHERE queue = ?`,
    /** Records a locked queue's claim times. Params: recent (JSON), queue. */
    writeRateRecent: `UPDATE ${rateLimits} SET recent = ? WHERE queue = ?`,
    /** A key left with no blocked job. Params: concurrency_key. */
    clearSemaphore: `UPDATE ${semaphores} SET blocked = 0 WHERE concurrency_key = ?`,
    /** Completes n locked rows with their results; `CASE id` carries a result per row. */
    completeJobs: (n: number) =>
      `UPDATE ${t} SET status = 'done', result = CASE id ${'WHEN ? THEN ? '.repeat(n)}END, locked_by = NULL, locked_until = NULL, updated_at = ?, finished_at = ? WHERE status = 'processing' AND id IN (${placeholders(n)})`,
    /**
     * Completes n leases in one statement, each fenced by its own token (`CASE id` pairs each id
     * with its token and result). Every matched row changes status, so affectedRows counts
     * exactly the leases still held, with or without the CLIENT_FOUND_ROWS flag.
     */
    completeFenced: (n: number) =>
      `UPDATE ${t} SET status = 'done', result = CASE id ${'WHEN ? THEN ? '.repeat(n)}END, locked_by = NULL, locked_until = NULL, updated_at = ?, finished_at = ? WHERE id IN (${placeholders(n)}) AND status = 'processing' AND lease_token = CASE id ${'WHEN ? THEN ? '.repeat(n)}END`,

    /**
     * A batch sent whole (see `completeInTx`): counts and locks the n leases still held, kept in
     * a session variable so that the fenced UPDATE and its history after it, in the same query,
     * write only when every one is (`allHeld`): all or nothing, like a batch sent statement by
     * statement, which rolls back when its UPDATE matched fewer rows. INTO before FROM: the
     * place every MySQL 8 and MariaDB takes without a warning in a locking read (MySQL takes
     * INTO after the locking clause only from 8.0.20, and deprecates it before the clause;
     * MariaDB warns at the end). Params: ids..., then (id, token) pairs.
     */
    countHeld: (n: number) =>
      `SELECT COUNT(*) INTO @leasehold_held FROM ${t} WHERE id IN (${placeholders(n)}) AND status = 'processing' AND lease_token = CASE id ${'WHEN ? THEN ? '.repeat(n)}END FOR UPDATE`,
    /** A statement of a batch sent whole, made to write only when `countHeld` found all n held. */
    allHeld: (sql: string, n: number) => `${sql} AND @leasehold_held = ${Number(n)}`,
    /**
     * countCompletedPerQueue for a batch sent whole: written only when `countHeld` found all n.
     * The derived table's columns are named apart from the counter's, which the UPDATE names.
     * Params: (minute, queue, completed) per queue.
     */
    countHeldPerQueue: (nQueues: number, n: number) =>
      `INSERT INTO ${counts} (minute, queue, completed, failed, retried) SELECT c.m, c.q, c.n, 0, 0 FROM (${['SELECT ? AS m, ? AS q, ? AS n', ...Array(nQueues - 1).fill('SELECT ?, ?, ?')].join(' UNION ALL ')}) AS c WHERE @leasehold_held = ${Number(n)} ON DUPLICATE KEY UPDATE completed = completed + VALUES(completed)`,

    /** Every expired lease's id, without locks (see findExpired); reapExpired locks them by id. */
    findAllExpired: `SELECT id FROM ${t} FORCE INDEX (ix_lease) WHERE ${TAKEABLE}`,
    listActive: `SELECT ${JOB_COLUMNS} FROM ${t} WHERE status = 'processing' AND locked_until > ? ORDER BY id`,
    listExpired: `SELECT ${JOB_COLUMNS} FROM ${t} WHERE status = 'processing' AND locked_until <= ? ORDER BY id`,
    /**
     * Expired leases that a step deadline after the cutoff still holds back (the ones
     * `TAKEABLE` leaves out), by id. Params: now, cutoff [, queues...], limit.
     */
    listHeld: (nQueues: number) =>
      `SELECT ${JOB_COLUMNS}, step_deadline_at FROM ${t} FORCE INDEX (ix_lease) WHERE status = 'processing' AND locked_until <= ? AND step_deadline_at > ?${
        nQueues > 0 ? ` AND queue IN (${placeholders(nQueues)})` : ''
      } ORDER BY id LIMIT ?`,
    /**
     * Jobs filtered by status, queue and steps in doubt, by id (newest first when `desc`).
     * Params: statuses..., [queue,] limit.
     */
    list: (nStatuses: number, byQueue: boolean, desc: boolean, inDoubt: boolean | null = null) => {
      const where = [
        nStatuses > 0 ? `status IN (${placeholders(nStatuses)})` : '',
        byQueue ? 'queue = ?' : '',
        inDoubt === null ? '' : inDoubt ? hasStepInDoubt : `NOT ${hasStepInDoubt}`,
      ].filter(Boolean);
      return `SELECT ${JOB_COLUMNS} FROM ${t} j${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id${desc ? ' DESC' : ''} LIMIT ?`;
    },
    stats: `SELECT queue, status, COUNT(*) AS n FROM ${t} GROUP BY queue, status`,

    /** Final jobs old enough to prune, locked so none is revived while its steps go. */
    selectPrunable: (nStatuses: number) =>
      `SELECT id, job_key FROM ${t} FORCE INDEX (ix_finished) WHERE finished_at <= ? AND status IN (${placeholders(nStatuses)}) ORDER BY finished_at LIMIT ? FOR UPDATE`,
    deleteJobs: (n: number) => `DELETE FROM ${t} WHERE id IN (${placeholders(n)})`,
    deleteSteps: (n: number) => `DELETE FROM ${steps} WHERE job_id IN (${placeholders(n)})`,

    // ---- history (migration 0005), written in the transaction of each change ----
    startAttempts: (n: number) => `INSERT INTO ${attempts} (job_id, token, worker_id, started_at, ended_at, outcome, error) VALUES ${Array(n).fill("(?, ?, ?, ?, NULL, 'running', NULL)").join(', ')}`,
    endAttempt: `UPDATE ${attempts} SET ended_at = ?, outcome = ?, error = ? WHERE job_id = ? AND token = ? AND ended_at IS NULL`,
    /**
     * Counters of one minute and queue. VALUES(col) in ON DUPLICATE KEY UPDATE: MariaDB has no
     * row alias (AS new), and MySQL 8 still accepts VALUES() (deprecated since 8.0.20, a
     * warning only).
     */
    count: `INSERT INTO ${counts} (minute, queue, completed, failed, retried) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE completed = completed + VALUES(completed), failed = failed + VALUES(failed), retried = retried + VALUES(retried)`,
    /**
     * The history of completions, conditioned on the completion having landed: the rows are done
     * with these (id, token) pairs at this time. Sent after the fenced complete in the same
     * transaction, so a lease lost in between closes and counts nothing.
     * Params: now, now, then (id, token) pairs.
     */
    endCompletedAttempts: (n: number) =>
      `UPDATE ${attempts} a JOIN ${t} j ON j.id = a.job_id AND j.lease_token = a.token SET a.ended_at = ?, a.outcome = 'completed', a.error = NULL WHERE a.ended_at IS NULL AND j.status = 'done' AND j.finished_at = ? AND ${pairsIn('a.job_id', 'a.token', n)}`,
    /**
     * The same for completions this transaction is known to have written (every fenced row
     * matched, under the rows' locks): no join back to the jobs. Params: now, then (id, token) pairs.
     */
    endHeldAttempts,
    /**
     * A single complete sent with its history in one query: whether its fenced UPDATE matched,
     * kept for the two statements after it, which write only then (the history of a lease that
     * was lost is its taker's to write). Session variable, like the claim's heads.
     */
    keepCompleted: 'SET @leasehold_completed = ROW_COUNT()',
    /** endHeldAttempts(1) when `keepCompleted` saw the row. Params: now, id, token. */
    endKeptAttempt: `${endHeldAttempts(1)} AND @leasehold_completed = 1`,
    /** One queue's completion counted when `keepCompleted` saw the row. Params: minute, queue. */
    countKeptCompleted: `INSERT INTO ${counts} (minute, queue, completed, failed, retried) SELECT ?, ?, 1, 0, 0 FROM DUAL WHERE @leasehold_completed = 1 ON DUPLICATE KEY UPDATE completed = completed + 1`,
    /** Completions per queue counted by the caller: params (minute, queue, completed) per queue. */
    countCompletedPerQueue: (nQueues: number) =>
      `INSERT INTO ${counts} (minute, queue, completed, failed, retried) VALUES ${Array(nQueues).fill('(?, ?, ?, 0, 0)').join(', ')} ON DUPLICATE KEY UPDATE completed = completed + VALUES(completed)`,
    /** Params: minute, now, then (id, token) pairs. */
    countCompleted: (n: number) =>
      `INSERT INTO ${counts} (minute, queue, completed, failed, retried) SELECT ?, queue, COUNT(*), 0, 0 FROM ${t} WHERE status = 'done' AND finished_at = ? AND ${pairsIn('id', 'lease_token', n)} GROUP BY queue ON DUPLICATE KEY UPDATE completed = completed + VALUES(completed)`,
    selectAttempts: `SELECT token, worker_id, started_at, ended_at, outcome, error FROM ${attempts} WHERE job_id = ? ORDER BY token`,
    deleteAttempts: (n: number) => `DELETE FROM ${attempts} WHERE job_id IN (${placeholders(n)})`,
    selectThroughput: `SELECT minute, queue, completed, failed, retried FROM ${counts} WHERE minute >= ? ORDER BY minute, queue`,
    pruneCounts: `DELETE FROM ${counts} WHERE minute < ?`,
    /** Newest first below an id: a backwards walk of the primary key; statuses checked on the rows walked. */
    findJobs: (nStatuses: number) =>
      `SELECT ${JOB_COLUMNS} FROM ${t} WHERE id < ?${nStatuses > 0 ? ` AND status IN (${placeholders(nStatuses)})` : ''} ORDER BY id DESC LIMIT ?`,
    /** The same within a queue, a backwards walk of (queue, id). */
    findJobsInQueue: (nStatuses: number) =>
      `SELECT ${JOB_COLUMNS} FROM ${t} FORCE INDEX (ix_queue_id) WHERE queue = ? AND id < ?${nStatuses > 0 ? ` AND status IN (${placeholders(nStatuses)})` : ''} ORDER BY id DESC LIMIT ?`,

    selectSteps: `SELECT ${STEP_COLUMNS} FROM ${steps} WHERE job_id = ?`,
    selectStep: `SELECT ${STEP_COLUMNS} FROM ${steps} WHERE job_id = ? AND name = ?`,
    /**
     * Writes a step record whole. Upsert with explicit values, not `VALUES(col)`: MySQL 8.0.20
     * deprecates VALUES() in ON DUPLICATE KEY UPDATE for a row alias that MariaDB lacks.
     */
    upsertStep: `INSERT INTO ${steps} (job_id, name, state, result, token, started_at, finished_at, idempotency_key, settled_at, deadline_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE state = ?, result = ?, token = ?, started_at = ?, finished_at = ?, idempotency_key = ?, settled_at = ?, deadline_at = ?`,
    /** A person's settlement of a step. Params: state, result, finished_at, settled_at, job_id, name. */
    settleStep: `UPDATE ${steps} SET state = ?, result = ?, finished_at = ?, settled_at = ? WHERE job_id = ? AND name = ?`,

    // ---- schedules ----
    selectSchedule: `SELECT ${SCHEDULE_COLUMNS} FROM ${schedules} WHERE name = ?`,
    /** Locks the row when it exists. Under READ COMMITTED a missing row locks no gap: two creators can both miss it, and the second INSERT's duplicate-key error sends it round again. */
    selectScheduleForUpdate: `SELECT ${SCHEDULE_COLUMNS} FROM ${schedules} WHERE name = ? FOR UPDATE`,
    /** VARBINARY names order by their bytes, as SQLite's BINARY does. */
    listSchedules: `SELECT ${SCHEDULE_COLUMNS} FROM ${schedules} ORDER BY name`,
    /** Params: every column in SCHEDULE_COLUMN_LIST order. */
    insertSchedule: `INSERT INTO ${schedules} (${SCHEDULE_COLUMNS}) VALUES (${placeholders(SCHEDULE_COLUMN_LIST.length)})`,
    /** Params: every column but name, in SCHEDULE_COLUMN_LIST order, then name. */
    updateSchedule: `UPDATE ${schedules} SET ${SCHEDULE_COLUMN_LIST.filter((c) => c !== 'name').map((c) => `${c} = ?`).join(', ')} WHERE name = ?`,
    deleteSchedule: `DELETE FROM ${schedules} WHERE name = ?`,

    // ---- worker processes (liveness) ----
    selectWorkerForUpdate: `SELECT ${workerColumns} FROM ${workers} WHERE worker_id = ? FOR UPDATE`,
    selectWorker: `SELECT ${workerColumns} FROM ${workers} WHERE worker_id = ?`,
    /** Inserts a worker row; an existing one was locked and is deleted first (REPLACE would also do, at the price of a hidden DELETE). Params: the worker columns. */
    insertWorker: `INSERT INTO ${workers} (${workerColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    deleteWorker: `DELETE FROM ${workers} WHERE worker_id = ?`,
    deleteWorkerIncarnation: `DELETE FROM ${workers} WHERE worker_id = ? AND incarnation = ?`,
    /** Marks one id's unexpired leases expired, the claim kept. Params: now, worker_id, worker_id, now. */
    expireLeasesOf: `UPDATE ${t} SET locked_until = ? WHERE ${heldBy} AND locked_until > ?`,
    countHeldBy: `SELECT COUNT(*) AS n FROM ${t} WHERE ${heldBy}`,
    /**
     * The ids of the processing jobs one id holds, read without locks: a locking read of the
     * range would lock (and wait on) every other worker's leases in flight before it could
     * check whose they are. Params: worker_id, worker_id.
     */
    findHeldBy: `SELECT id FROM ${t} WHERE ${heldBy} ORDER BY id`,
    /** Those jobs locked by id, still held by that id, with their step deadlines, for an operator's release. Params: ids..., worker_id, worker_id. */
    lockHeldBy: (n: number) => `SELECT ${JOB_COLUMNS}, step_deadline_at FROM ${t} WHERE id IN (${placeholders(n)}) AND ${heldBy} ORDER BY id FOR UPDATE`,
    /** A renewal (mirrors mayRenew). Params: now, worker_id, incarnation, now. */
    renewWorker: `UPDATE ${workers} SET last_seen_at = ? WHERE worker_id = ? AND incarnation = ? AND last_seen_at + liveness_timeout_ms > ?`,
    listWorkers: `SELECT ${workerColumns.split(', ').map((c) => `w.${c}`).join(', ')},
  (SELECT COUNT(*) FROM ${t} j WHERE j.status = 'processing' AND j.locked_by = w.worker_id AND BINARY j.locked_by = w.worker_id) AS jobs_held
FROM ${workers} w`,
    /** The sweep: unexpired leases of dead rows expire now, the claim kept. Params: now, now, now. */
    sweepDeadWorkers: `UPDATE ${t} SET locked_until = ?
WHERE status = 'processing' AND locked_until > ?
  AND BINARY locked_by IN (SELECT worker_id FROM ${workers} WHERE last_seen_at + liveness_timeout_ms <= ?)`,
    /**
     * After a sweep: how many leases are takeable, and the earliest coming expiry (a lease
     * running out: the first ix_lease entry after now; a worker row's sign of life running
     * out: a scan of the small worker table; a held-back lease's step deadline passing: the
     * expired range of ix_lease). Params: now, cutoff, now, now, now, cutoff.
     */
    sweepOutlook: `SELECT
  (SELECT COUNT(*) FROM ${t} WHERE ${TAKEABLE}) AS expired,
  (SELECT MIN(locked_until) FROM ${t} WHERE status = 'processing' AND locked_until > ?) AS next_lease_end,
  (SELECT MIN(last_seen_at + liveness_timeout_ms) FROM ${workers} WHERE last_seen_at + liveness_timeout_ms > ?) AS next_death,
  (SELECT MIN(step_deadline_at) FROM ${t} WHERE status = 'processing' AND locked_until <= ? AND step_deadline_at > ?) AS next_held_deadline`,
    /** Rows dead for longer than the retention that hold no lease. Params: olderThanMs, now. */
    pruneWorkers: `DELETE FROM ${workers}
WHERE last_seen_at + liveness_timeout_ms + ? <= ?
  AND NOT EXISTS (SELECT 1 FROM ${t} j WHERE j.status = 'processing' AND j.locked_by = ${workers}.worker_id AND BINARY j.locked_by = ${workers}.worker_id)`,

    // ---- migrations ----
    createSchemaTable: `CREATE TABLE IF NOT EXISTS ${schema} (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB`,
    schemaVersions: `SELECT version FROM ${schema} ORDER BY version`,
    recordVersion: `INSERT INTO ${schema} (version, name, applied_at) VALUES (?, ?, ?)`,
    schemaTableExists: 'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
    currentDatabase: 'SELECT DATABASE() AS db',
    /** GET_LOCK is server-wide (not per database), so the name carries the database and table. */
    getLock: 'SELECT GET_LOCK(?, ?) AS got',
    releaseLock: 'SELECT RELEASE_LOCK(?) AS released',

    /**
     * Isolation for the next transaction only. READ COMMITTED takes no gap locks, so a claim
     * locks exactly the rows it reads. MySQL 8 names the variable transaction_isolation, MariaDB
     * 10.11 tx_isolation; this statement is the same on both.
     */
    readCommitted: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
    begin: 'START TRANSACTION',
    commit: 'COMMIT',
    rollback: 'ROLLBACK',
  } as const;
}

/** The statements of one table. */
export type MysqlQueries = ReturnType<typeof mysqlQueries>;
