/**
 * Parsers for the CLI's argument values. Each throws {@link UsageError} naming the option,
 * so a typo exits 2 before the store is opened.
 */
import { JOB_STATUSES } from '../../domain/job.js';
import { UsageError } from './exit-codes.js';
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/**
 * Parses a duration such as `7d`, `90m`, `1h30m`, `500ms` (units ms, s, m, h, d, w) into ms.
 * @example parseDuration('7d', '--older-than') // 604800000
 */
export function parseDuration(value, option) {
    const v = value.trim();
    const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
    if (v === '' || parts.map((p) => p[0]).join('') !== v) {
        throw new UsageError(`${option}: "${value}" is not a duration; use e.g. 30s, 15m, 12h, 7d`);
    }
    return parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]], 0);
}
const TIME_FORMS = 'an ISO date (2026-01-01, or 2026-01-01T09:30:00Z with Z or an offset such as +02:00), epoch ms, or +DURATION (e.g. +10m)';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
/**
 * Parses a start time in exactly the forms the help names, and nothing else: an ISO date
 * (`2026-01-01`, midnight UTC), an ISO date and time with its zone (`2026-01-01T09:30:00Z`,
 * `2026-01-01T09:30+02:00`), epoch ms (digits only), or `+DURATION` from now. `Date.parse`
 * alone would read `-5` as a day in 2001 and `2026-02-31` as March 3rd.
 * @example parseTime('+10m', '--run-at', now) // now + 600000
 */
export function parseTime(value, option, now) {
    const v = value.trim();
    if (v.startsWith('+'))
        return now + parseDuration(v.slice(1), option);
    if (/^\d+$/.test(v))
        return Number(v);
    const bad = () => new UsageError(`${option}: "${value}" is not a time; use ${TIME_FORMS}`);
    const date = ISO_DATE.exec(v);
    const m = date ?? ISO_DATE_TIME.exec(v);
    if (!m)
        throw bad();
    const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
    const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
    const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const d = new Date(t);
    // Date.UTC rolls over (February 31st becomes March 3rd): a time that does not exist is refused.
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second) {
        throw bad();
    }
    if (date || m[8] === 'Z')
        return t;
    const [offH, offM] = [Number(m[10]), Number(m[11])];
    if (offH > 23 || offM > 59)
        throw bad();
    return t - (m[9] === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
}
/** Parses an integer option in [min, max]. */
export function parseInteger(value, option, min, max) {
    const v = value.trim();
    if (!/^-?\d+$/.test(v))
        throw new UsageError(`${option}: "${value}" is not an integer`);
    const n = Number(v);
    if (n < min || n > max)
        throw new UsageError(`${option}: must be between ${min} and ${max}, got ${n}`);
    return n;
}
/** Parses a comma-separated list of statuses (`failed,cancelled`). */
export function parseStatuses(value, option) {
    const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0)
        throw new UsageError(`${option}: name at least one status (${JOB_STATUSES.join(', ')})`);
    for (const s of list) {
        if (!JOB_STATUSES.includes(s))
            throw new UsageError(`${option}: "${s}" is not a status; use ${JOB_STATUSES.join(', ')}`);
    }
    return list;
}
/** Parses a JSON payload argument. */
export function parseJson(value, what) {
    try {
        return JSON.parse(value);
    }
    catch (error) {
        throw new UsageError(`${what}: not valid JSON (${error.message}); quote it, e.g. '{"orderId":1}'`);
    }
}
//# sourceMappingURL=parse-args.js.map