import { performance } from 'node:perf_hooks';
import { abortableDelay } from './abortable-delay.js';
/**
 * The host's wall clock (Date.now) with real timers, and performance.now() as the monotonic clock.
 * @example new ProcessingWorker({ store, clock: new SystemClock(), handler })
 */
export class SystemClock {
    now() {
        return Date.now();
    }
    monotonic() {
        return performance.now();
    }
    sleep(ms, signal) {
        return abortableDelay(ms, signal);
    }
}
//# sourceMappingURL=system-clock.js.map