/**
 * The job lifecycle as data. The worker, the in-memory store (the model every adapter is
 * held to) and the tests all read this table; SQL adapters repeat its guards in WHERE
 * clauses, and the contract suite proves they agree.
 *
 * ```
 * pending --acquire--> processing --complete--> done
 * retry   --acquire--> processing --fail (attempts left)--> retry
 *                      processing --fail (none left, or permanent)--> failed
 *                      processing --release--> pending (attempt given back)
 *                      processing --expire (acquire or reap)--> processing (taken over), retry, or failed
 * pending|retry --cancel--> cancelled;  failed|cancelled --retry--> pending (attempts reset)
 * ```
 */
import { InvalidTransitionError } from './errors.js';
import type { Job, JobStatus, Json } from './job.js';

/** Every operation that changes a job's status. */
export type LifecycleAction = 'acquire' | 'complete' | 'fail' | 'release' | 'expire' | 'cancel' | 'retry';

/** For each action: the statuses it may start from and the statuses it may lead to. */
export const TRANSITIONS: Readonly<Record<LifecycleAction, { readonly from: readonly JobStatus[]; readonly to: readonly JobStatus[] }>> = {
  acquire: { from: ['pending', 'retry', 'processing'], to: ['processing'] },
  complete: { from: ['processing'], to: ['done'] },
  fail: { from: ['processing'], to: ['retry', 'failed'] },
  release: { from: ['processing'], to: ['pending'] },
  expire: { from: ['processing'], to: ['retry', 'failed'] },
  cancel: { from: ['pending', 'retry'], to: ['cancelled'] },
  retry: { from: ['failed', 'cancelled'], to: ['pending'] },
};

/** Statuses a job leaves only by a manual `retry`. */
export const FINAL_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

/** Statuses whose jobs wait for a worker. */
export const WAITING_STATUSES: readonly JobStatus[] = ['pending', 'retry'];

/** Whether the table allows `action` from `status`. */
export function canTransition(action: LifecycleAction, status: JobStatus): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/** Throws `InvalidTransitionError` (code INVALID_TRANSITION) when the table forbids it. */
export function assertTransition(jobId: string, action: LifecycleAction, status: JobStatus): void {
  if (!canTransition(action, status)) throw new InvalidTransitionError(jobId, action, status);
}

/** The message recorded when a lease expired and the job was taken from its holder. */
export function leaseExpiredMessage(attempts: number, maxAttempts: number): string {
  return attempts >= maxAttempts
    ? `lease expired on attempt ${attempts} of ${maxAttempts}; no attempts left`
    : `lease expired on attempt ${attempts} of ${maxAttempts}`;
}

// The functions below give the job that each transition produces. They do not check the
// guard (callers do, with the table or a fenced WHERE); they only say what changes.

/** The job after `workerId` acquires it at `now`; a lease taken over records why. */
export function applyAcquire(job: Job, workerId: string, now: number, leaseMs: number): Job {
  const takenOver = job.status === 'processing';
  return {
    ...job,
    status: 'processing',
    attempts: job.attempts + 1,
    leaseToken: job.leaseToken + 1,
    lockedBy: workerId,
    lockedUntil: now + leaseMs,
    lastError: takenOver ? leaseExpiredMessage(job.attempts, job.maxAttempts) : job.lastError,
    updatedAt: now,
  };
}

/** The job after its holder extends the lease. */
export function applyExtend(job: Job, now: number, leaseMs: number): Job {
  return { ...job, lockedUntil: now + leaseMs, updatedAt: now };
}

/** The job after its holder completes it. */
export function applyComplete(job: Job, now: number, result: Json | null): Job {
  return { ...job, status: 'done', result, lockedBy: null, lockedUntil: null, updatedAt: now, finishedAt: now };
}

/** The job after a failed attempt: `retryAt` null means no attempt is left (failed). */
export function applyFail(job: Job, now: number, lastError: string, retryAt: number | null): Job {
  const base = { ...job, lastError, lockedBy: null, lockedUntil: null, updatedAt: now };
  return retryAt === null
    ? { ...base, status: 'failed', finishedAt: now }
    : { ...base, status: 'retry', runAt: retryAt };
}

/** The job after its holder releases it (graceful shutdown): the attempt is given back. */
export function applyRelease(job: Job, now: number, later?: { runAt: number; lastError: string }): Job {
  const next: Job = { ...job, status: 'pending', attempts: Math.max(0, job.attempts - 1), lockedBy: null, lockedUntil: null, updatedAt: now };
  // Run again later (a handler's RetryLaterError): the same hand-back, due at runAt, saying why.
  return later === undefined ? next : { ...next, runAt: later.runAt, lastError: later.lastError };
}

/** The job after its expired lease is reaped: retry, or failed when no attempt is left (rule 2). */
export function applyExpire(job: Job, now: number): Job {
  const lastError = leaseExpiredMessage(job.attempts, job.maxAttempts);
  const base = { ...job, lastError, lockedBy: null, lockedUntil: null, updatedAt: now };
  return job.attempts >= job.maxAttempts ? { ...base, status: 'failed', finishedAt: now } : { ...base, status: 'retry' };
}

/** The job after a manual cancel. */
export function applyCancel(job: Job, now: number): Job {
  return { ...job, status: 'cancelled', updatedAt: now, finishedAt: now };
}

/** The job after a manual retry: pending now, attempts reset. Steps are kept. */
export function applyManualRetry(job: Job, now: number): Job {
  return { ...job, status: 'pending', attempts: 0, runAt: now, updatedAt: now, finishedAt: null };
}

/**
 * The job after a store found its row undecodable (its payload or result is not JSON the store
 * can read back, e.g. edited by hand, or written by a version without the depth limit): failed
 * at once, with `reason` as its last error, so it can never block a queue. Not an action a
 * caller takes, so not in `TRANSITIONS`: the claim applies it to a row it meets, whatever its
 * waiting or processing status. `retry` then runs it again once the row is repaired.
 */
export function applyUndecodable(job: Job, now: number, reason: string): Job {
  return { ...job, status: 'failed', lastError: reason, lockedBy: null, lockedUntil: null, updatedAt: now, finishedAt: now };
}
