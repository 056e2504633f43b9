/**
 * One held lease: its heartbeat, the self-fencing check steps make, and the gate every write
 * of the attempt passes. Once the lease is lost (or given up), the attempt's signal is
 * aborted and the gate refuses every later write, so the worker stops issuing writes even
 * before the store's fence would refuse them.
 */
import { LeaseLostError, StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import type { Lease } from '../../domain/job.js';
import type { Clock } from '../../ports/clock.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { assertMove, type AttemptPhase } from './attempt-phase.js';
import type { SafeEmitter } from './worker-events.js';
import { INTERNAL_ABORT, Latch, monotonicNow, startTimer, type Timer, waitOn } from './wait.js';

/** What a lease holder needs from its worker. */
export interface LeaseHolderDeps {
  store: LeaseStore;
  clock: Clock;
  emitter: SafeEmitter;
  leaseMs: number;
  extendAfterMs: number;
  safetyMarginMs: number;
}

type ExtendOutcome = 'ok' | 'lost' | 'error';

/** Options of {@link LeaseHolder.write}. */
export interface WriteOptions {
  /** The write begins a step: refused once the attempt's signal is aborted. */
  startsStep?: boolean;
}

/**
 * Holds one lease for the duration of one attempt. Internal to the worker.
 *
 * Per attempt it arms plain timers (heartbeat, expiry) and makes no AbortController unless
 * the handler reads `ctx.signal` or begins a step: on the in-memory store those controllers,
 * their listeners and their garbage were most of the worker's cost per job.
 */
export class LeaseHolder {
  /** Fired when the attempt must stop (lease lost, timeout, forced shutdown), with why. */
  private readonly aborts = new Latch<unknown>();
  /** The attempt's AbortController, made on the first read of `signal`. */
  private abortController: AbortController | undefined;
  private current: Lease;
  /** Monotonic time taken just before the last successful acquire/extend was sent: the lease runs at least leaseMs from there. */
  private grantedAt: number;
  /** Where the attempt is; every move is checked against the table in attempt-phase.ts. */
  private phaseNow: AttemptPhase = 'running';
  /** Why the lease is lost, and whether this process gave it up itself (then it hands the job back once no step fn is out). */
  private lostBy: { error: LeaseLostError; locally: boolean } | undefined;
  /** Step fns that have not settled, each with its deadline (store's clock). */
  private readonly steps = new Set<{ deadlineAt: number; settled: Promise<void> }>();
  private latestDeadline: number | undefined;
  /** Set once the heartbeat must extend no more (stopped, lost, or the outcome's write made renewals moot). */
  private heartbeatStopped = false;
  private heartbeatTimer: Timer | undefined;
  private heartbeatFailures = 0;
  /** The wait for the lease to run out; replaced each time it is re-armed. */
  private expiryTimer: Timer | undefined;
  /** Fired when the lease is lost, so a step waiting on a hung extend stops waiting. */
  private readonly lost = new Latch();
  private inFlight: Promise<ExtendOutcome> | undefined;
  /** Fired when the lease runs out during the final write, so a write that hangs is not waited on forever. */
  private readonly ranOut = new Latch();

  constructor(lease: Lease, grantedAt: number, private readonly deps: LeaseHolderDeps) {
    this.current = lease;
    this.grantedAt = grantedAt;
  }

  /** The attempt's signal (`ctx.signal`, a step's `signal`): aborted when the attempt must stop. */
  get signal(): AbortSignal {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.aborts.fired) this.abortController.abort(this.aborts.value);
    }
    return this.abortController.signal;
  }

  /** Whether the attempt was aborted. */
  get aborted(): boolean {
    return this.aborts.fired;
  }

  /** Why the attempt was aborted (undefined while it was not). */
  get abortReason(): unknown {
    return this.aborts.value;
  }

  /** Aborts the attempt with `reason` (the first reason stays). */
  abort(reason: unknown): void {
    if (this.aborts.fired) return;
    this.abortController?.abort(reason);
    this.aborts.fire(reason);
  }

  /** Calls `listener` once when the attempt is aborted (at once if it is); returns the unsubscribe. */
  onAbort(listener: (reason: unknown) => void): () => void {
    return this.aborts.on(listener);
  }

  /** Throws the abort's reason when the attempt was aborted. */
  throwIfAborted(): void {
    if (this.aborts.fired) throw this.aborts.value;
  }

  /** The lease as last granted (expiry moves with each extension; the token never changes). */
  get lease(): Lease {
    return this.current;
  }

  /** Whether the lease is lost or was given up; no write of this attempt will be issued. */
  get isLost(): boolean {
    return this.lostBy !== undefined;
  }

  /** Whether this process gave the lease up itself (it ran out unrenewed): nobody took it over, so it is still ours to hand back. */
  get gaveUp(): boolean {
    return this.lostBy?.locally === true;
  }

  /** Why the lease is lost (undefined while it is held). */
  get lostReason(): LeaseLostError | undefined {
    return this.lostBy?.error;
  }

  /** The attempt's phase. */
  get phase(): AttemptPhase {
    return this.phaseNow;
  }

  /** The attempt is over (`done`): a late extend's answer is ignored and every later write refused. */
  private get ended(): boolean {
    return this.phaseNow === 'done';
  }

  /** A method, not a comparison, so the phase is read afresh after each await. */
  private isIn(...phases: AttemptPhase[]): boolean {
    return phases.includes(this.phaseNow);
  }

  private move(to: AttemptPhase): void {
    assertMove(this.phaseNow, to);
    this.phaseNow = to;
  }

  /**
   * Tracks a step fn until it settles, so the attempt is not ended while fn may still act.
   * `deadlineAt` (store's clock) bounds the wait: past it, fn is abandoned.
   */
  trackStep<T>(deadlineAt: number, run: Promise<T>): Promise<T> {
    const entry = { deadlineAt, settled: run.then(() => {}, () => {}) };
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
  async waitForSteps(): Promise<boolean> {
    if (this.steps.size === 0) return false;
    this.move('waiting');
    while (this.steps.size > 0) {
      const left = Math.max(...[...this.steps].map((s) => s.deadlineAt)) - this.storeNow();
      if (left <= 0) return true;
      const cancel = new AbortController();
      await Promise.race([Promise.all([...this.steps].map((s) => s.settled)), waitOn(this.deps.clock, left, cancel.signal)]);
      cancel.abort(INTERNAL_ABORT);
    }
    return false;
  }

  /** The latest deadline of any step this attempt began (store's clock), or undefined. */
  get latestStepDeadline(): number | undefined {
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
  async handBack(write: (lease: Lease) => Promise<unknown>, onError: (error: unknown) => void): Promise<void> {
    this.move('handingBack');
    const cancel = new AbortController();
    const sent = write(this.current).then(
      () => {},
      (error: unknown) => {
        if (!(error instanceof LeaseLostError)) onError(error);
      },
    );
    await Promise.race([sent, waitOn(this.deps.clock, this.deps.leaseMs, cancel.signal)]);
    cancel.abort(INTERNAL_ABORT);
  }

  /**
   * The store's time as this process can know it: the last grant's expiry (store's clock)
   * less the lease time left (monotonic, counted from just before that grant was asked for).
   * Never ahead of the store by more than a round trip, and immune to this host's wall clock
   * being skewed or stepped: step deadlines are computed and waited out on it.
   */
  storeNow(): number {
    return this.current.expiresAt - this.remainingMs();
  }

  /** Lease time left by this process's monotonic clock, counted from the last grant. */
  remainingMs(): number {
    return this.deps.leaseMs - (monotonicNow(this.deps.clock) - this.grantedAt);
  }

  /**
   * Starts extending the lease each time the threshold share of it has elapsed, and watches
   * its expiry: once the lease runs out without a renewal, it is lost, even while an extend
   * is still out (a partition can leave a request hanging with no answer and no error).
   */
  startHeartbeat(): void {
    this.armExpiry();
    this.scheduleBeat(this.deps.extendAfterMs - (monotonicNow(this.deps.clock) - this.grantedAt));
  }

  /**
   * Stops the heartbeat and the expiry watch. An extend in flight is not waited for: it may
   * hang for as long as a partition lasts, and the attempt must still end and free its slot.
   * It settles in the background and its answer is ignored.
   */
  stopHeartbeat(): void {
    this.endHeartbeat();
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
  }

  private endHeartbeat(): void {
    this.heartbeatStopped = true;
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = undefined;
  }

  /**
   * Self-fencing before a step: with less than the safety margin (or `needMs`, the step's
   * deadline, when longer) of lease left, extend first; if that fails, give the lease up
   * (abort the attempt) and throw.
   */
  async ensureTime(needMs = 0): Promise<void> {
    this.throwIfLost();
    this.throwIfEnded();
    const need = Math.max(needMs, this.deps.safetyMarginMs);
    if (this.remainingMs() >= need) return;
    // An extend that hangs is given up on once the lease runs out (the expiry watch marks it lost).
    const outcome = await Promise.race([this.extendOnce(), this.lost.wait().then((): ExtendOutcome => 'lost')]);
    if (outcome === 'ok' && this.remainingMs() >= need) return;
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
  beginSettling(): void {
    this.move('settling');
  }

  /**
   * Ends the attempt: its outcome is written (or abandoned). A handler still running in the
   * background (it ignored a timeout's abort) gets LeaseLostError from any later write,
   * without a `lease:lost` event: the lease was not lost, the attempt is over.
   */
  finish(): void {
    if (!this.ended) this.move('done');
  }

  /**
   * Runs a write of this attempt through the gate: refused once the lease is lost; a
   * LeaseLostError from the store marks it lost. A write that `startsStep` (beginStep) is
   * also refused once the attempt is aborted (timeout, shutdown): an aborted attempt starts
   * no new step, while writes that record what already happened still go through.
   */
  async write<T>(op: (lease: Lease) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
    this.throwIfLost();
    this.throwIfEnded();
    if (this.isIn('ranOut')) this.markLost(this.ranOutError(), false);
    this.throwIfLost();
    if (opts.startsStep) this.throwIfAborted();
    try {
      return await op(this.current);
    } catch (error) {
      if (error instanceof LeaseLostError) this.markLost(error);
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
  async writeRetrying<T>(op: (lease: Lease) => Promise<T>, onError: (error: unknown) => void, opts: WriteOptions = {}): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await this.write(op, opts);
      } catch (error) {
        if (error instanceof LeaseLostError || error instanceof ValidationError) throw error;
        if (opts.startsStep && this.aborted) throw error;
        const left = this.remainingMs();
        if (left <= 0) throw error;
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
  async settleWrite<T>(op: (lease: Lease) => Promise<T>, onError: (error: unknown) => void, retry: boolean): Promise<T> {
    const write = retry ? this.writeRetrying(op, onError) : this.write(op);
    // The write's answer or the lease running out, whichever comes first, in one promise. The
    // write is always handled, so a late rejection never surfaces as unhandled.
    return new Promise<T>((resolve, reject) => {
      const unsubscribe = this.ranOut.on(() =>
        reject(new StoreUnavailableError(`the final write for job ${this.current.job.id} got no answer before its lease ran out; another worker will take the job over`)),
      );
      write.then(
        (value) => {
          unsubscribe();
          resolve(value);
        },
        (error: unknown) => {
          unsubscribe();
          reject(error);
        },
      );
    });
  }

  /** Throws the LeaseLostError when the lease is lost. */
  throwIfLost(): void {
    if (this.lostBy) throw this.lostBy.error;
  }

  /** A handler still running after its attempt ended gets LeaseLostError from any write (no `lease:lost`: the attempt is over). */
  private throwIfEnded(): void {
    if (this.ended) throw new LeaseLostError(this.current.job.id, this.current.token, `attempt ${this.current.token} of job ${this.current.job.id} has ended`);
  }

  /**
   * Records that the lease is gone: abort the attempt with a LeaseLostError and emit
   * `lease:lost` (once). `locally`: this process gave it up (nobody took it over).
   */
  markLost(error: LeaseLostError, locally = false): void {
    if (this.lostBy) return;
    this.lostBy = { error, locally };
    this.stopHeartbeat();
    this.lost.fire();
    this.abort(error);
    this.deps.emitter.emit('lease:lost', { jobId: this.current.job.id, token: this.current.token, error });
  }

  private fenceError(why: string): LeaseLostError {
    return new LeaseLostError(this.current.job.id, this.current.token, `lease on job ${this.current.job.id} given up: ${why}`);
  }

  /** Why the expiry watch fences the attempt. */
  private ranOutError(): LeaseLostError {
    return this.fenceError('the lease ran out without a renewal');
  }

  /**
   * (Re-)arms the wait for the lease to run out, counted on the monotonic clock from the last
   * grant. Re-armed after each successful extend; ends the attempt's lease when it elapses.
   */
  private armExpiry(): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    if (this.isLost || this.ended) return;
    this.expiryTimer = startTimer(this.deps.clock, this.remainingMs(), () => this.onExpiry(), (error) =>
      this.deps.emitter.emit('worker:error', { error, during: 'extend', jobId: this.current.job.id }),
    );
  }

  private onExpiry(): void {
    this.expiryTimer = undefined;
    if (this.isLost || this.ended) return;
    // A grant that moved the deadline without re-arming cannot happen, but never fence early.
    if (this.remainingMs() > 0) return this.armExpiry();
    // The handler is done and its outcome is being written: as with a refused extend,
    // running out is no longer news by itself (the write may have committed). The final
    // write's reply decides, and any later write of the attempt is refused at the gate.
    if (this.isIn('settling')) {
      this.move('ranOut');
      this.ranOut.fire();
    } else this.markLost(this.ranOutError(), true);
  }

  /** Arms the next extend `delay` ms from now, unless the heartbeat has ended. */
  private scheduleBeat(delay: number): void {
    if (this.heartbeatStopped || this.isLost) return;
    this.heartbeatTimer = startTimer(this.deps.clock, delay, () => this.beat(), (error) =>
      this.deps.emitter.emit('worker:error', { error, during: 'extend', jobId: this.current.job.id }),
    );
  }

  /** One heartbeat: extend, then arm the next one (sooner while the store is unreachable). */
  private beat(): void {
    this.heartbeatTimer = undefined;
    if (this.heartbeatStopped || this.isLost) return;
    void this.extendOnce().then((outcome) => {
      if (outcome === 'lost' || this.heartbeatStopped) return;
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
  private extendOnce(): Promise<ExtendOutcome> {
    this.inFlight ??= this.doExtend().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async doExtend(): Promise<ExtendOutcome> {
    if (this.isLost || this.ended || this.isIn('ranOut')) return 'lost';
    const sentAt = monotonicNow(this.deps.clock);
    try {
      const lease = await this.deps.store.extend(this.current, this.deps.leaseMs);
      // Lost meanwhile (the lease ran out while this extend hung) or the attempt is over: too late.
      if (this.isLost || this.ended || this.isIn('ranOut')) return 'lost';
      this.current = lease;
      this.grantedAt = sentAt;
      this.armExpiry();
      this.deps.emitter.emit('lease:extended', { jobId: lease.job.id, lease });
      return 'ok';
    } catch (error) {
      // The attempt ended while this extend hung: its answer is ignored.
      if (this.ended) return 'lost';
      if (error instanceof LeaseLostError) {
        if (this.isIn('settling', 'ranOut')) this.endHeartbeat();
        else this.markLost(error);
        return 'lost';
      }
      this.deps.emitter.emit('worker:error', { error, during: 'extend', jobId: this.current.job.id });
      return 'error';
    }
  }
}
