import type { Clock } from '../../ports/clock.js';
import { DEFAULT_BACKOFF, type BackoffPolicy, type RandomSource } from '../../domain/retry-policy.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, validateInteger } from '../../domain/validation.js';
import { ValidationError } from '../../domain/errors.js';
import { DEFAULT_CLOCK_MARGIN_MS } from '../../domain/lease-rules.js';
import { SystemClock } from '../clocks/system-clock.js';

/** Options every store takes. */
export interface CommonStoreOptions {
  /** Time source for every lease decision. Default: `new SystemClock()`. */
  clock?: Clock;
  /** Backoff used by `fail` when no `retryAt` is given. Default: 1 s doubling, capped at 5 min, full jitter. */
  backoff?: Partial<BackoffPolicy>;
  /** Uniform [0,1) source for backoff jitter. Default: Math.random. */
  random?: RandomSource;
  /** Largest payload or result, in bytes of UTF-8 JSON. Default 1 MiB. */
  maxPayloadBytes?: number;
  /**
   * How far apart clocks (workers', the store's, the exchange's) may be: after a lease expiry
   * the job is taken over only once its latest step deadline plus this margin has passed.
   * Default 2000 ms; 0 to 60000.
   */
  clockMarginMs?: number;
}

/** The common options with every default filled in, as a store uses them. */
export interface ResolvedStoreOptions {
  clock: Clock;
  backoff: BackoffPolicy;
  random: RandomSource;
  maxPayloadBytes: number;
  clockMarginMs: number;
}

/** Validates the common options and fills in defaults. */
export function resolveStoreOptions(opts: CommonStoreOptions = {}): ResolvedStoreOptions {
  if (opts.clock !== undefined && typeof opts.clock?.now !== 'function') throw new ValidationError('clock', 'must have a now() method');
  if (opts.random !== undefined && typeof opts.random !== 'function') throw new ValidationError('random', 'must be a function returning [0, 1)');
  return {
    clock: opts.clock ?? new SystemClock(),
    backoff: resolveBackoff(opts.backoff, 'backoff'),
    random: opts.random ?? Math.random,
    maxPayloadBytes:
      opts.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD_BYTES : validateInteger(opts.maxPayloadBytes, 'maxPayloadBytes', 1, 64 * 1024 * 1024),
    clockMarginMs: opts.clockMarginMs === undefined ? DEFAULT_CLOCK_MARGIN_MS : validateInteger(opts.clockMarginMs, 'clockMarginMs', 0, 60_000),
  };
}

/** Validates a partial backoff policy and fills in defaults. */
export function resolveBackoff(b: Partial<BackoffPolicy> | undefined, field: string): BackoffPolicy {
  if (b === undefined) return { ...DEFAULT_BACKOFF };
  if (typeof b !== 'object' || b === null) throw new ValidationError(field, 'must be an object { baseMs, factor, maxMs }');
  const out = { ...DEFAULT_BACKOFF, ...b };
  for (const k of ['baseMs', 'factor', 'maxMs'] as const) {
    if (typeof out[k] !== 'number' || !Number.isFinite(out[k]) || out[k] < 0) throw new ValidationError(`${field}.${k}`, 'must be a finite number >= 0');
  }
  if (out.factor < 1) throw new ValidationError(`${field}.factor`, 'must be >= 1');
  return out;
}
