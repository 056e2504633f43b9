/**
 * What a job's change leaves behind besides the job itself: the attempt it ends or starts
 * (the per-attempt history behind the dashboard's timeline) and the per-minute counter it
 * bumps (the dashboard's chart). Judged from the job before and after, so every store, and
 * SQL triggers alike, can apply the same rule to the same two rows.
 */
import type { AttemptOutcome, Job, ThroughputBucket } from './job.js';

/** The start of every `lastError` the lease-expiry transitions write (see `leaseExpiredMessage`). */
export const LEASE_EXPIRED_PREFIX = 'lease expired on attempt ';

/** Per-minute counters are kept at least this long, whatever `prune` is asked: 7 days. */
export const COUNTER_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * How the attempt `prev` holds ends when the job becomes `next`, or null when it does not
 * end (no attempt held, or the same one goes on: an extend).
 */
export function attemptEnd(prev: Job, next: Job): Exclude<AttemptOutcome, 'running'> | null {
  if (prev.status !== 'processing') return null;
  if (next.status === 'processing') return next.leaseToken !== prev.leaseToken ? 'expired' : null;
  if (next.status === 'done') return 'completed';
  if (next.status === 'pending') return 'released';
  if (next.lastError !== null && next.lastError.startsWith(LEASE_EXPIRED_PREFIX)) return 'expired';
  return next.status === 'retry' ? 'retry' : 'failed';
}

/** Which per-minute counter the change bumps: jobs leaving processing for done, failed or retry. */
export function throughputField(prev: Job, next: Job): keyof Pick<ThroughputBucket, 'completed' | 'failed' | 'retried'> | null {
  if (prev.status !== 'processing' || next.status === prev.status) return null;
  return next.status === 'done' ? 'completed' : next.status === 'failed' ? 'failed' : next.status === 'retry' ? 'retried' : null;
}

/** The start of the minute `t` falls in (epoch ms). */
export function minuteOf(t: number): number {
  return Math.floor(t / 60_000) * 60_000;
}

/** The first minute `prune` keeps counters for: at least {@link COUNTER_RETENTION_MS} back from now. */
export function countersKept(now: number, olderThanMs: number): number {
  return minuteOf(now - Math.max(olderThanMs, COUNTER_RETENTION_MS));
}
