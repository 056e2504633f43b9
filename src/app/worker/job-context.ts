/**
 * What a handler gets besides its job: the abort signal, the attempt number, the lease,
 * durable steps and idempotency keys.
 */
import { PermanentError, StepInDoubtError, ValidationError } from '../../domain/errors.js';
import type { Job, Json, Lease, StepRecord } from '../../domain/job.js';
import { validateJson, validateKey } from '../../domain/validation.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { idempotencyKey } from '../idempotency-key.js';
import type { LeaseHolder } from './lease-holder.js';
import type { InDoubtDecision } from './worker-events.js';
import type { InDoubtPolicy, ReconcileHook } from './worker-options.js';

/**
 * The second argument of every handler.
 * @example
 * async (job, ctx) => {
 *   const order = await ctx.step('place', async () => {
 *     const placed = await exchange.place({ clientOrderId: ctx.idempotencyKey('place'), ...job.payload });
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
   * first time and every time. A step name may be used once per attempt.
   */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** A key stable across attempts and processes for (this job, `name`): 32 chars of [A-Za-z0-9_-], e.g. a client order id. */
  idempotencyKey(name: string): string;
}

/** What a context needs from its worker. */
export interface JobContextDeps {
  store: LeaseStore;
  reconcile: ReconcileHook | undefined;
  inDoubt: InDoubtPolicy;
  idempotencyNamespace: string;
  /** Reports a store error a step write will retry through (`worker:error`, during 'step'). */
  onStoreError: (error: unknown) => void;
  /** Called when a step's fn ran but its result cannot be recorded: the attempt must then fail permanently, whatever the handler makes of it. */
  onUnrecordable: (error: PermanentError) => void;
  /** Called once a step in doubt is decided, before the decision takes effect. */
  onInDoubt: (event: { step: string; key: string; decision: InDoubtDecision }) => void;
}

/** Builds the context of one attempt. Internal to the worker. */
export function createJobContext(job: Job, holder: LeaseHolder, deps: JobContextDeps): JobContext {
  const used = new Set<string>();
  let records: Promise<Map<string, StepRecord>> | undefined;
  const keyOf = (name: string): string => idempotencyKey(job.id, validateKey(name, 'name'), deps.idempotencyNamespace);
  const loadRecords = (): Promise<Map<string, StepRecord>> =>
    (records ??= deps.store.getStepRecords(job.id).then((list) => new Map(list.map((r) => [r.name, r]))));

  async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    validateKey(name, 'name');
    if (typeof fn !== 'function') throw new ValidationError('fn', 'must be a function returning a promise');
    // A second use of a name in one attempt would read back the first's record: almost always a bug.
    if (used.has(name)) throw new ValidationError('name', `step "${name}" was already used in this attempt; step names must be unique within an attempt`);
    used.add(name);
    holder.throwIfLost();
    holder.controller.signal.throwIfAborted();

    const prior = (await loadRecords()).get(name);
    if (prior?.state === 'done') return prior.result as T;
    if (prior?.state === 'started' && prior.token < holder.lease.token) {
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

    await holder.ensureTime();
    await holder.writeRetrying((lease) => deps.store.beginStep(lease, name), deps.onStoreError, { startsStep: true });
    // Retries may have used up lease time: self-fence again before the effect.
    await holder.ensureTime();
    // The abort may have landed while beginStep was in flight: an aborted attempt (its lease
    // being released, or timed out) starts no new step.
    holder.controller.signal.throwIfAborted();
    const value = await fn();
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

  return {
    get signal() {
      return holder.controller.signal;
    },
    attempt: job.attempts,
    get lease() {
      return holder.lease;
    },
    step,
    idempotencyKey: keyOf,
  };
}
