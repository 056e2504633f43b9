/**
 * The worker's options, their defaults, and their validation: every bad option is a
 * `ValidationError` naming it, thrown by the constructor before anything runs.
 */
import { hostname } from 'node:os';
import { ValidationError } from '../../domain/errors.js';
import type { Job, Json, PruneOptions } from '../../domain/job.js';
import type { BackoffPolicy, RandomSource } from '../../domain/retry-policy.js';
import { MAX_LEASE_MS, validateDuration, validateInteger, validateName, validatePrune } from '../../domain/validation.js';
import type { RetentionOptions } from '../services/maintenance-services.js';
import type { Clock } from '../../ports/clock.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { SystemClock } from '../../adapters/clocks/system-clock.js';
import { resolveBackoff } from '../../adapters/common/store-options.js';
import type { JobContext } from './job-context.js';
import { LIVENESS_DEFAULTS } from '../../domain/liveness.js';
import { currentProcessIdentity, type ProcessIdentity } from './process-identity.js';

/**
 * Runs one job. Return a JSON value (or nothing) to complete it; throw to fail the attempt
 * (`PermanentError` fails the job at once). `P` types `job.payload`, `R` the result.
 * @example const handler: Handler<{ orderId: string }> = async (job, ctx) => ctx.step('place', () => placeOrder(job.payload.orderId));
 */
export type Handler<P = Json, R = Json> = (job: Job<P, R>, ctx: JobContext) => Promise<R | void>;

/** What `reconcile` answers: the step's result if the effect happened, or that it did not. */
export type ReconcileResult = { found: true; result: Json } | { found: false };

/**
 * Settles an in-doubt step (started in an earlier attempt, result never recorded): look the
 * effect up by its idempotency key (e.g. "does the exchange have an order with this client
 * id?"). `{ found: true, result }` is recorded and the step is skipped; `{ found: false }`
 * runs it again.
 * @example reconcile: async (job, step, key) => { const o = await exchange.find(key); return o ? { found: true, result: o } : { found: false }; }
 */
export type ReconcileHook<P = Json> = (job: Job<P>, stepName: string, idempotencyKey: string) => Promise<ReconcileResult>;

/** What an in-doubt step becomes when no `reconcile` hook settles it. */
export type InDoubtPolicy = 'rerun' | 'fail';

/**
 * A queue's handler together with the `reconcile` hook that asks the right place (a bot with
 * two exchanges asks each its own). Without `reconcile`, the worker's own `reconcile` applies.
 * @example handlers: { binance: { handle: placeOnBinance, reconcile: findOnBinance }, kraken: placeOnKraken }
 */
export interface QueueHandler<P = Json> {
  handle: Handler<P>;
  reconcile?: ReconcileHook<P>;
}

/**
 * Payload types by queue name, the type parameter of `ProcessingWorker` and `WorkerOptions`:
 * each queue's handler then sees its own `job.payload` type. Default: every queue's payload
 * is any JSON.
 * @example new ProcessingWorker<{ orders: Order; refunds: Refund }>({ store, handlers: { orders: async (job) => job.payload.qty, refunds: ... } })
 */
export type QueuePayloads = Record<string, unknown>;

/** The `handlers` map of a worker whose queues carry the payload types `Q`. */
export type HandlerMap<Q extends QueuePayloads> = { [K in keyof Q & string]: Handler<Q[K]> | QueueHandler<Q[K]> };

/** Options of `new ProcessingWorker(...)`. Only `store` and a handler are required. `Q`: see {@link QueuePayloads}. */
export interface WorkerOptions<Q extends QueuePayloads = Record<string, Json>> {
  /** Where jobs live. */
  store: LeaseStore;
  /** Time source for heartbeats, polling and backoff. Default `new SystemClock()`. Use the store's clock. */
  clock?: Clock;
  /** This worker's id, recorded as `lockedBy`. Default `${hostname}-${pid}-${random}`. */
  workerId?: string;
  /** Queues to serve. Default: the keys of `handlers`, or every queue with a single `handler`. */
  queues?: string[];
  /** One handler for every queue served. Give this or `handlers`. */
  handler?: Handler<Q[keyof Q]>;
  /**
   * A handler per queue, each a function or `{ handle, reconcile }` (see {@link QueueHandler});
   * the worker serves exactly these queues unless `queues` narrows them.
   */
  handlers?: HandlerMap<Q>;
  /** Settles in-doubt steps of every queue whose handler brings no `reconcile` of its own; see {@link ReconcileHook}. Default: none (the `inDoubt` policy decides). */
  reconcile?: ReconcileHook<Q[keyof Q]>;
  /** What an in-doubt step becomes without a `reconcile` hook. Default 'rerun' (the idempotency key protects). */
  inDoubt?: InDoubtPolicy;
  /** Lease length. Default 300 s. */
  leaseDurationSeconds?: number;
  /** Idle poll interval (jittered by ±10%). Default 5000 ms. */
  pollIntervalMs?: number;
  /** Jobs run at once. Default 1. */
  maxConcurrentJobs?: number;
  /** Extend a lease when this share of it has elapsed. Default 50 (%). */
  leaseExtensionThresholdPercent?: number;
  /** Retry backoff (exponential, full jitter). Default 1 s doubling, capped at 5 min. */
  backoff?: Partial<BackoffPolicy>;
  /** Abort and fail an attempt that runs longer than this. Default: no limit. */
  jobTimeoutMs?: number;
  /** How long `stop()` waits for running jobs before aborting them and releasing their leases. Default 30000 ms. */
  shutdownTimeoutMs?: number;
  /** Stop gracefully on SIGTERM/SIGINT (a second signal stops at once). Default true; turn off when embedding or in tests. */
  handleSignals?: boolean;
  /** Uniform [0,1) source for jitter. Default Math.random. */
  random?: RandomSource;
  /**
   * Write completions like a group commit: those ready in the same event-loop turn go in one
   * `completeMany`, and those that arrive while one is out go in the next (a lone one is a
   * plain `complete`; a lone write out never holds back the next, a batch out does until it
   * has been out 100 ms). Default true.
   */
  batchCompletions?: boolean;
  /**
   * How often the process renews its sign of life in the store, apart from its leases.
   * Default 1000 ms.
   */
  livenessIntervalMs?: number;
  /**
   * A process whose sign of life is older than this (by the store's clock) counts as dead:
   * its leases are taken over at once instead of when they run out. Default 8000 ms, so a
   * SIGKILLed worker's job runs again within about 10 s while a process stalled for 5 s
   * keeps its jobs. At least twice `livenessIntervalMs`.
   */
  livenessTimeoutMs?: number;
  /** Register the process and renew its liveness (and sweep dead processes' leases). Default true. */
  liveness?: boolean;
  /** Who this process is (host, pid, boot id); for tests. Default: the running process. */
  processIdentity?: ProcessIdentity;
  /**
   * The application ends the process itself after a signal. Default false: after a graceful
   * stop through SIGTERM/SIGINT the signal is raised again once no other listener remains,
   * so the process exits as it would have without leasehold.
   */
  handlesExit?: boolean;
  /**
   * Leases claimed ahead of the free slots and kept in a local buffer, so a slot that frees
   * starts its next job without a round trip, claims go in batches, and a slot is given to
   * the next job once only the outcome's write is out. For many short jobs on a SQL store.
   * The costs: each claim counts an attempt (a clean hand-back gives it back, but a buffered
   * job of a worker that crashed is charged like a running one), and a busy worker keeps its
   * buffered jobs from idle workers for up to half a lease. A buffered lease not started by
   * the time its first extension would be due is handed back unstarted, and so is the whole
   * buffer at `stop()`. Default 0 (off).
   */
  prefetch?: number;
  /**
   * How often (ms) the worker returns the jobs of leases that ran out to the queue
   * (`reapExpired`: a retry, counted as a lease expiry; failed once `maxLeaseExpiries` is used
   * up). It always reaps once before its first claim, and a claim takes expired leases over by
   * itself; the reaper settles those in queues no running worker serves. Every process may run
   * it. Default 60,000; 0 reaps only at start.
   */
  reapIntervalMs?: number;
  /**
   * Prune finished jobs older than `olderThanMs` (by `finishedAt`) every `intervalMs` (default
   * one hour) and once at start. Their keys stay retired, so a replayed key is still refused
   * (see `PruneOptions.forgetKeysOlderThanMs`). Every process may run it: a prune that finds
   * nothing old enough deletes nothing. Default off: jobs are kept until pruned.
   */
  retention?: RetentionOptions | false;
}

/** Options with every default applied. */
export interface ResolvedWorkerOptions {
  store: LeaseStore;
  clock: Clock;
  workerId: string;
  queues: string[] | undefined;
  handlerFor: (queue: string) => Handler | undefined;
  /** The queue's own `reconcile`, else the worker's, else none. */
  reconcileFor: (queue: string) => ReconcileHook | undefined;
  inDoubt: InDoubtPolicy;
  leaseMs: number;
  pollIntervalMs: number;
  maxConcurrentJobs: number;
  extendAfterMs: number;
  /** Least lease time left for a step to start without extending first. */
  safetyMarginMs: number;
  backoff: BackoffPolicy;
  jobTimeoutMs: number | undefined;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
  random: RandomSource;
  batchCompletions: boolean;
  /** Undefined when liveness is off. */
  liveness: { intervalMs: number; timeoutMs: number; marginMs: number; identity: ProcessIdentity } | undefined;
  handlesExit: boolean;
  prefetch: number;
  /** 0: only at start. */
  reapIntervalMs: number;
  /** Undefined when off. */
  retention: { intervalMs: number; prune: PruneOptions } | undefined;
}

const KNOWN = new Set([
  'store', 'clock', 'workerId', 'queues', 'handler', 'handlers', 'reconcile', 'inDoubt', 'leaseDurationSeconds',
  'pollIntervalMs', 'maxConcurrentJobs', 'leaseExtensionThresholdPercent', 'backoff', 'jobTimeoutMs',
  'shutdownTimeoutMs', 'handleSignals', 'random', 'batchCompletions', 'prefetch',
  'livenessIntervalMs', 'livenessTimeoutMs', 'liveness', 'processIdentity', 'handlesExit',
  'reapIntervalMs', 'retention',
]);

/** Validates worker options and applies the defaults. Throws `ValidationError` naming the option. */
export function resolveWorkerOptions(input: WorkerOptions): ResolvedWorkerOptions {
  if (typeof input !== 'object' || input === null) throw new ValidationError('options', 'must be an object');
  if ('idempotencyNamespace' in input) {
    // Removed, not ignored: a worker option that changed keys is how two workers placed two orders for one job.
    throw new ValidationError('idempotencyNamespace', 'was removed: idempotency keys now derive from the job alone (its uid, or its key and the database identity), so no worker option can change them; drop the option');
  }
  for (const k of Object.keys(input)) if (!KNOWN.has(k)) throw new ValidationError(k, 'is not a worker option');
  const o = input;
  const store = o.store;
  if (typeof store !== 'object' || store === null || typeof store.acquire !== 'function') throw new ValidationError('store', 'must be a LeaseStore');
  if (o.clock !== undefined && typeof o.clock?.now !== 'function') throw new ValidationError('clock', 'must have a now() method');
  if (o.random !== undefined && typeof o.random !== 'function') throw new ValidationError('random', 'must be a function returning [0, 1)');
  for (const k of ['reconcile', 'handler'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') throw new ValidationError(k, 'must be a function');
  }

  let handlers: Record<string, QueueHandler> | undefined;
  if (o.handlers !== undefined) {
    if (o.handler !== undefined) throw new ValidationError('handlers', 'give either handler or handlers, not both');
    if (typeof o.handlers !== 'object' || o.handlers === null || Object.keys(o.handlers).length === 0) {
      throw new ValidationError('handlers', 'must be a non-empty record of queue name to handler');
    }
    handlers = {};
    for (const [q, h] of Object.entries(o.handlers)) {
      validateName(q, `handlers.${q}`);
      handlers[q] = queueHandler(h, `handlers.${q}`);
    }
  } else if (o.handler === undefined) {
    throw new ValidationError('handler', 'is required (or give handlers, one per queue)');
  }

  let queues: string[] | undefined;
  if (o.queues !== undefined) {
    if (!Array.isArray(o.queues) || o.queues.length === 0) throw new ValidationError('queues', 'must be a non-empty array of queue names');
    queues = o.queues.map((q, i) => validateName(q, `queues[${i}]`));
    if (handlers) for (const q of queues) if (!handlers[q]) throw new ValidationError('queues', `queue "${q}" has no handler in handlers`);
  } else if (handlers) {
    queues = Object.keys(handlers);
  }

  const leaseMs = o.leaseDurationSeconds === undefined ? 300_000 : leaseSecondsToMs(o.leaseDurationSeconds);
  const threshold = o.leaseExtensionThresholdPercent === undefined ? 50 : validateInteger(o.leaseExtensionThresholdPercent, 'leaseExtensionThresholdPercent', 1, 90);
  const inDoubt = o.inDoubt ?? 'rerun';
  if (inDoubt !== 'rerun' && inDoubt !== 'fail') throw new ValidationError('inDoubt', `must be 'rerun' or 'fail', got ${String(inDoubt)}`);
  for (const k of ['handleSignals', 'batchCompletions', 'liveness', 'handlesExit'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new ValidationError(k, 'must be a boolean');
  }

  const handler = o.handler;
  return {
    store,
    clock: o.clock ?? new SystemClock(),
    workerId: o.workerId === undefined ? defaultWorkerId(o.random ?? Math.random) : validateName(o.workerId, 'workerId'),
    queues,
    handlerFor: handlers ? (q) => handlers[q]?.handle : () => handler,
    reconcileFor: handlers ? (q) => handlers[q]?.reconcile ?? o.reconcile : () => o.reconcile,
    inDoubt,
    leaseMs,
    pollIntervalMs: o.pollIntervalMs === undefined ? 5000 : validateDuration(o.pollIntervalMs, 'pollIntervalMs'),
    maxConcurrentJobs: o.maxConcurrentJobs === undefined ? 1 : validateInteger(o.maxConcurrentJobs, 'maxConcurrentJobs', 1, 10_000),
    extendAfterMs: Math.floor((leaseMs * threshold) / 100),
    safetyMarginMs: safetyMargin(leaseMs),
    backoff: resolveBackoff(o.backoff, 'backoff'),
    jobTimeoutMs: o.jobTimeoutMs === undefined ? undefined : validateDuration(o.jobTimeoutMs, 'jobTimeoutMs'),
    shutdownTimeoutMs: o.shutdownTimeoutMs === undefined ? 30_000 : validateShutdown(o.shutdownTimeoutMs),
    handleSignals: o.handleSignals ?? true,
    random: o.random ?? Math.random,
    batchCompletions: o.batchCompletions ?? true,
    prefetch: o.prefetch === undefined ? 0 : validateInteger(o.prefetch, 'prefetch', 0, 10_000),
    liveness: o.liveness === false ? undefined : resolveLiveness(o),
    handlesExit: o.handlesExit ?? false,
    reapIntervalMs: o.reapIntervalMs === undefined ? 60_000 : o.reapIntervalMs === 0 ? 0 : validateDuration(o.reapIntervalMs, 'reapIntervalMs'),
    retention: resolveRetention(o.retention),
  };
}

const RETENTION_KEYS = new Set(['olderThanMs', 'intervalMs', 'statuses', 'forgetKeysOlderThanMs']);

/** `retention` checked, with its fields named `retention.<field>` in errors. */
function resolveRetention(r: unknown): ResolvedWorkerOptions['retention'] {
  if (r === undefined || r === false) return undefined;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw new ValidationError('retention', 'must be { olderThanMs, intervalMs?, statuses?, forgetKeysOlderThanMs? } or false');
  }
  const o = r as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!RETENTION_KEYS.has(k)) throw new ValidationError(`retention.${k}`, `is not a retention option (expected ${[...RETENTION_KEYS].join(', ')})`);
  if (o.olderThanMs === undefined) throw new ValidationError('retention.olderThanMs', 'is required: the age (ms) past which finished jobs are pruned');
  let p: ReturnType<typeof validatePrune>;
  try {
    p = validatePrune(o);
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`retention.${error.field}`, error.message.slice(error.field.length + 2));
    throw error;
  }
  const intervalMs = o.intervalMs === undefined ? 3_600_000 : validateDuration(o.intervalMs, 'retention.intervalMs');
  const prune: PruneOptions = { olderThanMs: p.olderThanMs, statuses: p.statuses };
  if (p.forgetKeysOlderThanMs !== null) prune.forgetKeysOlderThanMs = p.forgetKeysOlderThanMs;
  return { intervalMs, prune };
}

function resolveLiveness(o: WorkerOptions): ResolvedWorkerOptions['liveness'] {
  const intervalMs = o.livenessIntervalMs === undefined ? LIVENESS_DEFAULTS.intervalMs : validateDuration(o.livenessIntervalMs, 'livenessIntervalMs');
  const timeoutMs = o.livenessTimeoutMs === undefined ? LIVENESS_DEFAULTS.timeoutMs : validateDuration(o.livenessTimeoutMs, 'livenessTimeoutMs');
  if (timeoutMs < 2 * intervalMs) throw new ValidationError('livenessTimeoutMs', `must be at least twice livenessIntervalMs (${intervalMs} ms), got ${timeoutMs}`);
  const id = o.processIdentity;
  if (id !== undefined && (typeof id !== 'object' || id === null || typeof id.isRunning !== 'function')) {
    throw new ValidationError('processIdentity', 'must be { host, pid, bootId, isRunning(pid) }');
  }
  // The margin: a quarter of the timeout, at most 1 s, so a short test timeout still leaves room to renew.
  return { intervalMs, timeoutMs, marginMs: Math.min(LIVENESS_DEFAULTS.marginMs, Math.floor(timeoutMs / 4)), identity: id ?? currentProcessIdentity() };
}

/** A `handlers` entry as `{ handle, reconcile? }`, whichever form it was given in. */
function queueHandler(h: unknown, field: string): QueueHandler {
  if (typeof h === 'function') return { handle: h as Handler };
  if (typeof h !== 'object' || h === null) throw new ValidationError(field, 'must be a function or { handle, reconcile? }');
  const entry = h as Record<string, unknown>;
  for (const k of Object.keys(entry)) if (k !== 'handle' && k !== 'reconcile') throw new ValidationError(`${field}.${k}`, 'is not a handler field (handle, reconcile)');
  if (typeof entry.handle !== 'function') throw new ValidationError(`${field}.handle`, 'must be a function');
  if (entry.reconcile !== undefined && typeof entry.reconcile !== 'function') throw new ValidationError(`${field}.reconcile`, 'must be a function');
  return entry.reconcile === undefined ? { handle: entry.handle as Handler } : { handle: entry.handle as Handler, reconcile: entry.reconcile as ReconcileHook };
}

/**
 * A step does not start with less than this much lease left: 20% of the lease, raised to
 * 1 s for short leases but never above half of it (else every step of a 1 s lease would
 * extend first).
 */
export function safetyMargin(leaseMs: number): number {
  return Math.max(Math.floor(leaseMs * 0.2), Math.min(1000, Math.floor(leaseMs / 2)));
}

/** Checks `leaseDurationSeconds` in the unit the user wrote it in, then converts to ms. */
function leaseSecondsToMs(v: unknown): number {
  const maxSeconds = Math.floor(MAX_LEASE_MS / 1000);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError('leaseDurationSeconds', `must be a finite number of seconds, got ${typeof v === 'number' ? v : typeof v}`);
  if (v < 0.1 || v > maxSeconds) throw new ValidationError('leaseDurationSeconds', `must be between 0.1 and ${maxSeconds} seconds, got ${v}`);
  return Math.ceil(v * 1000);
}

function validateShutdown(v: unknown): number {
  if (v === 0) return 0;
  return validateDuration(v, 'shutdownTimeoutMs');
}

function defaultWorkerId(random: RandomSource): string {
  const suffix = Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0');
  return `${hostname()}-${process.pid}-${suffix}`.slice(0, 128);
}

