/**
 * A worker's sign of life, apart from its leases: it registers the process in the store,
 * renews at a short interval, and watches itself. If no renewal got through within the
 * timeout minus the margin (by this process's monotonic clock), the store may already judge
 * it dead and hand its jobs to others: it fences itself (the worker aborts its attempts and
 * claims nothing) until a renewal gets through again. If the store refuses a renewal, the
 * process was judged dead or replaced: it is superseded and writes nothing more for the
 * attempts it had. Internal to the worker.
 */
import { randomUUID } from 'node:crypto';
import { LeaseholdError, WorkerIdInUseError } from '../../domain/errors.js';
import { provenDead } from './process-identity.js';
import { INTERNAL_ABORT, monotonicNow, waitOn } from './wait.js';
/** Raised into `ctx.signal` when the process could not renew its sign of life in time: the job is released (not charged). */
export class LivenessLostError extends LeaseholdError {
    constructor(why) {
        super('ABORTED', `worker liveness lost: ${why}; the job is released and will run again`);
    }
}
/** Registers, renews and watches one worker's liveness. */
export class LivenessClient {
    deps;
    registration;
    stopping = new AbortController();
    loopDone = Promise.resolve();
    watch;
    lastRenewedAt = 0;
    fenced = false;
    /** False until the first registration got through (the store may be down at start). */
    registered = false;
    /** Set when another live process took the id over: this worker must stop. */
    lostId;
    constructor(deps) {
        this.deps = deps;
        this.registration = this.newRegistration();
    }
    /** False while fenced: the worker claims nothing and starts no step. */
    get healthy() {
        return this.registered && !this.fenced && this.lostId === undefined;
    }
    /** Set once another live process holds this worker's id: the worker should stop. */
    get idLost() {
        return this.lostId;
    }
    /**
     * Registers the process. A predecessor under the same id is replaced at once when it is
     * proven dead (same host and boot, its pid gone), otherwise once its liveness timeout
     * passes without a renewal; one that renews meanwhile is alive, and this start is refused
     * with `WorkerIdInUseError`. A store that cannot be reached does not fail the start: the
     * registration is retried at each interval, and nothing is claimed until it gets through.
     */
    async start() {
        try {
            await this.registerNow();
        }
        catch (error) {
            if (error instanceof WorkerIdInUseError)
                throw error;
            this.deps.onError(error);
        }
        this.loopDone = this.loop();
    }
    async registerNow() {
        const sentAt = monotonicNow(this.deps.clock);
        await this.register(this.stopping.signal);
        this.registered = true;
        this.renewedAt(sentAt);
    }
    /** Stops renewing and removes the process's row (its leases are released by then). */
    async stop() {
        this.stopping.abort(INTERNAL_ABORT);
        this.watch?.abort(INTERNAL_ABORT);
        await this.loopDone;
        if (!this.registered)
            return;
        try {
            await this.deps.store.unregisterWorker(this.deps.workerId, this.registration.incarnation);
        }
        catch (error) {
            // Not fatal: the row ages out (dead after its timeout, pruned later).
            this.deps.onError(error);
        }
    }
    newRegistration() {
        const { identity, workerId, timeoutMs } = this.deps;
        return { workerId, incarnation: randomUUID(), host: identity.host, pid: identity.pid, bootId: identity.bootId, livenessTimeoutMs: timeoutMs };
    }
    async register(signal) {
        const { store, clock, identity, intervalMs } = this.deps;
        let first;
        for (;;) {
            const out = await store.registerWorker(this.registration);
            if (out.ok)
                return;
            const cur = out.current;
            if (first && (cur.incarnation !== first.incarnation || cur.lastSeenAt > first.lastSeenAt)) {
                // It renewed while we waited: a live process holds the id.
                throw new WorkerIdInUseError(this.deps.workerId, cur);
            }
            if (provenDead(identity, cur)) {
                const again = await store.registerWorker(this.registration, { replaces: cur.incarnation });
                if (again.ok)
                    return;
                continue;
            }
            first ??= cur;
            // Watch for a renewal (the holder is alive) until its sign of life runs out.
            const untilDead = cur.lastSeenAt + cur.livenessTimeoutMs - clock.now();
            if (!(await waitOn(clock, Math.max(1, Math.min(intervalMs, untilDead)), signal)))
                throw new WorkerIdInUseError(this.deps.workerId, cur);
        }
    }
    async loop() {
        const stop = this.stopping.signal;
        while (!stop.aborted && this.lostId === undefined) {
            if (!(await waitOn(this.deps.clock, this.deps.intervalMs, stop)))
                return;
            const sentAt = monotonicNow(this.deps.clock);
            try {
                if (!this.registered) {
                    await this.registerNow();
                    this.deps.onRestored();
                    continue;
                }
                const renewed = await this.deps.store.renewWorker(this.deps.workerId, this.registration.incarnation);
                if (stop.aborted)
                    return;
                if (renewed)
                    this.renewedAt(sentAt);
                else
                    await this.superseded(sentAt);
            }
            catch (error) {
                if (error instanceof WorkerIdInUseError) {
                    this.lostId = error;
                    this.deps.onSuperseded(error.message);
                }
                else if (!stop.aborted)
                    this.deps.onError(error);
            }
        }
    }
    renewedAt(sentAt) {
        this.lastRenewedAt = sentAt;
        this.armWatch();
        if (this.fenced) {
            this.fenced = false;
            this.deps.onRestored();
        }
    }
    /** The store refused the renewal: every attempt of ours writes nothing more; then register afresh. */
    async superseded(sentAt) {
        this.deps.onSuperseded('the store judged this worker process dead or replaced');
        this.registration = this.newRegistration();
        const out = await this.deps.store.registerWorker(this.registration);
        if (out.ok)
            return this.renewedAt(sentAt);
        this.lostId = new WorkerIdInUseError(this.deps.workerId, out.current);
        this.fence('another live process took this workerId over');
    }
    /** Fences this process once timeout - margin passes since the last renewal that got through. */
    armWatch() {
        this.watch?.abort(INTERNAL_ABORT);
        const watch = new AbortController();
        this.watch = watch;
        const budget = this.deps.timeoutMs - this.deps.marginMs;
        const left = budget - (monotonicNow(this.deps.clock) - this.lastRenewedAt);
        void waitOn(this.deps.clock, Math.max(0, left), watch.signal).then((elapsed) => {
            if (!elapsed || watch.signal.aborted || this.stopping.signal.aborted)
                return;
            if (monotonicNow(this.deps.clock) - this.lastRenewedAt < budget)
                return this.armWatch();
            this.fence(`no renewal got through for ${budget} ms`);
        });
    }
    fence(why) {
        if (this.fenced)
            return;
        this.fenced = true;
        this.deps.onFenced(new LivenessLostError(why));
    }
}
//# sourceMappingURL=liveness-client.js.map