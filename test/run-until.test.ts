/**
 * runUntil drives a worker on a ManualClock. A worker on a real database spends part of each
 * turn inside a round trip, when nothing sleeps on the clock; runUntil must wait for it to come
 * back rather than give up (a MySQL test failed that way under load).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { runUntil } from '../src/app/testing.js';

/** Stands in for a round trip: many turns of the event loop during which nothing sleeps. */
async function roundTrip(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

describe('runUntil', () => {
  it('waits for a task inside real I/O to sleep on the clock again, then advances it', async () => {
    const clock = new ManualClock(0);
    let polls = 0;
    let stop = false;
    void (async () => {
      while (!stop) {
        await roundTrip(200);
        polls++;
        await clock.sleep(1_000);
      }
    })();
    await runUntil(clock, () => polls >= 3);
    stop = true;
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(clock.now()).toBeGreaterThanOrEqual(2_000);
  });

  it('still says so when nothing ever sleeps', async () => {
    const clock = new ManualClock(0);
    await expect(runUntil(clock, () => false, { ioWaitMs: 20 })).rejects.toThrow(/nothing sleeps on the clock/);
  });

  it('whenSleeping resolves at once when something sleeps, false when nobody does in time', async () => {
    const clock = new ManualClock(0);
    expect(await clock.whenSleeping(10)).toBe(false);
    void clock.sleep(5);
    expect(await clock.whenSleeping(10_000)).toBe(true);
  });
});
