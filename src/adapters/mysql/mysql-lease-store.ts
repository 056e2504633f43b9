/**
 * The MySQL store: many worker processes on many hosts share one MySQL 8 (or MariaDB 10.6+)
 * database, the only coordinator. Behaves exactly like the in-memory model (the contract suite
 * holds it to that); every state change is computed by the domain's `apply*` functions on a
 * row read FOR UPDATE, and written back guarded by the status and token it was read with.
 */
import { JobNotFoundError, LeaseLostError, StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import type {
  AcquireRequest,
  CompleteEntry,
  CompleteOutcome,
  EnqueueResult,
  FailOptions,
  Job,
  JobStatus,
  Json,
  Lease,
  ListFilter,
  NewJob,
  PruneOptions,
  Stats,
  StepRecord,
} from '../../domain/job.js';
import { emptyStatusCounts } from '../../domain/job.js';
import { holdsLease, isPoisoned } from '../../domain/lease-rules.js';
import {
  applyAcquire,
  applyCancel,
  applyComplete,
  applyExpire,
  applyExtend,
  applyFail,
  applyManualRetry,
  applyRelease,
  assertTransition,
} from '../../domain/lifecycle.js';
import { decideFailure, describeError } from '../../domain/retry-policy.js';
import { sortSteps } from '../../domain/steps.js';
import {
  parseJobId,
  validateAcquire,
  validateDuration,
  validateFailOptions,
  validateInteger,
  validateJson,
  validateKey,
  validateListFilter,
  validateNewJob,
  validatePrune,
  validateTableName,
  type ValidatedNewJob,
} from '../../domain/validation.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { EnqueueListeners } from '../shared/enqueue-listeners.js';
import { leaseInput, leaseOf } from '../shared/lease-input.js';
import { resolveStoreOptions, type CommonStoreOptions, type ResolvedStoreOptions } from '../shared/store-options.js';
import {
  DEFAULT_TX_RETRY,
  autocommit,
  execute,
  inTransaction,
  selectRows,
  type MysqlOkPacket,
  type MysqlTx,
  type TxOptions,
  type MysqlPoolLike,
  type MysqlRow,
  type TxRetryPolicy,
} from './mysql-driver.js';
import { isConnectionBroken, isDuplicateKey } from './mysql-errors.js';
import { migrateMysql } from './mysql-migrator.js';
import { openMysqlPool, validateMysqlSource } from './mysql-pool.js';
import { mysqlQueries, type MysqlQueries } from './mysql-queries.js';

/** Options of {@link MysqlLeaseStore}: a `uri` (the store opens and closes its pool) or a `pool` you own. */
export type MysqlLeaseStoreOptions = CommonStoreOptions & {
  /** Table of jobs; steps go to `<table>_steps`, schema versions to `<table>_schema`. Default `processing_jobs`. */
  table?: string;
  /** Pool size when the store opens its pool from `uri`. Default 10. */
  connectionLimit?: number;
  /** Retries of deadlocks and lock-wait timeouts. Default 5 attempts, 5 ms doubling backoff. */
  conflictRetry?: Partial<TxRetryPolicy>;
  /**
   * Set when the `pool` you pass was created with mysql2's `multipleStatements: true`: the store
   * then sends its statements together (a claim in two round trips instead of seven). Values
   * still travel only as `?` parameters. Default: true for a pool the store opens, false for yours.
   */
  multipleStatements?: boolean;
} & ({ uri: string; pool?: undefined } | { pool: MysqlPoolLike; uri?: undefined });

/**
 * Rows per multi-row INSERT or batched UPDATE, and bytes of JSON text per statement. A statement
 * must fit in max_allowed_packet (default 16 MiB on MariaDB 10.2+, 64 MiB on MySQL 8; a
 * statement over it fails with ER_NET_PACKET_TOO_LARGE and changes nothing), so batches are
 * split well below the smaller default.
 */
const INSERT_CHUNK_ROWS = 1000;
const INSERT_CHUNK_BYTES = 4 * 1024 * 1024;
const PRUNE_CHUNK = 1000;

type Held = { conn: MysqlTx; job: Job };
type LiveEntry = { i: number; idNum: number; token: number; text: string | null; job: Job };

/**
 * A LeaseStore on MySQL 8 or MariaDB 10.6+ through mysql2.
 * Default table `processing_jobs`, default pool of 10 connections when given a `uri`.
 * @example
 * const store = new MysqlLeaseStore({ uri: 'mysql://app@db:3306/app', clock: await new MysqlClock({ uri }).start() });
 * await store.migrate();
 * await store.enqueue({ queue: 'orders', payload: { orderId: 1 }, key: 'order-1' });
 */
export class MysqlLeaseStore implements LeaseStore {
  private readonly opts: ResolvedStoreOptions;
  private readonly pool: MysqlPoolLike;
  private readonly ownsPool: boolean;
  private readonly q: MysqlQueries;
  private readonly table: string;
  private readonly conflictRetry: TxRetryPolicy;
  private readonly multiStatements: boolean;
  private readonly listeners = new EnqueueListeners();
  private autoIncrementStep: number | undefined;
  private closed = false;

  constructor(options: MysqlLeaseStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object with uri or pool');
    this.opts = resolveStoreOptions(options);
    this.table = validateTableName(options.table ?? 'processing_jobs', 'table');
    this.q = mysqlQueries(this.table);
    this.conflictRetry = {
      attempts: options.conflictRetry?.attempts === undefined ? DEFAULT_TX_RETRY.attempts : validateInteger(options.conflictRetry.attempts, 'conflictRetry.attempts', 1, 100),
      baseDelayMs: options.conflictRetry?.baseDelayMs === undefined ? DEFAULT_TX_RETRY.baseDelayMs : validateInteger(options.conflictRetry.baseDelayMs, 'conflictRetry.baseDelayMs', 0, 10_000),
    };
    if (options.multipleStatements !== undefined && typeof options.multipleStatements !== 'boolean') throw new ValidationError('multipleStatements', 'must be a boolean');
    const source = validateMysqlSource(options);
    if (source.pool !== undefined) {
      this.pool = source.pool;
      this.ownsPool = false;
    } else {
      const connectionLimit = options.connectionLimit === undefined ? 10 : validateInteger(options.connectionLimit, 'connectionLimit', 1, 1000);
      this.pool = openMysqlPool(source.uri, connectionLimit);
      this.ownsPool = true;
    }
    this.multiStatements = options.multipleStatements ?? this.ownsPool;
  }

  async migrate(): Promise<void> {
    this.open();
    await migrateMysql({ pool: this.pool, table: this.table, queries: this.q, now: () => this.now() });
  }

  async enqueue(job: NewJob): Promise<EnqueueResult> {
    this.open();
    const now = this.now();
    const v = validateNewJob(job, now, { maxPayloadBytes: this.opts.maxPayloadBytes });
    const out = await autocommit(this.pool, 'enqueue', (db) => this.insertOne(db, v, now), this.conflictRetry, Math.random);
    if (out.created) this.listeners.notify(v.queue, v.runAt);
    return out;
  }

  async enqueueMany(jobs: NewJob[]): Promise<EnqueueResult[]> {
    this.open();
    if (!Array.isArray(jobs)) throw new ValidationError('jobs', 'must be an array');
    const now = this.now();
    const valid = jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `jobs[${i}]` }));
    if (valid.length === 0) return [];
    const step = await this.idStep();
    const keyCount = new Set(valid.map((v) => v.key)).size;
    let out: EnqueueResult[];
    for (let attempt = 1; ; attempt++) {
      try {
        out = await inTransaction(this.pool, 'enqueueMany', (conn) => this.insertMany(conn, valid, now, step), this.txOptions());
        break;
      } catch (e) {
        // Another process inserted one of these keys between our SELECT and INSERT: the whole
        // batch rolled back; the next attempt finds that key (committed by then, or the
        // INSERT would have waited) and returns its job. Each retry settles at least one key.
        if (!(e instanceof StoreUnavailableError && isDuplicateKey(e.cause)) || attempt > keyCount) throw e;
      }
    }
    valid.forEach((v, i) => out[i]!.created && this.listeners.notify(v.queue, v.runAt));
    return out;
  }

  async acquire(req: AcquireRequest): Promise<Lease[]> {
    this.open();
    const r = validateAcquire(req);
    const now = this.now();
    const queues = r.queues === null ? null : [...new Set(r.queues)];
    return inTransaction(this.pool, 'acquire', (conn) => this.claim(conn, r.workerId, r.leaseMs, r.limit, queues, now), this.txOptions());
  }

  async extend(lease: Lease, leaseMs: number): Promise<Lease> {
    this.open();
    const ms = validateDuration(leaseMs, 'leaseMs');
    return this.withHeld(lease, 'extend', async ({ conn, job }) => {
      const now = this.now();
      return leaseOfCopy(await this.write(conn, job, applyExtend(job, now, ms), null));
    });
  }

  async complete(lease: Lease, result?: Json): Promise<Job> {
    this.open();
    const text = result === undefined ? null : validateJson(result, 'result', this.opts.maxPayloadBytes);
    const { id, idNum, token } = leaseInput(lease);
    if (idNum === undefined) throw new LeaseLostError(id, token);
    const now = this.now();
    let ok: MysqlOkPacket;
    try {
      ok = await autocommit(this.pool, 'complete', (db) => execute(db, this.q.completeFenced(1), [idNum, text, now, now, idNum, idNum, token]), this.conflictRetry, Math.random);
    } catch (e) {
      // The connection broke under the statement: the server may have committed it and only the
      // reply was lost. A retry would then meet the fence (the job is done) and report a lost
      // lease for a job this very call completed. Cheap to tell apart here (see `landed`).
      const landed = await this.landed(e, [{ i: 0, idNum, token, text, job: lease.job }], now);
      if (landed?.[0]?.[1].ok) return landed[0][1].job;
      throw e;
    }
    if (ok.affectedRows !== 1) throw new LeaseLostError(id, token);
    return completedFromLease(lease.job, now, text);
  }

  async completeMany(entries: CompleteEntry[]): Promise<CompleteOutcome[]> {
    this.open();
    if (!Array.isArray(entries)) throw new ValidationError('entries', 'must be an array');
    // Validate each entry on its own, like the model: a bad entry is that entry's outcome.
    const out: (CompleteOutcome | undefined)[] = new Array(entries.length);
    const live: LiveEntry[] = [];
    entries.forEach((e, i) => {
      try {
        if (typeof e !== 'object' || e === null) throw new ValidationError(`entries[${i}]`, 'must be { lease, result? }');
        const text = e.result === undefined ? null : validateJson(e.result, 'result', this.opts.maxPayloadBytes);
        const { id, idNum, token } = leaseInput(e.lease);
        if (idNum === undefined) throw new LeaseLostError(id, token);
        live.push({ i, idNum, token, text, job: e.lease.job });
      } catch (error) {
        if (error instanceof ValidationError || error instanceof LeaseLostError) out[i] = { ok: false, error };
        else throw error;
      }
    });
    if (live.length > 0) {
      const distinct = new Set(live.map((l) => l.idNum)).size === live.length;
      const now = this.now();
      let done: [number, CompleteOutcome][];
      try {
        done = await inTransaction(
          this.pool,
          'completeMany',
          async (conn): Promise<[number, CompleteOutcome][]> => {
            if (distinct) {
              // One fenced statement per chunk that fits in a packet, all in this transaction.
              let held = 0;
              for (const chunk of statementChunks(live, (l) => sqlTextBytes(l.text))) {
                const values: unknown[] = [];
                for (const l of chunk) values.push(l.idNum, l.text);
                values.push(now, now, ...chunk.map((l) => l.idNum));
                for (const l of chunk) values.push(l.idNum, l.token);
                const ok = await execute(conn, this.q.completeFenced(chunk.length), values);
                if (ok.affectedRows !== chunk.length) break;
                held += chunk.length;
              }
              if (held === live.length) return live.map((l) => [l.i, { ok: true, job: completedFromLease(l.job, now, l.text) }]);
              // Some lease is stale and one statement cannot say which: undo, then decide row by row.
              await conn.restart();
            }
            return this.completeLocked(conn, live, now);
          },
          this.txOptions(),
        );
      } catch (e) {
        // As in complete: the COMMIT may have landed with its reply lost (see `landed`).
        const landed = await this.landed(e, live, now);
        if (!landed) throw e;
        done = landed;
      }
      for (const [i, o] of done) out[i] = o;
    }
    return out as CompleteOutcome[];
  }

  async fail(lease: Lease, error: unknown, opts?: FailOptions): Promise<Job> {
    this.open();
    const { permanent, retryAt } = validateFailOptions(opts);
    const lastError = describeError(error);
    // Unlike complete, a fail whose COMMIT reply is lost is not recognised: a reaper could leave
    // the same row (retry/failed, same token), so the caller's retry reports a lost lease. See
    // `landed` and `inTransaction`.
    return this.withHeld(lease, 'fail', ({ conn, job }) => {
      const now = this.now();
      const d = decideFailure(job, { now, permanent, retryAt, policy: this.opts.backoff, random: this.opts.random });
      return this.write(conn, job, applyFail(job, now, lastError, d.status === 'retry' ? d.runAt : null), null);
    });
  }

  async release(lease: Lease): Promise<Job> {
    this.open();
    return this.withHeld(lease, 'release', ({ conn, job }) => this.write(conn, job, applyRelease(job, this.now()), null));
  }

  async beginStep(lease: Lease, name: string): Promise<void> {
    this.open();
    validateKey(name, 'name');
    await this.withHeld(lease, 'beginStep', async ({ conn, job }) => {
      const [existing] = await selectRows(conn, this.q.selectStep, [job.id, name]);
      if (existing?.state === 'done') return;
      await this.upsertStep(conn, job, { name, state: 'started', result: null, token: job.leaseToken, startedAt: this.now(), finishedAt: null }, null);
    });
  }

  async saveStep(lease: Lease, name: string, result: Json): Promise<void> {
    this.open();
    validateKey(name, 'name');
    const text = validateJson(result, 'result', this.opts.maxPayloadBytes);
    await this.withHeld(lease, 'saveStep', async ({ conn, job }) => {
      const now = this.now();
      const [existing] = await selectRows(conn, this.q.selectStep, [job.id, name]);
      const startedAt = existing === undefined ? now : Number(existing.started_at);
      await this.upsertStep(conn, job, { name, state: 'done', result: null, token: job.leaseToken, startedAt, finishedAt: now }, text);
    });
  }

  async getSteps(jobId: string): Promise<Record<string, Json>> {
    const out: Record<string, Json> = {};
    for (const s of await this.getStepRecords(jobId)) if (s.state === 'done') out[s.name] = s.result;
    return out;
  }

  async getStepRecords(jobId: string): Promise<StepRecord[]> {
    this.open();
    const idNum = parseJobId(jobId, 'jobId');
    if (idNum === undefined) return [];
    const rows = await autocommit(this.pool, 'getStepRecords', (db) => selectRows(db, this.q.selectSteps, [idNum]), this.conflictRetry, Math.random);
    return sortSteps(rows.map(rowToStep));
  }

  async reapExpired(): Promise<number> {
    this.open();
    const now = this.now();
    return inTransaction(
      this.pool,
      'reapExpired',
      async (conn) => {
        const rows = await this.lockExpired(conn, await selectRows(conn, this.q.findAllExpired, [now]), now);
        for (const row of rows) {
          const job = rowToJob(row);
          await this.write(conn, job, applyExpire(job, now), null);
        }
        return rows.length;
      },
      this.txOptions(),
    );
  }

  async get(id: string): Promise<Job | undefined> {
    this.open();
    const idNum = parseJobId(id);
    if (idNum === undefined) return undefined;
    const [row] = await autocommit(this.pool, 'get', (db) => selectRows(db, this.q.selectById, [idNum]), this.conflictRetry, Math.random);
    return row ? rowToJob(row) : undefined;
  }

  async list(filter?: ListFilter): Promise<Job[]> {
    this.open();
    const f = validateListFilter(filter);
    const statuses = f.statuses ?? [];
    const values: unknown[] = [...statuses];
    if (f.queue !== null) values.push(f.queue);
    values.push(f.limit);
    const rows = await autocommit(this.pool, 'list', (db) => selectRows(db, this.q.list(statuses.length, f.queue !== null, f.order === 'desc'), values), this.conflictRetry, Math.random);
    return rows.map(rowToJob);
  }

  async getActiveLeases(): Promise<Job[]> {
    this.open();
    const now = this.now();
    return (await autocommit(this.pool, 'getActiveLeases', (db) => selectRows(db, this.q.listActive, [now]), this.conflictRetry, Math.random)).map(rowToJob);
  }

  async getExpiredLeases(): Promise<Job[]> {
    this.open();
    const now = this.now();
    return (await autocommit(this.pool, 'getExpiredLeases', (db) => selectRows(db, this.q.listExpired, [now]), this.conflictRetry, Math.random)).map(rowToJob);
  }

  async stats(): Promise<Stats> {
    this.open();
    const rows = await autocommit(this.pool, 'stats', (db) => selectRows(db, this.q.stats), this.conflictRetry, Math.random);
    const s: Stats = { total: 0, byStatus: emptyStatusCounts(), byQueue: {} };
    for (const row of rows) {
      const status = String(row.status) as JobStatus;
      const n = Number(row.n);
      s.total += n;
      s.byStatus[status] += n;
      (s.byQueue[utf8(row.queue)] ??= emptyStatusCounts())[status] += n;
    }
    return s;
  }

  async retry(id: string): Promise<Job> {
    this.open();
    const job = await this.adminTransition(id, 'retry', applyManualRetry);
    this.listeners.notify(job.queue, job.runAt);
    return job;
  }

  async cancel(id: string): Promise<Job> {
    this.open();
    return this.adminTransition(id, 'cancel', applyCancel);
  }

  async prune(opts: PruneOptions): Promise<number> {
    this.open();
    const p = validatePrune(opts);
    const cutoff = this.now() - p.olderThanMs;
    let total = 0;
    // Chunked so a prune of millions of rows never holds millions of locks or one huge undo log.
    for (;;) {
      const n = await inTransaction(
        this.pool,
        'prune',
        async (conn) => {
          const ids = (await selectRows(conn, this.q.selectPrunable(p.statuses.length), [cutoff, ...p.statuses, PRUNE_CHUNK])).map((r) => Number(r.id));
          if (ids.length === 0) return 0;
          await execute(conn, this.q.deleteSteps(ids.length), ids);
          await execute(conn, this.q.deleteJobs(ids.length), ids);
          return ids.length;
        },
        this.txOptions(),
      );
      total += n;
      if (n < PRUNE_CHUNK) return total;
    }
  }

  onEnqueue(listener: (queue: string, runAt: number) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
  }

  // ---- internals ----

  private open(): void {
    if (this.closed) throw new StoreUnavailableError('the store is closed');
  }

  private now(): number {
    return this.opts.clock.now();
  }

  private txOptions(): TxOptions {
    // A pool the store opened sets READ COMMITTED once per connection; a pool it was handed
    // keeps its sessions as they are, so each transaction sets its own isolation (in the same
    // round trip as BEGIN when statements may be sent together).
    return {
      isolation: this.ownsPool ? null : this.q.readCommitted,
      begin: this.q.begin,
      commit: this.q.commit,
      rollback: this.q.rollback,
      multiStatements: this.multiStatements,
      retry: this.conflictRetry,
      random: Math.random,
    };
  }

  /** auto_increment_increment (1 unless replication topologies such as Galera set it), read once. */
  private async idStep(): Promise<number> {
    if (this.autoIncrementStep === undefined) {
      const [row] = await autocommit(this.pool, 'enqueueMany', (db) => selectRows(db, this.q.autoIncrementStep), this.conflictRetry, Math.random);
      this.autoIncrementStep = Math.max(1, Number(row?.step ?? 1));
    }
    return this.autoIncrementStep;
  }

  /** Inserts one job, or returns the job that holds its key. */
  private async insertOne(db: Pick<MysqlPoolLike, 'query'>, v: ValidatedNewJob, now: number): Promise<EnqueueResult> {
    // A key can vanish (prune) between the failed INSERT and the SELECT: then insert again.
    for (;;) {
      try {
        const ok = await execute(db, this.q.insertJob, insertValues(v, now));
        return { job: newJob(Number(ok.insertId), v, now), created: true };
      } catch (e) {
        if (!isDuplicateKey(e) || v.key === null) throw e;
      }
      const [row] = await selectRows(db, this.q.selectByKey, [v.key]);
      if (row) return { job: rowToJob(row), created: false };
    }
  }

  private async insertMany(conn: MysqlTx, valid: ValidatedNewJob[], now: number, step: number): Promise<EnqueueResult[]> {
    const out: (EnqueueResult | undefined)[] = new Array(valid.length);
    // Keys already in the table, then keys repeated within the batch: the first one wins.
    const keys = [...new Set(valid.flatMap((v) => (v.key === null ? [] : [v.key])))];
    const existing = new Map<string, MysqlRow>();
    for (let i = 0; i < keys.length; i += INSERT_CHUNK_ROWS) {
      const chunk = keys.slice(i, i + INSERT_CHUNK_ROWS);
      for (const row of await selectRows(conn, this.q.selectByKeys(chunk.length), chunk)) existing.set(utf8(row.job_key), row);
    }
    const firstOfKey = new Map<string, number>();
    const toInsert: number[] = [];
    valid.forEach((v, i) => {
      if (v.key !== null) {
        const row = existing.get(v.key);
        if (row) return void (out[i] = { job: rowToJob(row), created: false });
        if (firstOfKey.has(v.key)) return;
        firstOfKey.set(v.key, i);
      }
      toInsert.push(i);
    });
    for (let start = 0; start < toInsert.length; ) {
      let end = start;
      let bytes = 0;
      while (end < toInsert.length && end - start < INSERT_CHUNK_ROWS && (end === start || bytes + valid[toInsert[end]!]!.payloadText.length <= INSERT_CHUNK_BYTES)) {
        bytes += valid[toInsert[end]!]!.payloadText.length;
        end++;
      }
      const chunk = toInsert.slice(start, end);
      // A concurrent enqueue of one of these keys makes this INSERT fail with 1062 (see enqueueMany).
      // The last chunk carries the COMMIT: a batch without keys is one round trip in all.
      const insert: [string, unknown[]] = [this.q.insertJobs(chunk.length), chunk.flatMap((i) => insertValues(valid[i]!, now))];
      const ok = (end === toInsert.length ? await conn.queryAndCommit(...insert) : (await conn.many([insert]))[0]) as MysqlOkPacket;
      const first = Number(ok.insertId);
      chunk.forEach((i, k) => (out[i] = { job: newJob(first + k * step, valid[i]!, now), created: true }));
      start = end;
    }
    valid.forEach((v, i) => {
      if (out[i] === undefined) out[i] = { job: copyJob(out[firstOfKey.get(v.key!)!]!.job), created: false };
    });
    return out as EnqueueResult[];
  }

  /**
   * The claim (rules 1 and 2), in one READ COMMITTED transaction. MySQL cannot select inside an
   * UPDATE, so: SELECT ... FOR UPDATE SKIP LOCKED, then UPDATE the rows just locked. Waiting rows
   * of each status and expired leases are read in claim order and merged in JS, exactly as the
   * model walks its heaps: a poisoned row met on the way fails and does not count towards `limit`.
   */
  private async claim(conn: MysqlTx, workerId: string, leaseMs: number, limit: number, queues: string[] | null, now: number): Promise<Lease[]> {
    const leases: Lease[] = [];
    for (;;) {
      const need = limit - leases.length;
      const [pending, retry, expiredIds] = (await conn.many([
        this.selectWaiting('pending', queues, now, need),
        this.selectWaiting('retry', queues, now, need),
        [this.q.findExpired(queues?.length ?? 0), [now, ...(queues ?? []), need]],
      ])) as MysqlRow[][];
      const expired = (await this.lockExpired(conn, expiredIds!, now)).map(rowToJob).sort((a, b) => (claimBefore(a, b) ? -1 : 1));
      // A list that came back full may hide more rows; the expired one counts as full when its
      // unlocked read did, even if another claimer took some of them since.
      const sources = [
        { jobs: pending!.map(rowToJob), next: 0, truncated: pending!.length === need },
        { jobs: retry!.map(rowToJob), next: 0, truncated: retry!.length === need },
        { jobs: expired, next: 0, truncated: expiredIds!.length === need },
      ];
      const claimed: Job[] = [];
      let poisoned = 0;
      let cutShort = false;
      while (claimed.length < need) {
        let best: (typeof sources)[number] | undefined;
        for (const s of sources) {
          const head = s.jobs[s.next];
          if (head && (!best || claimBefore(head, best.jobs[best.next]!))) best = s;
        }
        if (!best) break;
        const job = best.jobs[best.next++]!;
        if (isPoisoned(job, now)) {
          await this.write(conn, job, applyExpire(job, now), null);
          poisoned++;
        } else {
          claimed.push(job);
        }
        // A list that came back full and is used up may hide rows that sort before the others'.
        if (best.truncated && best.next === best.jobs.length && claimed.length < need) {
          cutShort = true;
          break;
        }
      }
      // Fresh claims share every written value, so one UPDATE marks them all; a takeover also
      // records why the lease changed hands, a message that differs per row (rare: crashes only).
      const last = !cutShort || (claimed.length === 0 && poisoned === 0);
      for (const job of claimed) {
        const next = applyAcquire(job, workerId, now, leaseMs);
        if (job.status === 'processing') await this.write(conn, job, next, null);
        leases.push(leaseOfCopy(next));
      }
      const fresh = claimed.filter((j) => j.status !== 'processing').map((j) => Number(j.id));
      if (fresh.length > 0) {
        const mark: [string, unknown[]] = [this.q.markClaimed(fresh.length), [workerId, now + leaseMs, now, ...fresh]];
        if (last) await conn.queryAndCommit(...mark);
        else await conn.many([mark]);
      }
      if (last) return leases;
    }
  }

  /** Locks the expired rows found without locks, skipping any another claimer holds. */
  private async lockExpired(conn: MysqlTx, found: MysqlRow[], now: number): Promise<MysqlRow[]> {
    if (found.length === 0) return [];
    const ids = found.map((r) => Number(r.id));
    return selectRows(conn, this.q.lockExpired(ids.length), [...ids, now]);
  }

  private selectWaiting(status: 'pending' | 'retry', queues: string[] | null, now: number, limit: number): [string, unknown[]] {
    if (queues === null) return [this.q.claimWaiting, [status, now, limit]];
    if (queues.length === 1) return [this.q.claimWaitingInQueue, [queues[0], status, now, limit]];
    return [this.q.claimWaitingInQueues(queues.length), [status, now, ...queues, limit]];
  }

  /**
   * After a complete (or completeMany) at `now` failed with `error`: when the connection broke,
   * reads the rows back and, if the write committed with only its reply lost, returns the
   * outcomes it had. Only that write sets status 'done' with these lease tokens and this call's
   * time as finished_at, so a match is proof; a transaction commits whole, so one match (and no
   * lease still held) means every entry that was not matched lost its lease. Undefined otherwise: the error stands, and
   * the caller's retry may meet the fence and report a lost lease for a job that is done. That
   * remains possible when this read fails too, or runs before a statement the server had
   * already received commits. Other writes (fail, release, extend, steps) keep the job in a
   * state a reaper could also produce (retry/failed, same token), so they are not told apart:
   * see the comment in `inTransaction`.
   */
  private async landed(error: unknown, live: LiveEntry[], now: number): Promise<[number, CompleteOutcome][] | undefined> {
    if (!(error instanceof StoreUnavailableError && isConnectionBroken(error.cause))) return undefined;
    const ids = [...new Set(live.map((l) => l.idNum))];
    let rows: MysqlRow[];
    try {
      rows = await autocommit(this.pool, 'complete', (db) => selectRows(db, this.q.selectByIds(ids.length), ids), this.conflictRetry, Math.random);
    } catch {
      return undefined;
    }
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    // A lease still held means the transaction did not commit (it would have completed that job).
    const held = (l: LiveEntry): boolean => {
      const row = byId.get(l.idNum);
      return row !== undefined && String(row.status) === 'processing' && Number(row.lease_token) === l.token;
    };
    if (live.some(held)) return undefined;
    const won = new Set<number>();
    const out = live.map((l): [number, CompleteOutcome] => {
      const row = byId.get(l.idNum);
      if (won.has(l.idNum) || !row || String(row.status) !== 'done' || Number(row.lease_token) !== l.token || Number(row.finished_at) !== now) {
        return [l.i, { ok: false, error: new LeaseLostError(String(l.idNum), l.token) }];
      }
      won.add(l.idNum);
      return [l.i, { ok: true, job: completedFromLease(l.job, now, l.text) }];
    });
    return won.size > 0 ? out : undefined;
  }

  private async completeLocked(conn: MysqlTx, live: LiveEntry[], now: number): Promise<[number, CompleteOutcome][]> {
    const ids = [...new Set(live.map((l) => l.idNum))];
    const rows = new Map<number, Job>();
    for (const row of await selectRows(conn, this.q.selectByIdsForUpdate(ids.length), ids)) rows.set(Number(row.id), rowToJob(row));
    const out: [number, CompleteOutcome][] = [];
    const winners = new Map<number, { text: string | null; job: Job }>();
    for (const l of live) {
      const job = rows.get(l.idNum);
      // Like the model's loop: an entry behind an earlier entry for the same job finds it done.
      if (!job || winners.has(l.idNum) || !holdsLease(job, l.token)) {
        out.push([l.i, { ok: false, error: new LeaseLostError(String(l.idNum), l.token) }]);
        continue;
      }
      const done = { ...applyComplete(job, now, null), result: l.text === null ? null : (JSON.parse(l.text) as Json) };
      winners.set(l.idNum, { text: l.text, job: done });
      out.push([l.i, { ok: true, job: done }]);
    }
    for (const chunk of statementChunks([...winners], ([, w]) => sqlTextBytes(w.text))) {
      const values: unknown[] = [];
      for (const [id, w] of chunk) values.push(id, w.text);
      values.push(now, now, ...chunk.map(([id]) => id));
      await execute(conn, this.q.completeJobs(chunk.length), values);
    }
    // Each outcome gets its own copy, as the model's do.
    return out.map(([i, o]) => [i, o.ok ? { ok: true, job: copyJob(o.job) } : o]);
  }

  /**
   * Runs `work` in a transaction holding the lease's job row FOR UPDATE, after checking the
   * lease still holds it (rule 3). The row lock serialises the write with any takeover.
   */
  private withHeld<T>(lease: Lease, operation: string, work: (held: Held) => Promise<T>): Promise<T> {
    const { id, idNum, token } = leaseInput(lease);
    if (idNum === undefined) return Promise.reject(new LeaseLostError(id, token));
    return inTransaction(
      this.pool,
      operation,
      async (conn) => {
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [idNum]);
        if (!row) throw new LeaseLostError(id, token);
        const job = rowToJob(row);
        if (!holdsLease(job, token)) throw new LeaseLostError(id, token);
        return work({ conn, job });
      },
      this.txOptions(),
    );
  }

  private async adminTransition(id: string, action: 'retry' | 'cancel', apply: (job: Job, now: number) => Job): Promise<Job> {
    const idNum = parseJobId(id);
    if (idNum === undefined) throw new JobNotFoundError(id);
    return inTransaction(
      this.pool,
      action,
      async (conn) => {
        const [row] = await selectRows(conn, this.q.selectByIdForUpdate, [idNum]);
        if (!row) throw new JobNotFoundError(id);
        const job = rowToJob(row);
        assertTransition(id, action, job.status);
        return this.write(conn, job, apply(job, this.now()), null);
      },
      this.txOptions(),
    );
  }

  /**
   * Writes `next` over the locked row that held `prev`, guarded by prev's status and token.
   * `resultText` replaces the result only when `setResult` (complete).
   */
  private async write(conn: MysqlTx, prev: Job, next: Job, resultText: string | null, setResult = false): Promise<Job> {
    const prevResult = prev.result === null ? null : JSON.stringify(prev.result);
    const text = setResult ? resultText : prevResult;
    const ok = await execute(conn, this.q.writeJob, writeValues(next, text, prev));
    // The row is locked by this transaction, so the guard cannot miss. Zero affected rows then
    // means the write changed nothing (an extend within the same millisecond) on a connection
    // without CLIENT_FOUND_ROWS (mysql2 sets it by default; a handed pool may not): confirm by
    // reading the row back rather than trusting the count.
    if (ok.affectedRows !== 1) {
      const [row] = await selectRows(conn, this.q.selectById, [Number(prev.id)]);
      if (!row || String(row.status) !== next.status || Number(row.lease_token) !== next.leaseToken) {
        throw new StoreUnavailableError(`mysql write of job ${prev.id} matched ${ok.affectedRows} rows`);
      }
    }
    return { ...next, result: text === null ? null : (JSON.parse(text) as Json) };
  }

  private async upsertStep(conn: MysqlTx, job: Job, s: StepRecord, resultText: string | null): Promise<void> {
    const fields = [s.state, resultText, s.token, s.startedAt, s.finishedAt];
    await execute(conn, this.q.upsertStep, [job.id, s.name, ...fields, ...fields]);
  }
}

/**
 * Splits `items` into runs of at most INSERT_CHUNK_ROWS whose `bytes` add up to at most
 * INSERT_CHUNK_BYTES; an item larger than that on its own goes alone.
 */
function statementChunks<T>(items: T[], bytes: (item: T) => number): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = bytes(item);
    if (chunk.length > 0 && (chunk.length >= INSERT_CHUNK_ROWS || size + n > INSERT_CHUNK_BYTES)) {
      out.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += n;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/**
 * Bytes a text value takes inside a statement: its UTF-8 length plus one backslash for each
 * character mysql2 escapes in a string literal (NUL, \b, \t, \n, \r, \x1a, quotes, backslash).
 * JSON text full of escaped quotes or backslashes is twice its size on the wire.
 */
function sqlTextBytes(text: string | null): number {
  if (text === null) return 4;
  let escapes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x27 || c === 0x5c || c === 0 || c === 8 || c === 9 || c === 10 || c === 13 || c === 0x1a) escapes++;
  }
  return Buffer.byteLength(text, 'utf8') + escapes + 2;
}

function insertValues(v: ValidatedNewJob, now: number): unknown[] {
  return [v.queue, v.key, v.payloadText, v.priority, v.runAt, v.maxAttempts, now, now];
}

function writeValues(next: Job, resultText: string | null, guard: Pick<Job, 'id' | 'status' | 'leaseToken'>): unknown[] {
  return [
    next.status,
    next.runAt,
    next.attempts,
    next.leaseToken,
    next.lockedBy,
    next.lockedUntil,
    next.lastError,
    resultText,
    next.updatedAt,
    next.finishedAt,
    Number(guard.id),
    guard.status,
    guard.leaseToken,
  ];
}

function newJob(id: number, v: ValidatedNewJob, now: number): Job {
  return {
    id: String(id),
    queue: v.queue,
    key: v.key,
    // validateNewJob parsed this copy for this call alone; nobody else holds it.
    payload: v.payload,
    status: 'pending',
    priority: v.priority,
    runAt: v.runAt,
    attempts: 0,
    maxAttempts: v.maxAttempts,
    lockedBy: null,
    lockedUntil: null,
    leaseToken: 0,
    lastError: null,
    result: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}

/**
 * The job a fenced complete produced, built from the lease instead of read back: while its
 * token holds, only the holder changes the row, and only lockedUntil/updatedAt (extend), which
 * complete overwrites. So the lease's job plus the domain transition is the row as written.
 */
function completedFromLease(leaseJob: Job, now: number, text: string | null): Job {
  return { ...applyComplete(copyJob(leaseJob), now, null), result: text === null ? null : (JSON.parse(text) as Json) };
}

function copyJob(job: Job): Job {
  return { ...job, payload: structuredClone(job.payload), result: structuredClone(job.result) };
}

function claimBefore(a: Job, b: Job): boolean {
  return a.priority !== b.priority ? a.priority < b.priority : a.runAt !== b.runAt ? a.runAt < b.runAt : Number(a.id) < Number(b.id);
}

/** A lease on a copy of the job, so the caller's lease and the store's rows never share objects. */
const leaseOfCopy = (job: Job): Lease => leaseOf(copyJob(job));

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * A VARBINARY name column (queue, job_key, step name) as the string it was written from: the
 * columns hold the UTF-8 bytes of the parameter (see migrations/mysql/0001), and mysql2 hands
 * binary columns back as Buffers unless a pool's own typeCast already made them strings.
 */
function utf8(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** A job row as the public Job (numbers may arrive as strings from pools with bigNumberStrings). */
function rowToJob(row: MysqlRow): Job {
  return {
    id: String(row.id),
    queue: utf8(row.queue),
    key: row.job_key === null || row.job_key === undefined ? null : utf8(row.job_key),
    payload: JSON.parse(String(row.payload)) as Json,
    status: String(row.status) as JobStatus,
    priority: Number(row.priority),
    runAt: Number(row.run_at),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    lockedBy: strOrNull(row.locked_by),
    lockedUntil: numOrNull(row.locked_until),
    leaseToken: Number(row.lease_token),
    lastError: strOrNull(row.last_error),
    result: row.result === null || row.result === undefined ? null : (JSON.parse(String(row.result)) as Json),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

function rowToStep(row: MysqlRow): StepRecord {
  return {
    name: utf8(row.name),
    state: String(row.state) as StepRecord['state'],
    result: row.result === null || row.result === undefined ? null : (JSON.parse(String(row.result)) as Json),
    token: Number(row.token),
    startedAt: Number(row.started_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

