/**
 * The SQLite engine under `SqlLeaseStore`: better-sqlite3 statements prepared once, every
 * read-then-write in a BEGIN IMMEDIATE transaction (cross-process atomicity), every worker
 * write fenced in SQL and read back with RETURNING.
 */
import type { AttemptRecord, EnqueueResult, Job, JobStatus, StepRecord, ThroughputBucket } from '../../domain/job.js';
import { deadlineFitsLease } from '../../domain/lease-rules.js';
import { applyComplete, applyExpire, applyUndecodable } from '../../domain/lifecycle.js';
import { isConcurrencyBlocked, slotsFree } from '../../domain/concurrency.js';
import { rateRoom, recordClaims, type QueueRateLimit, type RateLimit } from '../../domain/rate-limit.js';
import { isPoisoned } from '../../domain/lease-rules.js';
import { KeyRetiredError } from '../../domain/errors.js';
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
import { completedFromHeld, insertedJob, JOB_COLUMNS, numOrNull, rowToAttempt, rowToBucket, rowToJob, rowToRateLimit, rowToStep, rowToWorker, text, undecodableReason, workerValues, type SqlRow } from '../sql/sql-rows.js';
import { rowToSchedule, scheduleValues, type ScheduleWrite } from '../sql/sql-schedules.js';
import { chunksBySize } from '../common/chunks.js';
import type { Schedule } from '../../domain/schedule.js';
import type { WorkerProcess } from '../../domain/liveness.js';
import { translateSqliteError, type SqliteDatabaseLike, type SqliteStatementLike } from './sqlite-database.js';
import { loadMigrations, migrateSqlite } from './sqlite-migrator.js';
import * as Q from './sqlite-queries.js';

/** Prune deletes at most this many jobs per transaction (as the MySQL engine does). */
export const PRUNE_CHUNK = 1000;

/** Beyond any int32 priority: a poison-rule bound that every row sorts before. */
const AFTER_EVERY_PRIORITY = 2 ** 31;

const SQL = {
  insertJob: Q.INSERT_JOB,
  identity: Q.SELECT_IDENTITY,
  key: Q.SELECT_KEY,
  insertKey: Q.INSERT_KEY,
  reviveKey: Q.REVIVE_KEY,
  job: Q.SELECT_JOB,
  list: Q.LIST_JOBS,
  listDesc: Q.LIST_JOBS_DESC,
  activeLeases: Q.LIST_ACTIVE_LEASES,
  expiredLeases: Q.LIST_EXPIRED_LEASES,
  heldLeases: Q.LIST_HELD_LEASES,
  counts: Q.COUNT_BY_QUEUE_AND_STATUS,
  complete: Q.COMPLETE_JOB,
  completeMany: Q.COMPLETE_JOBS,
  held: Q.SELECT_HELD,
  raiseStepDeadline: Q.RAISE_STEP_DEADLINE,
  beginStep: Q.BEGIN_STEP,
  saveStep: Q.SAVE_STEP,
  steps: Q.SELECT_STEPS,
  step: Q.SELECT_STEP,
  settleStep: Q.SETTLE_STEP,
  retireKeys: Q.RETIRE_KEYS,
  forgetKeys: Q.FORGET_KEYS,
  reap: Q.REAP_EXPIRED,
  prunable: Q.SELECT_PRUNABLE,
  pruneSteps: Q.PRUNE_STEPS,
  pruneJobs: Q.PRUNE_JOBS,
  attempts: Q.SELECT_ATTEMPTS,
  jobByKey: Q.SELECT_JOB_BY_KEY,
  throughput: Q.SELECT_THROUGHPUT,
  pruneCounts: Q.PRUNE_COUNTS,
  findJobs: Q.FIND_JOBS,
  findJobsInQueue: Q.FIND_JOBS_IN_QUEUE,
  anyKeyed: Q.ANY_KEYED,
  countHolders: Q.COUNT_HOLDERS,
  takeJobs: Q.TAKE_JOBS,
  blockJobs: Q.BLOCK_JOBS,
  markSemaphore: Q.MARK_SEMAPHORE,
  blockedSemaphores: Q.BLOCKED_SEMAPHORES,
  unblockJobs: Q.UNBLOCK_JOBS,
  clearSemaphore: Q.CLEAR_SEMAPHORE,
  rateLimits: Q.SELECT_RATE_LIMITS,
  upsertRateLimit: Q.UPSERT_RATE_LIMIT,
  deleteRateLimit: Q.DELETE_RATE_LIMIT,
  writeRateRecent: Q.WRITE_RATE_RECENT,
  schedule: Q.SELECT_SCHEDULE,
  schedules: Q.LIST_SCHEDULES,
  upsertSchedule: Q.UPSERT_SCHEDULE,
  deleteSchedule: Q.DELETE_SCHEDULE,
  worker: Q.SELECT_WORKER,
  upsertWorker: Q.UPSERT_WORKER,
  expireLeasesOf: Q.EXPIRE_LEASES_OF,
  countHeldBy: Q.COUNT_HELD_BY,
  renewWorker: Q.RENEW_WORKER,
  deleteWorkerIncarnation: Q.DELETE_WORKER_INCARNATION,
  deleteWorker: Q.DELETE_WORKER,
  workers: Q.LIST_WORKERS,
  sweep: Q.SWEEP_DEAD_WORKERS,
  sweepOutlook: Q.SWEEP_OUTLOOK,
  releaseHeldBy: Q.RELEASE_HELD_BY,
  pruneWorkers: Q.PRUNE_WORKERS,
} as const;

const CLAIM_SQL = { all: Q.CLAIM_ALL, one: Q.CLAIM_ONE_QUEUE, many: Q.CLAIM_MANY_QUEUES, notIn: Q.CLAIM_NOT_IN_QUEUES } as const;

type ClaimStatements = { [K in keyof Q.ClaimSql]: SqliteStatementLike };
type Statements = { -readonly [K in keyof typeof SQL]: SqliteStatementLike } & {
  claim: { [F in keyof typeof CLAIM_SQL]: ClaimStatements };
};

/** The SQLite dialect of the shared SQL core. */
export class SqliteEngine implements SqlEngine {
  private statements: Statements | undefined;
  /** Decided writes, one statement per field list (and pin), prepared on first use. */
  private readonly writes = new Map<string, SqliteStatementLike>();

  constructor(
    private readonly db: SqliteDatabaseLike,
    private readonly ownsDatabase: boolean,
  ) {}

  migrate(now: number): void {
    migrateSqlite(this.db, loadMigrations(), now);
  }

  identity(): string {
    return String((this.stmts().identity.get() as SqlRow).identity);
  }

  insert(jobs: InsertJob[], now: number): EnqueueResult[] {
    const s = this.stmts();
    return this.db
      .transaction(() =>
        jobs.map((v): EnqueueResult => {
          // Looked up first, in the transaction: an `ON CONFLICT DO NOTHING` would burn an
          // AUTOINCREMENT id, and ids must follow the model's. A throw rolls the batch back.
          const known = v.key === null ? undefined : (s.key.get(v.key) as SqlRow | undefined);
          if (known && known.job_id !== null) return { job: rowToJob(s.job.get(known.job_id) as SqlRow), created: false };
          if (known && !v.reuseKey) throw new KeyRetiredError(v.key!, Number(known.retired_at));
          const uid = known ? String(known.job_uid) : v.uid;
          const format = known ? String(known.idempotency_key_format) : v.idempotencyKeyFormat;
          const id = Number(s.insertJob.run(uid, v.queue, v.key, format, v.payloadText, v.priority, v.runAt, v.maxAttempts, v.maxLeaseExpiries, now, now, v.concurrencyKey, v.concurrencyLimit).lastInsertRowid);
          if (known) s.reviveKey.run(id, v.key);
          else if (v.key !== null) s.insertKey.run(v.key, uid, format, id, now);
          // Built from the values written, not read back (as the MySQL store does): the read-back
          // cost about a third of an insert.
          return { job: insertedJob(id, { ...v, uid, idempotencyKeyFormat: format as Job['idempotencyKeyFormat'] }, now), created: true };
        }),
      )
      .immediate();
  }

  /**
   * Mirrors the in-memory store's acquire (`isEligible`, `compareClaimOrder`, `applyAcquire`,
   * and `isPoisoned` with `applyExpire` for the poison rule) in SQL: see `ClaimSql`.
   */
  claim(c: ClaimQuery): Job[] {
    const s = this.stmts();
    const { now } = c;
    const [claim, q] =
      c.queues === null ? [s.claim.all, []] : c.queues.length === 1 ? [s.claim.one, [c.queues[0]]] : [s.claim.many, [JSON.stringify(c.queues)]];
    const take = [c.workerId, c.lockedUntil, now, now];
    const claimRows = (limit: number): SqlRow[] => {
      if (claim.anyExpired.get(now, c.deadlineCutoff, ...q) === undefined) {
        return (limit === 1 ? jobRows(claim.next.all(...take, ...q)) : jobRows(claim.waiting.all(...take, ...q, limit)));
      }
      const claimed = jobRows(claim.withExpired.all(...take, ...q, now, c.deadlineCutoff, ...q, limit)).sort(compareRowClaimOrder);
      const last = claimed.length === limit ? claimed[claimed.length - 1] : undefined;
      const bound = last ? [last.priority, last.run_at, last.id] : [AFTER_EVERY_PRIORITY, 0, 0];
      claim.poison.run(now, now, now, c.deadlineCutoff, ...q, ...bound);
      return claimed;
    };
    return this.db
      .transaction((): Job[] => {
        const limits = (s.rateLimits.all() as SqlRow[]).map(rowToRateLimit).filter((l) => c.queues === null || c.queues.includes(l.queue));
        if (limits.length > 0 || s.anyKeyed.get() !== undefined) return this.claimWalk(c, limits);
        const jobs: Job[] = [];
        // A row that cannot be decoded is failed here, in the claim's transaction, and the claim
        // goes on for the rest of the limit: it never blocks the queue, nor fails the claim.
        for (let need = c.limit; need > 0; ) {
          const rows = claimRows(need);
          let failed = 0;
          // RETURNING does not promise any order.
          for (const job of rows.sort(compareRowClaimOrder).map(rowToJob)) {
            const reason = undecodableReason(job);
            if (reason === undefined) jobs.push(job);
            else {
              const w = writeOf('expire', applyUndecodable(job, now, reason));
              this.write(w, 'byId').get(...w.values, Number(job.id));
              failed++;
            }
          }
          if (failed === 0) break;
          need -= rows.length - failed;
        }
        return jobs;
      })
      .immediate();
  }

  /**
   * The claim while concurrency keys or rate limits are in use (inside the claim's
   * transaction): the wake step, then the model's walk over candidates read in claim order,
   * row by row: a job of a queue out of room is left alone, a poisoned or undecodable row
   * fails, a waiting job of a full key is blocked, the rest are claimed in one statement. A
   * queue out of room leaves the candidates' query. See src/domain/concurrency.ts and
   * src/domain/rate-limit.ts.
   */
  private claimWalk(c: ClaimQuery, limits: QueueRateLimit[]): Job[] {
    const s = this.stmts();
    const { now } = c;
    const room = new Map(limits.map((l) => [l.queue, rateRoom(l, now)]));
    const full = new Set(limits.filter((l) => room.get(l.queue) === 0).map((l) => l.queue));
    // The candidates' statement for the queues still in play, or undefined when none is.
    const pick = (): [ClaimStatements, unknown[]] | undefined => {
      if (c.queues !== null) {
        const open = c.queues.filter((q) => !full.has(q));
        if (open.length === 0) return undefined;
        return open.length === 1 ? [s.claim.one, [open[0]]] : [s.claim.many, [JSON.stringify(open)]];
      }
      return full.size === 0 ? [s.claim.all, []] : [s.claim.notIn, [JSON.stringify([...full])]];
    };
    const holders = new Map<string, number>();
    const holdersOf = (key: string): number => {
      let n = holders.get(key);
      if (n === undefined) holders.set(key, (n = Number((s.countHolders.get(key) as SqlRow).n)));
      return n;
    };
    for (const sem of s.blockedSemaphores.all() as SqlRow[]) {
      const key = text(sem.concurrency_key);
      const free = slotsFree(Number(sem.concurrency_limit), holdersOf(key));
      if (free === 0) continue;
      if (s.unblockJobs.run(key, free).changes < free) s.clearSemaphore.run(key);
    }
    const jobs: Job[] = [];
    for (let picked = pick(); picked; picked = pick()) {
      const [claim, q] = picked;
      const need = c.limit - jobs.length;
      const rows = jobRows(claim.candidates.all(now, ...q, now, c.deadlineCutoff, ...q, need)).sort(compareRowClaimOrder);
      const take: number[] = [];
      const block: Job[] = [];
      for (const job of rows.map(rowToJob)) {
        const key = job.concurrencyKey;
        const reason = undecodableReason(job);
        const left = room.get(job.queue);
        if (left === 0) {
          // Its queue ran out of room in this claim: the model's walk no longer meets it.
        } else if (reason !== undefined || isPoisoned(job, now)) {
          // Counted before the write, which the count would otherwise already see.
          const left = key !== undefined && job.status === 'processing' ? holdersOf(key) - 1 : undefined;
          const w = writeOf('expire', reason !== undefined ? applyUndecodable(job, now, reason) : applyExpire(job, now));
          this.write(w, 'byId').get(...w.values, Number(job.id));
          if (left !== undefined) holders.set(key!, left);
        } else if (key !== undefined && isConcurrencyBlocked(job, holdersOf(key))) {
          block.push(job);
        } else {
          take.push(Number(job.id));
          if (key !== undefined && job.status !== 'processing') holders.set(key, holdersOf(key) + 1);
          if (left !== undefined) {
            room.set(job.queue, left - 1);
            if (left === 1) full.add(job.queue);
          }
        }
      }
      if (block.length > 0) {
        s.blockJobs.run(JSON.stringify(block.map((j) => Number(j.id))));
        for (const j of block) s.markSemaphore.run(j.concurrencyKey, j.concurrencyLimit);
      }
      if (take.length > 0) {
        const taken = (s.takeJobs.all(c.workerId, c.lockedUntil, now, JSON.stringify(take)) as SqlRow[]).sort(compareRowClaimOrder);
        jobs.push(...taken.map(rowToJob));
      }
      if (rows.length < need || take.length === rows.length) break;
    }
    for (const l of limits) {
      const taken = rateRoom(l, now) - room.get(l.queue)!;
      if (taken > 0) s.writeRateRecent.run(JSON.stringify(recordClaims(l, now, taken).recent), l.queue);
    }
    return jobs;
  }

  setRateLimit(queue: string, limit: RateLimit | null): void {
    const s = this.stmts();
    if (limit === null) s.deleteRateLimit.run(queue);
    else s.upsertRateLimit.run(queue, limit.max, limit.perMs);
  }

  rateLimits(): QueueRateLimit[] {
    return (this.stmts().rateLimits.all() as SqlRow[]).map(rowToRateLimit);
  }

  writeIfHeld(w: FencedWrite): Job | undefined {
    const stmt = this.write(w.write, w.pin === undefined ? 'fenced' : 'pinned');
    const row = (w.pin === undefined
      ? stmt.get(...w.write.values, w.id, w.token)
      : stmt.get(...w.write.values, w.id, w.token, w.pin.attempts, w.pin.maxAttempts, w.pin.leaseExpiries)) as SqlRow | undefined;
    return row && rowToJob(row);
  }

  /** Result characters per batched complete statement (COMPLETE_CHUNK_CHARS; a test lowers it to reach several statements). */
  completeChunkChars = COMPLETE_CHUNK_CHARS;

  completeHeld(rows: CompleteRow[], now: number): (Job | undefined)[] {
    const s = this.stmts();
    if (rows.length === 1) {
      const r = rows[0]!;
      const { changes } = s.complete.run(r.resultText, now, now, r.id, r.token);
      return [changes === 1 ? completedFromHeld(r.job, now, r.resultText) : undefined];
    }
    // One statement per chunk of the batch, each entry fenced on its own: about a third less
    // SQLite time per job than a statement per entry. Chunks of several go in one transaction.
    const chunks = chunksBySize(rows, (r) => (r.resultText?.length ?? 4) + ENTRY_CHARS, this.completeChunkChars);
    const held = new Set<string>();
    const write = (): void => {
      for (const chunk of chunks) {
        const batch = chunk.map((r) => [r.id, r.token, r.resultText]);
        for (const row of s.completeMany.all(now, now, JSON.stringify(batch)) as SqlRow[]) held.add(`${row.id}#${row.lease_token}`);
      }
    };
    if (chunks.length === 1) write();
    else this.db.transaction(write).immediate();
    return rows.map((r) => (held.has(`${r.id}#${r.token}`) ? completedFromHeld(r.job, now, r.resultText) : undefined));
  }

  writeStep(w: StepWrite): StepWriteOutcome {
    const s = this.stmts();
    return this.db
      .transaction((): StepWriteOutcome => {
        const held = s.held.get(w.id, w.token) as SqlRow | undefined;
        if (held === undefined) return 'lost';
        if (w.state === 'done') {
          s.saveStep.run(w.id, w.name, w.resultText, w.token, w.now, w.now);
          return 'ok';
        }
        // As the model: a deadline past the lease is refused, a step that is done is kept.
        if (w.deadlineAt !== null && !deadlineFitsLease(w.deadlineAt, held.locked_until === null ? null : Number(held.locked_until))) return 'late';
        if ((s.step.get(w.id, w.name) as SqlRow | undefined)?.state === 'done') return 'ok';
        if (w.deadlineAt !== null) s.raiseStepDeadline.run(w.deadlineAt, w.deadlineAt, w.id);
        s.beginStep.run(w.id, w.name, w.token, w.now, w.key, w.deadlineAt);
        return 'ok';
      })
      .immediate();
  }

  steps(id: number): StepRecord[] {
    return (this.stmts().steps.all(id) as SqlRow[]).map(rowToStep);
  }

  /** Mirrors `applyExpire` on every expired lease, in one statement. */
  reapExpired(now: number, deadlineCutoff: number): number {
    return this.stmts().reap.run(now, now, now, deadlineCutoff).changes;
  }

  updateLocked(id: number, decide: (job: Job, steps: StepRecord[]) => JobWrite, opts: { withSteps?: boolean } = {}): Job | undefined {
    const s = this.stmts();
    return this.db
      .transaction(() => {
        const row = s.job.get(id) as SqlRow | undefined;
        if (!row) return undefined;
        const w = decide(rowToJob(row), opts.withSteps ? this.steps(id) : []);
        return rowToJob(this.write(w, 'byId').get(...w.values, id) as SqlRow);
      })
      .immediate();
  }

  settleStep(id: number, name: string, decide: (job: Job, step: StepRecord | undefined) => SettledStep): StepRecord | undefined {
    const s = this.stmts();
    return this.db
      .transaction(() => {
        const row = s.job.get(id) as SqlRow | undefined;
        if (!row) return undefined;
        const step = s.step.get(id, name) as SqlRow | undefined;
        const d = decide(rowToJob(row), step && rowToStep(step));
        return rowToStep(s.settleStep.get(d.state, d.resultText, d.finishedAt, d.settledAt, id, name) as SqlRow);
      })
      .immediate();
  }

  get(id: number): Job | undefined {
    const row = this.stmts().job.get(id) as SqlRow | undefined;
    return row && rowToJob(row);
  }

  list(f: ListQuery): Job[] {
    const statuses = f.statuses === null ? null : JSON.stringify(f.statuses);
    const stmt = f.order === 'asc' ? this.stmts().list : this.stmts().listDesc;
    const inDoubt = f.inDoubt === null ? null : f.inDoubt ? 1 : 0;
    return (stmt.all(statuses, statuses, f.queue, f.queue, inDoubt, inDoubt, f.limit) as SqlRow[]).map(rowToJob);
  }

  leases(kind: 'active' | 'expired', now: number): Job[] {
    const s = this.stmts();
    return ((kind === 'active' ? s.activeLeases : s.expiredLeases).all(now) as SqlRow[]).map(rowToJob);
  }

  heldLeases(h: HeldLeaseQuery): { job: Job; stepDeadlineAt: number }[] {
    const queues = h.queues === null ? null : JSON.stringify(h.queues);
    const rows = this.stmts().heldLeases.all(h.now, h.deadlineCutoff, queues, queues, h.limit) as SqlRow[];
    return rows.map((row) => ({ job: rowToJob(row), stepDeadlineAt: Number(row.step_deadline_at) }));
  }

  counts(): { queue: string; status: JobStatus; n: number }[] {
    return this.stmts().counts.all() as { queue: string; status: JobStatus; n: number }[];
  }

  /**
   * Deletes in chunks of PRUNE_CHUNK jobs, one short write transaction each, and yields between
   * chunks: a prune of a million rows was one 3 s transaction that stalled every other writer.
   * Between chunks the write lock is free, so this process's other work (next turn of the event
   * loop) and other processes (their busy handler) get in. Each chunk's keys become tombstones
   * in the chunk's transaction; tombstones older than `forgetBefore` go at the end.
   */
  async prune(cutoff: number, statuses: JobStatus[], now: number, forgetBefore: number | null): Promise<number> {
    const list = JSON.stringify(statuses);
    let total = 0;
    for (;;) {
      const s = this.stmts();
      const n = this.db
        .transaction(() => {
          const ids = (s.prunable.all(cutoff, list, PRUNE_CHUNK) as { id: number }[]).map((r) => r.id);
          if (ids.length === 0) return 0;
          const json = JSON.stringify(ids);
          s.pruneSteps.run(json);
          s.retireKeys.run(now, json);
          return s.pruneJobs.run(json).changes;
        })
        .immediate();
      total += n;
      if (n < PRUNE_CHUNK) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (forgetBefore !== null) this.stmts().forgetKeys.run(forgetBefore);
    return total;
  }

  attempts(id: number): AttemptRecord[] {
    return (this.stmts().attempts.all(id) as SqlRow[]).map(rowToAttempt);
  }

  throughput(fromMinute: number): ThroughputBucket[] {
    return (this.stmts().throughput.all(fromMinute) as SqlRow[]).map(rowToBucket);
  }

  pruneCounts(minute: number): void {
    this.stmts().pruneCounts.run(minute);
  }

  findJobs(q: FindQuery): Job[] {
    const s = this.stmts();
    const statuses = q.statuses === null ? null : JSON.stringify(q.statuses);
    const rows = q.queue === null ? s.findJobs.all(q.beforeId, statuses, statuses, q.limit) : s.findJobsInQueue.all(q.queue, q.beforeId, statuses, statuses, q.limit);
    return (rows as SqlRow[]).map(rowToJob);
  }

  jobByKey(key: string): Job | undefined {
    const row = this.stmts().jobByKey.get(key) as SqlRow | undefined;
    return row && rowToJob(row);
  }

  schedule(name: string): Schedule | undefined {
    const row = this.stmts().schedule.get(name) as SqlRow | undefined;
    return row && rowToSchedule(row);
  }

  schedules(): Schedule[] {
    return (this.stmts().schedules.all() as SqlRow[]).map(rowToSchedule);
  }

  updateSchedule(name: string, decide: (s: Schedule | undefined) => ScheduleWrite | undefined): Schedule | undefined {
    const s = this.stmts();
    return this.db
      .transaction(() => {
        const row = s.schedule.get(name) as SqlRow | undefined;
        const before = row && rowToSchedule(row);
        const w = decide(before);
        return w ? rowToSchedule(s.upsertSchedule.get(...scheduleValues(w)) as SqlRow) : before;
      })
      .immediate();
  }

  fireSchedule(
    name: string,
    jobs: InsertJob[],
    now: number,
    decide: (s: Schedule | undefined, last: { slotAt: number; jobId: string } | null) => ScheduleWrite | undefined,
  ): { schedule: Schedule; jobs: EnqueueResult[] } | undefined {
    const s = this.stmts();
    return this.db
      .transaction(() => {
        const row = s.schedule.get(name) as SqlRow | undefined;
        const before = row && rowToSchedule(row);
        if (!decide(before, null)) return undefined;
        // Nested: a savepoint inside this transaction.
        const out = jobs.length === 0 ? [] : this.insert(jobs, now);
        const i = out.length - 1;
        const w = decide(before, i < 0 ? null : { slotAt: jobs[i]!.runAt, jobId: out[i]!.job.id })!;
        return { schedule: rowToSchedule(s.upsertSchedule.get(...scheduleValues(w)) as SqlRow), jobs: out };
      })
      .immediate();
  }

  deleteSchedule(name: string): boolean {
    return this.stmts().deleteSchedule.run(name).changes > 0;
  }

  registerWorker(row: WorkerProcess, decide: (existing: WorkerProcess | undefined) => boolean): { ok: true } | { ok: false; current: WorkerProcess; jobsHeld: number } {
    const s = this.stmts();
    return this.db
      .transaction((): { ok: true } | { ok: false; current: WorkerProcess; jobsHeld: number } => {
        const found = s.worker.get(row.workerId) as SqlRow | undefined;
        const existing = found && rowToWorker(found);
        if (!decide(existing)) return { ok: false, current: existing!, jobsHeld: Number((s.countHeldBy.get(row.workerId) as SqlRow).n) };
        if (existing) s.expireLeasesOf.run(row.lastSeenAt, row.workerId, row.lastSeenAt);
        s.upsertWorker.run(...workerValues(row));
        return { ok: true };
      })
      .immediate();
  }

  renewWorker(workerId: string, incarnation: string, now: number): WorkerProcess | undefined {
    const row = this.stmts().renewWorker.get(now, workerId, incarnation, now) as SqlRow | undefined;
    return row && rowToWorker(row);
  }

  unregisterWorker(workerId: string, incarnation: string): boolean {
    return this.stmts().deleteWorkerIncarnation.run(workerId, incarnation).changes === 1;
  }

  workers(): (WorkerProcess & { jobsHeld: number })[] {
    return (this.stmts().workers.all() as SqlRow[]).map((r) => ({ ...rowToWorker(r), jobsHeld: Number(r.jobs_held) }));
  }

  sweepDeadWorkers(now: number, deadlineCutoff: number): SweepRows {
    const s = this.stmts();
    return this.db
      .transaction((): SweepRows => {
        const marked = s.sweep.run(now, now, now).changes;
        const r = s.sweepOutlook.get(now, deadlineCutoff, now, now, now, deadlineCutoff) as SqlRow;
        return {
          marked,
          expired: Number(r.expired),
          nextLeaseEnd: numOrNull(r.next_lease_end),
          nextDeath: numOrNull(r.next_death),
          nextHeldDeadline: numOrNull(r.next_held_deadline),
        };
      })
      .immediate();
  }

  releaseWorker(workerId: string, now: number, marginMs: number, decide: (existing: WorkerProcess | undefined) => void): number {
    const s = this.stmts();
    return this.db
      .transaction(() => {
        const found = s.worker.get(workerId) as SqlRow | undefined;
        decide(found && rowToWorker(found));
        const n = s.releaseHeldBy.run(marginMs, now, marginMs, now, now, workerId).changes;
        s.deleteWorker.run(workerId);
        return n;
      })
      .immediate();
  }

  pruneWorkers(now: number, olderThanMs: number): number {
    return this.stmts().pruneWorkers.run(olderThanMs, now).changes;
  }

  close(): void {
    this.statements = undefined;
    this.writes.clear();
    if (this.ownsDatabase && this.db.open) this.db.close();
  }

  translateError(error: unknown, operation: string): Error {
    return translateSqliteError(error, operation);
  }

  /** Statements prepared once, on first use (the tables exist only after migrate). */
  private stmts(): Statements {
    if (this.statements) return this.statements;
    const prepare = <K extends string>(sql: Record<K, string>): Record<K, SqliteStatementLike> =>
      Object.fromEntries(Object.entries<string>(sql).map(([name, text]) => [name, this.db.prepare(text)])) as Record<K, SqliteStatementLike>;
    // The claim's rows come back as arrays (see `jobRows`).
    const claimStatements = (sql: (typeof CLAIM_SQL)['all']): ClaimStatements => {
      const stmts = prepare(sql);
      for (const name of ['next', 'waiting', 'withExpired', 'candidates'] as const) stmts[name].raw(true);
      return stmts;
    };
    return (this.statements = {
      ...prepare(SQL),
      claim: { all: claimStatements(CLAIM_SQL.all), one: claimStatements(CLAIM_SQL.one), many: claimStatements(CLAIM_SQL.many), notIn: claimStatements(CLAIM_SQL.notIn) },
    });
  }

  private write(w: JobWrite, kind: 'fenced' | 'pinned' | 'byId'): SqliteStatementLike {
    const key = `${kind}:${w.name}`;
    let stmt = this.writes.get(key);
    if (!stmt) {
      const columns = w.fields.map((f) => JOB_COLUMN[f]);
      stmt = this.db.prepare(kind === 'byId' ? Q.writeJob(columns) : Q.fencedWrite(columns, kind === 'pinned'));
      this.writes.set(key, stmt);
    }
    return stmt;
  }
}

const JOB_COLUMN_NAMES = JOB_COLUMNS.split(', ');

/**
 * The claim's rows, which come back as arrays in JOB_COLUMNS order, as rows by column name.
 * Built here they cost less than better-sqlite3's own row objects: about 3 us less per row of
 * a claim, measured on better-sqlite3 12.
 */
function jobRows(values: unknown[]): SqlRow[] {
  return (values as unknown[][]).map((v) => {
    const row: SqlRow = {};
    for (let i = 0; i < JOB_COLUMN_NAMES.length; i++) row[JOB_COLUMN_NAMES[i]!] = v[i];
    return row;
  });
}

/** Claim order (priority, run_at, id) on raw rows, as `compareClaimOrder` orders jobs. */
function compareRowClaimOrder(a: SqlRow, b: SqlRow): number {
  return (a.priority as number) - (b.priority as number) || (a.run_at as number) - (b.run_at as number) || (a.id as number) - (b.id as number);
}

/**
 * Characters of results one batched complete statement carries at most. The batch goes to
 * SQLite as one JSON text, and a V8 string holds at most 2^29 - 24 characters (about 537
 * million): 500 object results near the default 1 MiB limit (quoting adds a character per
 * quote), or nine near the largest limit, would pass it and fail the whole batch. Quoting a
 * result's JSON again at most doubles it.
 */
const COMPLETE_CHUNK_CHARS = 64 * 1024 * 1024;
/** An entry's characters besides its result: brackets, the id and the token. */
const ENTRY_CHARS = 48;
