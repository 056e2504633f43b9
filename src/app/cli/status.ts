/**
 * `leasehold status`: what an operator looks at first. Everything comes through the
 * LeaseStore port, so it reads the same on every store.
 */
import type { Job, JobStatus } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';

/** How many waiting jobs `status` looks at to find the oldest one, and failed jobs to find the latest. */
export const STATUS_SAMPLE = 1000;
/** How many failed jobs `status` shows. */
export const STATUS_FAILED_SHOWN = 10;

/** A processing job's lease, as `status` shows it. `msLeft` is negative once it has run out. */
export interface LeaseView {
  id: string;
  queue: string;
  lockedBy: string | null;
  leaseToken: number;
  attempts: number;
  maxAttempts: number;
  lockedUntil: number | null;
  msLeft: number | null;
}

/** The waiting job that has been due longest. */
export interface OldestWaiting {
  id: string;
  queue: string;
  status: JobStatus;
  /** How long it has been due (now - runAt), ms. */
  waitingMs: number;
}

/** A failed job and why. */
export interface FailedView {
  id: string;
  queue: string;
  attempts: number;
  finishedAt: number | null;
  lastError: string | null;
}

/** What `leasehold status` reports (also its `--json` shape). */
export interface StatusReport {
  now: number;
  total: number;
  byStatus: Record<JobStatus, number>;
  byQueue: Record<string, Record<JobStatus, number>>;
  activeLeases: LeaseView[];
  expiredLeases: LeaseView[];
  /** null when no job is due. */
  oldestWaiting: OldestWaiting | null;
  /** The most recently finished failed jobs (up to 10). */
  failed: FailedView[];
}

/** Builds the status report at `now` (the store's clock time). */
export async function statusCommand(store: LeaseStore, now: number): Promise<StatusReport> {
  const [stats, active, expired, waiting, failed] = await Promise.all([
    store.stats(),
    store.getActiveLeases(),
    store.getExpiredLeases(),
    // The port lists in id order only; the first STATUS_SAMPLE waiting jobs by id hold the
    // oldest-enqueued ones, which is where a stuck queue shows first.
    store.list({ status: ['pending', 'retry'], limit: STATUS_SAMPLE }),
    store.list({ status: 'failed', limit: STATUS_SAMPLE }),
  ]);
  return {
    now,
    total: stats.total,
    byStatus: stats.byStatus,
    byQueue: stats.byQueue,
    activeLeases: active.map((j) => leaseView(j, now)),
    expiredLeases: expired.map((j) => leaseView(j, now)),
    oldestWaiting: oldestDue(waiting, now),
    failed: failed
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))
      .slice(0, STATUS_FAILED_SHOWN)
      .map((j) => ({ id: j.id, queue: j.queue, attempts: j.attempts, finishedAt: j.finishedAt, lastError: j.lastError })),
  };
}

function leaseView(j: Job, now: number): LeaseView {
  return {
    id: j.id,
    queue: j.queue,
    lockedBy: j.lockedBy,
    leaseToken: j.leaseToken,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    lockedUntil: j.lockedUntil,
    msLeft: j.lockedUntil === null ? null : j.lockedUntil - now,
  };
}

function oldestDue(jobs: Job[], now: number): OldestWaiting | null {
  let best: Job | undefined;
  for (const j of jobs) if (j.runAt <= now && (!best || j.runAt < best.runAt)) best = j;
  return best ? { id: best.id, queue: best.queue, status: best.status, waitingMs: now - best.runAt } : null;
}
