/**
 * The narrow seam under `SqlLeaseStore`: what one SQL dialect (SQLite, MySQL) must do. Every
 * method takes values the core already decided (times, next status, the columns to write) and
 * answers with rows decoded into jobs. The core owns validation, the clock, the closed guard,
 * every decision (through the domain's functions) and the listeners; an engine owns only its
 * SQL, its connection and its driver's errors. Two methods keep logic in SQL: `claim` and
 * `reapExpired`, each mirroring a domain function named at its implementation.
 */
import type { AttemptRecord, EnqueueResult, Job, JobStatus, StepRecord, ThroughputBucket } from '../../domain/job.js';
import type { Schedule } from '../../domain/schedule.js';
import type { QueueRateLimit, RateLimit } from '../../domain/rate-limit.js';
import type { ValidatedNewJob } from '../../domain/validation.js';
import type { ScheduleWrite } from './sql-schedules.js';
import type { WorkerProcess } from '../../domain/liveness.js';

/** What a sweep did and found, as the engine reads it (the core turns it into a `SweepOutcome`). */
export interface SweepRows {
  /** Leases the sweep marked expired. */
  marked: number;
  /** Processing jobs with locked_until <= now that no step deadline holds back (step_deadline_at <= the cutoff, or none). */
  expired: number;
  /** The earliest locked_until > now of a processing job, or null. */
  nextLeaseEnd: number | null;
  /** The earliest last_seen_at + liveness_timeout_ms > now of a worker row, or null. */
  nextDeath: number | null;
  /** The earliest step_deadline_at of an expired lease it holds back (after the cutoff), or null; the core adds the margin. */
  nextHeldDeadline: number | null;
}

/** A job field a write may set. Its column is `JOB_COLUMN[field]`. */
export type WritableField = 'status' | 'runAt' | 'attempts' | 'leaseExpiries' | 'leaseToken' | 'lockedBy' | 'lockedUntil' | 'lastError' | 'result' | 'updatedAt' | 'finishedAt';

/** The SQL column of each writable field (the same in every dialect). */
export const JOB_COLUMN: Readonly<Record<WritableField, string>> = {
  status: 'status',
  runAt: 'run_at',
  attempts: 'attempts',
  leaseExpiries: 'lease_expiries',
  leaseToken: 'lease_token',
  lockedBy: 'locked_by',
  lockedUntil: 'locked_until',
  lastError: 'last_error',
  result: 'result',
  updatedAt: 'updated_at',
  finishedAt: 'finished_at',
};

/**
 * Decided column values: `fields` (a fixed list per operation, see `WRITES`, so a dialect
 * can cache one statement per list) and their values in the same order; `result` travels as
 * JSON text.
 */
export interface JobWrite {
  /** Names the field list; engines cache their statement under it. */
  name: string;
  fields: readonly WritableField[];
  values: unknown[];
}

/** The fields each decided write sets: fixed per operation, so an engine prepares one statement per list. */
export const WRITES = {
  extend: ['lockedUntil', 'updatedAt'],
  complete: ['status', 'result', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
  fail: ['status', 'lastError', 'runAt', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
  release: ['status', 'attempts', 'runAt', 'lastError', 'lockedBy', 'lockedUntil', 'updatedAt'],
  cancel: ['status', 'updatedAt', 'finishedAt'],
  retry: ['status', 'attempts', 'leaseExpiries', 'runAt', 'updatedAt', 'finishedAt'],
  // Used by dialects whose claim or reap writes rows one by one (MySQL).
  acquire: ['status', 'attempts', 'leaseExpiries', 'leaseToken', 'lockedBy', 'lockedUntil', 'lastError', 'updatedAt'],
  expire: ['status', 'leaseExpiries', 'lastError', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
  // A holder giving up a lease it let run out (expireLease): an expiry with a retry time.
  expireHeld: ['status', 'leaseExpiries', 'lastError', 'runAt', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
} as const satisfies Record<string, readonly WritableField[]>;

/** The decided write of `next` for operation `name`; `resultText` is the result column's JSON text. */
export function writeOf(name: keyof typeof WRITES, next: Job, resultText: string | null = null): JobWrite {
  const fields = WRITES[name];
  return { name, fields, values: fields.map((f) => (f === 'result' ? resultText : next[f])) };
}

/** A write that lands only while the lease holds: (id, token, status = 'processing'). */
export interface FencedWrite {
  id: number;
  token: number;
  /**
   * The counts the decision was made from (fail, release): the write also requires the row
   * to still have them. Under a held token they never differ; a doctored lease loses instead.
   */
  pin?: { attempts: number; maxAttempts: number; leaseExpiries: number };
  write: JobWrite;
}

/** One entry of a batched complete: distinct (id, token) pairs; `job` is the job as held: the store's own copy (`SqlLeaseStore.ownJob`) or the row as read. */
export interface CompleteRow {
  id: number;
  token: number;
  resultText: string | null;
  job: Job;
}

/**
 * A step write under the fence; `resultText` null for an intent (state 'started'). `key` is
 * the intent's idempotency key: written only where the step has none yet. An intent's
 * `deadlineAt` (null: none) must not be later than the row's `locked_until`; when given it is
 * recorded with the step and raises the job row's `step_deadline_at` to it.
 */
export interface StepWrite {
  id: number;
  token: number;
  name: string;
  state: 'started' | 'done';
  resultText: string | null;
  key: string | null;
  now: number;
  deadlineAt: number | null;
}

/** How a step write went: written (or kept, for a step that is done), lease lost, or a deadline later than the lease. */
export type StepWriteOutcome = 'ok' | 'lost' | 'late';

/** What `list` filters by, validated. */
export interface ListQuery {
  statuses: JobStatus[] | null;
  queue: string | null;
  limit: number;
  order: 'asc' | 'desc';
  /** Only jobs with (true) or without (false) a step in doubt (`isStepInDoubt`); null: either. */
  inDoubt: boolean | null;
}

/**
 * A job to insert: validated, with the uid the core drew for it. Where its key is retired and
 * `reuseKey` is set, the engine gives the job the key's recorded uid and format instead.
 */
export type InsertJob = ValidatedNewJob & { uid: string };

/** A decided step row, as `settleStep` writes it back (state, result, finishedAt, settledAt). */
export interface SettledStep {
  state: 'started' | 'done';
  resultText: string | null;
  finishedAt: number | null;
  settledAt: number;
}

/** What `heldLeases` takes: expired at `now`, held by a step deadline after `deadlineCutoff` (now - clockMarginMs). */
export interface HeldLeaseQuery {
  now: number;
  deadlineCutoff: number;
  /** Distinct queues; null: all. */
  queues: string[] | null;
  limit: number;
}

/** What `findJobs` walks: below `beforeId`, newest first, at most `limit` rows. */
export interface FindQuery {
  statuses: JobStatus[] | null;
  queue: string | null;
  beforeId: number;
  limit: number;
}

/** What `claim` takes: the decided lease expiry, and distinct queues (null: all). */
export interface ClaimQuery {
  workerId: string;
  lockedUntil: number;
  limit: number;
  queues: string[] | null;
  now: number;
  /**
   * Expired leases whose latest step deadline is after this (now - clockMarginMs) are held
   * back: not claimed, not poisoned.
   */
  deadlineCutoff: number;
}

/** One dialect of SQL under `SqlLeaseStore`. Each method may throw raw driver errors; the core translates them with `translateError`. */
export interface SqlEngine {
  /**
   * Checks the connection once, before the store's first operation (MySQL: character sets and
   * packet size); the core calls it until it succeeds. Optional.
   */
  ready?(): Promise<void>;
  /** Applies the dialect's migrations. */
  migrate(now: number): Promise<void> | void;
  /** The database identity the migration wrote. */
  identity(): Promise<string> | string;
  /**
   * Inserts validated jobs in one transaction, through the keys table: a live key (or one
   * repeated in the batch) returns the job holding it; a retired key throws `KeyRetiredError`
   * (nothing of the batch is written) unless `reuseKey`, which revives it for the new job
   * with the key's uid and format; a new key gets its row.
   */
  insert(jobs: InsertJob[], now: number): Promise<EnqueueResult[]> | EnqueueResult[];
  /** The claim (rules 1 and 2): mirrors the in-memory store's acquire; jobs come back in claim order. */
  claim(q: ClaimQuery): Promise<Job[]> | Job[];
  /** The one fenced "write if still held": the job as written, or undefined when the lease is lost. */
  writeIfHeld(w: FencedWrite): Promise<Job | undefined> | Job | undefined;
  /** Completes distinct leases in one round trip where it can; per entry the job as written, or undefined when lost. */
  completeHeld(rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> | (Job | undefined)[];
  /** Writes a step under the fence; false when the lease is lost. An intent keeps a step that is done. */
  writeStep(s: StepWrite): Promise<StepWriteOutcome> | StepWriteOutcome;
  /** Every step record of the job, in any order. */
  steps(id: number): Promise<StepRecord[]> | StepRecord[];
  /** Mirrors `applyExpire` on every expired lease not held back by a step deadline after `deadlineCutoff`; returns how many. */
  reapExpired(now: number, deadlineCutoff: number): Promise<number> | number;
  /**
   * Reads the job locked, asks `decide` for the next state (it may throw, and then nothing is
   * written), writes it and returns the job as written; undefined when no job has the id.
   * With `withSteps`, `decide` also gets the job's steps, read under the same lock (else []).
   */
  updateLocked(id: number, decide: (job: Job, steps: StepRecord[]) => JobWrite, opts?: { withSteps?: boolean }): Promise<Job | undefined> | Job | undefined;
  /**
   * Reads the job and its step `name` locked, asks `decide` for the step's new row (it may
   * throw, and then nothing is written), writes it and returns the step as written;
   * undefined when no job has the id.
   */
  settleStep(id: number, name: string, decide: (job: Job, step: StepRecord | undefined) => SettledStep): Promise<StepRecord | undefined> | StepRecord | undefined;
  get(id: number): Promise<Job | undefined> | Job | undefined;
  list(q: ListQuery): Promise<Job[]> | Job[];
  /** Processing jobs whose lease has (expired) or has not (active) run out at `now`, by id. */
  leases(kind: 'active' | 'expired', now: number): Promise<Job[]> | Job[];
  /** Expired leases whose row's step deadline is after the cutoff (those `claim` and `reapExpired` skip), by id, with that deadline. */
  heldLeases(q: HeldLeaseQuery): Promise<{ job: Job; stepDeadlineAt: number }[]> | { job: Job; stepDeadlineAt: number }[];
  /** Job counts per queue and status (raw, the core tallies). */
  counts(): Promise<{ queue: string; status: JobStatus; n: number }[]> | { queue: string; status: JobStatus; n: number }[];
  /**
   * Deletes final jobs in `statuses` finished at or before `cutoff`, with their steps, and
   * retires their keys (tombstones stamped `now`); then forgets tombstones retired at or
   * before `forgetBefore` (null: none). Returns how many jobs.
   */
  prune(cutoff: number, statuses: JobStatus[], now: number, forgetBefore: number | null): Promise<number> | number;
  /** A job's attempts in token order (the history the dialect keeps in the transaction of each change). */
  attempts(id: number): Promise<AttemptRecord[]> | AttemptRecord[];
  /** Per-minute counters from `fromMinute` on, by minute then queue. */
  throughput(fromMinute: number): Promise<ThroughputBucket[]> | ThroughputBucket[];
  /** Drops per-minute counters of minutes before `minute`. */
  pruneCounts(minute: number): Promise<void> | void;
  /** Jobs with an id below `beforeId` matching the filter, newest first. */
  findJobs(q: FindQuery): Promise<Job[]> | Job[];
  /** The job holding `key`, if any. */
  jobByKey(key: string): Promise<Job | undefined> | Job | undefined;
  /** One schedule by name. */
  schedule(name: string): Promise<Schedule | undefined> | Schedule | undefined;
  /** Every schedule, by name (byte order). */
  schedules(): Promise<Schedule[]> | Schedule[];
  /**
   * Reads the schedule locked (undefined when there is none), asks `decide` for the row to
   * write (it may throw, or return undefined to write nothing), writes it whole and returns
   * the row as it then is.
   */
  updateSchedule(name: string, decide: (s: Schedule | undefined) => ScheduleWrite | undefined): Promise<Schedule | undefined> | Schedule | undefined;
  /**
   * One run of a schedule in one transaction: reads the row locked; when `decide(row, null)`
   * writes nothing (cursor moved, paused, gone) returns undefined and inserts nothing; else
   * inserts `jobs` as `insert` does and writes `decide(row, last)`, `last` being the last
   * job's slot (its runAt) and id.
   */
  fireSchedule(
    name: string,
    jobs: InsertJob[],
    now: number,
    decide: (s: Schedule | undefined, last: { slotAt: number; jobId: string } | null) => ScheduleWrite | undefined,
  ): Promise<{ schedule: Schedule; jobs: EnqueueResult[] } | undefined> | { schedule: Schedule; jobs: EnqueueResult[] } | undefined;
  /** Sets or (null) removes a queue's rate limit, keeping the claim times it recorded. */
  setRateLimit(queue: string, limit: RateLimit | null): Promise<void> | void;
  /** Every queue's rate limit with its recent claim times, by queue. (`claim` reads and writes them itself.) */
  rateLimits(): Promise<QueueRateLimit[]> | QueueRateLimit[];
  /** Deletes a schedule; true when it existed. */
  deleteSchedule(name: string): Promise<boolean> | boolean;
  /**
   * In one transaction: reads the worker row of `row.workerId` locked and asks `decide`
   * whether `row` may take it. If so, writes `row` (insert or replace) and, when a row was
   * replaced, marks that id's unexpired leases expired at `row.lastSeenAt` (the claim kept).
   * Refused: the row as it is, with the jobs it holds.
   */
  registerWorker(
    row: WorkerProcess,
    decide: (existing: WorkerProcess | undefined) => boolean,
  ): Promise<{ ok: true } | { ok: false; current: WorkerProcess; jobsHeld: number }> | { ok: true } | { ok: false; current: WorkerProcess; jobsHeld: number };
  /** Sets last_seen_at = now where the row is that incarnation's and alive at now (mirrors `mayRenew`); the row, or undefined. */
  renewWorker(workerId: string, incarnation: string, now: number): Promise<WorkerProcess | undefined> | WorkerProcess | undefined;
  /** Deletes the row if it is that incarnation's; whether it did. */
  unregisterWorker(workerId: string, incarnation: string): Promise<boolean> | boolean;
  /** Every worker row with the processing jobs it holds, by id. */
  workers(): Promise<(WorkerProcess & { jobsHeld: number })[]> | (WorkerProcess & { jobsHeld: number })[];
  /**
   * Sets locked_until = now on unexpired leases of rows dead at now (last_seen_at + timeout <=
   * now); then reads what a claimer wants to know, leases held back by a step deadline after
   * `deadlineCutoff` (now - clockMarginMs) apart. Mirrors the model's `sweepDeadWorkers`.
   */
  sweepDeadWorkers(now: number, deadlineCutoff: number): Promise<SweepRows> | SweepRows;
  /**
   * In one transaction: reads the worker row locked, lets `decide` refuse (it throws), then
   * mirrors `applyExpire` on every processing job the id holds, retrying at `heldRetryAt` (its
   * row's step deadline plus `marginMs`, when later than now), and deletes the row; how many jobs.
   */
  releaseWorker(workerId: string, now: number, marginMs: number, decide: (existing: WorkerProcess | undefined) => void): Promise<number> | number;
  /** Deletes rows with last_seen_at + timeout + olderThanMs <= now that hold no processing job; how many. */
  pruneWorkers(now: number, olderThanMs: number): Promise<number> | number;
  /** Releases what the engine opened. */
  close(): Promise<void> | void;
  /** Turns a raw driver error into a leasehold error (leasehold errors pass through). */
  translateError(error: unknown, operation: string): Error;
}
