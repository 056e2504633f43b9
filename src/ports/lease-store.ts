/**
 * The storage port. Every adapter (memory, SQLite, MySQL) implements it and is held to the
 * same contract by one suite (test/contract). Semantics: ../../DESIGN.md and the lifecycle in
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
  Job,
  JobStatus,
  Json,
  Lease,
  ListFilter,
  NewJob,
  PruneOptions,
  Stats,
  StepRecord,
} from '../domain/job.js';

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
  /** Adds a job, or returns the existing one when its `key` exists (`created: false`). */
  enqueue(job: NewJob): Promise<EnqueueResult>;
  /** Adds many jobs in one round trip; validated whole before anything is written. */
  enqueueMany(jobs: NewJob[]): Promise<EnqueueResult[]>;
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
  /** Gives the job back (pending, attempt not charged). Fenced. */
  release(lease: Lease): Promise<Job>;
  /** Records that a step is about to run (its intent). Fenced. Keeps an existing result. */
  beginStep(lease: Lease, name: string): Promise<void>;
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
  /** Counts by queue and status. */
  stats(): Promise<Stats>;
  /** failed|cancelled -> pending, attempts reset. */
  retry(id: string): Promise<Job>;
  /** pending|retry -> cancelled. */
  cancel(id: string): Promise<Job>;
  /** Deletes final jobs (and their steps) finished more than `olderThanMs` ago. Returns how many. */
  prune(opts: PruneOptions): Promise<number>;
  /**
   * Calls `listener` after a job is enqueued through this store object (same process), so
   * an idle worker can wake at once instead of waiting for its next poll. Returns an
   * unsubscribe function.
   */
  onEnqueue(listener: (queue: string, runAt: number) => void): () => void;
  /** Releases what the store opened (not what it was handed). */
  close(): Promise<void>;

  // What the dashboard reads beyond the above. Optional while not every store keeps them:
  // a store without them is shown with less (no chart, timeline drawn from the steps, paging
  // by limit), never wrongly.

  /** The job's attempts in token order: who held each lease, when, how it ended. Kept until the job is pruned. */
  getAttempts?(jobId: string): Promise<AttemptRecord[]>;
  /** Per-minute counts of completed, failed and retried jobs from `since` (epoch ms), by queue; kept apart from the jobs, so `prune` does not erase them. */
  throughput?(opts: { since: number }): Promise<ThroughputBucket[]>;
  /** Jobs matching the query, newest first, keyset-paged by id. */
  findJobs?(query: JobQuery): Promise<JobPage>;
}

export type { JobStatus };
