/**
 * The worker: one claimer loop hands leases to up to `maxConcurrentJobs` running attempts;
 * each attempt has a heartbeat (LeaseHolder) and a context (durable steps). Outcomes are
 * written through the lease's gate, so a lost lease writes nothing more.
 */
import { LeaseholdError, LeaseLostError, PermanentError, RetryLaterError, StepInDoubtError, ValidationError } from '../../domain/errors.js';
import type { HeldLease, Job, Json, Lease } from '../../domain/job.js';
import type { RateLimitInfo } from '../../domain/rate-limit.js';
import { decideFailure } from '../../domain/retry-policy.js';
import { validateJson } from '../../domain/validation.js';
import { HOLDS_SLOT, type AttemptPhase } from './attempt-phase.js';
import { CompletionBatcher } from './completion-batcher.js';
import { AttemptContext, type JobContextDeps } from './job-context.js';
import { LeaseHolder } from './lease-holder.js';
import { SafeEmitter, type WorkerErrorContext, type WorkerEvents, type WorkerListener } from './worker-events.js';
import { resolveWorkerOptions, type QueuePayloads, type ResolvedWorkerOptions, type WorkerOptions } from './worker-options.js';
import { INTERNAL_ABORT, Latch, monotonicNow, startTimer, type Timer, waitOn } from './wait.js';
import { LivenessClient, type LivenessLostError } from './liveness-client.js';
import { ServiceRunner } from '../services/service-runner.js';
import { livenessSweeper, workerRowCleanup } from '../services/liveness-services.js';
import { reaper, retention } from '../services/maintenance-services.js';
import { LIVENESS_DEFAULTS } from '../../domain/liveness.js';
import { processSignals } from './process-signals.js';

/** Where a worker is in its life. */
export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** What `getStatus()` reports. */
export interface WorkerStatus {
  workerId: string;
  state: WorkerState;
  /**
   * Attempts in progress, each in its phase: `waiting` is one whose handler ended or was
   * aborted while a step's fn is still out (it keeps its slot until fn settles or the step's
   * deadline passed).
   */
  running: { jobId: string; queue: string; attempt: number; token: number; leaseExpiresAt: number; phase: AttemptPhase }[];
  /**
   * Since start: completed jobs, final failures, retries scheduled, leases lost, leases
   * released at shutdown, and steps found in doubt (one per `step:in-doubt` event).
   */
  counts: {
    completed: number;
    failed: number;
    retried: number;
    retriedLater: number;
    lost: number;
    released: number;
    inDoubt: number;
    /** Jobs the periodic reaper put back in line (or failed) after their lease ran out. */
    reaped: number;
    /** Finished jobs that retention pruned. */
    pruned: number;
  };
  /** Leases claimed ahead and not started yet (see the `prefetch` option). */
  prefetched: number;
  /** The last store or handler-infrastructure error, if any. */
  lastError: { message: string; at: number } | null;
}

/** Options of `stop()`. */
export interface StopOptions {
  /** Wait this long for running jobs instead of the worker's `shutdownTimeoutMs` (0: abort them at once). */
  timeoutMs?: number;
}

/** The disarm of a job without a timeout: one shared function, not one per job. */
const NO_TIMEOUT = (): void => {};

/** How a handler run ended; `permanent` when the failure must not be retried whatever the error. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; permanent?: boolean };

interface Running {
  holder: LeaseHolder;
  /** Its slot went to the next job once only the outcome's write was out. */
  slotFreed: boolean;
  /** Set when the shutdown deadline passed: the attempt is released, not failed. */
  shuttingDown: boolean;
  done: Promise<void>;
}

/** Raised into `ctx.signal` when an attempt runs past `jobTimeoutMs`. */
export class JobTimeoutError extends LeaseholdError {
  constructor(jobId: string, ms: number) {
    super('TIMEOUT', `job ${jobId} ran longer than ${ms} ms`);
  }
}

/** Raised into `ctx.signal` when the shutdown deadline passes; the lease is released (attempt not charged). */
export class ShutdownAbortError extends LeaseholdError {
  constructor() {
    super('ABORTED', 'worker is shutting down; the job is released and will run again');
  }
}

const MAX_STORE_BACKOFF_MS = 30_000;
/** Claims a worker with a buffer (`prefetch`) keeps out at once. */
const MAX_CLAIMS_IN_FLIGHT = 2;
/** How far apart two hosts' clocks may be; a step's deadline counts as passed only this long after it. */
const DEFAULT_CLOCK_MARGIN_MS = 2_000;

/**
 * Claims jobs from a {@link LeaseStore} and runs their handlers with heartbeats, durable
 * steps, retries and graceful shutdown. Defaults: 300 s leases extended at 50%, 5 s polls,
 * one job at a time, SIGTERM/SIGINT handled.
 * @example
 * const worker = new ProcessingWorker({ store, queues: ['orders'], handler: async (job, ctx) => {
 *   await ctx.step('place', () => exchange.place({ clientOrderId: ctx.idempotencyKey('place') }));
 * } });
 * await worker.start();
 */
export class ProcessingWorker<Q extends QueuePayloads = Record<string, Json>> {
  private readonly o: ResolvedWorkerOptions;
  private readonly events = new SafeEmitter();
  private state: WorkerState = 'idle';
  /**
   * Attempts in progress, keyed by `${jobId}#${token}`: this worker can hold two attempts of
   * one job at once (it re-acquired its own expired lease while the old attempt has not yet
   * noticed), and each must be waited for and released on its own.
   */
  private readonly running = new Map<string, Running>();
  /** When jobs this worker handed back to run later fall due (store time, close to its own clock). */
  private dueAt: number[] = [];
  private readonly counts = { completed: 0, failed: 0, retried: 0, retriedLater: 0, lost: 0, released: 0, inDoubt: 0, reaped: 0, pruned: 0 };
  private lastError: WorkerStatus['lastError'] = null;
  /** The store's database identity, read once before the first claim (keyed jobs derive their keys from it). */
  private identity: string | undefined;
  /** Fired by stop(): ends the loop's waits; nothing new is claimed or started after it. */
  private readonly stopped = new Latch();
  /** Fired (and replaced) to wake the loop early: enqueue, a free slot. */
  private wake = new Latch();
  private loopDone: Promise<void> = Promise.resolve();
  private stopPromise: Promise<void> | undefined;
  private forceNow: AbortController | undefined;
  private unsubscribe: (() => void) | undefined;
  private releaseSignals: (() => void) | undefined;
  private readonly batcher: CompletionBatcher | undefined;
  private liveness: LivenessClient | undefined;
  private services: ServiceRunner | undefined;
  /** Hand-backs of stale buffered leases still out: stop() waits for them. */
  private readonly handingBack = new Set<Promise<void>>();
  /**
   * Whether a queue this worker serves has a rate limit, as of the last read (at start, and
   * after each claim that came back short): prefetch is off while one has.
   */
  private rateLimited = false;
  /** False after buffered leases went back unstarted, until a slot frees. */
  private claimAhead = true;
  /** Running attempts whose slot was freed (only their outcome's write is out: HOLDS_SLOT). */
  private slotsFreed = 0;
  /** Leases claimed ahead, oldest first, each with when it was granted (monotonic ms). */
  private buffer: { lease: Lease; grantedAt: number }[] = [];
  /** Claims out now, how many leases they asked for, and their promises (the loop's end waits for them). */
  private claimsOut = 0;
  private claiming = 0;
  private readonly claimsInFlight = new Set<Promise<void>>();
  /** Fired (and replaced) when a claim ends: the loop decides again, without a wake-up's side effects. */
  private claimEnded = new Latch();
  /** Wake-ups so far: a claim that came back short polls only if none came while it was out. */
  private wakes = 0;
  /** Store failures of claims in a row (the backoff grows with them). */
  private claimFailures = 0;
  /** What the loop waits for once no claim is out: a backoff after a failure, or (undefined) the poll after a short claim. */
  private afterClaim: { backoffMs: number | undefined } | undefined;
  /** What attempts' contexts share (see `contextDeps`). */
  private deps: JobContextDeps | undefined;
  /** Held leases already reported by `lease:held-back` (`${jobId}#${token}`), as of the last read. */
  private heldReported = new Set<string>();

  /** Validates the options (throws `ValidationError` naming the bad one); starts nothing. */
  constructor(options: WorkerOptions<Q>) {
    // The payload types are the caller's promise about its own jobs; inside, every job is JSON.
    this.o = resolveWorkerOptions(options as unknown as WorkerOptions);
    this.batcher = this.o.batchCompletions ? new CompletionBatcher(this.o.store) : undefined;
  }

  /** This worker's id (its `lockedBy`). */
  get workerId(): string {
    return this.o.workerId;
  }

  /** Adds an event listener; returns a function that removes it. A throwing listener is harmless. */
  on<E extends keyof WorkerEvents>(event: E, listener: WorkerListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** Removes an event listener. */
  off<E extends keyof WorkerEvents>(event: E, listener: WorkerListener<E>): void {
    this.events.off(event, listener);
  }

  /**
   * Registers the process (liveness), reaps expired leases once, then starts claiming.
   * Resolves once the loop is running. Rejects with `WorkerIdInUseError` when a live process
   * already uses this `workerId`.
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new ValidationError('state', `worker ${this.o.workerId} was already started`);
    this.state = 'running';
    try {
      await this.startLiveness();
    } catch (error) {
      this.state = 'stopped';
      this.stopPromise = Promise.resolve();
      throw error;
    }
    if (this.o.handleSignals) this.releaseSignals = processSignals.add({ stop: (now) => this.stop(now ? { timeoutMs: 0 } : {}), handlesExit: this.o.handlesExit, onError: (error) => this.reportError(error, 'signal') });
    this.unsubscribe = this.o.store.onEnqueue((queue) => {
      if (!this.o.queues || this.o.queues.includes(queue)) this.wakeUp();
    });
    try {
      await this.o.store.reapExpired();
    } catch (error) {
      // Not fatal: acquire takes expired leases over too.
      this.reportError(error, 'reap');
    }
    this.startServices();
    // Claims ahead only where no rate limit applies (learnt here, and again after each short claim).
    if (this.o.prefetch > 0) await this.untilRateRoom(0).then((ms) => ms, () => 0);
    this.loopDone = this.loop().catch((error: unknown) => {
      // Only a bug can get here (store errors are handled inside); report it rather than crash the host.
      this.reportError(error, 'acquire');
    });
  }

  /**
   * Stops claiming, waits up to `shutdownTimeoutMs` for running jobs, then aborts the rest
   * and releases their leases (their attempt is not charged). Idempotent; a second call with
   * `{ timeoutMs: 0 }` cuts the wait short.
   */
  stop(opts: StopOptions = {}): Promise<void> {
    if (!this.stopPromise) {
      if (this.state === 'idle') {
        this.state = 'stopped';
        this.stopPromise = Promise.resolve();
      } else {
        this.state = 'stopping';
        this.forceNow = new AbortController();
        this.stopPromise = this.shutdown(opts.timeoutMs ?? this.o.shutdownTimeoutMs);
      }
    }
    // Also on a second call: { timeoutMs: 0 } cuts a graceful wait short.
    if (opts.timeoutMs === 0) this.forceNow?.abort(INTERNAL_ABORT);
    return this.stopPromise;
  }

  /** A snapshot: state, running attempts, counts since start, last error. */
  getStatus(): WorkerStatus {
    return {
      workerId: this.o.workerId,
      state: this.state,
      running: [...this.running.values()].map(({ holder: { lease, phase } }) => ({
        jobId: lease.job.id,
        queue: lease.job.queue,
        attempt: lease.job.attempts,
        token: lease.token,
        leaseExpiresAt: lease.expiresAt,
        phase,
      })),
      counts: { ...this.counts },
      prefetched: this.buffer.length,
      lastError: this.lastError,
    };
  }

  /** Registers this process, and starts renewing its sign of life and the liveness services. */
  private async startLiveness(): Promise<void> {
    const l = this.o.liveness;
    if (!l) return;
    this.liveness = new LivenessClient({
      store: this.o.store,
      clock: this.o.clock,
      workerId: this.o.workerId,
      ...l,
      onFenced: (error) => this.livenessFenced(error),
      onRestored: () => this.wakeUp(),
      onSuperseded: (why) => this.superseded(why),
      onError: (error) => this.reportError(error, 'liveness'),
    });
    await this.liveness.start();
  }

  /**
   * The periodic work of this process, on one runner on the worker's clock: liveness's sweeper
   * and row cleanup (when liveness is on), the reaper and retention. Each is safe to run in
   * every process at once.
   */
  private startServices(): void {
    // stop() came during start's first reap: it found no runner to stop, so start none.
    if (this.stopped.fired) return;
    const during: Record<string, WorkerErrorContext> = { reaper: 'reap', retention: 'prune' };
    const runner = new ServiceRunner({ clock: this.o.clock, onError: (name, error) => this.reportError(error, during[name] ?? 'liveness') });
    const l = this.o.liveness;
    if (l) {
      // Leases that became claimable wake the claimer: they are taken over at the earliest known
      // expiry (the sweeper runs then), not at the next poll.
      runner.add(livenessSweeper(this.o.store, l.intervalMs, () => this.wakeUp()));
      runner.add(workerRowCleanup(this.o.store, 10 * 60_000, LIVENESS_DEFAULTS.retentionMs));
    }
    if (this.o.reapIntervalMs > 0) {
      runner.add(reaper(this.o.store, this.o.reapIntervalMs, (n) => {
        this.counts.reaped += n;
        this.wakeUp();
      }));
    }
    const r = this.o.retention;
    if (r) {
      runner.add(retention(this.o.store, r.intervalMs, r.prune, (n) => {
        this.counts.pruned += n;
      }));
    }
    this.services = runner;
    runner.start();
  }

  /** No renewal got through in time: every attempt is aborted and released (not charged); nothing is claimed until one does. */
  private livenessFenced(error: LivenessLostError): void {
    for (const r of this.running.values()) {
      r.shuttingDown = true;
      r.holder.abort(error);
    }
    this.wakeUp();
  }

  /** The store judged this process dead or replaced: its attempts write nothing more (another process may hold their jobs). */
  private superseded(why: string): void {
    for (const r of this.running.values()) r.holder.markLost(new LeaseLostError(r.holder.lease.job.id, r.holder.lease.token, `lease on job ${r.holder.lease.job.id} given up: ${why}`));
    if (this.liveness?.idLost) {
      this.reportError(this.liveness.idLost, 'liveness');
      this.stop({ timeoutMs: 0 }).catch((error: unknown) => this.reportError(error, 'liveness'));
    }
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.stopped.fire();
    this.unsubscribe?.();
    await this.loopDone;
    // Beside the drain, not before it: a release that never answers must not hold up the
    // shutdown deadline of the running attempts.
    const handedBack = this.handBackBuffered(this.buffer.splice(0));
    if (this.running.size > 0) {
      const drained = Promise.all([...this.running.values()].map((r) => r.done)).then(() => true);
      const deadline = new AbortController();
      const forced = this.forceNow!.signal;
      const onForce = (): void => deadline.abort(INTERNAL_ABORT);
      forced.addEventListener('abort', onForce, { once: true });
      const expired = forced.aborted ? Promise.resolve(false) : waitOn(this.o.clock, timeoutMs, deadline.signal).then(() => false);
      const finished = await Promise.race([drained, expired]);
      deadline.abort(INTERNAL_ABORT);
      forced.removeEventListener('abort', onForce);
      if (!finished) {
        for (const r of this.running.values()) {
          r.shuttingDown = true;
          r.holder.abort(new ShutdownAbortError());
        }
      }
      await Promise.all([...this.running.values()].map((r) => r.done));
    }
    await handedBack;
    await Promise.all([...this.handingBack]);
    await this.services?.stop();
    await this.liveness?.stop();
    this.state = 'stopped';
    // Listeners stay until here so a second signal can cut the drain short; releasing the
    // last one re-raises the signal that stopped the process, unless the app handles exit.
    const release = this.releaseSignals;
    this.releaseSignals = undefined;
    this.events.emit('worker:stopped', { workerId: this.o.workerId, released: this.counts.released });
    release?.();
  }

  private wakeUp(): void {
    this.wakes++;
    this.wake.fire();
  }

  /**
   * The claimer: one acquire per round for the free slots plus what the local buffer lacks
   * (`prefetch`); buffered leases start as soon as a slot frees. Waits (poll, wake-up, slot,
   * the oldest buffered lease's start bound) when there is nothing to do. With `prefetch`, a
   * second claim may go out beside one still out (a pool's second connection works while the
   * first waits on its commit), while claims come back full and never for more leases than
   * the free slots and the buffer have room for, counting what the claim out asked for.
   */
  private async loop(): Promise<void> {
    while (!this.stopped.fired) {
      // What the last claim's answer calls for, once no claim is out: the store's backoff after
      // a failure, or the poll after a short claim. Before the wake resets below, so a wake-up
      // that came during the claim ends that wait at once.
      if (this.claimsOut === 0 && this.afterClaim !== undefined) {
        const after = this.afterClaim;
        this.afterClaim = undefined;
        await this.waitAfterClaim(after);
        continue;
      }
      if (this.wake.fired) this.wake = new Latch();
      if (this.claimEnded.fired) this.claimEnded = new Latch();
      // Fenced (no sign of life got through in time): start and claim nothing until a renewal
      // does; leases waiting in the buffer go back unstarted (not charged).
      if (this.fenced) {
        if (this.buffer.length > 0) this.handBackInBackground(this.buffer.splice(0));
        await this.waitForWake(undefined, true, this.claimsOut > 0);
        continue;
      }
      this.startBuffered();
      const free = this.o.maxConcurrentJobs - this.slotsTaken();
      // No claiming ahead while a served queue has a rate limit: a claim there is a call about
      // to happen, so the worker claims only what it can start at once.
      const want = free + (this.claimAhead && !this.rateLimited ? this.o.prefetch : 0) - this.buffer.length - this.claiming;
      // Refill before the buffer runs dry, in batches: claim for free slots at once, for the
      // buffer once it is down to a quarter (a claim of three quarters of it: a SQL server pays
      // per claim as well as per job, so fewer, larger claims cost it less). A second claim
      // goes out only beside a first that is not known to have come back short or failed.
      const busy = this.claimsOut >= MAX_CLAIMS_IN_FLIGHT || (this.claimsOut > 0 && this.afterClaim !== undefined);
      if (want <= 0 || busy || (free <= 0 && this.buffer.length + this.claiming > Math.max(1, Math.floor(this.o.prefetch / 4)))) {
        await this.waitForWake(this.untilOldestBufferedDue(), true, this.claimsOut > 0);
        continue;
      }
      const claim = this.claim(want);
      // Without a buffer, one claim at a time: it asks for every free slot anyway.
      if (this.o.prefetch === 0) await claim;
    }
    await Promise.all([...this.claimsInFlight]);
  }

  /**
   * One acquire for `want` leases: the free slots take theirs straight away, the rest wait in
   * the buffer. Records in `afterClaim` what the loop must wait for once no claim is out.
   */
  private claim(want: number): Promise<void> {
    this.claimsOut++;
    this.claiming += want;
    const sentAt = monotonicNow(this.o.clock);
    const wakesAtSend = this.wakes;
    const run = async (): Promise<void> => {
      let leases: Lease[];
      try {
        this.identity ??= await this.o.store.identity();
        leases = await this.o.store.acquire({ workerId: this.o.workerId, leaseMs: this.o.leaseMs, limit: want, queues: this.o.queues });
        this.claimFailures = 0;
      } catch (error) {
        this.reportError(error, 'acquire');
        this.claimFailures++;
        const cap = Math.min(MAX_STORE_BACKOFF_MS, 250 * 2 ** Math.min(this.claimFailures - 1, 16));
        this.afterClaim = { backoffMs: Math.max(1, Math.floor(cap * (0.5 + this.o.random() / 2))) };
        return;
      }
      if (this.stopped.fired) {
        // Claimed while stopping: hand them straight back, unstarted.
        await this.handBackBuffered(leases.map((lease) => ({ lease, grantedAt: sentAt })));
        return;
      }
      if (this.fenced) {
        // Liveness was lost while the claim was out: start none of them (not charged).
        this.handBackInBackground(leases.map((lease) => ({ lease, grantedAt: sentAt })));
        return;
      }
      // The free slots take theirs straight from the claim (however long it took); only the
      // rest wait in the buffer, where the start bound applies.
      let room = this.o.maxConcurrentJobs - this.slotsTaken();
      for (const lease of leases) {
        if (room > 0 && this.buffer.length === 0) {
          room--;
          this.run(lease, sentAt);
        } else this.buffer.push({ lease, grantedAt: monotonicNow(this.o.clock) });
      }
      this.startBuffered();
      // Fewer than asked: the queue is empty for now, or a rate limit holds it back; poll, unless
      // a wake-up (an enqueue, a freed slot, expired leases) came while the claim was out: then
      // claim again at once. A full claim clears a poll another claim out asked for.
      if (leases.length < want && this.wakes === wakesAtSend) this.afterClaim ??= { backoffMs: undefined };
      else if (leases.length === want && this.afterClaim?.backoffMs === undefined) this.afterClaim = undefined;
    };
    // Never rejects: a claim out beside the loop has nobody awaiting it who could report it.
    const done: Promise<void> = run().catch((error: unknown) => this.reportError(error, 'acquire')).finally(() => {
      this.claimsOut--;
      this.claiming -= want;
      this.claimsInFlight.delete(done);
      this.claimEnded.fire();
    });
    this.claimsInFlight.add(done);
    return done;
  }

  /** The wait a claim's answer called for: its backoff after a store failure, else the poll after a short claim. */
  private async waitAfterClaim(after: { backoffMs: number | undefined }): Promise<void> {
    if (after.backoffMs !== undefined) {
      await this.waitForWake(after.backoffMs, false);
      return;
    }
    await this.reportHeldBack();
    // Poll with jitter so workers spread out, or sooner when a limited queue gets room, a job
    // this worker handed back falls due, or a buffered lease must be started or handed back.
    const poll = Math.max(1, Math.round(this.o.pollIntervalMs * (0.9 + 0.2 * this.o.random())));
    const due = this.untilOldestBufferedDue();
    await this.waitForWake(Math.min(poll, await this.untilRateRoom(poll), this.untilDue(), due ?? Number.POSITIVE_INFINITY));
  }

  /**
   * Starts buffered leases in the free slots, oldest first. A buffered lease that waited up to
   * the point its first extension would be due is handed back instead (not charged): its
   * lease is left to someone who can start it now, and this worker's heartbeat never has to
   * cover a job that is only waiting.
   */
  private startBuffered(): void {
    if (this.buffer.length === 0 || this.fenced) return;
    // Oldest first: the buffer is in claim order, so the stale ones are at its head.
    const now = monotonicNow(this.o.clock);
    let stale = 0;
    while (stale < this.buffer.length && now - this.buffer[stale]!.grantedAt >= this.o.extendAfterMs) stale++;
    if (stale > 0) {
      this.handBackInBackground(this.buffer.splice(0, stale));
      // The slots are not turning over: claim ahead again only once one frees.
      this.claimAhead = false;
    }
    let taken = this.slotsTaken();
    while (this.buffer.length > 0 && taken < this.o.maxConcurrentJobs && !this.stopped.fired) {
      taken++;
      const next = this.buffer.shift()!;
      this.run(next.lease, next.grantedAt);
    }
  }

  /** Hands buffered leases back without waiting for it here; stop() waits for it. */
  private handBackInBackground(entries: { lease: Lease; grantedAt: number }[]): void {
    const out = this.handBackBuffered(entries);
    this.handingBack.add(out);
    void out.finally(() => this.handingBack.delete(out));
  }

  /** No sign of life got through in time (liveness): this process starts and claims nothing. */
  private get fenced(): boolean {
    return this.liveness !== undefined && !this.liveness.healthy;
  }

  /** Attempts that take a slot now (see HOLDS_SLOT): those whose handler or step fn may still act. */
  private slotsTaken(): number {
    return this.running.size - this.slotsFreed;
  }

  /** Real time until the oldest buffered lease must start or be handed back; undefined with an empty buffer. */
  private untilOldestBufferedDue(): number | undefined {
    const oldest = this.buffer[0];
    if (!oldest) return undefined;
    return Math.max(1, oldest.grantedAt + this.o.extendAfterMs - monotonicNow(this.o.clock));
  }

  /**
   * Releases leases that never started, so another worker may take them at once (the claim
   * counted an attempt; the release gives it back). Each release waits at most as long as
   * its lease has left: past that, the lease has run out anyway.
   */
  private async handBackBuffered(entries: { lease: Lease; grantedAt: number }[]): Promise<void> {
    await Promise.all(
      entries.map(async ({ lease, grantedAt }) => {
        const left = Math.max(1, grantedAt + this.o.leaseMs - monotonicNow(this.o.clock));
        const give = new AbortController();
        try {
          const released = await Promise.race([
            this.o.store.release(lease).then(() => true),
            waitOn(this.o.clock, left, give.signal).then(() => false),
          ]);
          if (released) this.counts.released++;
        } catch (error) {
          if (!(error instanceof LeaseLostError)) this.reportError(error, 'release', lease.job.id);
        } finally {
          give.abort(INTERNAL_ABORT);
        }
      }),
    );
  }

  /**
   * After a claim that came back short: emits `lease:held-back` for each lease in this worker's
   * queues that a step deadline holds back, once per lease. The store decided the holds; this
   * only reads them, and only when someone listens (no extra round trip otherwise).
   */
  private async reportHeldBack(): Promise<void> {
    if (!this.events.has('lease:held-back')) return;
    let held: HeldLease[];
    try {
      held = await this.o.store.getHeldLeases(this.o.queues ? { queues: this.o.queues } : undefined);
    } catch (error) {
      // Only a report is lost: the claim goes on as before.
      this.reportError(error, 'acquire');
      return;
    }
    const now = new Set<string>();
    for (const h of held) {
      const key = `${h.job.id}#${h.job.leaseToken}`;
      now.add(key);
      if (!this.heldReported.has(key)) this.events.emit('lease:held-back', h);
    }
    // Kept to the leases still held, so the set never outgrows one read.
    this.heldReported = now;
  }

  /**
   * How long until the earliest job this worker handed back to run later is due (Infinity when
   * none): it claims again then, not a poll later. Hints that passed are dropped.
   */
  private untilDue(): number {
    const now = this.o.clock.now();
    this.dueAt = this.dueAt.filter((t) => t > now);
    return this.dueAt.length === 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.min(...this.dueAt) - now);
  }

  /**
   * How long until a rate-limited queue this worker serves has room again (`max` when none is
   * full, or the read failed): a worker held back by a limit claims again as soon as the
   * interval slides, not a poll later. A few workers doing so at once is harmless: the store
   * decides, and the ones that find no room wait again.
   */
  private async untilRateRoom(max: number): Promise<number> {
    let limits: RateLimitInfo[];
    try {
      limits = await this.o.store.listRateLimits(this.o.queues ? { queues: this.o.queues } : undefined);
    } catch (error) {
      this.reportError(error, 'acquire');
      return max;
    }
    this.rateLimited = limits.length > 0;
    const now = this.o.clock.now();
    let wait = max;
    for (const l of limits) if (l.nextRoomAt > now) wait = Math.min(wait, l.nextRoomAt - now);
    return Math.max(1, wait);
  }

  /**
   * Waits `ms` on the clock (forever when undefined) or until stop; a wake-up ends it early
   * unless `wakeable` is false, and so does the end of a claim that is out when `orClaimEnd`.
   */
  private waitForWake(ms: number | undefined, wakeable = true, orClaimEnd = false): Promise<void> {
    const latches = [this.stopped];
    if (wakeable) latches.push(this.wake);
    if (orClaimEnd) latches.push(this.claimEnded);
    if (latches.some((l) => l.fired)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const offs: (() => void)[] = [];
      let timer: Timer | undefined;
      const end = (): void => {
        timer?.cancel();
        for (const off of offs) off();
        resolve();
      };
      const fail = (error: unknown): void => {
        for (const off of offs) off();
        reject(error);
      };
      for (const l of latches) offs.push(l.on(end));
      if (ms !== undefined) {
        // A clock whose sleep throws at once must not leave listeners on the worker-long latch.
        try {
          timer = startTimer(this.o.clock, ms, end, fail);
        } catch (error) {
          fail(error);
        }
      }
    });
  }

  private run(lease: Lease, grantedAt: number): void {
    const holder = new LeaseHolder(lease, grantedAt, {
      store: this.o.store,
      clock: this.o.clock,
      emitter: this.events,
      leaseMs: this.o.leaseMs,
      extendAfterMs: this.o.extendAfterMs,
      safetyMarginMs: this.o.safetyMarginMs,
    });
    const entry: Running = { holder, slotFreed: false, shuttingDown: false, done: Promise.resolve() };
    const key = `${lease.job.id}#${lease.token}`;
    this.running.set(key, entry);
    entry.done = this.attempt(entry)
      .catch((error: unknown) => this.reportError(error, 'complete', lease.job.id))
      .finally(() => {
        if (this.running.get(key) === entry) {
          this.running.delete(key);
          if (entry.slotFreed) this.slotsFreed--;
        }
        // A freed slot starts the next buffered lease at once, even while a claim is out.
        this.claimAhead = true;
        this.startBuffered();
        // Woken once per attempt: here, or when its slot was freed early.
        if (!entry.slotFreed) this.wakeUp();
      });
  }

  private async attempt(entry: Running): Promise<void> {
    const { holder } = entry;
    const job = holder.lease.job;
    if (this.stopped.fired) {
      // Claimed while stopping: hand it straight back.
      entry.shuttingDown = true;
      holder.abort(new ShutdownAbortError());
    }
    holder.startHeartbeat();
    const disarmTimeout = this.startTimeout(holder, job.id);
    const startedAt = monotonicNow(this.o.clock);
    let outcome: Outcome;
    if (holder.aborted) outcome = { ok: false, error: holder.abortReason };
    else {
      if (this.events.has('job:started')) this.events.emit('job:started', { job, lease: holder.lease, attempt: job.attempts });
      outcome = await this.runHandler(job, holder);
    }
    disarmTimeout();
    try {
      // No overlap: a step fn still out (the handler was aborted, or left it running) may
      // still act, so the attempt is not failed, retried or released before it settles or
      // its deadline passed.
      await holder.waitForSteps();
      if (holder.gaveUp) await this.handBack(holder, job);
      else if (!holder.isLost) {
        holder.beginSettling();
        // Only the outcome's write is out now: its slot goes to the next job.
        if (this.o.prefetch > 0 && !HOLDS_SLOT[holder.phase] && !entry.slotFreed) {
          entry.slotFreed = true;
          this.slotsFreed++;
          this.claimAhead = true;
          this.startBuffered();
          this.wakeUp();
        }
        await this.settle(entry, job, outcome, startedAt);
      }
    } finally {
      holder.finish();
      holder.stopHeartbeat();
      if (holder.isLost) this.counts.lost++;
    }
  }

  /** Runs the handler, ending as soon as the attempt's signal aborts even if the handler ignores it. */
  private async runHandler(job: Job, holder: LeaseHolder): Promise<Outcome> {
    const handler = this.o.handlerFor(job.queue);
    if (!handler) return { ok: false, error: new PermanentError(`no handler for queue "${job.queue}"`) };
    const ctx = new AttemptContext(job, holder, this.contextDeps(), this.o.reconcileFor(job.queue));
    // The handler's end or the attempt's abort, whichever comes first: one promise, where a
    // race of two cost three more per job.
    const result = await new Promise<Outcome>((resolve) => {
      const unsubscribe = holder.onAbort((reason) => resolve({ ok: false, error: reason }));
      const ended = (outcome: Outcome): void => {
        unsubscribe();
        resolve(outcome);
      };
      AttemptContext.prepare(ctx)
        .then(() => handler(job, ctx))
        .then(
          (value) => ended({ ok: true, value }),
          (error: unknown) => ended({ ok: false, error }),
        );
    });
    // An abort wins over whatever the handler made of it (a handler may swallow the abort).
    if (holder.aborted) return { ok: false, error: holder.abortReason };
    // A step whose result could not be recorded makes any failure permanent, even one the
    // handler made its own out of it: retrying would run that step again.
    return !result.ok && AttemptContext.unrecordable(ctx) ? { ...result, permanent: true } : result;
  }

  /** What every attempt's context needs from this worker: made once, after the store's identity is known. */
  private contextDeps(): JobContextDeps {
    return (this.deps ??= {
      store: this.o.store,
      leaseMs: this.o.leaseMs,
      safetyMarginMs: this.o.safetyMarginMs,
      inDoubt: this.o.inDoubt,
      identity: this.identity!,
      onStoreError: (error, job) => this.reportError(error, 'step', job.id),
      onInDoubt: (job, event) => {
        this.counts.inDoubt++;
        this.events.emit('step:in-doubt', { job, ...event });
      },
    });
  }

  /** Arms the per-job timeout, if there is one; the returned function disarms it. */
  private startTimeout(holder: LeaseHolder, jobId: string): () => void {
    const ms = this.o.jobTimeoutMs;
    if (ms === undefined) return NO_TIMEOUT;
    const timer = startTimer(this.o.clock, ms, () => holder.abort(new JobTimeoutError(jobId, ms)));
    return () => timer.cancel();
  }

  /** Writes the attempt's outcome through the lease's gate: complete, fail (retry or final) or release. */
  private async settle(entry: Running, job: Job, outcome: Outcome, startedAt: number): Promise<void> {
    const { holder } = entry;
    if (holder.isLost) return;
    try {
      if (entry.shuttingDown) {
        await this.persist(holder, 'release', (lease) => this.o.store.release(lease));
        this.counts.released++;
        return;
      }
      if (outcome.ok) {
        const result = outcome.value === undefined ? null : outcome.value;
        let text: string | undefined;
        let done: Job;
        try {
          // Shape only: the size limit is the store's own (maxPayloadBytes), enforced by complete.
          text = validateJson(result, 'result', Number.POSITIVE_INFINITY);
          done = await this.persist(holder, 'complete', (lease) =>
            this.batcher ? this.batcher.complete(lease, result as Json) : this.o.store.complete(lease, result as Json),
          );
        } catch (error) {
          // A result that can never be recorded fails the job for good; retrying would only repeat it.
          if (error instanceof ValidationError) return await this.recordFailure(holder, job, error, true);
          throw error;
        }
        this.counts.completed++;
        // Built only for a listener: the parse is a copy of the result per job.
        if (this.events.has('job:completed')) this.events.emit('job:completed', { job: done, result: JSON.parse(text) as Json, durationMs: monotonicNow(this.o.clock) - startedAt });
        return;
      }
      const later = outcome.error;
      if (later instanceof RetryLaterError && outcome.permanent !== true) {
        // Not a failure: handed back, due later, the attempt given back. In the store's time
        // (the lease's), the clock runAt is judged by.
        const runAt = Math.floor(holder.storeNow()) + later.delayMs;
        const after = await this.persist(holder, 'retry-later', (lease) => this.o.store.release(lease, { runAt, reason: later.message }));
        this.counts.retriedLater++;
        // Kept to a few: a hint, the poll still finds every job.
        if (this.dueAt.length < 64) this.dueAt.push(after.runAt);
        this.events.emit('job:retry-later', { job: after, error: later, runAt: after.runAt });
        return;
      }
      const permanent = outcome.permanent === true || outcome.error instanceof PermanentError || outcome.error instanceof StepInDoubtError;
      await this.recordFailure(holder, job, outcome.error, permanent);
    } catch (error) {
      if (error instanceof LeaseLostError) return; // lease:lost was emitted by the holder
      // The store stayed down past the lease: the job is not lost, it runs again once the lease expires.
      this.reportError(error, outcome.ok ? 'complete' : 'fail', job.id);
    }
  }

  /**
   * Hands a lease this process gave up back to the store (fenced by its token), so a late
   * extend cannot keep the job idle for a whole lease. It is written as a lease expiry
   * (`expireLease`), never a handler failure: a store outage does not use up `maxAttempts`,
   * while a job that makes its worker lose the lease every time still ends once its expiry
   * budget is used up. When a step was begun, the retry waits until that step's deadline
   * plus the clock margin has passed.
   */
  private async handBack(holder: LeaseHolder, job: Job): Promise<void> {
    // The store's time (from the lease), the clock step deadlines are in.
    const now = Math.floor(holder.storeNow());
    const deadline = holder.latestStepDeadline;
    const retryAt = deadline === undefined ? now : Math.max(now, deadline + DEFAULT_CLOCK_MARGIN_MS);
    await holder.handBack((lease) => this.o.store.expireLease(lease, { retryAt }), (e) => this.reportError(e, 'fail', job.id));
  }

  private async recordFailure(holder: LeaseHolder, job: Job, error: unknown, permanent: boolean): Promise<void> {
    const d = decideFailure(job, { now: this.o.clock.now(), permanent, policy: this.o.backoff, random: this.o.random });
    const opts = d.status === 'retry' ? { retryAt: d.runAt } : { permanent: true };
    const after = await this.persist(holder, 'fail', (lease) => this.o.store.fail(lease, error, opts));
    if (after.status === 'retry') {
      this.counts.retried++;
      this.events.emit('job:retry', { job: after, error, runAt: after.runAt });
    } else {
      this.counts.failed++;
      this.events.emit('job:failed', { job: after, error });
    }
  }

  /**
   * A final write, retried through store outages while the lease may still be ours. A
   * completion that never gets written is not lost: the job runs again after the lease
   * expires, and its recorded steps make that rerun safe.
   */
  private async persist<T>(holder: LeaseHolder, during: 'complete' | 'fail' | 'release' | 'retry-later', op: (lease: Lease) => Promise<T>): Promise<T> {
    // A release is a courtesy: unwritten, the lease simply expires and the job runs
    // again, so shutdown does not wait out a store outage for it. A retry-later is not: an
    // unwritten one would run the job again at once, and charged.
    const context = during === 'retry-later' ? 'release' : during;
    return holder.settleWrite(op, (error) => this.reportError(error, context, holder.lease.job.id), during !== 'release');
  }

  private reportError(error: unknown, during: WorkerEvents['worker:error']['during'], jobId?: string): void {
    this.lastError = { message: error instanceof Error ? error.message : String(error), at: this.o.clock.now() };
    this.events.emit('worker:error', jobId === undefined ? { error, during } : { error, during, jobId });
  }
}
