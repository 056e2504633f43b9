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

/** What a context needs from its worker. */
export interface JobContextDeps {
  store: LeaseStore;
  leaseMs: number;
  safetyMarginMs: number;
  reconcile: ReconcileHook | undefined;
  inDoubt: InDoubtPolicy;
  /** The store's database identity (`LeaseStore.identity()`). */
  identity: string;
  /** Reports a store error a step write will retry through (`worker:error`, during 'step'). */
  onStoreError: (error: unknown) => void;
  /** Called when a step's fn ran but its result cannot be recorded: the attempt must then fail permanently, whatever the handler makes of it. */
  onUnrecordable: (error: PermanentError) => void;
  /** Called once a step in doubt is decided, before the decision takes effect. */
  onInDoubt: (event: { step: string; key: string; decision: InDoubtDecision }) => void;
}

/**
 * Builds the context of one attempt. Internal to the worker, which awaits `prepare()` before
 * the handler runs: a job acquired before has its step records loaded then, so that
 * `ctx.idempotencyKey` (synchronous) returns a recorded key from the start.
 */
export function createJobContext(job: Job, holder: LeaseHolder, deps: JobContextDeps): { ctx: JobContext; prepare: () => Promise<void> } {
  const used = new Set<string>();
  let records: Promise<Map<string, StepRecord>> | undefined;
  let loaded: Map<string, StepRecord> | undefined;
  const keyOf = (name: string): string => {
    validateKey(name, 'name');
    const prior = loaded?.get(name);
    // A recorded key wins whatever this worker would derive; a step begun by a leasehold that
    // recorded no keys keeps the key that version derived (with the default namespace).
    if (prior) return prior.key ?? legacyIdempotencyKey(job.id, name);
    return idempotencyKey(job, deps.identity, name);
  };
  const loadRecords = (): Promise<Map<string, StepRecord>> =>
    (records ??= deps.store.getStepRecords(job.id).then((list) => (loaded = new Map(list.map((r) => [r.name, r])))));
  // Token 1 is the job's first acquisition: no step can have been recorded before it.
  const prepare = async (): Promise<void> => void (holder.lease.token > 1 ? await loadRecords() : (loaded = new Map()));

  const defaultDeadlineMs = Math.min(DEFAULT_STEP_DEADLINE_MS, deps.safetyMarginMs);
  const deadlineOf = (opts: StepOptions | undefined): number => {
    if (opts === undefined) return defaultDeadlineMs;
    if (typeof opts !== 'object' || opts === null) throw new ValidationError('opts', 'must be an object');
    if (opts.deadlineMs === undefined) return defaultDeadlineMs;
    const ms = validateInteger(opts.deadlineMs, 'deadlineMs', MIN_STEP_DEADLINE_MS, MAX_STEP_DEADLINE_MS);
    const room = deps.leaseMs - deps.safetyMarginMs;
    if (ms > room) throw new ValidationError('deadlineMs', `must be at most ${room} ms (the lease less its safety margin), got ${ms}`);
    return ms;
  };

  async function step<T>(name: string, fn: (s: StepRun) => Promise<T & JsonResult<T>>, opts?: StepOptions): Promise<T> {
    validateKey(name, 'name');
    if (typeof fn !== 'function') throw new ValidationError('fn', 'must be a function returning a promise');
    const deadlineMs = deadlineOf(opts);
    // A second use of a name in one attempt would read back the first's record: almost always a bug.
    if (used.has(name)) throw new ValidationError('name', `step "${name}" was already used in this attempt; step names must be unique within an attempt`);
    used.add(name);
    holder.throwIfLost();
    holder.throwIfAborted();

    const prior = (await loadRecords()).get(name);
    if (prior?.state === 'done') return prior.result as T;
    if (prior && isStepInDoubt({ status: 'processing', leaseToken: holder.lease.token }, prior)) {
      // In doubt: the step began in an earlier attempt that never recorded how it ended.
      const key = keyOf(name);
      if (deps.reconcile) {
        const answer = await deps.reconcile(job, name, key);
        if (answer?.found === true) {
          const text = validateJson(answer.result, `reconcile(${name}).result`);
          deps.onInDoubt({ step: name, key, decision: 'reconciled' });
          await holder.ensureTime();
          await holder.writeRetrying((lease) => deps.store.saveStep(lease, name, answer.result), deps.onStoreError);
          return JSON.parse(text) as T;
        }
        if (answer?.found !== false) throw new ValidationError('reconcile', 'must resolve to { found: true, result } or { found: false }');
        deps.onInDoubt({ step: name, key, decision: 'rerun' });
      } else if (deps.inDoubt === 'fail') {
        deps.onInDoubt({ step: name, key, decision: 'failed' });
        throw new StepInDoubtError(job.id, name);
      } else {
        deps.onInDoubt({ step: name, key, decision: 'rerun' });
      }
    }

    // The deadline must fall within the lease it is written under: extend first when less is left.
    await holder.ensureTime(deadlineMs);
    // In the store's clock, from the lease (never this host's wall clock): it fits the lease by construction.
    const deadlineAt = Math.floor(holder.storeNow()) + deadlineMs;
    await holder.writeRetrying((lease) => deps.store.beginStep(lease, name, { key: keyOf(name), deadlineAt }), deps.onStoreError, { startsStep: true });
    // Retries may have used up lease time: self-fence again before the effect.
    await holder.ensureTime();
    // The abort may have landed while beginStep was in flight: an aborted attempt (its lease
    // being released, or timed out) starts no new step.
    holder.throwIfAborted();
    const run: StepRun = { deadlineAt, idempotencyKey: keyOf(name), signal: holder.signal };
    // The attempt does not end while fn (and the write of its result) is out.
    return holder.trackStep(deadlineAt, (async () => record(name, await fn(run)))());
  }

  /** Records what fn returned (retried through blips: fn ran, so the step must not be left in doubt). */
  async function record<T>(name: string, value: T): Promise<T> {
    const json = value === undefined ? null : value;
    let text: string;
    try {
      // Shape only: the size limit is the store's own (it may set maxPayloadBytes), and its
      // saveStep enforces it with the same ValidationError.
      text = validateJson(json, `step(${name}) result`, Number.POSITIVE_INFINITY);
      // fn ran: a blip here must not leave the step in doubt (the next attempt would run it again).
      await holder.writeRetrying((lease) => deps.store.saveStep(lease, name, json as Json), deps.onStoreError);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // fn's effect may have happened and can never be recorded: a retry would find the step
      // in doubt and could run it again (a second order). Fail the job for good instead.
      const failure = new PermanentError(
        `step "${name}" of job ${job.id} ran, but its result is not recordable JSON (${error.message}); ` +
          'its effect may have happened, so the job is failed rather than the step run again',
        { cause: error },
      );
      deps.onUnrecordable(failure);
      throw failure;
    }
    return JSON.parse(text) as T;
  }

  const ctx: JobContext = {
    get signal() {
      return holder.signal;
    },
    attempt: job.attempts,
    get lease() {
      return holder.lease;
    },
    step,
    idempotencyKey: keyOf,
    retryLater(delayMs: number, reason?: string): never {
      throw new RetryLaterError(delayMs, reason);
    },
  };
  return { ctx, prepare };
}
