/**
 * The `CronCalendar` port over croner (no dependencies, seconds and IANA zones). croner is
 * asked only for "the next run after this date", which reads no clock. Its DST rules, held by
 * test/schedule-calendar.test.ts: a wall-clock time that occurs twice (autumn) runs once, at
 * its first occurrence, when the hour is fixed; an expression that fires every hour fires in
 * both repeated hours (each is a real hour); a time skipped by the spring change runs at the
 * first instant after the gap (02:30 in a 02:00 -> 03:00 change runs at 03:00).
 */
import { Cron } from 'croner';
import { ValidationError } from '../../domain/errors.js';
/** Parsed expressions, by zone and text: parsing costs more than one next-slot step. */
const MAX_CACHED = 256;
/** Cron slots computed by croner. */
export class CronerCalendar {
    parsed = new Map();
    next(expression, timeZone, after) {
        const next = this.cron(expression, timeZone).nextRun(new Date(after));
        return next === null ? null : next.getTime();
    }
    validate(expression, timeZone, field = 'schedule') {
        try {
            new Intl.DateTimeFormat('en-US', { timeZone });
        }
        catch {
            throw new ValidationError(`${field}.timeZone`, `is not an IANA time zone: ${JSON.stringify(timeZone)}`);
        }
        try {
            this.cron(expression, timeZone);
        }
        catch (e) {
            throw new ValidationError(`${field}.cron`, `is not a cron expression (${e.message})`);
        }
    }
    cron(expression, timeZone) {
        const id = `${timeZone}\n${expression}`;
        let c = this.parsed.get(id);
        if (!c) {
            // paused: croner never starts a timer for a job that has no function; mode: 5 or 6 fields.
            c = new Cron(expression, { timezone: timeZone, paused: true, mode: '5-or-6-parts' });
            if (this.parsed.size >= MAX_CACHED)
                this.parsed.delete(this.parsed.keys().next().value);
            this.parsed.set(id, c);
        }
        return c;
    }
}
//# sourceMappingURL=croner-calendar.js.map