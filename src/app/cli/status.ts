/**
 * `leasehold status`: what an operator looks at first. Everything comes through the
 * LeaseStore port, so it reads the same on every store.
 */
import type { Job, JobStatus } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';

/** A schedule as `status` shows it. */
export interface ScheduleStatus {
  name: string;
  cron: string;
  timeZone: string;
  queue: string;
  paused: boolean;
  /** Its next slot (epoch ms); null while paused or when none is left. */
  nextRun: number | null;
}

/**
 * How many waiting jobs `status` looks at to find the one due longest: the port lists by id
 * only, so with more waiting jobs than this the figure comes from the lowest ids (see
 * {@link StatusReport.oldestWaitingExact}).
 */
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
  /**
   * The holder's process: 'alive' (a fresh sign of life), 'gone' (its sign of life ran out:
   * crashed, killed or cut off; the lease is taken over soon), or 'unknown' (no process row:
   * a worker without liveness, or one whose row was released).
   */
  holder: 'alive' | 'gone' | 'unknown';
  /** The holder process's last sign of life, when known. */
  holderLastSeenAt: number | null;
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
  /**
   * The pending or retry job due longest (smallest runAt <= now) among the STATUS_SAMPLE
   * waiting jobs with the lowest ids; null when none of those is due.
   */
  oldestWaiting: OldestWaiting | null;
  /**
   * true when those were all the waiting jobs, so `oldestWaiting` is exact; false when there
   * are more waiting jobs and a higher id (a delayed job, a retry) could have been due longer.
   */
  oldestWaitingExact: boolean;
  /** The failed jobs with the highest ids (the most recently enqueued), newest first, up to 10. */
  failed: FailedView[];
  /** Every schedule with its next run, by name. */
  schedules: ScheduleStatus[];
}

/**
 * Builds the status report at `now` (epoch ms), which `msLeft` and `waitingMs` are measured
 * from. Which leases count as expired is the store's call, by its own clock, so pass that
 * clock's time. The CLI passes Date.now(): the SQLite store's clock; the MySQL store judges by
 * the server's, so there `msLeft` is off by the host's offset from the server.
 */
export async function statusCommand(store: LeaseStore, now: number): Promise<StatusReport> {
  const [stats, active, expired, waiting, failed, schedules, workers] = await Promise.all([
    store.stats(),
    store.getActiveLeases(),
    store.getExpiredLeases(),
    // The port orders by id only, not by runAt; the lowest ids hold the oldest-enqueued jobs,
    // where a stuck queue shows first. When they are all the waiting jobs, the figure is exact.
    store.list({ status: ['pending', 'retry'], limit: STATUS_SAMPLE }),
    store.list({ status: 'failed', order: 'desc', limit: STATUS_FAILED_SHOWN }),
    store.listSchedules(),
    store.listWorkers(),
  ]);
  const byId = new Map(workers.map((w) => [w.workerId, w]));
  const leaseView = (j: Job): LeaseView => {
    const w = j.lockedBy === null ? undefined : byId.get(j.lockedBy);
    return {
      id: j.id,
      queue: j.queue,
      lockedBy: j.lockedBy,
      leaseToken: j.leaseToken,
      attempts: j.attempts,
      maxAttempts: j.maxAttempts,
      lockedUntil: j.lockedUntil,
      msLeft: j.lockedUntil === null ? null : j.lockedUntil - now,
      holder: w === undefined ? 'unknown' : w.alive ? 'alive' : 'gone',
      holderLastSeenAt: w?.lastSeenAt ?? null,
    };
  };
  return {
    now,
    total: stats.total,
    byStatus: stats.byStatus,
    byQueue: stats.byQueue,
    activeLeases: active.map(leaseView),
    expiredLeases: expired.map(leaseView),
    oldestWaiting: oldestDue(waiting, now),
    oldestWaitingExact: waiting.length < STATUS_SAMPLE || stats.byStatus.pending + stats.byStatus.retry <= waiting.length,
    failed: failed.map((j) => ({ id: j.id, queue: j.queue, attempts: j.attempts, finishedAt: j.finishedAt, lastError: j.lastError })),
    schedules: schedules.map((s) => ({ name: s.name, cron: s.cron, timeZone: s.timeZone, queue: s.queue, paused: s.paused, nextRun: s.paused ? null : s.nextRunAt })),
  };
}

function oldestDue(jobs: Job[], now: number): OldestWaiting | null {
  let best: Job | undefined;
  for (const j of jobs) if (j.runAt <= now && (!best || j.runAt < best.runAt)) best = j;
  return best ? { id: best.id, queue: best.queue, status: best.status, waitingMs: now - best.runAt } : null;
}
