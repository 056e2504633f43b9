import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { flush } from '../src/app/testing.js';
import { ServiceRunner } from '../src/app/services/service-runner.js';

describe('ServiceRunner', () => {
  it('runs each service at start and then at its interval (or the delay a run returns), on the clock', async () => {
    const clock = new ManualClock(0);
    const runner = new ServiceRunner({ clock, onError: () => {} });
    const a: number[] = [];
    const b: number[] = [];
    runner.add({ name: 'a', intervalMs: 1000, run: async () => void a.push(clock.now()) });
    runner.add({ name: 'b', intervalMs: 1000, runAtStart: false, run: async () => (b.push(clock.now()), 300) });
    runner.start();
    for (let t = 0; t <= 3000; t += 100) {
      clock.set(t);
      await flush();
    }
    expect(a).toEqual([0, 1000, 2000, 3000]);
    expect(b).toEqual([1000, 1300, 1600, 1900, 2200, 2500, 2800]);
    await runner.stop();
  });

  it('a run that throws is reported and the service runs again at its next interval; wake runs it now', async () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    const runner = new ServiceRunner({ clock, onError: (name, e) => errors.push(`${name}: ${(e as Error).message}`) });
    let runs = 0;
    runner.add({ name: 'flaky', intervalMs: 1000, run: async () => {
      runs++;
      if (runs === 1) throw new Error('store down');
    } });
    runner.start();
    await flush();
    expect(errors).toEqual(['flaky: store down']);
    clock.set(1000);
    await flush();
    expect(runs).toBe(2);
    runner.wake('flaky');
    await flush();
    expect(runs).toBe(3);
    expect(clock.now()).toBe(1000);
    await runner.stop();
  });

  it('stop aborts the signal a run was given and waits for it to end; nothing runs after', async () => {
    const clock = new ManualClock(0);
    const runner = new ServiceRunner({ clock, onError: () => {} });
    let aborted = false;
    let runs = 0;
    runner.add({ name: 'long', intervalMs: 1000, run: async (signal) => {
      runs++;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted = signal.aborted;
    } });
    runner.start();
    await flush();
    await runner.stop();
    expect(aborted).toBe(true);
    expect(runner.signal.aborted).toBe(true);
    clock.set(10_000);
    await flush();
    expect(runs).toBe(1);
  });
});
