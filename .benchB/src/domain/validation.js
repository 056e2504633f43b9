/**
 * Validation of everything that enters through a public entry point. Each failure is a
 * `ValidationError` naming the field, thrown before anything is written.
 */
import { ValidationError } from './errors.js';
import { DEFAULT_MAX_LEASE_EXPIRIES, JOB_STATUSES } from './job.js';
/** Default payload size limit: 1 MiB of UTF-8 JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Longest queue name, worker id. */
export const MAX_NAME_LENGTH = 128;
/** Longest dedupe key and step name. */
export const MAX_KEY_LENGTH = 255;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Largest `limit` one acquire or list may ask for. */
export const MAX_BATCH = 10_000;
/** Longest lease: about 24 days, so expiry arithmetic stays far inside safe integers. */
export const MAX_LEASE_MS = INT32_MAX;
/**
 * Checks a queue or worker name: a non-empty, well-formed string of at most 128 characters.
 * @example validateName('orders', 'queue') // 'orders'
 */
export function validateName(value, field) {
    return validateIdentifier(value, field, MAX_NAME_LENGTH);
}
/**
 * Checks a dedupe key or step name: a non-empty, well-formed string of at most 255 characters.
 * @example validateKey('order-42', 'key') // 'order-42'
 */
export function validateKey(value, field) {
    return validateIdentifier(value, field, MAX_KEY_LENGTH);
}
/**
 * Checks a string a store keeps and compares (queue, key, step name, worker id): non-empty, at
 * most `max` UTF-16 code units, and well-formed Unicode. A lone surrogate (half of an emoji cut
 * by `slice`) has no UTF-8 form: a SQL store would keep a replacement character instead, and
 * the name it hands back would no longer match the one it was given. Any other string,
 * NUL, emoji and trailing spaces included, is kept byte for byte.
 */
export function validateIdentifier(value, field, max) {
    if (typeof value !== 'string')
        throw new ValidationError(field, `must be a string, got ${typeName(value)}`);
    if (value.length === 0)
        throw new ValidationError(field, 'must not be empty');
    if (value.length > max)
        throw new ValidationError(field, `must be at most ${max} characters`);
    if (!value.isWellFormed()) {
        throw new ValidationError(field, `must be well-formed Unicode: it holds a lone surrogate at index ${loneSurrogateIndex(value)}`);
    }
    return value;
}
/** Index of the first UTF-16 code unit that is half of a surrogate pair without its other half. */
function loneSurrogateIndex(s) {
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff) {
            const d = s.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff)
                i++;
            else
                return i;
        }
        else if (c >= 0xdc00 && c <= 0xdfff)
            return i;
    }
    return -1;
}
/** Checks an integer in [min, max]. */
export function validateInteger(value, field, min, max) {
    if (typeof value !== 'number' || !Number.isInteger(value))
        throw new ValidationError(field, `must be an integer, got ${show(value)}`);
    if (value < min || value > max)
        throw new ValidationError(field, `must be between ${min} and ${max}, got ${value}`);
    return value;
}
/** Checks a duration in ms: a positive finite number, at most `max`. Fractions are rounded up. */
export function validateDuration(value, field, max = MAX_LEASE_MS) {
    if (typeof value !== 'number' || !Number.isFinite(value))
        throw new ValidationError(field, `must be a finite number of milliseconds, got ${show(value)}`);
    if (value <= 0)
        throw new ValidationError(field, `must be greater than 0, got ${value}`);
    if (value > max)
        throw new ValidationError(field, `must be at most ${max}, got ${value}`);
    return Math.ceil(value);
}
/** Checks a time (epoch ms): a finite number >= 0. Fractions are rounded down. */
export function validateTime(value, field) {
    if (typeof value !== 'number' || !Number.isFinite(value))
        throw new ValidationError(field, `must be a finite epoch-millisecond number, got ${show(value)}`);
    if (value < 0 || value > 8.64e15)
        throw new ValidationError(field, `must be an epoch-millisecond time, got ${value}`);
    return Math.floor(value);
}
/** Checks a status or list of statuses. */
export function validateStatuses(value, field) {
    const list = Array.isArray(value) ? value : [value];
    for (const s of list) {
        if (!JOB_STATUSES.includes(s))
            throw new ValidationError(field, `must be one of ${JOB_STATUSES.join(', ')}, got ${show(s)}`);
    }
    return list;
}
/**
 * Deepest nesting of arrays and objects a JSON value may have: `[[1]]` is 2 levels. Far below
 * where `JSON.stringify` and `structuredClone` overflow the stack (about 5,000 levels from a
 * shallow stack, fewer inside a driver's callbacks), so every copy a store makes of an accepted
 * value succeeds.
 */
export const MAX_JSON_DEPTH = 256;
/**
 * Checks that `value` is plain JSON that survives a round trip exactly, and that its UTF-8 JSON
 * text fits in `maxBytes`. Returns that text. Refused, with the path of the offending value:
 * undefined, functions, symbols, BigInt, non-finite numbers, Dates, Maps, class instances,
 * cycles, nesting deeper than {@link MAX_JSON_DEPTH}, and what `JSON.stringify` would drop or
 * change without a word: extra properties or holes on arrays, symbol keys, non-enumerable
 * properties and getters. `-0` is accepted and kept as `0` (JSON has no negative zero).
 * @example validateJson({ orderId: 7 }, 'payload') // '{"orderId":7}'
 */
export function validateJson(value, field, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES) {
    checkJsonValue(value, field);
    const text = JSON.stringify(value);
    const bytes = utf8Length(text);
    if (bytes > maxBytes)
        throw new ValidationError(field, `is ${bytes} bytes of JSON, over the limit of ${maxBytes}`);
    return text;
}
/** The path of `key` under `parent`, or of the root itself when there is no parent. */
function at(root, parent, key) {
    return parent === undefined ? root : framePath(root, parent, key);
}
function framePath(root, frame, key) {
    const parts = key === undefined ? [] : [key];
    for (let f = frame; f && f.parent !== undefined; f = f.parent)
        parts.push(f.key);
    let out = root;
    for (let i = parts.length - 1; i >= 0; i--)
        out += typeof parts[i] === 'number' ? `[${parts[i]}]` : `.${parts[i]}`;
    return out;
}
/**
 * Walks the value with an explicit stack, never recursion: a value nested 100,000 levels deep is
 * refused with a ValidationError, not a RangeError from the check itself.
 */
function checkJsonValue(root, rootPath) {
    if (!checkScalar(root, rootPath, undefined))
        return;
    const stack = [{ value: root, depth: 0, parent: undefined, key: '', leaving: false }];
    const ancestors = new Set();
    while (stack.length > 0) {
        const frame = stack[stack.length - 1];
        if (frame.leaving) {
            stack.pop();
            ancestors.delete(frame.value);
            continue;
        }
        frame.leaving = true;
        const { value, depth } = frame;
        if (ancestors.has(value))
            throw new ValidationError(framePath(rootPath, frame), 'must be JSON: it contains a cycle');
        if (depth >= MAX_JSON_DEPTH)
            throw new ValidationError(framePath(rootPath, frame), `must be JSON nested at most ${MAX_JSON_DEPTH} levels deep (arrays and objects)`);
        ancestors.add(value);
        // Scalars are checked as their parent is walked; arrays and objects go on the stack, last
        // to first, so siblings are walked in order.
        if (Array.isArray(value)) {
            checkPlainArray(value, rootPath, frame);
            for (let i = value.length - 1; i >= 0; i--) {
                const child = value[i];
                if (checkScalar(child, rootPath, frame, i))
                    stack.push({ value: child, depth: depth + 1, parent: frame, key: i, leaving: false });
            }
        }
        else {
            const keys = plainObjectKeys(value, rootPath, frame);
            for (let i = keys.length - 1; i >= 0; i--) {
                const key = keys[i];
                const d = Object.getOwnPropertyDescriptor(value, key);
                // Read from the descriptor: no getter runs during validation.
                if (d.get !== undefined || d.set !== undefined)
                    throw new ValidationError(framePath(rootPath, frame, key), 'must be JSON: a getter or setter is not a JSON value');
                if (checkScalar(d.value, rootPath, frame, key))
                    stack.push({ value: d.value, depth: depth + 1, parent: frame, key, leaving: false });
            }
        }
    }
}
/**
 * Checks a value that is not an array or object; true when it is one (to be walked). Its path is
 * `key` under `parent` (the root itself when `parent` is undefined).
 */
function checkScalar(value, root, parent, key) {
    switch (typeof value) {
        case 'string':
        case 'boolean':
            return false;
        case 'number':
            if (!Number.isFinite(value))
                throw new ValidationError(at(root, parent, key), `must be JSON: ${value} is not a finite number`);
            return false;
        case 'undefined':
            throw new ValidationError(at(root, parent, key), 'must be JSON: undefined is not a JSON value');
        case 'function':
        case 'symbol':
        case 'bigint':
            throw new ValidationError(at(root, parent, key), `must be JSON: a ${typeof value} is not a JSON value`);
        default:
            return value !== null;
    }
}
/** Refuses an array JSON would not carry exactly: a subclass, holes, extra or symbol properties. */
function checkPlainArray(value, root, frame) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Array.prototype)
        throw new ValidationError(framePath(root, frame), `must be JSON: a ${proto?.constructor?.name ?? 'non-plain array'} is not a plain array`);
    for (let i = 0; i < value.length; i++) {
        if (!(i in value))
            throw new ValidationError(framePath(root, frame, i), 'must be JSON: a hole in an array would come back as null');
    }
    // No holes: the own keys are the indices, 'length', and anything extra.
    const keys = Reflect.ownKeys(value);
    if (keys.length === value.length + 1)
        return;
    for (const key of keys) {
        if (typeof key === 'symbol')
            throw new ValidationError(framePath(root, frame), `must be JSON: the symbol key ${String(key)} would be dropped`);
        if (key !== 'length' && !isArrayIndex(key, value.length))
            throw new ValidationError(framePath(root, frame, key), 'must be JSON: an array with extra properties would lose them');
    }
}
/** The keys of a plain object; refuses a class instance, symbol keys and non-enumerable properties. */
function plainObjectKeys(value, root, frame) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
        throw new ValidationError(framePath(root, frame), `must be JSON: a ${proto?.constructor?.name ?? 'non-plain object'} is not a plain object`);
    }
    const keys = Object.keys(value);
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.length > 0)
        throw new ValidationError(framePath(root, frame), `must be JSON: the symbol key ${String(symbols[0])} would be dropped`);
    const names = Object.getOwnPropertyNames(value);
    if (names.length !== keys.length) {
        const hidden = names.find((n) => !Object.prototype.propertyIsEnumerable.call(value, n));
        throw new ValidationError(framePath(root, frame, hidden), 'must be JSON: a non-enumerable property would be dropped');
    }
    return keys;
}
/** True when a property key is a canonical array index below length. */
function isArrayIndex(key, length) {
    return /^(?:0|[1-9][0-9]*)$/.test(key) && Number(key) < length;
}
/**
 * Whether a JSON value (as `JSON.parse` returns it) nests arrays and objects deeper than `max`.
 * Iterative, like the check at the door: used on values read back from a store.
 */
export function exceedsJsonDepth(value, max = MAX_JSON_DEPTH) {
    const stack = [[value, 0]];
    while (stack.length > 0) {
        const [v, depth] = stack.pop();
        if (typeof v !== 'object' || v === null)
            continue;
        if (depth >= max)
            return true;
        for (const child of Array.isArray(v) ? v : Object.values(v))
            if (typeof child === 'object' && child !== null)
                stack.push([child, depth + 1]);
    }
    return false;
}
/** UTF-8 byte length of a string, without Buffer (the domain does no I/O). */
export function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80)
            n += 1;
        else if (c < 0x800)
            n += 2;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
            const d = s.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff) {
                n += 4;
                i++;
            }
            else
                n += 3;
        }
        else
            n += 3;
    }
    return n;
}
/** The fields a new job may carry (enqueue refuses any other, naming it). */
const NEW_JOB_FIELDS = new Set(['queue', 'payload', 'key', 'reuseKey', 'idempotencyKeyFormat', 'priority', 'runAt', 'maxAttempts', 'maxLeaseExpiries', 'concurrencyKey', 'concurrencyLimit']);
/** Validates a new job and applies its defaults; `field` prefixes names in errors (e.g. `jobs[3]`). */
export function validateNewJob(input, now, opts = {}) {
    const f = opts.field ? `${opts.field}.` : '';
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new ValidationError(opts.field ?? 'job', `must be an object, got ${typeName(input)}`);
    }
    const job = input;
    for (const k in job)
        if (!NEW_JOB_FIELDS.has(k) && Object.hasOwn(job, k))
            throw new ValidationError(`${f}${k}`, `is not a job field (expected ${[...NEW_JOB_FIELDS].join(', ')})`);
    const queue = validateName(job.queue, `${f}queue`);
    if (!('payload' in job))
        throw new ValidationError(`${f}payload`, 'is required (use null for none)');
    const payloadText = validateJson(job.payload, `${f}payload`, opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
    const key = job.key === undefined || job.key === null ? null : validateKey(job.key, `${f}key`);
    const priority = job.priority === undefined ? 0 : validateInteger(job.priority, `${f}priority`, INT32_MIN, INT32_MAX);
    const runAt = job.runAt === undefined ? now : validateTime(job.runAt, `${f}runAt`);
    const maxAttempts = job.maxAttempts === undefined ? 3 : validateInteger(job.maxAttempts, `${f}maxAttempts`, 1, 1_000_000);
    const maxLeaseExpiries = job.maxLeaseExpiries === undefined ? DEFAULT_MAX_LEASE_EXPIRIES : validateInteger(job.maxLeaseExpiries, `${f}maxLeaseExpiries`, 0, 1_000_000);
    if (job.reuseKey !== undefined && typeof job.reuseKey !== 'boolean')
        throw new ValidationError(`${f}reuseKey`, `must be a boolean, got ${show(job.reuseKey)}`);
    const format = job.idempotencyKeyFormat ?? 'alnum';
    if (format !== 'alnum' && format !== 'uuid')
        throw new ValidationError(`${f}idempotencyKeyFormat`, `must be 'alnum' or 'uuid', got ${show(format)}`);
    const concurrencyKey = job.concurrencyKey === undefined || job.concurrencyKey === null ? null : validateKey(job.concurrencyKey, `${f}concurrencyKey`);
    const concurrencyLimit = job.concurrencyLimit === undefined ? 1 : validateInteger(job.concurrencyLimit, `${f}concurrencyLimit`, 1, MAX_CONCURRENCY_LIMIT);
    if (concurrencyKey === null && job.concurrencyLimit !== undefined)
        throw new ValidationError(`${f}concurrencyLimit`, 'needs a concurrencyKey');
    return { queue, payload: JSON.parse(payloadText), payloadText, key, reuseKey: job.reuseKey === true, idempotencyKeyFormat: format, priority, runAt, maxAttempts, maxLeaseExpiries, concurrencyKey, concurrencyLimit };
}
/** The largest `concurrencyLimit` a job may carry. */
export const MAX_CONCURRENCY_LIMIT = 1_000_000;
/** Checks the arguments of `acquire` and applies defaults. */
export function validateAcquire(req) {
    if (typeof req !== 'object' || req === null)
        throw new ValidationError('request', `must be an object, got ${typeName(req)}`);
    const r = req;
    const workerId = validateName(r.workerId, 'workerId');
    const leaseMs = validateDuration(r.leaseMs, 'leaseMs');
    const limit = r.limit === undefined ? 1 : validateInteger(r.limit, 'limit', 1, MAX_BATCH);
    let queues = null;
    if (r.queues !== undefined) {
        if (!Array.isArray(r.queues) || r.queues.length === 0)
            throw new ValidationError('queues', 'must be a non-empty array of queue names');
        queues = r.queues.map((q, i) => validateName(q, `queues[${i}]`));
    }
    return { workerId, leaseMs, limit, queues };
}
/** Checks a `getHeldLeases` filter and applies the defaults (every queue, limit 100). */
export function validateHeldLeaseFilter(filter) {
    if (filter === undefined)
        return { queues: null, limit: 100 };
    if (typeof filter !== 'object' || filter === null)
        throw new ValidationError('filter', `must be an object, got ${typeName(filter)}`);
    const f = filter;
    let queues = null;
    if (f.queues !== undefined) {
        if (!Array.isArray(f.queues) || f.queues.length === 0)
            throw new ValidationError('queues', 'must be a non-empty array of queue names');
        queues = [...new Set(f.queues.map((q, i) => validateName(q, `queues[${i}]`)))];
    }
    return { queues, limit: f.limit === undefined ? 100 : validateInteger(f.limit, 'limit', 1, 1_000_000) };
}
/** Checks a list filter and applies the defaults (limit 100, order 'asc'). */
export function validateListFilter(filter) {
    if (filter === undefined)
        return { statuses: null, queue: null, limit: 100, order: 'asc', inDoubt: null };
    if (typeof filter !== 'object' || filter === null)
        throw new ValidationError('filter', `must be an object, got ${typeName(filter)}`);
    const f = filter;
    return {
        statuses: f.status === undefined ? null : validateStatuses(f.status, 'status'),
        queue: f.queue === undefined ? null : validateName(f.queue, 'queue'),
        limit: f.limit === undefined ? 100 : validateInteger(f.limit, 'limit', 1, 1_000_000),
        order: validateOrder(f.order),
        inDoubt: validateOptionalBoolean(f.inDoubt, 'inDoubt'),
    };
}
function validateOptionalBoolean(value, field) {
    if (value === undefined)
        return null;
    if (typeof value !== 'boolean')
        throw new ValidationError(field, `must be a boolean, got ${show(value)}`);
    return value;
}
/** Checks a step's intent: an optional key (a non-empty string of at most 255 characters) and deadline. */
export function validateStepIntent(intent) {
    if (intent === undefined)
        return { key: null, deadlineAt: null };
    if (typeof intent !== 'object' || intent === null || Array.isArray(intent))
        throw new ValidationError('intent', `must be an object { key?, deadlineAt? }, got ${typeName(intent)}`);
    const i = intent;
    return {
        key: i.key === undefined ? null : validateKey(i.key, 'intent.key'),
        // Refused rather than rounded: fn sends this very instant to the exchange.
        deadlineAt: i.deadlineAt === undefined ? null : validateInteger(i.deadlineAt, 'intent.deadlineAt', 0, 8.64e15),
    };
}
/** Checks `retry` options; undefined means none. */
export function validateRetryOptions(opts) {
    if (opts === undefined)
        return { force: false };
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
        throw new ValidationError('options', `must be an object { force? }, got ${typeName(opts)}`);
    return { force: validateOptionalBoolean(opts.force, 'force') === true };
}
/** Checks what `settleStep` takes: `{ happened: true, result }` (result JSON) or `{ happened: false }`. */
export function validateSettleOutcome(outcome, maxPayloadBytes) {
    if (typeof outcome !== 'object' || outcome === null || Array.isArray(outcome))
        throw new ValidationError('outcome', `must be { happened: true, result } or { happened: false }, got ${typeName(outcome)}`);
    const o = outcome;
    if (o.happened === false) {
        if ('result' in o)
            throw new ValidationError('outcome.result', 'must be absent when happened is false');
        return { happened: false };
    }
    if (o.happened !== true)
        throw new ValidationError('outcome.happened', `must be true or false, got ${show(o.happened)}`);
    if (!('result' in o))
        throw new ValidationError('outcome.result', 'is required when happened is true (use null for none)');
    return { happened: true, resultText: validateJson(o.result, 'outcome.result', maxPayloadBytes) };
}
function validateOrder(value) {
    if (value === undefined || value === 'asc' || value === 'desc')
        return value ?? 'asc';
    throw new ValidationError('order', `must be 'asc' or 'desc', got ${show(value)}`);
}
/** Default and largest page of `findJobs`. */
export const DEFAULT_PAGE = 50;
/** Checks a `findJobs` query. */
export function validateJobQuery(query) {
    if (query === undefined)
        return { statuses: null, queue: null, key: null, beforeId: null, limit: DEFAULT_PAGE };
    if (typeof query !== 'object' || query === null)
        throw new ValidationError('query', `must be an object, got ${typeName(query)}`);
    const q = query;
    let beforeId = null;
    if (q.beforeId !== undefined) {
        const n = typeof q.beforeId === 'string' && /^[1-9]\d{0,15}$/.test(q.beforeId) ? Number(q.beforeId) : NaN;
        if (!Number.isSafeInteger(n))
            throw new ValidationError('beforeId', `must be a job id, got ${show(q.beforeId)}`);
        beforeId = n;
    }
    return {
        statuses: q.status === undefined ? null : validateStatuses(q.status, 'status'),
        queue: q.queue === undefined ? null : validateName(q.queue, 'queue'),
        key: q.key === undefined ? null : validateKey(q.key, 'key'),
        beforeId,
        limit: q.limit === undefined ? DEFAULT_PAGE : validateInteger(q.limit, 'limit', 1, MAX_BATCH),
    };
}
/** Checks prune options; statuses default to the final ones and may only be final. */
export function validatePrune(opts) {
    if (typeof opts !== 'object' || opts === null)
        throw new ValidationError('options', `must be an object, got ${typeName(opts)}`);
    const o = opts;
    if (typeof o.olderThanMs !== 'number' || !Number.isFinite(o.olderThanMs) || o.olderThanMs < 0) {
        throw new ValidationError('olderThanMs', `must be a finite number >= 0, got ${show(o.olderThanMs)}`);
    }
    const statuses = o.statuses === undefined ? ['done', 'failed', 'cancelled'] : validateStatuses(o.statuses, 'statuses');
    if (statuses.length === 0)
        throw new ValidationError('statuses', 'must name at least one final status (done, failed, cancelled), or be left out for all three');
    for (const s of statuses) {
        if (s !== 'done' && s !== 'failed' && s !== 'cancelled')
            throw new ValidationError('statuses', `may only hold final statuses (done, failed, cancelled), got ${s}`);
    }
    const forget = o.forgetKeysOlderThanMs;
    if (forget !== undefined && (typeof forget !== 'number' || !Number.isFinite(forget) || forget < 0)) {
        throw new ValidationError('forgetKeysOlderThanMs', `must be a finite number >= 0, got ${show(forget)}`);
    }
    return { olderThanMs: o.olderThanMs, statuses, forgetKeysOlderThanMs: forget ?? null };
}
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;
/** Checks a table name: a plain identifier (letters, digits, underscore; at most 48 characters). */
export function validateTableName(value, field = 'table') {
    if (typeof value !== 'string' || !TABLE_NAME.test(value)) {
        throw new ValidationError(field, `must be a plain identifier (letter or _, then letters, digits or _; at most 48 characters), got ${show(value)}`);
    }
    return value;
}
const JOB_ID = /^[1-9][0-9]{0,15}$/;
/**
 * Parses a store-assigned job id. Returns undefined for a string that no store could have
 * assigned (the caller reports it as not found); throws for a non-string.
 */
export function parseJobId(id, field = 'id') {
    if (typeof id !== 'string')
        throw new ValidationError(field, `must be a job id string, got ${typeName(id)}`);
    if (!JOB_ID.test(id))
        return undefined;
    const n = Number(id);
    return Number.isSafeInteger(n) ? n : undefined;
}
function typeName(v) {
    if (v === null)
        return 'null';
    if (Array.isArray(v))
        return 'array';
    return typeof v;
}
function show(v) {
    if (typeof v === 'string')
        return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined)
        return String(v);
    return typeName(v);
}
/** Checks `fail` options: `permanent` a boolean, `retryAt` a time; null or undefined means none. */
export function validateFailOptions(opts) {
    if (opts === undefined || opts === null)
        return { permanent: false, retryAt: undefined };
    if (typeof opts !== 'object' || Array.isArray(opts))
        throw new ValidationError('options', `must be an object { permanent?, retryAt? }, got ${typeName(opts)}`);
    const o = opts;
    if (o.permanent !== undefined && typeof o.permanent !== 'boolean')
        throw new ValidationError('permanent', `must be a boolean, got ${show(o.permanent)}`);
    return { permanent: o.permanent === true, retryAt: o.retryAt === undefined ? undefined : validateTime(o.retryAt, 'retryAt') };
}
/** Checks `release` options: both absent (hand back now) or a `runAt` time, with an optional reason. */
export function validateReleaseOptions(opts) {
    if (opts === undefined)
        return undefined;
    if (typeof opts !== 'object' || opts === null)
        throw new ValidationError('opts', `must be an object, got ${typeName(opts)}`);
    const o = opts;
    for (const k of Object.keys(o))
        if (k !== 'runAt' && k !== 'reason')
            throw new ValidationError(`opts.${k}`, 'is not a release option (expected runAt, reason)');
    if (o.runAt === undefined) {
        if (o.reason !== undefined)
            throw new ValidationError('opts.reason', 'needs runAt');
        return undefined;
    }
    const runAt = validateTime(o.runAt, 'opts.runAt');
    if (o.reason !== undefined && typeof o.reason !== 'string')
        throw new ValidationError('opts.reason', `must be a string, got ${typeName(o.reason)}`);
    const reason = (o.reason ?? 'released to run again later').slice(0, 8192).toWellFormed();
    return { runAt, lastError: reason };
}
//# sourceMappingURL=validation.js.map