/**
 * What a handler gets besides its job: the abort signal, the attempt number, the lease,
 * durable steps and idempotency keys.
 */
import { PermanentError, RetryLaterError, StepInDoubtError, ValidationError } from '../../domain/errors.js';
import type { Job, Json, JsonResult, Lease, StepRecord } from '../../domain/job.js';
import { validateInteger, validateJson, validateKey } from '../../domain/validation.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { isStepInDoubt } from '../../domain/steps.js';
import { idempotencyKey, legacyIdempotencyKey } from '../idempotency-key.js';
import type { LeaseHolder } from './lease-holder.js';
import type { InDoubtDecision } from './worker-events.js';
import type { InDoubtPolicy, ReconcileHook } from './worker-options.js';

/**
 * The second argument of every handler.
 * @example
 * async (job, ctx) => {
 *   const order = await ctx.step('place', async (s) => {
 *     // The same client id and the same expiry on every send, retries included.
 *     const placed = await exchange.place({ clientOrderId: s.idempotencyKey, expiresAt: s.deadlineAt, ...job.payload }, { signal: s.signal });
 *     return { id: placed.id }; // plain JSON: it is recorded
 *   });
 *   return { orderId: order.id };
 * }
 */
export interface JobContext {
  /** Aborted when the attempt must stop: lease lost (reason: LeaseLostError), timeout, or forced shutdown. Pass it to fetch. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** The lease this attempt holds (its expiry moves as the heartbeat extends it). */
  readonly lease: Lease;
  /**
   * Runs `fn` once across every attempt of the job: if the step finished in an earlier
   * attempt its recorded result is returned and `fn` does not run. The result must be JSON
   * (`undefined` is recorded as `null`), and the recorded value is what you get back, the
   * first time and every time. A step name may be used once per attempt. The result type is
   * checked at compile time: a `Date`, a function or a `bigint` in it is a type error, since
   * JSON would not give it back as it was.
   *
   * fn gets the step's deadline, idempotency key and the attempt's signal ({@link StepRun}).
   * Until fn settles the attempt is not ended: a timeout or shutdown aborts the signal and
   * then waits for fn, up to the step's deadline.
   */
  step<T>(name: string, fn: (s: StepRun) => Promise<T & JsonResult<T>>, opts?: StepOptions): Promise<T>;
  /**
   * The key of (this job, `name`), e.g. a client order id: the key the step recorded when it
   * began, else derived from the job's identity (never from a worker option), so it is the
   * same in every attempt, process and worker. 32 characters of `[A-Za-z0-9]`, or a UUID for
   * a job enqueued with `idempotencyKeyFormat: 'uuid'`.
   */
  idempotencyKey(name: string): string;
  /**
   * Ends the attempt and has the job run again `delayMs` from now, the attempt not charged,
   * with `reason` as its lastError: what to do when an exchange answers 429 with Retry-After.
   * Throws (a `RetryLaterError`), so nothing after it runs. The same as throwing one yourself.
   * @example if (res.status === 429) ctx.retryLater(retryAfterMs(res), 'exchange rate limit (429)');
   */
  retryLater(delayMs: number, reason?: string): never;
}

/** What a step's fn gets. */
export interface StepRun {
  /**
   * The step's absolute deadline, epoch ms in the store's clock. Pass this same instant on
   * every request fn sends (its own retries included) as the request's expiry (Kraken's
   * `deadline`, Binance's `timestamp` + `recvWindow`): an exchange that refuses requests past
   * it makes a paused or skewed worker safe. No new owner acts on the job before it (plus a
   * margin) has passed.
   */
  readonly deadlineAt: number;
  /** `ctx.idempotencyKey(name)` of this step: pass it as the client order id. */
  readonly idempotencyKey: string;
  /** The attempt's signal (`ctx.signal`). */
  readonly signal: AbortSignal;
}

/** Per-step options of `ctx.step`. */
export interface StepOptions {
  /**
   * How long after the step starts its deadline falls, 2000 to 60000 ms (the range venues'
   * request windows accept), at most the lease less its safety margin. Default 10 s, or the
   * safety margin of a lease too short for that (20% of it, at least 1 s).
   */
  deadlineMs?: number;
}

/** Least and greatest per-step deadline. */
export const MIN_STEP_DEADLINE_MS = 2_000;
export const MAX_STEP_DEADLINE_MS = 60_000;
/** The step deadline when none is given (or the safety margin, when the lease is too short for it). */
export const DEFAULT_STEP_DEADLINE_MS = 10_000;

/**
 * What a context needs from its worker: the same object for every attempt of a worker, so an
 * attempt allocates no callbacks of its own.
 */
export interface JobContextDeps {
  store: LeaseStore;
  leaseMs: number;
  safetyMarginMs: number;
  inDoubt: InDoubtPolicy;
  /** The store's database identity (`LeaseStore.identity()`). */
  identity: string;
  /** Reports a store error a step write of this job will retry through (`worker:error`, during 'step'). */
  onStoreError: (error: unknown, job: Job) => void;
  /** Called once a step in doubt is decided, before the decision takes effect. */
  onInDoubt: (job: Job, event: { step: string; key: string; decision: InDoubtDecision }) => void;
}

/**
 * The context of one attempt. Internal to the worker, which awaits `AttemptContext.prepare`
 * before the handler runs: a job acquired before has its step records loaded then, so that
 * `ctx.idempotencyKey` (synchronous) returns a recorded key from the start. Its methods stay
 * usable taken off the object (`const { step } = ctx`), as a handler may do; the bound ones
 * are made only when a handler first reads them, so a job that uses no step costs none.
 */
export class AttemptContext implements JobContext {
  readonly attempt: number;
  #used: Set<string> | undefined;
  #records: Promise<Map<string, StepRecord>> | undefined;
  #loaded: Map<string, StepRecord> | undefined;
  #unrecordable = false;
  #step: JobContext['step'] | undefined;
  #key: ((name: string) => string) | undefined;

  // ES private, like the rest: a handler sees the JobContext members and nothing of the worker's.
  readonly #job: Job;
  readonly #holder: LeaseHolder;
  readonly #deps: JobContextDeps;
  readonly #reconcile: ReconcileHook | undefined;

  constructor(job: Job, holder: LeaseHolder, deps: JobContextDeps, reconcile: ReconcileHook | undefined) {
    this.#job = job;
    this.#holder = holder;
    this.#deps = deps;
    this.#reconcile = reconcile;
    this.attempt = job.attempts;
  }

  get signal(): AbortSignal {
    return this.#holder.signal;
  }

  get lease(): Lease {
    return this.#holder.lease;
  }

  get step(): JobContext['step'] {
    return (this.#step ??= (name, fn, opts) => this.#runStep(name, fn, opts));
  }

  get idempotencyKey(): (name: string) => string {
    return (this.#key ??= (name) => this.#keyOf(name));
  }

  retryLater(delayMs: number, reason?: string): never {
    throw new RetryLaterError(delayMs, reason);
  }

  /**
   * Loads the step records of a job acquired before (token 1 is its first acquisition: nothing
   * can be recorded yet). Async, so a store that throws instead of rejecting fails the attempt
   * like one that rejects.
   */
  static async prepare(ctx: AttemptContext): Promise<void> {
    if (ctx.#holder.lease.token > 1) await ctx.#loadRecords();
    else ctx.#loaded = new Map();
  }

  /** Whether a step's fn ran but its result could not be recorded: the attempt must then fail permanently, whatever the handler made of it. */
  static unrecordable(ctx: AttemptContext): boolean {
    return ctx.#unrecordable;
  }

  #keyOf(name: string): string {
    validateKey(name, 'name');
    const prior = this.#loaded?.get(name);
    // A recorded key wins whatever this worker would derive; a step begun by a leasehold that
    // recorded no keys keeps the key that version derived (with the default namespace).
    if (prior) return prior.key ?? legacyIdempotencyKey(this.#job.id, name);
    return idempotencyKey(this.#job, this.#deps.identity, name);
  }

  #loadRecords(): Promise<Map<string, StepRecord>> {
    return (this.#records ??= this.#deps.store.getStepRecords(this.#job.id).then((list) => (this.#loaded = new Map(list.map((r) => [r.name, r])))));
  }

  #deadlineOf(opts: StepOptions | undefined): number {
    const defaultDeadlineMs = Math.min(DEFAULT_STEP_DEADLINE_MS, this.#deps.safetyMarginMs);
    if (opts === undefined) return defaultDeadlineMs;
    if (typeof opts !== 'object' || opts === null) throw new ValidationError('opts', 'must be an object');
    if (opts.deadlineMs === undefined) return defaultDeadlineMs;
    const ms = validateInteger(opts.deadlineMs, 'deadlineMs', MIN_STEP_DEADLINE_MS, MAX_STEP_DEADLINE_MS);
    const room = this.#deps.leaseMs - this.#deps.safetyMarginMs;
    if (ms > room) throw new ValidationError('deadlineMs', `must be at most ${room} ms (the lease less its safety margin), got ${ms}`);
    return ms;
  }

  async #runStep<T>(name: string, fn: (s: StepRun) => Promise<T & JsonResult<T>>, opts?: StepOptions): Promise<T> {
    const job = this.#job;
    const holder = this.#holder;
    const deps = this.#deps;
    validateKey(name, 'name');
    if (typeof fn !== 'function') throw new ValidationError('fn', 'must be a function returning a promise');
    const deadlineMs = this.#deadlineOf(opts);
    // A second use of a name in one attempt would read back the first's record: almost always a bug.
    const used = (this.#used ??= new Set());
    if (used.has(name)) throw new ValidationError('name', `step "${name}" was already used in this attempt; step names must be unique within an attempt`);
    used.add(name);
    holder.throwIfLost();
    holder.throwIfAborted();
    const onStoreError = (error: unknown): void => deps.onStoreError(error, job);

    const prior = (await this.#loadRecords()).get(name);
    if (prior?.state === 'done') return prior.result as T;
    if (prior && isStepInDoubt({ status: 'processing', leaseToken: holder.lease.token }, prior)) {
      // In doubt: the step began in an earlier attempt that never recorded how it ended.
      const key = this.#keyOf(name);
      if (this.#reconcile) {
        const answer = await this.#reconcile(job, name, key);
        if (answer?.found === true) {
          const text = validateJson(answer.result, `reconcile(${name}).result`);
          deps.onInDoubt(job, { step: name, key, decision: 'reconciled' });
          await holder.ensureTime();
          await holder.writeRetrying((lease) => deps.store.saveStep(lease, name, answer.result), onStoreError);
          return JSON.parse(text) as T;
        }
        if (answer?.found !== false) throw new ValidationError('reconcile', 'must resolve to { found: true, result } or { found: false }');
        deps.onInDoubt(job, { step: name, key, decision: 'rerun' });
      } else if (deps.inDoubt === 'fail') {
        deps.onInDoubt(job, { step: name, key, decision: 'failed' });
        throw new StepInDoubtError(job.id, name);
      } else {
        deps.onInDoubt(job, { step: name, key, decision: 'rerun' });
      }
    }

    // The deadline must fall within the lease it is written under: extend first when less is left.
    await holder.ensureTime(deadlineMs);
    // In the store's clock, from the lease (never this host's wall clock): it fits the lease by construction.
    const deadlineAt = Math.floor(holder.storeNow()) + deadlineMs;
    await holder.writeRetrying((lease) => deps.store.beginStep(lease, name, { key: this.#keyOf(name), deadlineAt }), onStoreError, { startsStep: true });
    // Retries may have used up lease time: self-fence again before the effect.
    await holder.ensureTime();
    // The abort may have landed while beginStep was in flight: an aborted attempt (its lease
    // being released, or timed out) starts no new step.
    holder.throwIfAborted();
    const run: StepRun = { deadlineAt, idempotencyKey: this.#keyOf(name), signal: holder.signal };
    // The attempt does not end while fn (and the write of its result) is out.
    return holder.trackStep(deadlineAt, (async () => this.#record(name, await fn(run), onStoreError))());
  }

  /** Records what fn returned (retried through blips: fn ran, so the step must not be left in doubt). */
  async #record<T>(name: string, value: T, onStoreError: (error: unknown) => void): Promise<T> {
    const json = value === undefined ? null : value;
    let text: string;
    try {
      // Shape only: the size limit is the store's own (it may set maxPayloadBytes), and its
      // saveStep enforces it with the same ValidationError.
      text = validateJson(json, `step(${name}) result`, Number.POSITIVE_INFINITY);
      // fn ran: a blip here must not leave the step in doubt (the next attempt would run it again).
      await this.#holder.writeRetrying((lease) => this.#deps.store.saveStep(lease, name, json as Json), onStoreError);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // fn's effect may have happened and can never be recorded: a retry would find the step
      // in doubt and could run it again (a second order). Fail the job for good instead.
      const failure = new PermanentError(
        `step "${name}" of job ${this.#job.id} ran, but its result is not recordable JSON (${error.message}); ` +
          'its effect may have happened, so the job is failed rather than the step run again',
        { cause: error },
      );
      this.#unrecordable = true;
      throw failure;
    }
    return JSON.parse(text) as T;
  }
}
