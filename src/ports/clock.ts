/**
 * Time, as a port: adapters and the worker judge expiry and schedule waits through it, so
 * tests drive time with a `ManualClock` instead of waiting.
 */
export interface Clock {
  /** Wall time, epoch ms. Lease expiry and `runAt` are judged by it. */
  now(): number;
  /**
   * Resolves after `ms` of this clock's time, or rejects with the signal's reason when it
   * aborts. Optional: a clock without it is waited on with real timers.
   */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * A clock that never goes backwards, for measuring elapsed time (how much of a lease is
   * left). Optional: `now()` is used when absent.
   */
  monotonic?(): number;
  /**
   * Resolves once `now()` may be read (a clock that reads a server's time first reads it).
   * Optional: a store awaits it before each operation, so no lease decision is made before.
   */
  ready?(): Promise<void>;
}
