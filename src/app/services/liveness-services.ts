/**
 * The periodic services of worker liveness: the sweeper that makes dead processes' leases
 * claimable, and the cleanup of old process rows. Both are single conditional store writes,
 * so every worker process can run them at once.
 */
import type { LeaseStore } from '../../ports/lease-store.js';
import type { PeriodicService } from './service-runner.js';

/**
 * Every `intervalMs`, marks the leases of processes whose sign of life is too old as
 * expired; `onSwept(n)` is told when it marked any, so a claimer takes them over at once
 * instead of at its next poll.
 */
export function livenessSweeper(store: LeaseStore, intervalMs: number, onSwept: (n: number) => void): PeriodicService {
  return {
    name: 'liveness-sweeper',
    intervalMs,
    async run() {
      const n = await store.sweepDeadWorkers();
      if (n > 0) onSwept(n);
    },
  };
}

/** Every `intervalMs`, deletes rows of processes dead for more than `retentionMs` that hold no lease. */
export function workerRowCleanup(store: LeaseStore, intervalMs: number, retentionMs: number): PeriodicService {
  return {
    name: 'worker-row-cleanup',
    intervalMs,
    async run() {
      await store.pruneWorkers({ olderThanMs: retentionMs });
    },
  };
}
