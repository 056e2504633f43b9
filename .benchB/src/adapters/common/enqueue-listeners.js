/** The in-process listeners of `LeaseStore.onEnqueue`; a throwing listener is ignored. */
export class EnqueueListeners {
    listeners = new Set();
    add(listener) {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    notify(queue, runAt) {
        for (const l of this.listeners) {
            try {
                l(queue, runAt);
            }
            catch {
                // A listener's failure must not turn a committed enqueue into an error.
            }
        }
    }
}
//# sourceMappingURL=enqueue-listeners.js.map