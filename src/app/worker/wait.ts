import type { Clock } from '../../ports/clock.js';
import { abortableDelay } from '../../adapters/clocks/abortable-delay.js';

/** Waits `ms` on the clock (real timers when it has no `sleep`); resolves false when `signal` aborted the wait instead. */
export async function waitOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await (clock.sleep ? clock.sleep(Math.max(0, ms), signal) : abortableDelay(ms, signal));
    return true;
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}

/** The clock's monotonic time, or its wall time when it has none. */
export function monotonicNow(clock: Clock): number {
  return clock.monotonic ? clock.monotonic() : clock.now();
}

/**
 * The reason given to the worker's internal controllers (wake-ups, waits, heartbeats,
 * timers). Nobody reads it, and aborting without one makes Node build a DOMException with a
 * stack trace: on the in-memory store that was the largest single cost per job.
 */
export const INTERNAL_ABORT = Symbol('leasehold internal abort');
