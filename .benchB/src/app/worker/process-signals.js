/**
 * SIGTERM/SIGINT handling shared by every worker of one process: one listener per signal
 * however many workers run (eleven workers must not trip Node's MaxListenersExceededWarning).
 * The first signal stops every worker gracefully, a second stops them at once. When the last
 * worker has stopped, the listeners go, and the signal that stopped them is raised again if
 * no other listener remains and no worker said the application handles exit: the process
 * then ends as it would have without leasehold (default action, exit status 128 + signal).
 */
const SIGNALS = ['SIGTERM', 'SIGINT'];
/** The per-process registry. Internal; one instance per process ({@link processSignals}). */
export class ProcessSignals {
    proc;
    clients = new Set();
    received;
    count = 0;
    handlesExit = false;
    listeners = new Map();
    constructor(proc = process) {
        this.proc = proc;
    }
    /** Adds a worker; returns the function that removes it (call it once the worker has stopped). */
    add(client) {
        if (this.clients.size === 0)
            this.install();
        this.clients.add(client);
        let released = false;
        return () => {
            if (released)
                return;
            released = true;
            this.clients.delete(client);
            if (this.clients.size === 0)
                this.uninstall();
        };
    }
    /** How many workers listen through the registry. */
    get size() {
        return this.clients.size;
    }
    install() {
        this.received = undefined;
        this.count = 0;
        this.handlesExit = false;
        for (const signal of SIGNALS) {
            const fn = () => this.onSignal(signal);
            this.listeners.set(signal, fn);
            this.proc.on(signal, fn);
        }
    }
    onSignal(signal) {
        this.count++;
        this.received ??= signal;
        for (const c of this.clients) {
            if (c.handlesExit)
                this.handlesExit = true;
            c.stop(this.count > 1).catch((error) => c.onError(error));
        }
    }
    uninstall() {
        for (const [signal, fn] of this.listeners)
            this.proc.off(signal, fn);
        this.listeners.clear();
        const signal = this.received;
        this.received = undefined;
        if (signal === undefined || this.handlesExit)
            return;
        // Another listener (the application's own) decides what the signal means.
        if (this.proc.listenerCount(signal) > 0)
            return;
        this.proc.kill(this.proc.pid, signal);
    }
}
/** The registry of this process. */
export const processSignals = new ProcessSignals();
//# sourceMappingURL=process-signals.js.map