/**
 * A small typed emitter. A listener that throws is isolated: the others still run, and the
 * error is reported as a `worker:error` (never recursively).
 * @example emitter.on('job:failed', ({ job }) => alert(job.id));
 */
export class SafeEmitter {
    listeners = new Map();
    /** Adds a listener; returns a function that removes it. */
    on(event, listener) {
        let set = this.listeners.get(event);
        if (!set)
            this.listeners.set(event, (set = new Set()));
        set.add(listener);
        return () => this.off(event, listener);
    }
    /** Whether `event` has a listener: a worker does work that only an event needs only then. */
    has(event) {
        return (this.listeners.get(event)?.size ?? 0) > 0;
    }
    /** Removes a listener added with `on`. */
    off(event, listener) {
        this.listeners.get(event)?.delete(listener);
    }
    /** Calls every listener of `event`; never throws. */
    emit(event, payload) {
        const set = this.listeners.get(event);
        if (!set)
            return;
        for (const l of [...set]) {
            try {
                l(payload);
            }
            catch (error) {
                // A broken listener is the application's bug; it must not become the worker's.
                if (event !== 'worker:error')
                    this.emit('worker:error', { error, during: 'listener' });
            }
        }
    }
}
//# sourceMappingURL=worker-events.js.map