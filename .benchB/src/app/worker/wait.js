import { abortableDelay } from '../../adapters/clocks/abortable-delay.js';
import { SystemClock } from '../../adapters/clocks/system-clock.js';
/** Waits `ms` on the clock (real timers when it has no `sleep`); resolves false when `signal` aborted the wait instead. */
export async function waitOn(clock, ms, signal) {
    if (signal?.aborted)
        return false;
    try {
        await (clock.sleep ? clock.sleep(Math.max(0, ms), signal) : abortableDelay(ms, signal));
        return true;
    }
    catch (error) {
        if (signal?.aborted)
            return false;
        throw error;
    }
}
/**
 * Calls `fire` after `ms` of the clock's time, unless cancelled first. The worker arms a few
 * of these per attempt (heartbeat, lease expiry, job timeout), so on real time (a clock with
 * no `sleep`, or the SystemClock) it is a bare setTimeout: no AbortController, no promise,
 * no listener, which on the in-memory store were the largest cost per job. Any other clock
 * (a ManualClock in tests) is slept on as before, and `onError` gets a sleep that failed.
 */
export function startTimer(clock, ms, fire, onError) {
    if (!clock.sleep || clock instanceof SystemClock) {
        const handle = setTimeout(fire, Math.max(0, ms));
        return { cancel: () => clearTimeout(handle) };
    }
    const cancel = new AbortController();
    clock.sleep(Math.max(0, ms), cancel.signal).then(() => {
        if (!cancel.signal.aborted)
            fire();
    }, (error) => {
        if (!cancel.signal.aborted)
            onError?.(error);
    });
    return { cancel: () => cancel.abort(INTERNAL_ABORT) };
}
/** The clock's monotonic time, or its wall time when it has none. */
export function monotonicNow(clock) {
    return clock.monotonic ? clock.monotonic() : clock.now();
}
/**
 * The reason given to the worker's internal controllers (wake-ups, waits, heartbeats,
 * timers). Nobody reads it, and aborting without one makes Node build a DOMException with a
 * stack trace: on the in-memory store that was the largest single cost per job.
 */
export const INTERNAL_ABORT = Symbol('leasehold internal abort');
/**
 * A one-shot event, optionally with a value: `fire` calls every listener once. The worker's
 * loop waits on these (stop, a wake-up, a claim's end; replaced by a fresh one to arm it
 * again), and an attempt keeps its abort, its lost lease and its lease running out in them. A
 * plain list, not an AbortSignal: there are several per job, and EventTarget listeners cost
 * more than the rest of the wait.
 */
export class Latch {
    state;
    listeners;
    get fired() {
        return this.state !== undefined;
    }
    /** The value it fired with (undefined before). */
    get value() {
        return this.state?.value;
    }
    /** Fires once; later calls change nothing (the first value stays). */
    fire(value) {
        if (this.state)
            return;
        this.state = { value };
        const listeners = this.listeners;
        this.listeners = undefined;
        if (listeners)
            for (const listener of listeners)
                listener(value);
    }
    /** Calls `listener` once when fired (at once if it was); returns the unsubscribe. */
    on(listener) {
        if (this.state) {
            listener(this.state.value);
            return () => { };
        }
        const listeners = (this.listeners ??= []);
        listeners.push(listener);
        return () => {
            const at = listeners.indexOf(listener);
            if (at >= 0)
                listeners.splice(at, 1);
        };
    }
    /** Resolves with the value once fired. */
    wait() {
        return new Promise((resolve) => this.on(resolve));
    }
}
//# sourceMappingURL=wait.js.map