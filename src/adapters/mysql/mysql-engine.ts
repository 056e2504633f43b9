/**
 * The MySQL engine under `SqlLeaseStore`: a pool, the SQL of one table, and the transaction
 * options. Each method is "run the statement, map the rows"; the claim and reap
 * (mysql-claim.ts), complete (mysql-complete.ts) and enqueue (mysql-batches.ts) have files of
 * their own.
 */
import { StoreUnavailableError } from '../../domain/errors.js';
import type { EnqueueResult, Job, JobStatus, StepRecord } from '../../domain/job.js';
import { holdsLease } from '../../domain/lease-rules.js';
import type { ValidatedNewJob } from '../../domain/validation.js';
import { JOB_COLUMN, type ClaimQuery, type CompleteRow, type FencedWrite, type JobWrite, type ListQuery, type SqlEngine, type StepWrite } from '../sql/sql-engine.js';
import { rowToJob, rowToStep, rowToWorker, text, workerValues, type SqlRow } from '../sql/sql-rows.js';
import { applyExpire } from '../../domain/lifecycle.js';
import type { WorkerProcess } from '../../domain/liveness.js';
import { writeOf } from '../sql/sql-engine.js';
import { insertMany, insertOne } from './mysql-batches.js';
import { claimJobs, reapExpired } from './mysql-claim.js';
import { completeHeld } from './mysql-complete.js';
import { autocommit, execute, inTransaction, selectRows, type MysqlOkPacket, type MysqlPoolLike, type MysqlTx, type TxOptions, type TxRetryPolicy } from './mysql-driver.js';
import { isDuplicateKey, translateMysqlError } from './mysql-errors.js';
import { migrateMysql } from './mysql-migrator.js';
import type { MysqlQueries } from './mysql-queries.js';
import { lockedWriteValues } from './mysql-row-codec.js';

/** Prune deletes at most this many jobs per transaction. */
const PRUNE_CHUNK = 1000;

/** How the engine reaches its database. */
export interface MysqlEngineConfig {
  pool: MysqlPoolLike;
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

  constructor(private readonly config: MysqlEngineConfig) {
    this.pool = config.pool;
    this.q = config.q;
  }

  async migrate(now: number): Promise<void> {
    await migrateMysql({ pool: this.pool, table: this.config.table, queries: this.q, now: () => now });
  }

  async insert(jobs: ValidatedNewJob[], now: number): Promise<EnqueueResult[]> {
    if (jobs.length === 1) return [await this.autocommit('enqueue', (db) => insertOne(db, this.q, jobs[0]!, now))];
    const step = await this.idStep();
    const keyCount = new Set(jobs.map((v) => v.key)).size;
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, 'enqueueMany', (conn) => insertMany(conn, this.q, jobs, now, step), this.tx());
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
    const values = [...w.write.values, w.id, w.token, ...(w.pin ? [w.pin.attempts, w.pin.maxAttempts] : [])];
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
        if (ok.affectedRows === 1) return job;
        // Zero rows: the lease is lost, or the write changed nothing (an extend within the same
        // millisecond) on a connection without CLIENT_FOUND_ROWS (mysql2 sets it by default; a
        // handed pool may not). Only the second leaves the row held with the pinned attempts.
        const pinned = !w.pin || (job?.attempts === w.pin.attempts && job.maxAttempts === w.pin.maxAttempts);
        return job && holdsLease(job, w.token) && pinned ? job : undefined;
      },
      this.tx(),
    );
  }

  completeHeld(rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
    return completeHeld(this, rows, now);
  }

  writeStep(s: StepWrite): Promise<boolean> {
    return inTransaction(
      this.pool,
      s.state === 'started' ? 'beginStep' : 'saveStep',
      async (conn) => {
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [s.id]);
        if (!row || !holdsLease(rowToJob(row), s.token)) return false;
        const [existing] = await selectRows(conn, this.q.selectStep, [s.id, s.name]);
        // An intent keeps a step that is done; a result keeps the time its intent was recorded.
        if (s.state === 'started' && existing?.state === 'done') return true;
        const startedAt = s.state === 'done' && existing !== undefined ? Number(existing.started_at) : s.now;
        const fields = [s.state, s.resultText, s.token, startedAt, s.state === 'done' ? s.now : null];
        await execute(conn, this.q.upsertStep, [s.id, s.name, ...fields, ...fields]);
        return true;
      },
      this.tx(),
    );
  }

  async steps(id: number): Promise<StepRecord[]> {
    return (await this.autocommit('getStepRecords', (db) => selectRows(db, this.q.selectSteps, [id]))).map(rowToStep);
  }

  reapExpired(now: number): Promise<number> {
    return reapExpired(this, now);
  }

  updateLocked(id: number, decide: (job: Job) => JobWrite): Promise<Job | undefined> {
    return inTransaction(
      this.pool,
      'updateLocked',
      async (conn) => {
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [id]);
        if (!row) return undefined;
        const job = rowToJob(row);
        await this.writeLocked(conn, job, decide(job));
        const [after] = await selectRows(conn, this.q.selectById, [id]);
        return rowToJob(after!);
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
    const sql = this.q.list(statuses.length, f.queue !== null, f.order === 'desc');
    return (await this.autocommit('list', (db) => selectRows(db, sql, values))).map(rowToJob);
  }

  async leases(kind: 'active' | 'expired', now: number): Promise<Job[]> {
    const sql = kind === 'active' ? this.q.listActive : this.q.listExpired;
    return (await this.autocommit(kind === 'active' ? 'getActiveLeases' : 'getExpiredLeases', (db) => selectRows(db, sql, [now]))).map(rowToJob);
  }

  async counts(): Promise<{ queue: string; status: JobStatus; n: number }[]> {
    const rows = await this.autocommit('stats', (db) => selectRows(db, this.q.stats));
    return rows.map((r) => ({ queue: text(r.queue), status: String(r.status) as JobStatus, n: Number(r.n) }));
  }

  async prune(cutoff: number, statuses: JobStatus[]): Promise<number> {
    let total = 0;
    // Chunked so a prune of millions of rows never holds millions of locks or one huge undo log.
    for (;;) {
      const n = await inTransaction(
        this.pool,
        'prune',
        async (conn) => {
          const ids = (await selectRows(conn, this.q.selectPrunable(statuses.length), [cutoff, ...statuses, PRUNE_CHUNK])).map((r) => Number(r.id));
          if (ids.length === 0) return 0;
          await execute(conn, this.q.deleteSteps(ids.length), ids);
          await execute(conn, this.q.deleteJobs(ids.length), ids);
          return ids.length;
        },
        this.tx(),
      );
      total += n;
      if (n < PRUNE_CHUNK) return total;
    }
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

  async sweepDeadWorkers(now: number): Promise<number> {
    const ok = await this.autocommit('sweepDeadWorkers', (db) => execute(db, this.q.sweepDeadWorkers, [now, now, now]));
    return ok.affectedRows;
  }

  releaseWorker(workerId: string, now: number, decide: (existing: WorkerProcess | undefined) => void): Promise<number> {
    return inTransaction(
      this.pool,
      'releaseWorkerLeases',
      async (conn) => {
        const [found] = await selectRows(conn, this.q.selectWorkerForUpdate, [workerId]);
        decide(found && rowToWorker(found));
        const rows = await selectRows(conn, this.q.lockHeldBy, [workerId, workerId]);
        for (const row of rows) {
          const job = rowToJob(row);
          await this.writeLocked(conn, job, writeOf('expire', applyExpire(job, now)));
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
    if (ok.affectedRows === 1) return;
    const [row] = await selectRows(conn, this.q.selectById, [Number(prev.id)]);
    const status = w.fields.includes('status') ? w.values[w.fields.indexOf('status')] : prev.status;
    if (!row || String(row.status) !== status) throw new StoreUnavailableError(`mysql write of job ${prev.id} matched ${ok.affectedRows} rows`);
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
