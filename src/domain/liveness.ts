/**
 * Worker liveness, apart from the lease: each worker process makes itself known to the store
 * and renews a sign of life at a short interval; the store judges, by its own clock, that a
 * process whose sign of life is older than its liveness timeout is dead, and then its leases
 * may be taken over at once instead of when they run out. Pure rules, used by every store.
 */
import { ValidationError } from './errors.js';
import { MAX_LEASE_MS, validateInteger, validateName } from './validation.js';

/** What a worker process tells the store about itself when it starts. */
export interface WorkerRegistration {
  /** The worker's id (its leases' `lockedBy`). */
  workerId: string;
  /** Changes at each start of a process under this id: a process replaced by a newer one finds itself superseded. */
  incarnation: string;
  host: string;
  pid: number;
  /** The host's boot id ('' when unknown): with the host and pid, what proves a predecessor dead. */
  bootId: string;
  /** A sign of life older than this (by the store's clock) means the process is dead. */
  livenessTimeoutMs: number;
}

/** A worker process as the store holds it. Times are the store's clock, epoch ms. */
export interface WorkerProcess extends WorkerRegistration {
  startedAt: number;
  /** The latest sign of life. */
  lastSeenAt: number;
}

/** A worker process as `listWorkers` reports it. */
export interface WorkerInfo extends WorkerProcess {
  /** Whether its sign of life is fresh at the store's `now`. */
  alive: boolean;
  /** Processing jobs whose lease it holds (expired or not). */
  jobsHeld: number;
}

/** What `registerWorker` answers: registered, or refused because a live process holds the id. */
export type RegisterOutcome = { ok: true; worker: WorkerProcess } | { ok: false; current: WorkerInfo };

/** Options of `registerWorker`. */
export interface RegisterOptions {
  /** Take the id over from this incarnation even though it looks alive (it was proven dead). */
  replaces?: string;
}

/** Options of `releaseWorkerLeases`. */
export interface ReleaseWorkerOptions {
  /** Release even though the worker shows a fresh sign of life. Default false. */
  force?: boolean;
}

/** Defaults of worker liveness. With them a SIGKILLed worker's job runs again within about 10 s. */
export const LIVENESS_DEFAULTS = Object.freeze({
  /** How often a process renews its sign of life. */
  intervalMs: 1000,
  /**
   * How old a sign of life may get before the process counts as dead. Above a 5 s event-loop
   * stall plus one interval plus the margin, so a slow process keeps its jobs.
   */
  timeoutMs: 8000,
  /** A process that has not renewed within timeout - margin (its own clock) stops acting. */
  marginMs: 1000,
  /** Rows of processes dead for longer than this are deleted (when they hold no lease). */
  retentionMs: 24 * 60 * 60 * 1000,
});

/** Whether the process's sign of life is still fresh at `now` (the store's clock). */
export function isWorkerAlive(w: Pick<WorkerProcess, 'lastSeenAt' | 'livenessTimeoutMs'>, now: number): boolean {
  return w.lastSeenAt + w.livenessTimeoutMs > now;
}

/** When the process counts as dead unless it renews. */
export function workerDeadAt(w: Pick<WorkerProcess, 'lastSeenAt' | 'livenessTimeoutMs'>): number {
  return w.lastSeenAt + w.livenessTimeoutMs;
}

/**
 * Whether a registration may take the id: nobody holds it, its holder is dead, or the caller
 * proved that exact incarnation dead (`replaces`).
 */
export function mayRegister(existing: WorkerProcess | undefined, now: number, opts: RegisterOptions = {}): boolean {
  return existing === undefined || !isWorkerAlive(existing, now) || (opts.replaces !== undefined && opts.replaces === existing.incarnation);
}

/**
 * Whether a renewal is accepted: the row is this incarnation's and still alive. A process
 * that was judged dead (or replaced) meanwhile is refused: its leases may be anyone's by now,
 * so it must not act on them, and it registers afresh.
 */
export function mayRenew(existing: WorkerProcess | undefined, incarnation: string, now: number): boolean {
  return existing !== undefined && existing.incarnation === incarnation && isWorkerAlive(existing, now);
}

/**
 * The lease expiry the sweep gives a dead process's job: now (claimable at once), never
 * later than it already was. A later rule (an open step's deadline) may hold it back.
 */
export function sweptLockedUntil(lockedUntil: number, now: number, holdUntil: number | null = null): number {
  const target = holdUntil === null ? now : Math.max(now, holdUntil);
  return Math.min(lockedUntil, target);
}

/**
 * What `sweepDeadWorkers` reports: what it did, and what a claimer should know to take
 * leases over as soon as they can be, rather than at its next poll.
 */
export interface SweepOutcome {
  /** Leases of dead processes this sweep marked expired (claim and token kept). */
  marked: number;
  /**
   * Processing jobs whose lease has run out and that no step deadline holds back (after the
   * sweep): the next acquire takes them over, or fails them as poison.
   */
  expired: number;
  /**
   * Milliseconds (of the store's clock) until the earliest next expiry the store knows of: a
   * live process counting as dead unless it renews, an unexpired lease running out, or a
   * held-back lease becoming takeable. Null when there is none. A sweeper that sleeps no
   * longer than this wakes exactly then.
   */
  nextExpiryInMs: number | null;
}

/** The outcome of a sweep at `now`: `nextAt` are the candidate next expiries (epoch ms, after now; null for none). */
export function sweepOutcome(marked: number, expired: number, nextAt: readonly (number | null)[], now: number): SweepOutcome {
  let next: number | null = null;
  for (const t of nextAt) if (t !== null && t > now && (next === null || t < next)) next = t;
  return { marked, expired, nextExpiryInMs: next === null ? null : next - now };
}

/** Checks a registration naming the bad field; returns a clean copy. */
export function validateWorkerRegistration(input: unknown): WorkerRegistration {
  if (typeof input !== 'object' || input === null) throw new ValidationError('registration', 'must be an object');
  const r = input as Record<string, unknown>;
  const text = (field: string, max: number, allowEmpty = false): string => {
    const v = r[field];
    if (typeof v !== 'string' || (!allowEmpty && v.length === 0) || v.length > max) {
      throw new ValidationError(field, `must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${max} characters`);
    }
    return v;
  };
  return {
    workerId: validateName(r.workerId, 'workerId'),
    incarnation: text('incarnation', 64),
    host: text('host', 255),
    pid: validateInteger(r.pid, 'pid', 0, 2 ** 31 - 1),
    bootId: text('bootId', 64, true),
    livenessTimeoutMs: validateInteger(r.livenessTimeoutMs, 'livenessTimeoutMs', 1, MAX_LEASE_MS),
  };
}

/** The `replaces` of `registerWorker`'s options, checked. */
export function validateReplaces(opts: unknown): string | undefined {
  if (opts === undefined) return undefined;
  if (typeof opts !== 'object' || opts === null) throw new ValidationError('opts', 'must be an object');
  const v = (opts as RegisterOptions).replaces;
  if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 64)) throw new ValidationError('replaces', 'must be a non-empty string of at most 64 characters');
  return v;
}

/** The `force` of `releaseWorkerLeases`'s options, checked. */
export function validateForce(opts: unknown): boolean {
  if (opts === undefined) return false;
  if (typeof opts !== 'object' || opts === null) throw new ValidationError('opts', 'must be an object');
  const v = (opts as ReleaseWorkerOptions).force;
  if (v !== undefined && typeof v !== 'boolean') throw new ValidationError('force', 'must be a boolean');
  return v === true;
}

/** The options of `pruneWorkers`, checked: how long a process must have been dead. */
export function validatePruneWorkers(opts: unknown): number {
  if (typeof opts !== 'object' || opts === null) throw new ValidationError('opts', 'must be an object { olderThanMs }');
  return validateInteger((opts as { olderThanMs?: unknown }).olderThanMs, 'olderThanMs', 0, Number.MAX_SAFE_INTEGER);
}
