/**
 * The storage port. Every adapter (memory, SQLite, MySQL) implements it and is held to the
 * same contract by one suite (src/testing/contract). Semantics: docs/semantics.md (the numbered rules) and the lifecycle in
 * src/domain/lifecycle.ts.
 */
import type {
  AcquireRequest,
  AttemptRecord,
  JobPage,
  JobQuery,
  ThroughputBucket,
  CompleteEntry,
  CompleteOutcome,
  EnqueueResult,
  FailOptions,
  HeldLease,
  HeldLeaseFilter,
  Job,
  JobStatus,
  Json,
  JsonCompatible,
  Lease,
  ListFilter,
  NewJob,
  PruneOptions,
  ReleaseOptions,
  RetryOptions,
  SettleOutcome,
  Stats,
  StepIntent,
  StepRecord,
} from '../domain/job.js';
import type { Schedule, ScheduleAdvance, ScheduleAdvanceResult, ScheduleDefinition } from '../domain/schedule.js';
import type { RegisterOptions, RegisterOutcome, ReleaseWorkerOptions, SweepOutcome, WorkerInfo, WorkerProcess, WorkerRegistration } from '../domain/liveness.js';
import type { RateLimit, RateLimitInfo } from '../domain/rate-limit.js';

/**
 * Where jobs live and how they are claimed: the one port every store implements
 * (`InMemoryLeaseStore`, `SqliteLeaseStore`, `MysqlLeaseStore`). Worker writes are fenced by
 * the lease token; admin operations throw `JobNotFoundError` or `InvalidTransitionError`.
 * @example
 * const [lease] = await store.acquire({ workerId: 'w1', leaseMs: 30_000 });
 * if (lease) await store.complete(lease, { ok: true });
 */
export interface LeaseStore {
  /** Creates or upgrades the schema; idempotent and safe to run from several processes at once. */
  migrate(): Promise<void>;
  /**
   * The database's identity: random, made once (by the migration that created it; for the
   * in-memory store, at construction) and never changed. Keyed jobs derive their
   * idempotency keys from it, so two databases never derive the same client order ids.
   */
  identity(): Promise<string>;
  /**
   * Adds a job, or returns the existing one when its `key` exists (`created: false`). A key
   * whose job was pruned is retired: `KeyRetiredError` unless `reuseKey`. The payload may be
   * of any JSON-compatible type, interfaces included (`P` is inferred).
   */
  enqueue<P = Json>(job: NewJob<P & JsonCompatible<P>>): Promise<EnqueueResult<P>>;
  /** Adds many jobs in one round trip; validated whole before anything is written. */
  enqueueMany<P = Json>(jobs: NewJob<P & JsonCompatible<P>>[]): Promise<EnqueueResult<P>[]>;
  /** Claims up to `limit` eligible jobs atomically (rule 1), applying the poison rule (rule 2). */
  acquire(req: AcquireRequest): Promise<Lease[]>;
  /** Pushes the lease's expiry to now + leaseMs. Fenced (rule 3). */
  extend(lease: Lease, leaseMs: number): Promise<Lease>;
  /** Marks the job done. Fenced. */
  complete(lease: Lease, result?: Json): Promise<Job>;
  /**
   * Completes several leases in one round trip. Each entry is fenced on its own: a stale
   * entry gets its `LeaseLostError` in the outcome and does not affect the others.
   */
  completeMany(entries: CompleteEntry[]): Promise<CompleteOutcome[]>;
  /** Records a failed attempt: retry after backoff (or `retryAt`), or failed. Fenced. */
  fail(lease: Lease, error: unknown, opts?: FailOptions): Promise<Job>;
  /**
   * The holder gives up a lease it let run out (it could not renew in time): counted as a
   * lease expiry, never a handler failure; retry at `retryAt` (default now, e.g. an open
   * step's deadline plus the clock margin), or failed once the expiry budget is used up. Fenced.
   */
  expireLease(lease: Lease, opts?: { retryAt?: number }): Promise<Job>;
  /**
   * Gives the job back (pending, attempt not charged). Fenced. With `runAt` the job runs again
   * then instead of now, with `reason` as its lastError (a handler's RetryLaterError).
   */
  release(lease: Lease, opts?: ReleaseOptions): Promise<Job>;
  /**
   * Records that a step is about to run (its intent, with the key and deadline it runs
   * under). Fenced. Keeps an existing result, and a key the step already has.
   */
  beginStep(lease: Lease, name: string, intent?: StepIntent): Promise<void>;
  /** Records a step's result. Fenced. */
  saveStep(lease: Lease, name: string, result: Json): Promise<void>;
  /** Results of the job's finished steps, by name. */
  getSteps(jobId: string): Promise<Record<string, Json>>;
  /** Every step of the job, started or done, in the order they started. */
  getStepRecords(jobId: string): Promise<StepRecord[]>;
  /** Moves every expired lease to retry (or failed when attempts are used up). Returns how many. */
  reapExpired(): Promise<number>;
  get(id: string): Promise<Job | undefined>;
  /** Jobs matching the filter, in id order (ascending unless `order: 'desc'`); default limit 100. */
  list(filter?: ListFilter): Promise<Job[]>;
  /** Processing jobs whose lease has not run out. */
  getActiveLeases(): Promise<Job[]>;
  /** Processing jobs whose lease has run out (not yet taken over). */
  getExpiredLeases(): Promise<Job[]>;
  /**
   * Expired leases that a step deadline still holds back from takeover, in id order, each with
   * its latest step deadline and the time it may be taken over (by the store's clock and
   * `clockMarginMs`). A cheap read: a worker that claimed fewer jobs than it asked for uses it
   * to report the jobs it was held back from.
   */
  getHeldLeases(filter?: HeldLeaseFilter): Promise<HeldLease[]>;
  /** Counts by queue and status. */
  stats(): Promise<Stats>;
  /**
   * failed|cancelled -> pending, attempts reset. Refused with `StepInDoubtError` while a step
   * is in doubt, unless it was settled or `force` is set.
   */
  retry(id: string, opts?: RetryOptions): Promise<Job>;
  /**
   * A person's answer for a step in doubt: it happened (its result is recorded and no
   * attempt runs it again) or it did not (the next attempt runs it, under the same key).
   * Refused (`SettleRefusedError`, code INVALID_TRANSITION) while the job is processing and
   * for a step that is not in doubt; `JobNotFoundError` for an unknown job.
   */
  settleStep(jobId: string, name: string, outcome: SettleOutcome): Promise<StepRecord>;
  /** pending|retry -> cancelled. */
  cancel(id: string): Promise<Job>;
  /**
   * Deletes final jobs (and their steps) finished more than `olderThanMs` ago; their keys
   * stay retired (kept as tombstones) unless `forgetKeysOlderThanMs` says otherwise.
   * Returns how many jobs.
   */
  prune(opts: PruneOptions): Promise<number>;
  /**
   * Declares a schedule: creates it with its cursor at `nextRunAt`, leaves it unchanged when it
   * holds this definition already (`changed: false`), or replaces its definition and moves the
   * cursor to `nextRunAt` (paused state kept). `nextRunAt` is the caller's first slot from now.
   */
  saveSchedule(definition: ScheduleDefinition, nextRunAt: number | null): Promise<{ schedule: Schedule; created: boolean; changed: boolean }>;
  getSchedule(name: string): Promise<Schedule | undefined>;
  /** Every schedule, by name. */
  listSchedules(): Promise<Schedule[]>;
  /** Stops enqueueing its slots. Throws `ScheduleNotFoundError`. */
  pauseSchedule(name: string): Promise<Schedule>;
  /** Resumes with the cursor at `nextRunAt` (no backfill of the pause). Throws `ScheduleNotFoundError`. */
  resumeSchedule(name: string, nextRunAt: number | null): Promise<Schedule>;
  /**
   * One run of a schedule, in one transaction: only while the cursor is still at
   * `advance.cursor` and the schedule is not paused, enqueues `advance.jobs` (keys dedupe as
   * in `enqueue`), moves the cursor to `advance.next` and records the last job and its slot
   * (its `runAt`). Otherwise changes nothing and returns undefined (another scheduler ran it
   * first, or it was paused or removed).
   */
  advanceSchedule(name: string, advance: ScheduleAdvance): Promise<ScheduleAdvanceResult | undefined>;
  /** Deletes the schedule (its jobs stay). True when it existed. */
  removeSchedule(name: string): Promise<boolean>;
  /**
   * Sets the queue's rate limit (`null` removes it), stored with the jobs so every process and
   * host enforces the same one: no interval of `perMs` holds more than `max` claims of the
   * queue's jobs (takeovers included), judged by the store's clock. Jobs held back are not
   * claimed, so not charged. A changed limit keeps the claim times already recorded.
   */
  setRateLimit(queue: string, limit: RateLimit | null): Promise<void>;
  /** Every queue's rate limit, by queue, with when it next has room (`queues`: only these). */
  listRateLimits(filter?: { queues?: string[] }): Promise<RateLimitInfo[]>;
  /**
   * Makes a worker process known, with its first sign of life at the store's now. Refused
   * (`ok: false`, with the current holder) while a live process holds the id, unless the
   * caller proved that exact incarnation dead (`replaces`). A dead holder's row is replaced.
   */
  registerWorker(reg: WorkerRegistration, opts?: RegisterOptions): Promise<RegisterOutcome>;
  /**
   * Renews the process's sign of life (last seen = the store's now). `null` when the row is
   * another incarnation's, gone, or was already judged dead: the caller is superseded and
   * must not act on its leases any more.
   */
  renewWorker(workerId: string, incarnation: string): Promise<WorkerProcess | null>;
  /** Removes the process's row at a clean stop (only that incarnation's). Returns whether a row went. */
  unregisterWorker(workerId: string, incarnation: string): Promise<boolean>;
  /** Every known worker process, with whether it is alive by the store's clock and how many jobs it holds; by id. */
  listWorkers(): Promise<WorkerInfo[]>;
  /**
   * Marks the leases of every dead process as expired (lockedUntil = now, never later than it
   * was), keeping the claim: the next acquire takes them over, fenced by the token. Safe to
   * run from many processes at once. Returns how many leases it marked, how many leases are
   * expired now (whoever marked them, or ran out by themselves), and how long until the next
   * expiry the store knows of (a live process's sign of life or a lease running out).
   */
  sweepDeadWorkers(): Promise<SweepOutcome>;
  /**
   * An operator's release of a worker's leases: each processing job it holds moves on as a
   * reaped one (retry, counted as a lease expiry; failed once the budget is used up), its retry
   * due no earlier than its lease's latest step deadline plus `clockMarginMs`, and its
   * row goes, so the process, if it wakes, finds itself superseded. Refused with
   * `WorkerAliveError` while the process shows a fresh sign of life, unless `force`.
   * Returns how many jobs it released.
   */
  releaseWorkerLeases(workerId: string, opts?: ReleaseWorkerOptions): Promise<number>;
  /** Deletes rows of processes dead for more than `olderThanMs` that hold no lease. Returns how many. */
  pruneWorkers(opts: { olderThanMs: number }): Promise<number>;
  /**
   * Calls `listener` after a job is enqueued through this store object (same process), so
   * an idle worker can wake at once instead of waiting for its next poll. Returns an
   * unsubscribe function.
   */
  onEnqueue(listener: (queue: string, runAt: number) => void): () => void;
  /** Releases what the store opened (not what it was handed). */
  close(): Promise<void>;

  // The history the dashboard reads, written in the transaction of each change.

  /**
   * The job's attempts in token order: who held each lease, from when to when, how it ended
   * (`expired`: its lease ran out and the job was taken over or reaped). Kept until the job is
   * pruned; [] for an unknown id.
   */
  getAttempts(jobId: string): Promise<AttemptRecord[]>;
  /**
   * Jobs that left processing for done, failed or retry, per minute and queue, from the minute
   * of `since` (epoch ms) on, by minute then queue. Kept apart from the jobs: `prune` keeps
   * at least 7 days of them.
   */
  throughput(opts: { since: number }): Promise<ThroughputBucket[]>;
  /** Jobs matching the query, newest first, keyset-paged by id: pass a page's `next` as the following page's `beforeId`. */
  findJobs(query: JobQuery): Promise<JobPage>;
}

export type { JobStatus };
