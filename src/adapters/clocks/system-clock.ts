import { performance } from 'node:perf_hooks';
import type { Clock } from '../../ports/clock.js';
import { abortableDelay } from './abortable-delay.js';

/**
 * The host's wall clock (Date.now) with real timers, and performance.now() as the monotonic clock.
 * @example new ProcessingWorker({ store, clock: new SystemClock(), handler })
 */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return abortableDelay(ms, signal);
  }
}
