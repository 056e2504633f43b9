/**
 * Concurrency keys: jobs sharing a `concurrencyKey` hold at most their `concurrencyLimit` of
 * leases at once. A lease is a processing job, expired or not: an expired lease keeps its slot
 * until it is taken over (the slot moves to the new holder) or leaves processing (reaped,
 * poisoned, finished). Every store follows the same claim:
 *
 * 1. Wake: for each key with blocked jobs, the first `limit - holders` of them (claim order;
 *    `limit` is that of the job blocked last) go back to waiting.
 * 2. Walk the eligible jobs in claim order; a waiting job whose key's leases have reached its
 *    limit is blocked: it leaves the claim's walk, uncharged (no attempt counted, nothing else
 *    changes), until step 1 frees it. A takeover keeps its key's count.
 *
 * So a key with a long backlog costs a claim one look per key, never a walk past its jobs.
 */
import type { Job } from './job.js';

/** The leases a key holds: its processing jobs, counted by the store in the claim's transaction. */
export type Holders = number;

/**
 * Whether the claim must hold `job` back: a waiting job of a key that already holds as many
 * leases as the job's limit allows. Takeovers are never held back (the slot moves).
 */
export function isConcurrencyBlocked(job: Job, holders: Holders): boolean {
  return job.concurrencyKey !== undefined && job.status !== 'processing' && holders >= (job.concurrencyLimit ?? 1);
}

/** How many blocked jobs of a key the wake step frees: the limit less the leases held, at least 0. */
export function slotsFree(limit: number, holders: Holders): number {
  return Math.max(0, limit - holders);
}
