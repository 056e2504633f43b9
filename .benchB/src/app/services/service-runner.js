import { INTERNAL_ABORT, waitOn } from '../worker/wait.js';
/**
 * Runs {@link PeriodicService}s until stopped. `start()` once, `stop()` resolves when no run
 * is in progress; `wake(name)` runs a service now instead of at its next time.
 * @example
 * const runner = new ServiceRunner({ clock, onError: console.error });
 * runner.add(cleanup); runner.start(); ... await runner.stop();
 */
export class ServiceRunner {
    deps;
    stopping = new AbortController();
    slots = new Map();
    started = false;
    constructor(deps) {
        this.deps = deps;
    }
    /** Aborted when the runner stops: every run's `signal`. */
    get signal() {
        return this.stopping.signal;
    }
    /** Adds a service (before or after start). Names are unique. */
    add(service) {
        if (this.slots.has(service.name))
            throw new Error(`service ${service.name} was already added`);
        const slot = { service, wake: new AbortController(), done: Promise.resolve() };
        this.slots.set(service.name, slot);
        if (this.started)
            this.launch(slot);
    }
    /** Starts every service's loop. */
    start() {
        if (this.started)
            return;
        this.started = true;
        for (const slot of this.slots.values())
            this.launch(slot);
    }
    /** Runs the named service now (or as soon as its current run ends). */
    wake(name) {
        this.slots.get(name)?.wake.abort(INTERNAL_ABORT);
    }
    /** Stops every loop: aborts `signal`, then waits for runs in progress. Idempotent. */
    async stop() {
        this.stopping.abort(INTERNAL_ABORT);
        await Promise.all([...this.slots.values()].map((s) => s.done));
    }
    launch(slot) {
        slot.done = this.loop(slot);
    }
    async loop(slot) {
        const stop = this.stopping.signal;
        let delay = slot.service.runAtStart === false ? slot.service.intervalMs : 0;
        while (!stop.aborted) {
            if (delay > 0)
                await this.sleep(slot, delay);
            if (stop.aborted)
                return;
            if (slot.wake.signal.aborted)
                slot.wake = new AbortController();
            delay = slot.service.intervalMs;
            try {
                const next = await slot.service.run(stop);
                if (typeof next === 'number' && Number.isFinite(next))
                    delay = Math.max(1, next);
            }
            catch (error) {
                if (!stop.aborted)
                    this.deps.onError(slot.service.name, error);
            }
        }
    }
    /** Sleeps on the clock until `ms` passed, the runner stops, or the service is woken. */
    async sleep(slot, ms) {
        const either = new AbortController();
        const onAbort = () => either.abort(INTERNAL_ABORT);
        const sources = [this.stopping.signal, slot.wake.signal];
        for (const s of sources) {
            if (s.aborted)
                either.abort(INTERNAL_ABORT);
            else
                s.addEventListener('abort', onAbort, { once: true });
        }
        try {
            await waitOn(this.deps.clock, ms, either.signal);
        }
        finally {
            for (const s of sources)
                s.removeEventListener('abort', onAbort);
        }
    }
}
//# sourceMappingURL=service-runner.js.map