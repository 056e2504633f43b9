/**
 * The worker's typed events, emitted through {@link SafeEmitter.emit}, which keeps a throwing
 * listener from breaking the worker (graphile-worker's safeEmit).
 */
import type { HeldLease, Job, Json, Lease } from '../../domain/job.js';

/** What each worker event carries. */
export interface WorkerEvents {
  /** A job was claimed and its handler is about to run. */
  'job:started': { job: Job; lease: Lease; attempt: number };
  /** The handler returned and the completion was recorded. */
  'job:completed': { job: Job; result: Json | null; durationMs: number };
  /** The attempt failed and no attempt is left (or the failure was permanent): the job is `failed`. */
  'job:failed': { job: Job; error: unknown };
  /** The attempt failed; the job runs again at `runAt`. */
  'job:retry': { job: Job; error: unknown; runAt: number };
  /** The handler asked to run again later (`RetryLaterError`, `ctx.retryLater`): the job is pending until `runAt`, the attempt not charged. */
  'job:retry-later': { job: Job; error: unknown; runAt: number };
  /** A heartbeat pushed the lease's expiry forward. */
  'lease:extended': { jobId: string; lease: Lease };
  /** The worker no longer holds the lease: the handler's signal is aborted and no later write of this attempt succeeds. */
  'lease:lost': { jobId: string; token: number; error: unknown };
  /** A store call or a listener failed; the worker carries on. */
  'worker:error': { error: unknown; during: WorkerErrorContext; jobId?: string };
  /**
   * A step began in an earlier attempt and never recorded how it ended (its effect may or may
   * not have happened), and this attempt decided what to do about it: `reconciled` (the
   * `reconcile` hook found the effect; its result is recorded and the step skipped), `rerun`
   * (the hook did not find it, or there is no hook and `inDoubt` is 'rerun': the step runs
   * again under the same key) or `failed` (no hook and `inDoubt: 'fail'`: the job fails with
   * `StepInDoubtError`, for a person to settle).
   */
  'step:in-doubt': { job: Job; step: string; key: string; decision: InDoubtDecision };
  /**
   * This worker claimed fewer jobs than it had room for while an expired lease in its queues
   * was held back from takeover by its holder's step deadline: the job stays with the earlier
   * holder (whose request may still reach the exchange) until `takeoverAt`, and is claimed
   * after that. Once per held lease (job and token), and only while someone listens: the
   * worker then reads the store's held leases after each claim that came back short.
   */
  'lease:held-back': HeldLease;
  /** `stop()` finished: nothing runs and no lease is held. */
  'worker:stopped': { workerId: string; released: number };
}

/** What a worker decided about a step in doubt; see `step:in-doubt`. */
export type InDoubtDecision = 'reconciled' | 'rerun' | 'failed';

/** Where a `worker:error` came from. */
export type WorkerErrorContext = 'reap' | 'prune' | 'acquire' | 'extend' | 'step' | 'complete' | 'fail' | 'release' | 'listener' | 'signal' | 'liveness';

/** A listener of event `E`. */
export type WorkerListener<E extends keyof WorkerEvents> = (payload: WorkerEvents[E]) => void;

/**
 * A small typed emitter. A listener that throws is isolated: the others still run, and the
 * error is reported as a `worker:error` (never recursively).
 * @example emitter.on('job:failed', ({ job }) => alert(job.id));
 */
export class SafeEmitter {
  private readonly listeners = new Map<keyof WorkerEvents, Set<(payload: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof WorkerEvents>(event: E, listener: WorkerListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  /** Whether `event` has a listener: a worker does work that only an event needs only then. */
  has(event: keyof WorkerEvents): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof WorkerEvents>(event: E, listener: WorkerListener<E>): void {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Calls every listener of `event`; never throws. */
  emit<E extends keyof WorkerEvents>(event: E, payload: WorkerEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as WorkerListener<E>)(payload);
      } catch (error) {
        // A broken listener is the application's bug; it must not become the worker's.
        if (event !== 'worker:error') this.emit('worker:error', { error, during: 'listener' });
      }
    }
  }
}
