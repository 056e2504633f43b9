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

/** The lease-expiry budget of a job enqueued without `maxLeaseExpiries`. */
export const DEFAULT_MAX_LEASE_EXPIRIES = 10;

/**
 * A job as the store holds it. Times are epoch milliseconds. Returned jobs are copies.
 * `P` types the payload and `R` the result (default: any JSON); a store checks them at run
 * time, the types only say what your own code put there.
 */
export interface Job<P = Json, R = Json> {
  id: string;
  /**
   * Random, written by the store at enqueue and never changed: the job's identity beyond its
   * id (ids repeat across databases, restores and copies; uids do not). A job that reuses a
   * retired key keeps the uid of the job that held the key before.
   */
  uid: string;
  queue: string;
  key: string | null;
  /** How `ctx.idempotencyKey` spells this job's keys: fixed at enqueue, so every worker derives the same. */
  idempotencyKeyFormat: IdempotencyKeyFormat;
  payload: P;
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
  result: R | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /**
   * Present only on a job enqueued with one: jobs sharing it hold at most `concurrencyLimit`
   * leases at once, across every worker of the database.
   */
  concurrencyKey?: string;
  /** The most leases jobs of `concurrencyKey` may hold at once, this job's claim included; present with the key. */
  concurrencyLimit?: number;
}

/**
 * How idempotency keys are spelled: `'alnum'` (default) 32 characters of `[A-Za-z0-9]` (fits
 * venues that refuse `-` or `_` in client order ids), `'uuid'` the 36-character UUID form
 * (`xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx`, version 8) for venues that want a UUID.
 */
export type IdempotencyKeyFormat = 'alnum' | 'uuid';

/** What `enqueue` takes. Times are epoch ms. */
export interface NewJob<P = Json> {
  queue: string;
  payload: P;
  /**
   * Unique key: enqueueing a key that exists returns the existing job, never a second one. A
   * key whose job was pruned stays retired: enqueueing it again throws `KeyRetiredError`
   * unless `reuseKey` is set.
   */
  key?: string;
  /**
   * Enqueue a retired key anyway (the intent really is to run again): the new job takes over
   * the key, the old job's uid and key format, so it derives the same idempotency keys (the
   * same client order ids) as the old one. Default false.
   */
  reuseKey?: boolean;
  /** Spelling of this job's idempotency keys. Default 'alnum'. */
  idempotencyKeyFormat?: IdempotencyKeyFormat;
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
  /**
   * Not the dedupe `key`: jobs sharing a concurrency key (an account, a symbol) hold at most
   * `concurrencyLimit` leases at once, across every worker and process of the database. A job
   * held back waits, uncharged (no attempt counted), out of the claim's way until a slot frees.
   */
  concurrencyKey?: string;
  /** At most this many leases of `concurrencyKey` at once (an integer >= 1). Default 1; needs `concurrencyKey`. */
  concurrencyLimit?: number;
}

/** What `release` may take: run the job again at `runAt` (epoch ms) instead of now, recording `reason` as its lastError. */
export interface ReleaseOptions {
  runAt?: number;
  reason?: string;
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
   * Only jobs with a step in doubt (true) or without one (false): a step that started and never
   * recorded how it ended, whose attempt no longer holds the job, and that nobody settled.
   */
  inDoubt?: boolean;
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
  /**
   * The idempotency key recorded when the step began: every later attempt, reconcile and
   * settle use it. Null for a step begun by a leasehold that did not record keys.
   */
  key: string | null;
  /** The step's absolute deadline (epoch ms, store's clock) recorded with its intent, when one was. */
  deadlineAt?: number | null;
  /** When a person settled the step by hand (`settleStep`); null otherwise. */
  settledAt: number | null;
}

/** What `beginStep` records with a step's intent. */
export interface StepIntent {
  /** The step's idempotency key; kept if the step already has one. */
  key?: string;
  /**
   * The step's absolute deadline, epoch ms in the store's clock: no request of the step is
   * valid after it. The store refuses a deadline later than the lease it is written under.
   */
  deadlineAt?: number;
}

/**
 * What a person found out about a step in doubt: it happened (and this is its result, e.g.
 * the order the exchange has), or it did not (nothing reached the exchange: run it again).
 */
export type SettleOutcome = { happened: true; result: Json } | { happened: false };

/** Options of `retry`. */
export interface RetryOptions {
  /** Retry even though a step is in doubt (its next attempt asks `reconcile` or the `inDoubt` policy). Default false. */
  force?: boolean;
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
  /**
   * A pruned job's key stays retired (a tombstone refuses it at enqueue) forever by default;
   * with this, tombstones retired more than this long ago are forgotten too, and their keys
   * can be enqueued as new. Only set it longer than any producer may replay a key.
   */
  forgetKeysOlderThanMs?: number;
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

/** How an attempt ended; `running` while its holder still has the job. */
export type AttemptOutcome = 'running' | 'completed' | 'retry' | 'failed' | 'released' | 'expired';

/**
 * One attempt of a job: who held the lease (its token), from when until when, and how it
 * ended. `expired` means its lease ran out and the job was taken over or reaped at `endedAt`.
 */
export interface AttemptRecord {
  /** The lease token of the attempt: 1 for the first acquisition, then increasing. */
  token: number;
  workerId: string;
  startedAt: number;
  /** null while running (also once its lease ran out, until someone takes the job over). */
  endedAt: number | null;
  outcome: AttemptOutcome;
  /** The error the attempt ended with (failed, retry, expired). */
  error: string | null;
}

/** Jobs finished in one minute on one queue (the per-minute counters). */
export interface ThroughputBucket {
  /** Start of the minute, epoch ms (a multiple of 60,000). */
  minute: number;
  queue: string;
  completed: number;
  /** Failed for good (no attempt left, permanent error, lease expired with no attempt left). */
  failed: number;
  /** Failed attempts that will run again. */
  retried: number;
}

/** What `findJobs` takes: filters, newest first, keyset-paged by id. */
export interface JobQuery {
  queue?: string;
  status?: JobStatus | JobStatus[];
  /** Exactly this key. */
  key?: string;
  /** Only jobs with an id below this one (the `next` of the previous page). */
  beforeId?: string;
  /** Default 50. */
  limit?: number;
}

/** A page of `findJobs`: newest first; `next` is the `beforeId` of the following page, null on the last. */
export interface JobPage {
  jobs: Job[];
  next: string | null;
}
