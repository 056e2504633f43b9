/**
 * Lease rules (rules 1 and 2 of docs/semantics.md), judged against the `now` the caller is given.
 * A lease whose time ran out but that nobody has taken over is still the holder's: the
 * token, not the clock, is the fence.
 */
import type { Job } from './job.js';

/** A processing job whose lease ran out at or before `now`. */
export function isLeaseExpired(job: Job, now: number): boolean {
  return job.status === 'processing' && job.lockedUntil !== null && job.lockedUntil <= now;
}

/** Whether `acquire` at `now` may hand this job out (rule 1). */
export function isEligible(job: Job, now: number): boolean {
  if (job.status === 'pending' || job.status === 'retry') return job.runAt <= now;
  return isLeaseExpired(job, now);
}

/** An expired job whose lease-expiry budget is used up fails instead of being handed out again (rule 2). */
export function isPoisoned(job: Job, now: number): boolean {
  return isLeaseExpired(job, now) && job.leaseExpiries + 1 > job.maxLeaseExpiries;
}

/** Claim order: priority, then runAt, then id (ids are increasing integers as strings). */
export function compareClaimOrder(a: Job, b: Job): number {
  return a.priority - b.priority || a.runAt - b.runAt || compareIds(a.id, b.id);
}

/** Orders two store-assigned ids (decimal integer strings) numerically. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Whether `token` is still the job's current lease (the fence of rule 3). */
export function holdsLease(job: Job, token: number): boolean {
  return job.status === 'processing' && job.leaseToken === token;
}
