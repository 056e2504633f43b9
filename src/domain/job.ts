/** A JSON value: what payloads, results and step results may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every status a job can be in. */
export const JOB_STATUSES = ['pending', 'processing', 'retry', 'done', 'failed', 'cancelled'] as const;
/** A job's status; see the lifecycle in `lifecycle.ts`. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The lease-expiry budget of a job enqueued without `maxLeaseExpiries`. */
export const DEFAULT_MAX_LEASE_EXPIRIES = 10;

/** A job as the store holds it. Times are epoch milliseconds. Returned jobs are copies. */
export interface Job {
  id: string;
  queue: string;
  key: string | null;
  payload: Json;
  status: JobStatus;
  priority: number;
  runAt: number;
  /** Acquisitions so far (what `ctx.attempt` shows); an attempt not charged is given back. */
  attempts: number;
  /** Handler failures allowed before the job fails (attempts lost to lease expiry do not count). */
  maxAttempts: number;
  /** How often a holder lost the job by letting its lease run out (crash, pause, store outage). */
  leaseExpiries: number;
  /** Lease expiries allowed before the job fails as poison ("lease expired N times"). Default 10. */
  maxLeaseExpiries: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  /** Fencing token: increases at every change of ownership (every acquisition). 0 before the first. */
  leaseToken: number;
  lastError: string | null;
  result: Json | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** What `enqueue` takes. Times are epoch ms. */
export interface NewJob {
  queue: string;
  payload: Json;
  /** Unique key: enqueueing a key that exists returns the existing job, never a second one. */
  key?: string;
  /** Lower runs first. Default 0. */
  priority?: number;
  /** Earliest start (epoch ms). Default: now. */
  runAt?: number;
  /** Handler failures allowed before the job fails. Default 3. */
  maxAttempts?: number;
  /**
   * Lease expiries allowed (a holder crashed, paused or lost the store) before the job fails
   * as one that keeps killing its worker. Default 10; 0 fails it at its first expiry.
   */
  maxLeaseExpiries?: number;
}

/** A claim on a job: the token fences every write the holder makes. */
export interface Lease {
  job: Job;
  token: number;
  workerId: string;
  expiresAt: number;
}

/** What `enqueue` returns: the job, and whether this call created it (false: the key existed). */
export interface EnqueueResult {
  job: Job;
  created: boolean;
}

/** What `acquire` takes. */
export interface AcquireRequest {
  workerId: string;
  leaseMs: number;
  /** Claim at most this many jobs in one round trip. Default 1. */
  limit?: number;
  /** Only these queues. Default: every queue. */
  queues?: string[];
}

/** Filter for `list`. */
export interface ListFilter {
  status?: JobStatus | JobStatus[];
  queue?: string;
  /** Default 100. */
  limit?: number;
  /**
   * By id: 'asc' (default) oldest first, 'desc' newest first. The limit applies after the
   * order, so `{ order: 'desc', limit: 10 }` gives the 10 newest matching jobs.
   */
  order?: 'asc' | 'desc';
}

/** Counts by queue and status. */
export interface Stats {
  total: number;
  byStatus: Record<JobStatus, number>;
  byQueue: Record<string, Record<JobStatus, number>>;
}

/** A durable step of a job: started (intent recorded) or done (result recorded). */
export interface StepRecord {
  name: string;
  state: 'started' | 'done';
  result: Json | null;
  /** Lease token of the attempt that last wrote the step. */
  token: number;
  startedAt: number;
  finishedAt: number | null;
  /** The idempotency key recorded with the step's intent, when one was. */
  key?: string | null;
  /** The step's absolute deadline (epoch ms, store's clock) recorded with its intent, when one was. */
  deadlineAt?: number | null;
}

/** What a step's intent records besides its name (`beginStep`). */
export interface StepIntent {
  /** The idempotency key the step's effect carries. */
  key?: string;
  /**
   * The step's absolute deadline, epoch ms in the store's clock: no request of the step is
   * valid after it. The store refuses a deadline later than the lease it is written under.
   */
  deadlineAt?: number;
}

/** What `fail` takes besides the lease and the error. */
export interface FailOptions {
  /** Fail at once: no further attempts. */
  permanent?: boolean;
  /** Retry no earlier than this (epoch ms) instead of the backoff. */
  retryAt?: number;
}

/** What `prune` takes. */
export interface PruneOptions {
  olderThanMs: number;
  /** Default: done, failed, cancelled. */
  statuses?: JobStatus[];
}

/** One entry of `completeMany`. */
export interface CompleteEntry {
  lease: Lease;
  result?: Json;
}

/** Per-entry outcome of `completeMany`: the completed job, or the error for that entry alone. */
export type CompleteOutcome = { ok: true; job: Job } | { ok: false; error: Error };

/** Empty status counts. */
export function emptyStatusCounts(): Record<JobStatus, number> {
  return { pending: 0, processing: 0, retry: 0, done: 0, failed: 0, cancelled: 0 };
}
