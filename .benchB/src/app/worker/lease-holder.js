/**
 * One held lease: its heartbeat, the self-fencing check steps make, and the gate every write
 * of the attempt passes. Once the lease is lost (or given up), the attempt's signal is
 * aborted and the gate refuses every later write, so the worker stops issuing writes even
 * before the store's fence would refuse them.
 */
import { LeaseLostError, StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import { assertMove } from './attempt-phase.js';
import { INTERNAL_ABORT, Latch, monotonicNow, startTimer, waitOn } from './wait.js';
/**
 * Holds one lease for the duration of one attempt. Internal to the worker.
 *
 * Per attempt it arms plain timers (heartbeat, expiry) and makes no AbortController unless
 * the handler reads `ctx.signal` or begins a step: on the in-memory store those controllers,
 * their listeners and their garbage were most of the worker's cost per job.
 */
export class LeaseHolder {
    deps;
    /** Fired when the attempt must stop (lease lost, timeout, forced shutdown), with why. */
    aborts = new Latch();
    /** The attempt's AbortController, made on the first read of `signal`. */
    abortController;
    current;
    /** Monotonic time taken just before the last successful acquire/extend was sent: the lease runs at least leaseMs from there. */
    grantedAt;
    /** Where the attempt is; every move is checked against the table in attempt-phase.ts. */
    phaseNow = 'running';
    /** Why the lease is lost, and whether this process gave it up itself (then it hands the job back once no step fn is out). */
    lostBy;
    /** Step fns that have not settled, each with its deadline (store's clock). */
    steps = new Set();
    latestDeadline;
    /** Set once the heartbeat must extend no more (stopped, lost, or the outcome's write made renewals moot). */
    heartbeatStopped = false;
    heartbeatTimer;
    heartbeatFailures = 0;
    /** The wait for the lease to run out; replaced each time it is re-armed. */
    expiryTimer;
    /** Fired when the lease is lost, so a step waiting on a hung extend stops waiting. */
    lost = new Latch();
    inFlight;
    /** Fired when the lease runs out during the final write, so a write that hangs is not waited on forever. */
    ranOut = new Latch();
    constructor(lease, grantedAt, deps) {
        this.deps = deps;
        this.current = lease;
        this.grantedAt = grantedAt;
    }
    /** The attempt's signal (`ctx.signal`, a step's `signal`): aborted when the attempt must stop. */
    get signal() {
        if (!this.abortController) {
            this.abortController = new AbortController();
            if (this.aborts.fired)
                this.abortController.abort(this.aborts.value);
        }
        return this.abortController.signal;
    }
    /** Whether the attempt was aborted. */
    get aborted() {
        return this.aborts.fired;
    }
    /** Why the attempt was aborted (undefined while it was not). */
    get abortReason() {
        return this.aborts.value;
    }
    /** Aborts the attempt with `reason` (the first reason stays). */
    abort(reason) {
        if (this.aborts.fired)
            return;
        this.abortController?.abort(reason);
        this.aborts.fire(reason);
    }
    /** Calls `listener` once when the attempt is aborted (at once if it is); returns the unsubscribe. */
    onAbort(listener) {
        return this.aborts.on(listener);
    }
    /** Throws the abort's reason when the attempt was aborted. */
    throwIfAborted() {
        if (this.aborts.fired)
            throw this.aborts.value;
    }
    /** The lease as last granted (expiry moves with each extension; the token never changes). */
    get lease() {
        return this.current;
    }
    /** Whether the lease is lost or was given up; no write of this attempt will be issued. */
    get isLost() {
        return this.lostBy !== undefined;
    }
    /** Whether this process gave the lease up itself (it ran out unrenewed): nobody took it over, so it is still ours to hand back. */
    get gaveUp() {
        return this.lostBy?.locally === true;
    }
    /** Why the lease is lost (undefined while it is held). */
    get lostReason() {
        return this.lostBy?.error;
    }
    /** The attempt's phase. */
    get phase() {
        return this.phaseNow;
    }
    /** The attempt is over (`done`): a late extend's answer is ignored and every later write refused. */
    get ended() {
        return this.phaseNow === 'done';
    }
    /** A method, not a comparison, so the phase is read afresh after each await. */
    isIn(...phases) {
        return phases.includes(this.phaseNow);
    }
    move(to) {
        assertMove(this.phaseNow, to);
        this.phaseNow = to;
    }
    /**
     * Tracks a step fn until it settles, so the attempt is not ended while fn may still act.
     * `deadlineAt` (store's clock) bounds the wait: past it, fn is abandoned.
     */
    trackStep(deadlineAt, run) {
        const entry = { deadlineAt, settled: run.then(() => { }, () => { }) };
        this.latestDeadline = Math.max(this.latestDeadline ?? deadlineAt, deadlineAt);
        this.steps.add(entry);
        void entry.settled.then(() => this.steps.delete(entry));
        return run;
    }
    /**
     * Waits, once the handler ended or was aborted, for every step fn that is still out to
     * settle, or for the latest of their deadlines to pass by the clock (the store's time):
     * the attempt keeps its slot and its heartbeat meanwhile. Past the deadline a still
     * running fn is abandoned (its step is in doubt). Returns whether a fn was abandoned.
     */
    async waitForSteps() {
        if (this.steps.size === 0)
            return false;
        this.move('waiting');
        while (this.steps.size > 0) {
            const left = Math.max(...[...this.steps].map((s) => s.deadlineAt)) - this.storeNow();
            if (left <= 0)
                return true;
            const cancel = new AbortController();
            await Promise.race([Promise.all([...this.steps].map((s) => s.settled)), waitOn(this.deps.clock, left, cancel.signal)]);
            cancel.abort(INTERNAL_ABORT);
        }
        return false;
    }
    /** The latest deadline of any step this attempt began (store's clock), or undefined. */
    get latestStepDeadline() {
        return this.latestDeadline;
    }
    /**
     * A lease given up locally (it ran out unrenewed) is handed back with a fenced write once
     * no step fn is out: an extend that was sent before and lands late would otherwise grant a
     * fresh lease to an attempt that no longer exists, and the job would sit idle for a whole
     * lease. The token fences it: if another worker took the job over, it changes nothing.
     * `write` is given the lease (the worker makes it a failed attempt, charged like a lease
     * that expired, so a job that always loses its lease still ends). Waited on for at most one
     * lease; a write that fails is reported and the lease simply expires.
     */
    async handBack(write, onError) {
        this.move('handingBack');
        const cancel = new AbortController();
        const sent = write(this.current).then(() => { }, (error) => {
            if (!(error instanceof LeaseLostError))
                onError(error);
        });
        await Promise.race([sent, waitOn(this.deps.clock, this.deps.leaseMs, cancel.signal)]);
        cancel.abort(INTERNAL_ABORT);
    }
    /**
     * The store's time as this process can know it: the last grant's expiry (store's clock)
     * less the lease time left (monotonic, counted from just before that grant was asked for).
     * Never ahead of the store by more than a round trip, and immune to this host's wall clock
     * being skewed or stepped: step deadlines are computed and waited out on it.
     */
    storeNow() {
        return this.current.expiresAt - this.remainingMs();
    }
    /** Lease time left by this process's monotonic clock, counted from the last grant. */
    remainingMs() {
        return this.deps.leaseMs - (monotonicNow(this.deps.clock) - this.grantedAt);
    }
    /**
     * Starts extending the lease each time the threshold share of it has elapsed, and watches
     * its expiry: once the lease runs out without a renewal, it is lost, even while an extend
     * is still out (a partition can leave a request hanging with no answer and no error).
     */
    startHeartbeat() {
        this.armExpiry();
        this.scheduleBeat(this.deps.extendAfterMs - (monotonicNow(this.deps.clock) - this.grantedAt));
    }
    /**
     * Stops the heartbeat and the expiry watch. An extend in flight is not waited for: it may
     * hang for as long as a partition lasts, and the attempt must still end and free its slot.
     * It settles in the background and its answer is ignored.
     */
    stopHeartbeat() {
        this.endHeartbeat();
        this.expiryTimer?.cancel();
        this.expiryTimer = undefined;
    }
    endHeartbeat() {
        this.heartbeatStopped = true;
        this.heartbeatTimer?.cancel();
        this.heartbeatTimer = undefined;
    }
    /**
     * Self-fencing before a step: with less than the safety margin (or `needMs`, the step's
     * deadline, when longer) of lease left, extend first; if that fails, give the lease up
     * (abort the attempt) and throw.
     */
    async ensureTime(needMs = 0) {
        this.throwIfLost();
        this.throwIfEnded();
        const need = Math.max(needMs, this.deps.safetyMarginMs);
        if (this.remainingMs() >= need)
            return;
        // An extend that hangs is given up on once the lease runs out (the expiry watch marks it lost).
        const outcome = await Promise.race([this.extendOnce(), this.lost.wait().then(() => 'lost')]);
        if (outcome === 'ok' && this.remainingMs() >= need)
            return;
        this.throwIfLost();
        this.markLost(this.fenceError('too little lease time left to start a step and the lease could not be extended'), true);
        this.throwIfLost();
    }
    /**
     * The attempt's outcome is about to be written. The heartbeat keeps the lease alive
     * through a slow or retried final write, but a LeaseLostError it gets from now on is no
     * longer news: an extend that reaches the store after `complete` committed is refused
     * because the job is done, not because the lease was lost. The final write's own reply
     * is what decides (a LeaseLostError there marks the lease lost as usual).
     */
    beginSettling() {
        this.move('settling');
    }
    /**
     * Ends the attempt: its outcome is written (or abandoned). A handler still running in the
     * background (it ignored a timeout's abort) gets LeaseLostError from any later write,
     * without a `lease:lost` event: the lease was not lost, the attempt is over.
     */
    finish() {
        if (!this.ended)
            this.move('done');
    }
    /**
     * Runs a write of this attempt through the gate: refused once the lease is lost; a
     * LeaseLostError from the store marks it lost. A write that `startsStep` (beginStep) is
     * also refused once the attempt is aborted (timeout, shutdown): an aborted attempt starts
     * no new step, while writes that record what already happened still go through.
     */
    async write(op, opts = {}) {
        this.throwIfLost();
        this.throwIfEnded();
        if (this.isIn('ranOut'))
            this.markLost(this.ranOutError(), false);
        this.throwIfLost();
        if (opts.startsStep)
            this.throwIfAborted();
        try {
            return await op(this.current);
        }
        catch (error) {
            if (error instanceof LeaseLostError)
                this.markLost(error);
            throw error;
        }
    }
    /**
     * A write through the gate, retried through store outages while the lease may still be
     * ours: each failure goes to `onError`, then the write is tried again after a backoff
     * capped by the lease time left. A LeaseLostError or ValidationError ends it at once
     * (retrying cannot help), and so does the lease running out (the last error is thrown).
     * Used for the final writes and for a step's beginStep/saveStep, where one blip would
     * otherwise turn a finished step into one in doubt.
     */
    async writeRetrying(op, onError, opts = {}) {
        for (let failures = 1;; failures++) {
            try {
                return await this.write(op, opts);
            }
            catch (error) {
                if (error instanceof LeaseLostError || error instanceof ValidationError)
                    throw error;
                if (opts.startsStep && this.aborted)
                    throw error;
                const left = this.remainingMs();
                if (left <= 0)
                    throw error;
                onError(error);
                // A step not yet begun stops waiting at an abort (the gate then refuses it).
                await waitOn(this.deps.clock, Math.max(1, Math.min(left, 100 * 2 ** Math.min(failures, 10))), opts.startsStep ? this.signal : undefined);
            }
        }
    }
    /**
     * The attempt's final write (complete, fail, release), retried through outages when
     * `retry` is set, and waited on only while the lease lasts. A write that hangs past the
     * lease (a partition that leaves the request unanswered) stops being waited on, so the
     * attempt ends, its slot frees and `stop()` can finish: the job is not lost, another worker
     * takes it over, and the fence refuses this write if it ever lands after that.
     */
    async settleWrite(op, onError, retry) {
        const write = retry ? this.writeRetrying(op, onError) : this.write(op);
        // The write's answer or the lease running out, whichever comes first, in one promise. The
        // write is always handled, so a late rejection never surfaces as unhandled.
        return new Promise((resolve, reject) => {
            const unsubscribe = this.ranOut.on(() => reject(new StoreUnavailableError(`the final write for job ${this.current.job.id} got no answer before its lease ran out; another worker will take the job over`)));
            write.then((value) => {
                unsubscribe();
                resolve(value);
            }, (error) => {
                unsubscribe();
                reject(error);
            });
        });
    }
    /** Throws the LeaseLostError when the lease is lost. */
    throwIfLost() {
        if (this.lostBy)
            throw this.lostBy.error;
    }
    /** A handler still running after its attempt ended gets LeaseLostError from any write (no `lease:lost`: the attempt is over). */
    throwIfEnded() {
        if (this.ended)
            throw new LeaseLostError(this.current.job.id, this.current.token, `attempt ${this.current.token} of job ${this.current.job.id} has ended`);
    }
    /**
     * Records that the lease is gone: abort the attempt with a LeaseLostError and emit
     * `lease:lost` (once). `locally`: this process gave it up (nobody took it over).
     */
    markLost(error, locally = false) {
        if (this.lostBy)
            return;
        this.lostBy = { error, locally };
        this.stopHeartbeat();
        this.lost.fire();
        this.abort(error);
        this.deps.emitter.emit('lease:lost', { jobId: this.current.job.id, token: this.current.token, error });
    }
    fenceError(why) {
        return new LeaseLostError(this.current.job.id, this.current.token, `lease on job ${this.current.job.id} given up: ${why}`);
    }
    /** Why the expiry watch fences the attempt. */
    ranOutError() {
        return this.fenceError('the lease ran out without a renewal');
    }
    /**
     * (Re-)arms the wait for the lease to run out, counted on the monotonic clock from the last
     * grant. Re-armed after each successful extend; ends the attempt's lease when it elapses.
     */
    armExpiry() {
        this.expiryTimer?.cancel();
        this.expiryTimer = undefined;
        if (this.isLost || this.ended)
            return;
        this.expiryTimer = startTimer(this.deps.clock, this.remainingMs(), () => this.onExpiry(), (error) => this.deps.emitter.emit('worker:error', { error, during: 'extend', jobId: this.current.job.id }));
    }
    onExpiry() {
        this.expiryTimer = undefined;
        if (this.isLost || this.ended)
            return;
        // A grant that moved the deadline without re-arming cannot happen, but never fence early.
        if (this.remainingMs() > 0)
            return this.armExpiry();
        // The handler is done and its outcome is being written: as with a refused extend,
        // running out is no longer news by itself (the write may have committed). The final
        // write's reply decides, and any later write of the attempt is refused at the gate.
        if (this.isIn('settling')) {
            this.move('ranOut');
            this.ranOut.fire();
        }
        else
            this.markLost(this.ranOutError(), true);
    }
    /** Arms the next extend `delay` ms from now, unless the heartbeat has ended. */
    scheduleBeat(delay) {
        if (this.heartbeatStopped || this.isLost)
            return;
        this.heartbeatTimer = startTimer(this.deps.clock, delay, () => this.beat(), (error) => this.deps.emitter.emit('worker:error', { error, during: 'extend', jobId: this.current.job.id }));
    }
    /** One heartbeat: extend, then arm the next one (sooner while the store is unreachable). */
    beat() {
        this.heartbeatTimer = undefined;
        if (this.heartbeatStopped || this.isLost)
            return;
        void this.extendOnce().then((outcome) => {
            if (outcome === 'lost' || this.heartbeatStopped)
                return;
            if (outcome === 'ok') {
                this.heartbeatFailures = 0;
                return this.scheduleBeat(this.deps.extendAfterMs);
            }
            // The store is unreachable: keep trying while the lease may still be ours, then fence ourselves.
            const left = this.remainingMs();
            if (left <= 0) {
                this.markLost(this.fenceError('the lease ran out while the store was unreachable'), true);
                return;
            }
            const failures = ++this.heartbeatFailures;
            // Tighter as expiry nears (a quarter of what is left), but never a busy loop.
            this.scheduleBeat(Math.min(left, Math.max(100, Math.min(100 * 2 ** Math.min(failures, 10), Math.ceil(left / 4)))));
        });
    }
    /** One extend; concurrent callers share it. */
    extendOnce() {
        this.inFlight ??= this.doExtend().finally(() => {
            this.inFlight = undefined;
        });
        return this.inFlight;
    }
    async doExtend() {
        if (this.isLost || this.ended || this.isIn('ranOut'))
            return 'lost';
        const sentAt = monotonicNow(this.deps.clock);
        try {
            const lease = await this.deps.store.extend(this.current, this.deps.leaseMs);
            // Lost meanwhile (the lease ran out while this extend hung) or the attempt is over: too late.
            if (this.isLost || this.ended || this.isIn('ranOut'))
                return 'lost';
            this.current = lease;
            this.grantedAt = sentAt;
            this.armExpiry();
            this.deps.emitter.emit('lease:extended', { jobId: lease.job.id, lease });
            return 'ok';
        }
        catch (error) {
            // The attempt ended while this extend hung: its answer is ignored.
            if (this.ended)
                return 'lost';
            if (error instanceof LeaseLostError) {
                if (this.isIn('settling', 'ranOut'))
                    this.endHeartbeat();
                else
                    this.markLost(error);
                return 'lost';
            }
            this.deps.emitter.emit('worker:error', { error, during: 'extend', jobId: this.current.job.id });
            return 'error';
        }
    }
}
//# sourceMappingURL=lease-holder.js.map