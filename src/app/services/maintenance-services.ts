/**
 * The periodic upkeep every worker runs on its {@link ServiceRunner}: the reaper, which puts
 * jobs whose lease ran out back in line (or fails them once their lease-expiry budget is used
 * up), and retention, which prunes finished jobs past a configured age. Both are single
 * conditional store writes that change nothing when another process got there first, so any
 * number of processes may run them against one database at once.
 */
import type { JobStatus, PruneOptions } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import type { PeriodicService } from './service-runner.js';

/**
 * Every `intervalMs`, `reapExpired()`; `onReaped(n)` is told when it put jobs back (the claimer
 * wakes for them instead of waiting for its poll). Not run at start: the worker reaps once
 * before its first claim.
 */
export function reaper(store: LeaseStore, intervalMs: number, onReaped: (count: number) => void): PeriodicService {
  return {
    name: 'reaper',
    intervalMs,
    runAtStart: false,
    async run() {
      const n = await store.reapExpired();
      if (n > 0) onReaped(n);
    },
  };
}

/** How long finished jobs are kept, and how often the worker prunes older ones. */
export interface RetentionOptions {
  /** Finished jobs whose `finishedAt` is older than this (ms) are deleted. */
  olderThanMs: number;
  /** Time between prunes, ms. Default one hour. */
  intervalMs?: number;
  /** Which final statuses are pruned. Default done, failed and cancelled. */
  statuses?: JobStatus[];
  /** Also forget key tombstones retired more than this long ago (see `PruneOptions`). Default: keep them. */
  forgetKeysOlderThanMs?: number;
}

/** Every `intervalMs` (and once at start), `store.prune(prune)`; `onPruned(n)` is told how many went. */
export function retention(store: LeaseStore, intervalMs: number, prune: PruneOptions, onPruned: (count: number) => void): PeriodicService {
  return {
    name: 'retention',
    intervalMs,
    async run() {
      const n = await store.prune(prune);
      if (n > 0) onPruned(n);
    },
  };
}
