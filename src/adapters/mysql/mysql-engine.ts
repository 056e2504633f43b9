/**
 * The MySQL engine under `SqlLeaseStore`: a pool, the SQL of one table, and the transaction
 * options. Each method is "run the statement, map the rows"; the claim and reap
 * (mysql-claim.ts), complete (mysql-complete.ts) and enqueue (mysql-batches.ts) have files of
 * their own.
 */
import { StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import type { AttemptRecord, EnqueueResult, Job, JobStatus, StepRecord, ThroughputBucket } from '../../domain/job.js';
import { deadlineFitsLease, heldRetryAt, holdsLease } from '../../domain/lease-rules.js';
import { applyExpire } from '../../domain/lifecycle.js';
import type { WorkerProcess } from '../../domain/liveness.js';
import {
  JOB_COLUMN,
  writeOf,
  type ClaimQuery,
  type FindQuery,
  type CompleteRow,
  type FencedWrite,
  type HeldLeaseQuery,
  type InsertJob,
  type JobWrite,
  type ListQuery,
  type SettledStep,
  type SqlEngine,
  type StepWrite,
  type SweepRows,
  type StepWriteOutcome,
} from '../sql/sql-engine.js';
import { numOrNull, rowToAttempt, rowToBucket, rowToJob, rowToRateLimit, rowToStep, rowToWorker, text, workerValues, type SqlRow } from '../sql/sql-rows.js';
import type { QueueRateLimit, RateLimit } from '../../domain/rate-limit.js';
import { applied, historyStatements } from './mysql-history.js';
import { chunkBudget, INSERT_CHUNK_BYTES, insertMany, insertOne, STATEMENT_OVERHEAD_BYTES } from './mysql-batches.js';
import { packetChecked, statementBytes } from './mysql-packet.js';
import { claimJobs, reapExpired } from './mysql-claim.js';
import { completeHeld } from './mysql-complete.js';
import { autocommit, execute, inTransaction, selectRows, type MysqlOkPacket, type MysqlPoolLike, type MysqlTx, type TxOptions, type TxRetryPolicy } from './mysql-driver.js';
import { isDuplicateKey, translateMysqlError } from './mysql-errors.js';
import { migrateMysql } from './mysql-migrator.js';
import type { MysqlQueries } from './mysql-queries.js';
import { lockedWriteValues } from './mysql-row-codec.js';
import { rowToSchedule, scheduleValues, type ScheduleWrite } from '../sql/sql-schedules.js';
import type { Schedule } from '../../domain/schedule.js';

/** Prune deletes at most this many jobs per transaction. */
const PRUNE_CHUNK = 1000;

/** How the engine reaches its database. */
export interface MysqlEngineConfig {
  pool: MysqlPoolLike;
  /** Which option gave the pool ('uri' or 'pool'): named by a connection that fails the checks. */
  source: 'uri' | 'pool';
  /** The store's largest payload or result: checked against the server's packet size. */
  maxPayloadBytes: number;
  ownsPool: boolean;
  table: string;
  q: MysqlQueries;
  conflictRetry: TxRetryPolicy;
  multiStatements: boolean;
}

/** The MySQL 8 / MariaDB 10.6+ dialect of the shared SQL core. */
export class MysqlEngine implements SqlEngine {
  readonly pool: MysqlPoolLike;
  readonly q: MysqlQueries;
  private autoIncrementStep: number | undefined;
  /** The server's max_allowed_packet, read by `ready`. */
  private maxPacket: number | undefined;
  /** Bytes of values one batched statement may carry (see `chunkBudget`). */
  chunkBytes = INSERT_CHUNK_BYTES;

  /**
   * Whether these statements, sent as one query with the transaction's BEGIN and COMMIT, fit
   * in the server's max_allowed_packet (false until `ready` has read it).
   */
  fitsOneQuery(statements: [string, unknown[]][]): boolean {
    if (this.maxPacket === undefined) return false;
    let bytes = 256; // isolation, BEGIN, COMMIT and the separators
    for (const [sql, values] of statements) bytes += statementBytes(sql, values) + 2;
    return bytes <= this.maxPacket;
  }

  constructor(private readonly config: MysqlEngineConfig) {
    // Every statement is measured before it is sent (see mysql-packet.ts).
    this.pool = packetChecked(config.pool, () => this.maxPacket);
    this.q = config.q;
  }

  /**
   * Reads the session's character sets and max_allowed_packet once, before the first operation,
   * from a pool the store opened or one it was handed alike. Anything but utf8mb4 would store
   * other text than it was given (a `charset=latin1` uri turned payloads into text that no
   * longer decodes), so it is refused; so is a `maxPayloadBytes` the server cannot carry: a
   * step result travels twice in its statement (insert or update) and SQL escaping can double
   * it, so a value needs four times its size in a packet, plus the rest of the statement.
   */
  async ready(): Promise<void> {
    const [row] = await this.autocommit('connect', (db) => selectRows(db, this.q.serverSettings));
    for (const which of ['client', 'connection', 'results'] as const) {
      const charset = row?.[which] === null || row?.[which] === undefined ? null : String(row[which]).toLowerCase();
      // character_set_results NULL: results come in each column's own charset (utf8mb4 here).
      if (charset === 'utf8mb4' || (which === 'results' && charset === null)) continue;
      throw new ValidationError(
        this.config.source,
        `the connection's character_set_${which} is ${charset}; leasehold needs utf8mb4 (remove charset= from the uri, or create the pool with charset 'utf8mb4')`,
      );
    }
    const maxPacket = Number(row?.maxPacket);
    const largest = Math.floor((maxPacket - STATEMENT_OVERHEAD_BYTES) / 4);
    if (this.config.maxPayloadBytes > largest) {
      throw new ValidationError(
        'maxPayloadBytes',
        `is ${this.config.maxPayloadBytes}, more than the server's max_allowed_packet of ${maxPacket} bytes can carry ` +
          `(a value may need four times its size in a statement); set it to at most ${Math.max(0, largest)}, or raise max_allowed_packet`,
      );
    }
    this.maxPacket = maxPacket;
    this.chunkBytes = chunkBudget(maxPacket);
  }

  async migrate(now: number): Promise<void> {
    await migrateMysql({ pool: this.pool, table: this.config.table, queries: this.q, now: () => now });
  }

  async identity(): Promise<string> {
    const [row] = await this.autocommit('identity', (db) => selectRows(db, this.q.selectIdentity));
    if (!row) throw new StoreUnavailableError('mysql: the database has no identity row; run migrate()');
    return String(row.identity);
  }

  async insert(jobs: InsertJob[], now: number): Promise<EnqueueResult[]> {
    // A job without a key needs no key row: one autocommit INSERT. Keyed jobs go through the keys table in a transaction.
    if (jobs.length === 1 && jobs[0]!.key === null) return [await this.autocommit('enqueue', (db) => insertOne(db, this.q, jobs[0]!, now))];
    const step = await this.idStep();
    const keyCount = new Set(jobs.map((v) => v.key)).size;
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, jobs.length === 1 ? 'enqueue' : 'enqueueMany', (conn) => insertMany(conn, this.q, jobs, now, step, true, this.chunkBytes), this.tx());
      } catch (e) {
        // Another process inserted one of these keys between our SELECT and INSERT: the whole
        // batch rolled back; the next attempt finds that key (committed by then, or the
        // INSERT would have waited) and returns its job. Each retry settles at least one key.
        if (!(e instanceof StoreUnavailableError && isDuplicateKey(e.cause)) || attempt > keyCount) throw e;
      }
    }
  }

  claim(c: ClaimQuery): Promise<Job[]> {
    return inTransaction(this.pool, 'acquire', (conn) => claimJobs(this, conn, c), this.tx());
  }

  /**
   * The fenced UPDATE and a read of the row, in one transaction (one round trip when statements
   * may be sent together): the UPDATE's row lock keeps anyone else from changing the row
   * before it is read back.
   */
  writeIfHeld(w: FencedWrite): Promise<Job | undefined> {
    const columns = w.write.fields.map((f) => JOB_COLUMN[f]);
    const values = [...w.write.values, w.id, w.token, ...(w.pin ? [w.pin.attempts, w.pin.maxAttempts, w.pin.leaseExpiries] : [])];
    return inTransaction(
      this.pool,
      w.write.name,
      async (conn) => {
        const [ok, rows] = (await conn.many(
          [
            [this.q.fencedWrite(columns, w.pin !== undefined), values],
            [this.q.selectById, [w.id]],
          ],
          true,
        )) as [MysqlOkPacket, SqlRow[]];
        const job = rows[0] && rowToJob(rows[0]);
        if (ok.affectedRows === 1) {
          // The attempt it ends (fail, release) and the counter it bumps, in this transaction.
          const history = job ? historyStatements(this.q, { status: 'processing', leaseToken: w.token }, job, job.updatedAt) : [];
          if (history.length > 0) await conn.many(history);
          return job;
        }
        // Zero rows: the lease is lost, or the write changed nothing (an extend within the same
        // millisecond) on a connection without CLIENT_FOUND_ROWS (mysql2 sets it by default; a
        // handed pool may not). Only the second leaves the row held with the pinned attempts.
        const pinned = !w.pin || (job?.attempts === w.pin.attempts && job.maxAttempts === w.pin.maxAttempts && job.leaseExpiries === w.pin.leaseExpiries);
        return job && holdsLease(job, w.token) && pinned ? job : undefined;
      },
      this.tx(),
    );
  }

  completeHeld(rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
    return completeHeld(this, rows, now);
  }

  writeStep(s: StepWrite): Promise<StepWriteOutcome> {
    return inTransaction(
      this.pool,
      s.state === 'started' ? 'beginStep' : 'saveStep',
      async (conn): Promise<StepWriteOutcome> => {
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [s.id]);
        const job = row && rowToJob(row);
        if (!job || !holdsLease(job, s.token)) return 'lost';
        // As the model: a deadline past the lease is refused before anything is written.
        if (s.state === 'started' && s.deadlineAt !== null && !deadlineFitsLease(s.deadlineAt, job.lockedUntil)) return 'late';
        const [existing] = await selectRows(conn, this.q.selectStep, [s.id, s.name]);
        // An intent keeps a step that is done; a result keeps the time its intent was recorded, and its deadline.
        if (s.state === 'started' && existing?.state === 'done') return 'ok';
        if (s.state === 'started' && s.deadlineAt !== null) await execute(conn, this.q.raiseStepDeadline, [s.deadlineAt, s.deadlineAt, s.id]);
        const startedAt = s.state === 'done' && existing !== undefined ? Number(existing.started_at) : s.now;
        // The first key a step ran under stays its key; a new intent or a result ends a settlement.
        const known = existing?.idempotency_key;
        const key = known === null || known === undefined ? s.key : text(known);
        const deadlineAt = s.state === 'started' ? s.deadlineAt : existing === undefined || existing.deadline_at === null ? null : Number(existing.deadline_at);
        const fields = [s.state, s.resultText, s.token, startedAt, s.state === 'done' ? s.now : null, key, null, deadlineAt];
        await execute(conn, this.q.upsertStep, [s.id, s.name, ...fields, ...fields]);
        return 'ok';
      },
      this.tx(),
    );
  }

  async steps(id: number): Promise<StepRecord[]> {
    return (await this.autocommit('getStepRecords', (db) => selectRows(db, this.q.selectSteps, [id]))).map(rowToStep);
  }

  reapExpired(now: number, deadlineCutoff: number): Promise<number> {
    return reapExpired(this, now, deadlineCutoff);
  }

  updateLocked(id: number, decide: (job: Job, steps: StepRecord[]) => JobWrite, opts: { withSteps?: boolean } = {}): Promise<Job | undefined> {
    return inTransaction(
      this.pool,
      'updateLocked',
      async (conn) => {
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [id]);
        if (!row) return undefined;
        const job = rowToJob(row);
        const steps = opts.withSteps ? (await selectRows(conn, this.q.selectSteps, [id])).map(rowToStep) : [];
        await this.writeLocked(conn, job, decide(job, steps));
        const [after] = await selectRows(conn, this.q.selectById, [id]);
        return rowToJob(after!);
      },
      this.tx(),
    );
  }

  settleStep(id: number, name: string, decide: (job: Job, step: StepRecord | undefined) => SettledStep): Promise<StepRecord | undefined> {
    return inTransaction(
      this.pool,
      'settleStep',
      async (conn) => {
        // The job row's lock first, as every step write takes it: no worker step write interleaves.
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [id]);
        if (!row) return undefined;
        const [step] = await selectRows(conn, this.q.selectStep, [id, name]);
        const d = decide(rowToJob(row), step && rowToStep(step));
        await execute(conn, this.q.settleStep, [d.state, d.resultText, d.finishedAt, d.settledAt, id, name]);
        const [after] = await selectRows(conn, this.q.selectStep, [id, name]);
        return rowToStep(after!);
      },
      this.tx(),
    );
  }

  async get(id: number): Promise<Job | undefined> {
    const [row] = await this.autocommit('get', (db) => selectRows(db, this.q.selectById, [id]));
    return row ? rowToJob(row) : undefined;
  }

  async list(f: ListQuery): Promise<Job[]> {
    const statuses = f.statuses ?? [];
    const values: unknown[] = [...statuses];
    if (f.queue !== null) values.push(f.queue);
    values.push(f.limit);
    const sql = this.q.list(statuses.length, f.queue !== null, f.order === 'desc', f.inDoubt);
    return (await this.autocommit('list', (db) => selectRows(db, sql, values))).map(rowToJob);
  }

  async leases(kind: 'active' | 'expired', now: number): Promise<Job[]> {
    const sql = kind === 'active' ? this.q.listActive : this.q.listExpired;
    return (await this.autocommit(kind === 'active' ? 'getActiveLeases' : 'getExpiredLeases', (db) => selectRows(db, sql, [now]))).map(rowToJob);
  }

  async heldLeases(h: HeldLeaseQuery): Promise<{ job: Job; stepDeadlineAt: number }[]> {
    const sql = this.q.listHeld(h.queues?.length ?? 0);
    const rows = await this.autocommit('getHeldLeases', (db) => selectRows(db, sql, [h.now, h.deadlineCutoff, ...(h.queues ?? []), h.limit]));
    return rows.map((row) => ({ job: rowToJob(row), stepDeadlineAt: Number(row.step_deadline_at) }));
  }

  async counts(): Promise<{ queue: string; status: JobStatus; n: number }[]> {
    const rows = await this.autocommit('stats', (db) => selectRows(db, this.q.stats));
    return rows.map((r) => ({ queue: text(r.queue), status: String(r.status) as JobStatus, n: Number(r.n) }));
  }

  async prune(cutoff: number, statuses: JobStatus[], now: number, forgetBefore: number | null): Promise<number> {
    let total = 0;
    // Chunked so a prune of millions of rows never holds millions of locks or one huge undo log.
    for (;;) {
      const n = await inTransaction(
        this.pool,
        'prune',
        async (conn) => {
          const rows = await selectRows(conn, this.q.selectPrunable(statuses.length), [cutoff, ...statuses, PRUNE_CHUNK]);
          if (rows.length === 0) return 0;
          const ids = rows.map((r) => Number(r.id));
          const keys = rows.flatMap((r) => (r.job_key === null || r.job_key === undefined ? [] : [text(r.job_key)]));
          await execute(conn, this.q.deleteSteps(ids.length), ids);
          await execute(conn, this.q.deleteAttempts(ids.length), ids);
          // The keys stay, as tombstones: a replayed key must not make a second job for one intent.
          if (keys.length > 0) await execute(conn, this.q.retireKeys(keys.length), [now, ...keys]);
          await execute(conn, this.q.deleteJobs(ids.length), ids);
          return ids.length;
        },
        this.tx(),
      );
      total += n;
      if (n < PRUNE_CHUNK) break;
    }
    if (forgetBefore !== null) {
      for (;;) {
        const ok = await this.autocommit('prune', (db) => execute(db, this.q.forgetKeys, [forgetBefore, PRUNE_CHUNK]));
        if (ok.affectedRows < PRUNE_CHUNK) break;
      }
    }
    return total;
  }

  async attempts(id: number): Promise<AttemptRecord[]> {
    return (await this.autocommit('getAttempts', (db) => selectRows(db, this.q.selectAttempts, [id]))).map(rowToAttempt);
  }

  async throughput(fromMinute: number): Promise<ThroughputBucket[]> {
    return (await this.autocommit('throughput', (db) => selectRows(db, this.q.selectThroughput, [fromMinute]))).map(rowToBucket);
  }

  async pruneCounts(minute: number): Promise<void> {
    await this.autocommit('prune', (db) => execute(db, this.q.pruneCounts, [minute]));
  }

  async findJobs(f: FindQuery): Promise<Job[]> {
    const statuses = f.statuses ?? [];
    const sql = f.queue === null ? this.q.findJobs(statuses.length) : this.q.findJobsInQueue(statuses.length);
    const values = [...(f.queue === null ? [] : [f.queue]), f.beforeId, ...statuses, f.limit];
    return (await this.autocommit('findJobs', (db) => selectRows(db, sql, values))).map(rowToJob);
  }

  async jobByKey(key: string): Promise<Job | undefined> {
    const [row] = await this.autocommit('findJobs', (db) => selectRows(db, this.q.selectByKey, [key]));
    return row ? rowToJob(row) : undefined;
  }

  async schedule(name: string): Promise<Schedule | undefined> {
    const [row] = await this.autocommit('getSchedule', (db) => selectRows(db, this.q.selectSchedule, [name]));
    return row ? rowToSchedule(row) : undefined;
  }

  async schedules(): Promise<Schedule[]> {
    return (await this.autocommit('listSchedules', (db) => selectRows(db, this.q.listSchedules))).map(rowToSchedule);
  }

  async updateSchedule(name: string, decide: (s: Schedule | undefined) => ScheduleWrite | undefined): Promise<Schedule | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(
          this.pool,
          'updateSchedule',
          async (conn) => {
            const [row] = await selectRows(conn, this.q.selectScheduleForUpdate, [name]);
            const before = row && rowToSchedule(row);
            const w = decide(before);
            if (!w) return before;
            const values = scheduleValues(w);
            if (before) await execute(conn, this.q.updateSchedule, [...values.slice(1), name]);
            else await execute(conn, this.q.insertSchedule, values);
            return w.schedule;
          },
          this.tx(),
        );
      } catch (e) {
        // Another process created it between our read and INSERT: read it again, locked.
        if (!(e instanceof StoreUnavailableError && isDuplicateKey(e.cause)) || attempt > 1) throw e;
      }
    }
  }

  async fireSchedule(
    name: string,
    jobs: InsertJob[],
    now: number,
    decide: (s: Schedule | undefined, last: { slotAt: number; jobId: string } | null) => ScheduleWrite | undefined,
  ): Promise<{ schedule: Schedule; jobs: EnqueueResult[] } | undefined> {
    const step = await this.idStep();
    return inTransaction(
      this.pool,
      'advanceSchedule',
      async (conn) => {
        // The row lock orders every run of one schedule: a second scheduler waits here, then
        // finds the cursor moved and inserts nothing.
        const [row] = await selectRows(conn, this.q.selectScheduleForUpdate, [name]);
        const before = row && rowToSchedule(row);
        if (!before || !decide(before, null)) return undefined;
        // Through the keys table like every enqueue: a slot whose job was pruned stays retired.
        const out = jobs.length === 0 ? [] : await insertMany(conn, this.q, jobs, now, step, false);
        const i = out.length - 1;
        const w = decide(before, i < 0 ? null : { slotAt: jobs[i]!.runAt, jobId: out[i]!.job.id })!;
        await execute(conn, this.q.updateSchedule, [...scheduleValues(w).slice(1), name]);
        return { schedule: w.schedule, jobs: out };
      },
      this.tx(),
    );
  }

  async setRateLimit(queue: string, limit: RateLimit | null): Promise<void> {
    await this.autocommit('setRateLimit', (db) =>
      limit === null ? execute(db, this.q.deleteRateLimit, [queue]) : execute(db, this.q.upsertRateLimit, [queue, limit.max, limit.perMs]),
    );
  }

  async rateLimits(): Promise<QueueRateLimit[]> {
    return (await this.autocommit('listRateLimits', (db) => selectRows(db, this.q.selectRateLimits))).map(rowToRateLimit);
  }

  async deleteSchedule(name: string): Promise<boolean> {
    const ok = await this.autocommit('removeSchedule', (db) => execute(db, this.q.deleteSchedule, [name]));
    return ok.affectedRows > 0;
  }

  registerWorker(row: WorkerProcess, decide: (existing: WorkerProcess | undefined) => boolean): Promise<{ ok: true } | { ok: false; current: WorkerProcess; jobsHeld: number }> {
    return inTransaction(
      this.pool,
      'registerWorker',
      async (conn): Promise<{ ok: true } | { ok: false; current: WorkerProcess; jobsHeld: number }> => {
        // Two registrations of a new id both find no row; the second INSERT then waits on the
        // first's key lock and fails with a duplicate key (or deadlock): retried as a conflict.
        const [found] = await selectRows(conn, this.q.selectWorkerForUpdate, [row.workerId]);
        const existing = found && rowToWorker(found);
        if (!decide(existing)) {
          const [held] = await selectRows(conn, this.q.countHeldBy, [row.workerId, row.workerId]);
          return { ok: false, current: existing!, jobsHeld: Number(held?.n ?? 0) };
        }
        if (existing) {
          await execute(conn, this.q.expireLeasesOf, [row.lastSeenAt, row.workerId, row.workerId, row.lastSeenAt]);
          await execute(conn, this.q.deleteWorker, [row.workerId]);
        }
        await execute(conn, this.q.insertWorker, workerValues(row));
        return { ok: true };
      },
      this.tx(),
    );
  }

  renewWorker(workerId: string, incarnation: string, now: number): Promise<WorkerProcess | undefined> {
    return inTransaction(
      this.pool,
      'renewWorker',
      async (conn) => {
        const ok = await execute(conn, this.q.renewWorker, [now, workerId, incarnation, now]);
        const [row] = await selectRows(conn, this.q.selectWorker, [workerId]);
        const w = row && rowToWorker(row);
        // Zero affected rows also when last_seen_at already was now (a pool without
        // CLIENT_FOUND_ROWS): the row read under the UPDATE's lock tells which.
        if (ok.affectedRows === 1 || (w && w.incarnation === incarnation && w.lastSeenAt === now)) return w;
        return undefined;
      },
      this.tx(),
    );
  }

  async unregisterWorker(workerId: string, incarnation: string): Promise<boolean> {
    const ok = await this.autocommit('unregisterWorker', (db) => execute(db, this.q.deleteWorkerIncarnation, [workerId, incarnation]));
    return ok.affectedRows === 1;
  }

  async workers(): Promise<(WorkerProcess & { jobsHeld: number })[]> {
    const rows = await this.autocommit('listWorkers', (db) => selectRows(db, this.q.listWorkers));
    return rows.map((r) => ({ ...rowToWorker(r), jobsHeld: Number(r.jobs_held) }));
  }

  async sweepDeadWorkers(now: number, deadlineCutoff: number): Promise<SweepRows> {
    const ok = await this.autocommit('sweepDeadWorkers', (db) => execute(db, this.q.sweepDeadWorkers, [now, now, now]));
    const [r] = await this.autocommit('sweepDeadWorkers', (db) => selectRows(db, this.q.sweepOutlook, [now, deadlineCutoff, now, now, now, deadlineCutoff]));
    return {
      marked: ok.affectedRows,
      expired: Number(r?.expired ?? 0),
      nextLeaseEnd: numOrNull(r?.next_lease_end),
      nextDeath: numOrNull(r?.next_death),
      nextHeldDeadline: numOrNull(r?.next_held_deadline),
    };
  }

  releaseWorker(workerId: string, now: number, marginMs: number, decide: (existing: WorkerProcess | undefined) => void): Promise<number> {
    return inTransaction(
      this.pool,
      'releaseWorkerLeases',
      async (conn) => {
        const [found] = await selectRows(conn, this.q.selectWorkerForUpdate, [workerId]);
        decide(found && rowToWorker(found));
        const ids = (await selectRows(conn, this.q.findHeldBy, [workerId, workerId])).map((r) => Number(r.id));
        const rows = ids.length === 0 ? [] : await selectRows(conn, this.q.lockHeldBy(ids.length), [...ids, workerId, workerId]);
        for (const row of rows) {
          const job = rowToJob(row);
          const retryAt = heldRetryAt(numOrNull(row.step_deadline_at), marginMs, now);
          await this.writeLocked(conn, job, writeOf('expireHeld', applyExpire(job, now, retryAt)));
        }
        await execute(conn, this.q.deleteWorker, [workerId]);
        return rows.length;
      },
      this.tx(),
    );
  }

  async pruneWorkers(now: number, olderThanMs: number): Promise<number> {
    const ok = await this.autocommit('pruneWorkers', (db) => execute(db, this.q.pruneWorkers, [olderThanMs, now]));
    return ok.affectedRows;
  }

  async close(): Promise<void> {
    if (this.config.ownsPool) await this.pool.end().catch(() => undefined);
  }

  translateError(error: unknown, operation: string): Error {
    return translateMysqlError(error, operation);
  }

  /**
   * Writes decided columns over a row this transaction locked, guarded by the status and token
   * it was read with. The row is locked, so the guard cannot miss: zero affected rows means the
   * write changed nothing on a connection without CLIENT_FOUND_ROWS; confirm by reading back.
   */
  async writeLocked(conn: MysqlTx, prev: Job, w: JobWrite): Promise<void> {
    const ok = await execute(conn, this.q.writeLocked(w.fields.map((f) => JOB_COLUMN[f])), lockedWriteValues(w, prev));
    if (ok.affectedRows !== 1) {
      const [row] = await selectRows(conn, this.q.selectById, [Number(prev.id)]);
      const status = w.fields.includes('status') ? w.values[w.fields.indexOf('status')] : prev.status;
      if (!row || String(row.status) !== status) throw new StoreUnavailableError(`mysql write of job ${prev.id} matched ${ok.affectedRows} rows`);
    }
    // What the change ends, starts and counts (takeover, poison, reap), under the same lock.
    const next = applied(prev, w);
    const history = historyStatements(this.q, prev, next, next.updatedAt);
    if (history.length > 0) await conn.many(history);
  }

  /** One autocommit statement, conflicts retried. */
  autocommit<T>(operation: string, work: (db: Pick<MysqlPoolLike, 'query'>) => Promise<T>): Promise<T> {
    return autocommit(this.pool, operation, work, this.config.conflictRetry, Math.random);
  }

  tx(): TxOptions {
    // A pool the store opened sets READ COMMITTED once per connection; a pool it was handed
    // keeps its sessions as they are, so each transaction sets its own isolation (in the same
    // round trip as BEGIN when statements may be sent together).
    return {
      isolation: this.config.ownsPool ? null : this.q.readCommitted,
      begin: this.q.begin,
      commit: this.q.commit,
      rollback: this.q.rollback,
      multiStatements: this.config.multiStatements,
      retry: this.config.conflictRetry,
      random: Math.random,
    };
  }

  /** auto_increment_increment (1 unless replication topologies such as Galera set it), read once. */
  private async idStep(): Promise<number> {
    if (this.autoIncrementStep === undefined) {
      const [row] = await this.autocommit('enqueueMany', (db) => selectRows(db, this.q.autoIncrementStep));
      this.autoIncrementStep = Math.max(1, Number(row?.step ?? 1));
    }
    return this.autoIncrementStep;
  }
}
