/**
 * The SQLite store on better-sqlite3: one file shared by any number of processes on one host.
 * It behaves exactly like the in-memory model (the contract suite checks it); what SQLite adds
 * is durability (WAL, synchronous=FULL by default) and cross-process atomicity (every
 * read-then-write runs in a BEGIN IMMEDIATE transaction, every worker write is fenced in SQL).
 */
import Database from 'better-sqlite3';
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
import { assertTransition, leaseExpiredMessage } from '../../domain/lifecycle.js';
import { decideFailure, describeError } from '../../domain/retry-policy.js';
import { sortSteps } from '../../domain/steps.js';
import {
  parseJobId,
  validateAcquire,
  validateInteger,
  validateJson,
  validateKey,
  validateListFilter,
  validateNewJob,
  validatePrune,
  validateDuration,
  validateFailOptions,
  type ValidatedNewJob,
} from '../../domain/validation.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { EnqueueListeners } from '../shared/enqueue-listeners.js';
import { leaseInput, leaseOf } from '../shared/lease-input.js';
import { resolveStoreOptions, type CommonStoreOptions, type ResolvedStoreOptions } from '../shared/store-options.js';
import { translateSqliteError, type SqliteDatabaseLike, type SqliteStatementLike } from './sqlite-database.js';
import { loadMigrations, migrateSqlite } from './sqlite-migrator.js';
import * as Q from './sqlite-queries.js';

/** Options of {@link SqliteLeaseStore}: give `filename` or `database`, not both. */
export interface SqliteLeaseStoreOptions extends CommonStoreOptions {
  /** Database file to open (created if missing); the store closes it on `close()`. */
  filename?: string;
  /**
   * An open better-sqlite3 database to use instead; `close()` leaves it open. The store still
   * sets WAL, `synchronous` and `busy_timeout` on it, and registers one SQL function.
   */
  database?: SqliteDatabaseLike;
  /**
   * `FULL` (default): a committed job survives power loss. `NORMAL`: about ten times more
   * commits per second in WAL mode, still safe against a process crash, but a power loss or
   * OS crash can lose the last committed transactions (never corrupts the file).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another process's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** A row of processing_jobs as the driver returns it. */
interface JobRow {
  id: number;
  queue: string;
  job_key: string | null;
  payload: string;
  status: JobStatus;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  lease_token: number;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

interface StepRow {
  name: string;
  state: 'started' | 'done';
  result: string | null;
  token: number;
  started_at: number;
  finished_at: number | null;
}

/** Beyond any int32 priority: a poison-rule bound that every row sorts before. */
const AFTER_EVERY_PRIORITY = 2 ** 31;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const SQL = {
  insertJob: Q.INSERT_JOB,
  jobByKey: Q.SELECT_JOB_BY_KEY,
  job: Q.SELECT_JOB,
  list: Q.LIST_JOBS,
  listDesc: Q.LIST_JOBS_DESC,
  activeLeases: Q.LIST_ACTIVE_LEASES,
  expiredLeases: Q.LIST_EXPIRED_LEASES,
  counts: Q.COUNT_BY_QUEUE_AND_STATUS,
  extend: Q.EXTEND_LEASE,
  complete: Q.COMPLETE_JOB,
  completeMany: Q.COMPLETE_JOBS,
  fail: Q.FAIL_JOB,
  release: Q.RELEASE_JOB,
  held: Q.SELECT_HELD,
  beginStep: Q.BEGIN_STEP,
  saveStep: Q.SAVE_STEP,
  steps: Q.SELECT_STEPS,
  reap: Q.REAP_EXPIRED,
  cancel: Q.CANCEL_JOB,
  retry: Q.RETRY_JOB,
  pruneSteps: Q.PRUNE_STEPS,
  pruneJobs: Q.PRUNE_JOBS,
} as const;

const CLAIM_SQL = { all: Q.CLAIM_ALL, one: Q.CLAIM_ONE_QUEUE, many: Q.CLAIM_MANY_QUEUES } as const;

type ClaimStatements = { [K in keyof Q.ClaimSql]: SqliteStatementLike };
type Statements = { -readonly [K in keyof typeof SQL]: SqliteStatementLike } & {
  claim: { [F in keyof typeof CLAIM_SQL]: ClaimStatements };
};

/**
 * A LeaseStore in a SQLite file, shared safely by several processes on one host.
 * Defaults: WAL, synchronous=FULL, busy timeout 5000 ms, the system clock.
 * @example
 * const store = new SqliteLeaseStore({ filename: 'jobs.db' });
 * await store.migrate();
 * await store.enqueue({ queue: 'orders', payload: { orderId: 1 }, key: 'order-1' });
 */
export class SqliteLeaseStore implements LeaseStore {
  private readonly opts: ResolvedStoreOptions;
  private readonly db: SqliteDatabaseLike;
  private readonly ownsDatabase: boolean;
  private readonly listeners = new EnqueueListeners();
  private statements: Statements | undefined;
  private closed = false;

  constructor(options: SqliteLeaseStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object with filename or database');
    this.opts = resolveStoreOptions(options);
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new ValidationError('synchronous', `must be 'FULL' or 'NORMAL', got ${String(synchronous)}`);
    const busyTimeoutMs =
      options.busyTimeoutMs === undefined ? DEFAULT_BUSY_TIMEOUT_MS : validateInteger(options.busyTimeoutMs, 'busyTimeoutMs', 0, 2 ** 31 - 1);
    if ((options.filename === undefined) === (options.database === undefined)) {
      throw new ValidationError('filename', 'give exactly one of filename or database');
    }
    if (options.filename !== undefined && (typeof options.filename !== 'string' || options.filename === '')) {
      throw new ValidationError('filename', 'must be a non-empty path (or ":memory:")');
    }
    if (options.database !== undefined && !isDatabaseLike(options.database)) {
      throw new ValidationError('database', 'must be an open better-sqlite3 Database (prepare, exec, pragma, transaction, function, close)');
    }
    this.ownsDatabase = options.database === undefined;
    this.db = options.database ?? openDatabase(options.filename!, busyTimeoutMs);
    try {
      // Reading journal_mode is also the first read of the file: a non-database fails here.
      this.db.pragma(Q.PRAGMA_WAL);
      this.db.pragma(Q.pragmaSynchronous(synchronous));
      this.db.pragma(Q.pragmaBusyTimeout(busyTimeoutMs));
      // The domain words the lease-expired message; SQL statements call it through this function.
      this.db.function(Q.LEASE_EXPIRED_MESSAGE_FN, { deterministic: true }, (attempts: number, maxAttempts: number) =>
        leaseExpiredMessage(attempts, maxAttempts),
      );
    } catch (e) {
      if (this.ownsDatabase) this.db.close();
      throw translateSqliteError(e, `open of ${options.filename ?? 'the given database'}`);
    }
  }

  async migrate(): Promise<void> {
    this.guard('migrate', () => migrateSqlite(this.db, loadMigrations(), this.now()));
  }

  async enqueue(job: NewJob): Promise<EnqueueResult> {
    const out = this.guard('enqueue', () => {
      const now = this.now();
      const v = validateNewJob(job, now, { maxPayloadBytes: this.opts.maxPayloadBytes });
      const s = this.stmts();
      return { v, result: this.db.transaction(() => this.insert(s, v, now)).immediate() };
    });
    if (out.result.created) this.listeners.notify(out.v.queue, out.v.runAt);
    return out.result;
  }

  async enqueueMany(jobs: NewJob[]): Promise<EnqueueResult[]> {
    const { valid, out } = this.guard('enqueueMany', () => {
      if (!Array.isArray(jobs)) throw new ValidationError('jobs', 'must be an array');
      const now = this.now();
      const valid = jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `jobs[${i}]` }));
      const s = this.stmts();
      return { valid, out: this.db.transaction(() => valid.map((v) => this.insert(s, v, now))).immediate() };
    });
    valid.forEach((v, i) => out[i]!.created && this.listeners.notify(v.queue, v.runAt));
    return out;
  }

  async acquire(req: AcquireRequest): Promise<Lease[]> {
    return this.guard('acquire', () => {
      const r = validateAcquire(req);
      const now = this.now();
      const s = this.stmts();
      const queues = r.queues === null ? null : [...new Set(r.queues)];
      const [claim, q] =
        queues === null ? [s.claim.all, []] : queues.length === 1 ? [s.claim.one, [queues[0]]] : [s.claim.many, [JSON.stringify(queues)]];
      const take = [r.workerId, now + r.leaseMs, now, now];
      const rows = this.db
        .transaction((): JobRow[] => {
          if (claim.anyExpired.get(now, ...q) === undefined) {
            return (r.limit === 1 ? claim.next.all(...take, ...q) : claim.waiting.all(...take, ...q, r.limit)) as JobRow[];
          }
          const claimed = (claim.withExpired.all(...take, ...q, now, ...q, r.limit) as JobRow[]).sort(compareRowClaimOrder);
          const last = claimed.length === r.limit ? claimed[claimed.length - 1] : undefined;
          const bound = last ? [last.priority, last.run_at, last.id] : [AFTER_EVERY_PRIORITY, 0, 0];
          claim.poison.run(now, now, now, ...q, ...bound);
          return claimed;
        })
        .immediate();
      // RETURNING does not promise any order.
      return rows.sort(compareRowClaimOrder).map((row) => leaseOf(toJob(row)));
    });
  }

  async extend(lease: Lease, leaseMs: number): Promise<Lease> {
    return this.guard('extend', () => {
      const ms = validateDuration(leaseMs, 'leaseMs');
      const { id, idNum, token } = leaseInput(lease);
      const now = this.now();
      return leaseOf(this.fenced(this.stmts().extend, id, idNum, token, [now + ms, now]));
    });
  }

  async complete(lease: Lease, result?: Json): Promise<Job> {
    return this.guard('complete', () => this.completeOne(this.stmts(), lease, result, this.now()));
  }

  async completeMany(entries: CompleteEntry[]): Promise<CompleteOutcome[]> {
    return this.guard('completeMany', () => {
      if (!Array.isArray(entries)) throw new ValidationError('entries', 'must be an array');
      const now = this.now();
      const out: CompleteOutcome[] = new Array(entries.length);
      // The first entry per (job, token) goes to SQL; a repeat would find the job done, so it
      // is lost, as in the model.
      const sent = new Map<string, { index: number; id: string; token: number }>();
      const batch: [number, number, string | null][] = [];
      entries.forEach((e, index) => {
        try {
          // A malformed entry is that entry's ValidationError (from leaseInput), not a failed batch.
          const entry = e as CompleteEntry | null;
          const text = entry?.result === undefined ? null : validateJson(entry.result, 'result', this.opts.maxPayloadBytes);
          const { id, idNum, token } = leaseInput(entry?.lease);
          const key = `${idNum}#${token}`;
          if (idNum === undefined || sent.has(key)) {
            out[index] = { ok: false, error: new LeaseLostError(id, token) };
            return;
          }
          sent.set(key, { index, id, token });
          batch.push([idNum, token, text]);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          out[index] = { ok: false, error };
        }
      });
      const rows = batch.length === 0 ? [] : (this.stmts().completeMany.all(now, now, JSON.stringify(batch)) as JobRow[]);
      for (const row of rows) {
        const key = `${row.id}#${row.lease_token}`;
        out[sent.get(key)!.index] = { ok: true, job: toJob(row) };
        sent.delete(key);
      }
      for (const { index, id, token } of sent.values()) out[index] = { ok: false, error: new LeaseLostError(id, token) };
      return out;
    });
  }

  async fail(lease: Lease, error: unknown, options?: FailOptions): Promise<Job> {
    return this.guard('fail', () => {
      const { permanent, retryAt } = validateFailOptions(options);
      const { id, idNum, token } = leaseInput(lease);
      const attempts = validateInteger(lease.job.attempts, 'lease.job.attempts', 0, Number.MAX_SAFE_INTEGER);
      const maxAttempts = validateInteger(lease.job.maxAttempts, 'lease.job.maxAttempts', 1, Number.MAX_SAFE_INTEGER);
      const now = this.now();
      // Under the fence the lease's attempts are the row's: they change only with the token or the status.
      const d = decideFailure({ attempts, maxAttempts }, { now, permanent, retryAt, policy: this.opts.backoff, random: this.opts.random });
      const [runAt, finishedAt] = d.status === 'retry' ? [d.runAt, null] : [null, now];
      return this.fenced(this.stmts().fail, id, idNum, token, [d.status, describeError(error), runAt, now, finishedAt], [attempts, maxAttempts]);
    });
  }

  async release(lease: Lease): Promise<Job> {
    return this.guard('release', () => {
      const { id, idNum, token } = leaseInput(lease);
      return this.fenced(this.stmts().release, id, idNum, token, [this.now()]);
    });
  }

  async beginStep(lease: Lease, name: string): Promise<void> {
    this.guard('beginStep', () => {
      validateKey(name, 'name');
      this.fencedStepWrite(lease, (s, idNum, token, now) => s.beginStep.run(idNum, name, token, now));
    });
  }

  async saveStep(lease: Lease, name: string, result: Json): Promise<void> {
    this.guard('saveStep', () => {
      validateKey(name, 'name');
      const text = validateJson(result, 'result', this.opts.maxPayloadBytes);
      this.fencedStepWrite(lease, (s, idNum, token, now) => s.saveStep.run(idNum, name, text, token, now, now));
    });
  }

  /** A step write under the fence: the lease is checked and the step written in one immediate transaction. */
  private fencedStepWrite(lease: Lease, write: (s: Statements, idNum: number, token: number, now: number) => void): void {
    const { id, idNum, token } = leaseInput(lease);
    const s = this.stmts();
    const now = this.now();
    this.db
      .transaction(() => {
        this.assertHeld(s, id, idNum, token);
        write(s, idNum, token, now);
      })
      .immediate();
  }

  async getSteps(jobId: string): Promise<Record<string, Json>> {
    const out: Record<string, Json> = {};
    for (const s of await this.getStepRecords(jobId)) if (s.state === 'done') out[s.name] = s.result;
    return out;
  }

  async getStepRecords(jobId: string): Promise<StepRecord[]> {
    return this.guard('getStepRecords', () => {
      const idNum = parseJobId(jobId, 'jobId');
      if (idNum === undefined) return [];
      return sortSteps((this.stmts().steps.all(idNum) as StepRow[]).map(toStep));
    });
  }

  async reapExpired(): Promise<number> {
    return this.guard('reapExpired', () => {
      const now = this.now();
      return this.stmts().reap.run(now, now, now).changes;
    });
  }

  async get(id: string): Promise<Job | undefined> {
    return this.guard('get', () => {
      const idNum = parseJobId(id);
      const row = idNum === undefined ? undefined : (this.stmts().job.get(idNum) as JobRow | undefined);
      return row && toJob(row);
    });
  }

  async list(filter?: ListFilter): Promise<Job[]> {
    return this.guard('list', () => {
      const f = validateListFilter(filter);
      const statuses = f.statuses === null ? null : JSON.stringify(f.statuses);
      const stmt = f.order === 'asc' ? this.stmts().list : this.stmts().listDesc;
      return (stmt.all(statuses, statuses, f.queue, f.queue, f.limit) as JobRow[]).map(toJob);
    });
  }

  async getActiveLeases(): Promise<Job[]> {
    return this.guard('getActiveLeases', () => (this.stmts().activeLeases.all(this.now()) as JobRow[]).map(toJob));
  }

  async getExpiredLeases(): Promise<Job[]> {
    return this.guard('getExpiredLeases', () => (this.stmts().expiredLeases.all(this.now()) as JobRow[]).map(toJob));
  }

  async stats(): Promise<Stats> {
    return this.guard('stats', () => {
      const s: Stats = { total: 0, byStatus: emptyStatusCounts(), byQueue: {} };
      for (const row of this.stmts().counts.all() as { queue: string; status: JobStatus; n: number }[]) {
        s.total += row.n;
        s.byStatus[row.status] += row.n;
        (s.byQueue[row.queue] ??= emptyStatusCounts())[row.status] += row.n;
      }
      return s;
    });
  }

  async retry(id: string): Promise<Job> {
    const job = this.guard('retry', () => this.adminTransition(id, 'retry', (s, idNum, now) => s.retry.get(now, now, idNum)));
    this.listeners.notify(job.queue, job.runAt);
    return job;
  }

  async cancel(id: string): Promise<Job> {
    return this.guard('cancel', () => this.adminTransition(id, 'cancel', (s, idNum, now) => s.cancel.get(now, now, idNum)));
  }

  async prune(opts: PruneOptions): Promise<number> {
    return this.guard('prune', () => {
      const p = validatePrune(opts);
      const cutoff = this.now() - p.olderThanMs;
      const statuses = JSON.stringify(p.statuses);
      const s = this.stmts();
      return this.db
        .transaction(() => {
          s.pruneSteps.run(cutoff, statuses);
          return s.pruneJobs.run(cutoff, statuses).changes;
        })
        .immediate();
    });
  }

  onEnqueue(listener: (queue: string, runAt: number) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements = undefined;
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  // ---- internals ----

  /** The driver edge: refuses work once closed, and lets no raw driver error escape. */
  private guard<T>(operation: string, fn: () => T): T {
    if (this.closed) throw new StoreUnavailableError('the store is closed');
    try {
      return fn();
    } catch (e) {
      throw translateSqliteError(e, operation);
    }
  }

  private now(): number {
    return this.opts.clock.now();
  }

  /** Statements prepared once, on first use (the tables exist only after migrate). */
  private stmts(): Statements {
    if (this.statements) return this.statements;
    const prepare = <K extends string>(sql: Record<K, string>): Record<K, SqliteStatementLike> =>
      Object.fromEntries(Object.entries<string>(sql).map(([name, text]) => [name, this.db.prepare(text)])) as Record<K, SqliteStatementLike>;
    return (this.statements = {
      ...prepare(SQL),
      claim: { all: prepare(CLAIM_SQL.all), one: prepare(CLAIM_SQL.one), many: prepare(CLAIM_SQL.many) },
    });
  }

  private insert(s: Statements, v: ValidatedNewJob, now: number): EnqueueResult {
    const existing = v.key === null ? undefined : (s.jobByKey.get(v.key) as JobRow | undefined);
    if (existing) return { job: toJob(existing), created: false };
    return { job: toJob(s.insertJob.get(v.queue, v.key, v.payloadText, v.priority, v.runAt, v.maxAttempts, now, now) as JobRow), created: true };
  }

  private completeOne(s: Statements, lease: Lease, result: Json | undefined, now: number): Job {
    const text = result === undefined ? null : validateJson(result, 'result', this.opts.maxPayloadBytes);
    const { id, idNum, token } = leaseInput(lease);
    return this.fenced(s.complete, id, idNum, token, [text, now, now]);
  }

  /** Runs a write fenced by (id, token, processing); no row back means the lease is lost (rule 3). */
  private fenced(stmt: SqliteStatementLike, id: string, idNum: number | undefined, token: number, before: unknown[], after: unknown[] = []): Job {
    const row = idNum === undefined ? undefined : (stmt.get(...before, idNum, token, ...after) as JobRow | undefined);
    if (!row) throw new LeaseLostError(id, token);
    return toJob(row);
  }

  private assertHeld(s: Statements, id: string, idNum: number | undefined, token: number): asserts idNum is number {
    if (idNum === undefined || s.held.get(idNum, token) === undefined) throw new LeaseLostError(id, token);
  }

  /** A manual transition: checked against the lifecycle table and applied in one transaction. */
  private adminTransition(id: string, action: 'retry' | 'cancel', apply: (s: Statements, idNum: number, now: number) => unknown): Job {
    const idNum = parseJobId(id);
    if (idNum === undefined) throw new JobNotFoundError(id);
    const s = this.stmts();
    const now = this.now();
    return this.db
      .transaction(() => {
        const row = s.job.get(idNum) as JobRow | undefined;
        if (!row) throw new JobNotFoundError(id);
        assertTransition(id, action, row.status);
        return toJob(apply(s, idNum, now) as JobRow);
      })
      .immediate();
  }
}

function isDatabaseLike(db: unknown): db is SqliteDatabaseLike {
  if (typeof db !== 'object' || db === null) return false;
  const d = db as Record<string, unknown>;
  return ['prepare', 'exec', 'pragma', 'transaction', 'function', 'close'].every((m) => typeof d[m] === 'function');
}

function openDatabase(filename: string, busyTimeoutMs: number): SqliteDatabaseLike {
  try {
    return new Database(filename, { timeout: busyTimeoutMs });
  } catch (e) {
    throw translateSqliteError(e, `open of ${filename}`);
  }
}

function toJob(r: JobRow): Job {
  return {
    id: String(r.id),
    queue: r.queue,
    key: r.job_key,
    payload: JSON.parse(r.payload) as Json,
    status: r.status,
    priority: r.priority,
    runAt: r.run_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until,
    leaseToken: r.lease_token,
    lastError: r.last_error,
    result: r.result === null ? null : (JSON.parse(r.result) as Json),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

function toStep(r: StepRow): StepRecord {
  return {
    name: r.name,
    state: r.state,
    result: r.state === 'done' && r.result !== null ? (JSON.parse(r.result) as Json) : null,
    token: r.token,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Claim order (priority, run_at, id) on raw rows, as `compareClaimOrder` orders jobs. */
function compareRowClaimOrder(a: JobRow, b: JobRow): number {
  return a.priority - b.priority || a.run_at - b.run_at || a.id - b.id;
}

