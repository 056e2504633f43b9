/**
 * The cron calendar (croner behind the CronCalendar port): seconds, zones, and what a DST
 * change does to a slot, in Europe/Berlin (2026: 02:00 -> 03:00 on 29 March, 03:00 -> 02:00 on
 * 25 October) and America/New_York.
 */
import { describe, expect, it } from 'vitest';
import { CronerCalendar } from '../src/adapters/cron/croner-calendar.js';
import { ValidationError } from '../src/domain/errors.js';

const cal = new CronerCalendar();
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
function slots(cron: string, zone: string, fromIso: string, n: number): (string | null)[] {
  const out: (string | null)[] = [];
  let t: number | null = Date.parse(fromIso);
  for (let i = 0; i < n && t !== null; i++) out.push(iso((t = cal.next(cron, zone, t))));
  return out;
}

describe('CronerCalendar', () => {
  it('answers the first slot strictly after the time given, to the second', () => {
    expect(iso(cal.next('* * * * * *', 'UTC', Date.parse('2026-01-01T00:00:00.500Z')))).toBe('2026-01-01T00:00:01.000Z');
    expect(iso(cal.next('* * * * * *', 'UTC', Date.parse('2026-01-01T00:00:01.000Z')))).toBe('2026-01-01T00:00:02.000Z');
    expect(iso(cal.next('*/15 * * * *', 'UTC', Date.parse('2026-01-01T00:00:00.000Z')))).toBe('2026-01-01T00:15:00.000Z');
    expect(iso(cal.next('0 9 * * 1-5', 'America/New_York', Date.parse('2026-01-02T15:00:00Z')))).toBe('2026-01-05T14:00:00.000Z');
  });

  it('a wall-clock time that occurs twice (autumn) runs once, at its first occurrence', () => {
    // 02:30 on 25 October 2026 in Berlin happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(slots('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(slots('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('an every-hour expression fires in both repeated hours: each is a real hour', () => {
    expect(slots('0 * * * *', 'Europe/Berlin', '2026-10-24T23:30:00Z', 4)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
  });

  it('a wall-clock time that does not occur (spring) runs at the first instant after the gap', () => {
    // 02:30 on 29 March 2026 does not exist in Berlin: it runs at 03:00 CEST (01:00Z).
    expect(slots('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(slots('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('an expression with no slot answers null', () => {
    expect(cal.next('0 0 30 2 *', 'UTC', 0)).toBeNull();
  });

  it('refuses a bad expression or zone naming the field', () => {
    expect(() => cal.validate('every minute', 'UTC')).toThrow(ValidationError);
    expect(() => cal.validate('* * * * *', 'Mars/Olympus')).toThrow(expect.objectContaining({ field: 'schedule.timeZone' }));
    expect(() => cal.validate('61 * * * *', 'UTC', 'schedules[2]')).toThrow(expect.objectContaining({ field: 'schedules[2].cron' }));
    expect(() => cal.validate('* * * * * * 2030', 'UTC')).toThrow(expect.objectContaining({ field: 'schedule.cron' }));
    expect(() => cal.validate('*/10 * * * * *', 'Europe/Berlin')).not.toThrow();
  });
});
