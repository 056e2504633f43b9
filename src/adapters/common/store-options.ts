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

/** The names of the options every store takes. */
export const COMMON_STORE_OPTIONS = ['clock', 'backoff', 'random', 'maxPayloadBytes', 'clockMarginMs'] as const;

/**
 * Validates the common options and fills in defaults. Like the worker's options, an option the
 * store does not know is refused, naming it: a misspelt `tabel` would otherwise leave the store
 * on its default table, shared with whoever else forgot it.
 * @example resolveStoreOptions(options, 'SqliteLeaseStore', ['filename', 'database'])
 */
export function resolveStoreOptions(opts: CommonStoreOptions | undefined, store: string, ownOptions: readonly string[] = []): ResolvedStoreOptions {
  if (opts === undefined) opts = {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new ValidationError('options', `must be an object of ${store} options`);
  const known = new Set<string>([...COMMON_STORE_OPTIONS, ...ownOptions]);
  for (const k of Object.keys(opts)) {
    if (!known.has(k)) throw new ValidationError(k, `is not an option of ${store} (known: ${[...known].join(', ')})`);
  }
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

/** Checks that `value` is undefined or an object with no key outside `known`. */
export function validateOptionObject(value: unknown, field: string, known: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, `must be an object { ${known.join(', ')} }`);
  for (const k of Object.keys(value)) if (!known.includes(k)) throw new ValidationError(`${field}.${k}`, `is not a field of ${field} (known: ${known.join(', ')})`);
}

/** Validates a partial backoff policy and fills in defaults. */
export function resolveBackoff(b: Partial<BackoffPolicy> | undefined, field: string): BackoffPolicy {
  if (b === undefined) return { ...DEFAULT_BACKOFF };
  validateOptionObject(b, field, ['baseMs', 'factor', 'maxMs']);
  const out = { ...DEFAULT_BACKOFF, ...b };
  for (const k of ['baseMs', 'factor', 'maxMs'] as const) {
    if (typeof out[k] !== 'number' || !Number.isFinite(out[k]) || out[k] < 0) throw new ValidationError(`${field}.${k}`, 'must be a finite number >= 0');
  }
  if (out.factor < 1) throw new ValidationError(`${field}.factor`, 'must be >= 1');
  return out;
}
