import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planScheduleRun, scheduleSlotKey, scheduleSlotOf, type MissedPolicy, type NextSlot } from '../../src/domain/schedule.js';

/** Every `period` ms from 0: a pure slot function. */
const every = (period: number): NextSlot => (after) => (Math.floor(after / period) + 1) * period;
const S = 1000;

const plan = (missed: MissedPolicy, cursor: number, now: number, extra: { backfillLimit?: number; graceMs?: number } = {}) =>
  planScheduleRun({ nextRunAt: cursor, missed, backfillLimit: extra.backfillLimit ?? 3, graceMs: extra.graceMs ?? 1500 }, now, every(S));

describe('planScheduleRun', () => {
  it('enqueues the slot that is due now and moves the cursor past now', () => {
    expect(plan('skip', 10 * S, 10 * S + 200)).toEqual({ slots: [10 * S], nextRunAt: 11 * S });
    expect(plan('latest', 10 * S, 10 * S)).toEqual({ slots: [10 * S], nextRunAt: 11 * S });
  });

  it('changes nothing before the cursor (a clock that stepped back)', () => {
    expect(plan('backfill', 10 * S, 9 * S)).toEqual({ slots: [], nextRunAt: 10 * S });
  });

  it('after a gap: skip keeps only an on-time slot, latest the newest, backfill up to the limit of missed ones', () => {
    // Down from 10 s to 20.2 s: slots 10..20 are due; 20 is on time (200 ms old, grace 1.5 s).
    expect(plan('skip', 10 * S, 20 * S + 200)).toEqual({ slots: [20 * S], nextRunAt: 21 * S });
    expect(plan('latest', 10 * S, 20 * S + 200)).toEqual({ slots: [20 * S], nextRunAt: 21 * S });
    expect(plan('backfill', 10 * S, 20 * S + 200)).toEqual({ slots: [17 * S, 18 * S, 19 * S, 20 * S], nextRunAt: 21 * S });
    // Woken late: the newest due slot (20) is 900 ms old, past a grace of 500 ms.
    const late = { graceMs: 500 };
    expect(plan('skip', 10 * S, 20 * S + 900, late).slots).toEqual([]);
    expect(plan('latest', 10 * S, 20 * S + 900, late).slots).toEqual([20 * S]);
    expect(plan('backfill', 10 * S, 20 * S + 900, late).slots).toEqual([18 * S, 19 * S, 20 * S]);
  });

  it('a cursor far behind costs a walk near now only', () => {
    let calls = 0;
    const next: NextSlot = (after) => {
      calls++;
      return every(S)(after);
    };
    const year = 365 * 24 * 3600 * S;
    // 500 ms late with no grace: every due slot is missed, and the newest two are backfilled.
    expect(planScheduleRun({ nextRunAt: 0, missed: 'backfill', backfillLimit: 2, graceMs: 0 }, year + 500, next).slots).toEqual([year - S, year]);
    expect(calls).toBeLessThan(100);
  });

  it('an expression with no slot left ends the schedule', () => {
    const once: NextSlot = (after) => (after < 5 * S ? 5 * S : null);
    expect(planScheduleRun({ nextRunAt: 5 * S, missed: 'skip', backfillLimit: 1, graceMs: 1000 }, 5 * S, once)).toEqual({ slots: [5 * S], nextRunAt: null });
  });

  it('property: planned slots are due, ascending, distinct, at most limit + 1, and the next cursor is the first slot after now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 200_000 }), fc.constantFrom<MissedPolicy>('skip', 'latest', 'backfill'), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5000 }), (c, gap, missed, backfillLimit, graceMs) => {
        const cursor = c * S;
        const now = cursor + gap;
        const p = planScheduleRun({ nextRunAt: cursor, missed, backfillLimit, graceMs }, now, every(S));
        expect(p.nextRunAt).toBe(every(S)(now));
        for (const [i, t] of p.slots.entries()) {
          expect(t).toBeGreaterThanOrEqual(cursor);
          expect(t).toBeLessThanOrEqual(now);
          if (i > 0) expect(t).toBeGreaterThan(p.slots[i - 1]!);
        }
        expect(p.slots.length).toBeLessThanOrEqual(missed === 'backfill' ? backfillLimit + 1 : 1);
        // The newest due slot is always planned unless skip finds it late.
        const newest = Math.floor(now / S) * S;
        if (missed !== 'skip' || now - newest <= graceMs) expect(p.slots.at(-1)).toBe(newest);
        else expect(p.slots).toEqual([]);
      }),
    );
  });
});

describe('slot keys', () => {
  it('name the schedule and the slot, and read back', () => {
    const key = scheduleSlotKey('rebalance@eu', Date.UTC(2026, 2, 29, 1));
    expect(key).toBe('schedule:rebalance@eu@2026-03-29T01:00:00.000Z');
    expect(scheduleSlotOf({ key })).toEqual({ schedule: 'rebalance@eu', slotAt: Date.UTC(2026, 2, 29, 1) });
    expect(scheduleSlotOf({ key: null })).toBeUndefined();
    expect(scheduleSlotOf({ key: 'order-7' })).toBeUndefined();
  });
});
