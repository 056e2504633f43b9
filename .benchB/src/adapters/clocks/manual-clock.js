/**
 * A clock that moves only when told to, for tests: `advance(ms)` or `set(ms)` moves time
 * and wakes every `sleep` whose time has come, in order. Nothing waits for real.
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 0, 1));
 * clock.advance(30_000); // leases granted before now look 30 s older
 */
export class ManualClock {
    current;
    sleepers = [];
    sleepWaiters = [];
    /** Starts at `startMs` (epoch ms). Default: 1_700_000_000_000. */
    constructor(startMs = 1_700_000_000_000) {
        if (!Number.isFinite(startMs))
            throw new TypeError('ManualClock: startMs must be a finite number');
        this.current = startMs;
    }
    now() {
        return this.current;
    }
    monotonic() {
        return this.current;
    }
    /** Moves time forward by `ms` and wakes the sleepers now due. */
    advance(ms) {
        if (!Number.isFinite(ms) || ms < 0)
            throw new RangeError('ManualClock.advance: ms must be a finite number >= 0');
        this.set(this.current + ms);
    }
    /** Sets the time (it may not go backwards) and wakes the sleepers now due. */
    set(ms) {
        if (!Number.isFinite(ms) || ms < this.current)
            throw new RangeError('ManualClock.set: time must be finite and not before now');
        this.current = ms;
        const due = this.sleepers.filter((s) => s.wakeAt <= ms).sort((a, b) => a.wakeAt - b.wakeAt);
        this.sleepers = this.sleepers.filter((s) => s.wakeAt > ms);
        for (const s of due)
            s.resolve();
    }
    /** When the earliest sleeper is due, or undefined when nobody sleeps. */
    nextWakeAt() {
        let next;
        for (const s of this.sleepers)
            if (next === undefined || s.wakeAt < next)
                next = s.wakeAt;
        return next;
    }
    /**
     * Resolves when something next sleeps on this clock (at once if something sleeps now), or
     * false after `realMs` of real time with nobody sleeping. Lets a test wait for a worker
     * that is inside real I/O (a database round trip) to come back to its clock.
     */
    whenSleeping(realMs) {
        if (this.sleepers.length > 0)
            return Promise.resolve(true);
        return new Promise((resolve) => {
            const waiter = () => {
                clearTimeout(timer);
                resolve(true);
            };
            const timer = setTimeout(() => {
                this.sleepWaiters = this.sleepWaiters.filter((w) => w !== waiter);
                resolve(false);
            }, realMs);
            this.sleepWaiters.push(waiter);
        });
    }
    /** How many sleeps are waiting on this clock. */
    get sleeping() {
        return this.sleepers.length;
    }
    sleep(ms, signal) {
        return new Promise((resolve, reject) => {
            if (signal?.aborted)
                return reject(signal.reason);
            if (ms <= 0)
                return resolve();
            const sleeper = {
                wakeAt: this.current + ms,
                resolve: () => {
                    signal?.removeEventListener('abort', onAbort);
                    resolve();
                },
            };
            const onAbort = () => {
                this.sleepers = this.sleepers.filter((s) => s !== sleeper);
                reject(signal?.reason);
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            this.sleepers.push(sleeper);
            const waiters = this.sleepWaiters;
            this.sleepWaiters = [];
            for (const w of waiters)
                w();
        });
    }
}
//# sourceMappingURL=manual-clock.js.map