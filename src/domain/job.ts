/** A JSON value: what payloads, results and step results may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type JsonPrimitive = string | number | boolean | null;
/** Values JSON cannot carry as they are: a `Date` would come back as a string, a Map as `{}`. */
type NotJson = undefined | bigint | symbol | ((...args: never[]) => unknown) | Date | RegExp | Map<unknown, unknown> | Set<unknown> | ArrayBufferView;

/**
 * `T` itself when it is plain JSON data, with every part that is not (a `Date`, a function, a
 * `bigint`, `undefined` inside an array) turned into `never`. Unlike {@link Json} it accepts
 * `interface` types, which have no index signature. Used as `T & JsonCompatible<T>`, so a
 * value that is not JSON is a compile error where it is written.
 * @example interface Order { id: string; qty: number } // JsonCompatible<Order> is Order
 */
export type JsonCompatible<T> = T extends JsonPrimitive
  ? T
  : T extends NotJson
    ? never
    : T extends readonly (infer U)[]
      ? readonly JsonCompatible<U>[]
      : T extends object
        ? { [K in keyof T]: JsonCompatible<T[K]> }
        : never;

/** A step's or handler's result: JSON, or nothing (recorded as null). */
export type JsonResult<T> = [T] extends [void] ? T : JsonCompatible<T>;

/** Every status a job can be in. */
export const JOB_STATUSES = ['pending', 'processing', 'retry', 'done', 'failed', 'cancelled'] as const;
/** A job's status; see the lifecycle in `lifecycle.ts`. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * A job as the store holds it. Times are epoch milliseconds. Returned jobs are copies.
 * `P` types the payload and `R` the result (default: any JSON); a store checks them at run
 * time, the types only say what your own code put there.
 */
export interface Job<P = Json, R = Json> {
  id: string;
  queue: string;
  key: string | null;
  payload: P;
  status: JobStatus;
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  /** Fencing token: increases at every change of ownership (every acquisition). 0 before the first. */
  leaseToken: number;
  lastError: string | null;
  result: R | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** What `enqueue` takes. Times are epoch ms. */
export interface NewJob<P = Json> {
  queue: string;
  payload: P;
  /** Unique key: enqueueing a key that exists returns the existing job, never a second one. */
  key?: string;
  /** Lower runs first. Default 0. */
  priority?: number;
  /** Earliest start (epoch ms). Default: now. */
  runAt?: number;
  /** Acquisitions allowed before the job fails. Default 3. */
  maxAttempts?: number;
}

/** A claim on a job: the token fences every write the holder makes. */
export interface Lease<P = Json, R = Json> {
  job: Job<P, R>;
  token: number;
  workerId: string;
  expiresAt: number;
}

/** What `enqueue` returns: the job, and whether this call created it (false: the key existed). */
export interface EnqueueResult<P = Json> {
  job: Job<P>;
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

/**
 * An expired lease that a step deadline still holds back from takeover: its holder wrote a
 * step deadline under it, and no worker takes the job over (claim, poison rule, reap) before
 * that deadline plus the store's `clockMarginMs`. What `getHeldLeases` reports.
 */
export interface HeldLease {
  /** The job, still `processing` under its holder's token. */
  job: Job;
  /** The latest step deadline written under the holder's lease (epoch ms, the store's clock). */
  stepDeadlineAt: number;
  /** The first instant at which the job may be taken over (epoch ms, the store's clock). */
  takeoverAt: number;
}

/** Filter for `getHeldLeases`. */
export interface HeldLeaseFilter {
  /** Only these queues. Default: every queue. */
  queues?: string[];
  /** Default 100. */
  limit?: number;
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
