import { DEFAULT_BACKOFF } from '../../domain/retry-policy.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, validateInteger } from '../../domain/validation.js';
import { ValidationError } from '../../domain/errors.js';
import { DEFAULT_CLOCK_MARGIN_MS } from '../../domain/lease-rules.js';
import { SystemClock } from '../clocks/system-clock.js';
/** The names of the options every store takes. */
export const COMMON_STORE_OPTIONS = ['clock', 'backoff', 'random', 'maxPayloadBytes', 'clockMarginMs'];
/**
 * Validates the common options and fills in defaults. Like the worker's options, an option the
 * store does not know is refused, naming it: a misspelt `tabel` would otherwise leave the store
 * on its default table, shared with whoever else forgot it.
 * @example resolveStoreOptions(options, 'SqliteLeaseStore', ['filename', 'database'])
 */
export function resolveStoreOptions(opts, store, ownOptions = []) {
    if (opts === undefined)
        opts = {};
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
        throw new ValidationError('options', `must be an object of ${store} options`);
    const known = new Set([...COMMON_STORE_OPTIONS, ...ownOptions]);
    for (const k of Object.keys(opts)) {
        if (!known.has(k))
            throw new ValidationError(k, `is not an option of ${store} (known: ${[...known].join(', ')})`);
    }
    if (opts.clock !== undefined && typeof opts.clock?.now !== 'function')
        throw new ValidationError('clock', 'must have a now() method');
    if (opts.random !== undefined && typeof opts.random !== 'function')
        throw new ValidationError('random', 'must be a function returning [0, 1)');
    return {
        clock: opts.clock ?? new SystemClock(),
        backoff: resolveBackoff(opts.backoff, 'backoff'),
        random: opts.random ?? Math.random,
        maxPayloadBytes: opts.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD_BYTES : validateInteger(opts.maxPayloadBytes, 'maxPayloadBytes', 1, 64 * 1024 * 1024),
        clockMarginMs: opts.clockMarginMs === undefined ? DEFAULT_CLOCK_MARGIN_MS : validateInteger(opts.clockMarginMs, 'clockMarginMs', 0, 60_000),
    };
}
/** Checks that `value` is undefined or an object with no key outside `known`. */
export function validateOptionObject(value, field, known) {
    if (value === undefined)
        return;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new ValidationError(field, `must be an object { ${known.join(', ')} }`);
    for (const k of Object.keys(value))
        if (!known.includes(k))
            throw new ValidationError(`${field}.${k}`, `is not a field of ${field} (known: ${known.join(', ')})`);
}
/** Validates a partial backoff policy and fills in defaults. */
export function resolveBackoff(b, field) {
    if (b === undefined)
        return { ...DEFAULT_BACKOFF };
    validateOptionObject(b, field, ['baseMs', 'factor', 'maxMs']);
    const out = { ...DEFAULT_BACKOFF, ...b };
    for (const k of ['baseMs', 'factor', 'maxMs']) {
        if (typeof out[k] !== 'number' || !Number.isFinite(out[k]) || out[k] < 0)
            throw new ValidationError(`${field}.${k}`, 'must be a finite number >= 0');
    }
    if (out.factor < 1)
        throw new ValidationError(`${field}.factor`, 'must be >= 1');
    return out;
}
//# sourceMappingURL=store-options.js.map