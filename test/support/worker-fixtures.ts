/** Shared set-up for the worker's unit tests: a ManualClock, an in-memory store, and store wrappers that fail or "crash". */
import { ManualClock } from '../../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../../src/adapters/memory/in-memory-lease-store.js';
import { StoreUnavailableError } from '../../src/domain/errors.js';
import type { LeaseStore } from '../../src/ports/lease-store.js';
import { ProcessingWorker } from '../../src/app/worker/processing-worker.js';
import type { WorkerOptions } from '../../src/app/worker/worker-options.js';

export const T0 = Date.UTC(2026, 0, 1);

export function setup(): { clock: ManualClock; store: InMemoryLeaseStore } {
  const clock = new ManualClock(T0);
  return { clock, store: new InMemoryLeaseStore({ clock, random: () => 0.5 }) };
}

/**
 * A worker with test-friendly defaults: no signal handling, fixed jitter, the given clock,
 * and liveness off (these tests are about leases; test/worker-liveness.test.ts turns it on).
 */
export function makeWorker(opts: Omit<WorkerOptions, 'clock'> & { clock: ManualClock }): ProcessingWorker {
  return new ProcessingWorker({ handleSignals: false, random: () => 0.5, workerId: 'w1', liveness: false, ...opts });
}

/**
 * Wraps a store: `down()` makes every call throw StoreUnavailableError until `up()`;
 * `crash()` makes every call hang forever (the process is gone: nothing it sends arrives);
 * `crashOn(method)` crashes at the first call of that method. `calls` counts calls by method.
 */
export function controllable(inner: LeaseStore) {
  let mode: 'up' | 'down' | 'crashed' | 'paused' = 'up';
  let crashAt: string | undefined;
  let downOnly: Set<string> | undefined;
  const failNext: Record<string, number> = {};
  let resumed: () => void = () => {};
  let resume = new Promise<void>((r) => (resumed = r));
  const calls: Record<string, number> = {};
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'onEnqueue') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const name = String(prop);
        calls[name] = (calls[name] ?? 0) + 1;
        if (crashAt === name) mode = 'crashed';
        if (mode === 'crashed') return new Promise(() => {});
        if (mode === 'paused') return resume.then(() => (value as (...a: unknown[]) => unknown).apply(target, args));
        if ((failNext[name] ?? 0) > 0) {
          failNext[name]!--;
          return Promise.reject(new StoreUnavailableError(`store blip (${name})`));
        }
        if (mode === 'down' || downOnly?.has(name)) return Promise.reject(new StoreUnavailableError(`store down (${name})`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    calls,
    down: (...methods: string[]) => {
      if (methods.length) downOnly = new Set(methods);
      else mode = 'down';
    },
    up: () => {
      mode = 'up';
      downOnly = undefined;
    },
    /** Every call waits (the process is frozen: GC pause, lost network) until `resume()`. */
    pause: () => void (mode = 'paused'),
    resume: () => {
      mode = 'up';
      resumed();
      resume = new Promise<void>((r) => (resumed = r));
    },
    /** The next `times` calls of `method` throw StoreUnavailableError (a blip: failover, deadlock retries used up). */
    failNext: (method: string, times = 1) => void (failNext[method] = times),
    crash: () => void (mode = 'crashed'),
    crashOn: (method: string) => void (crashAt = method),
  };
}

/**
 * Wraps a store so chosen calls wait at a gate: `hold(method)` makes the next calls of
 * `method` wait before they reach the store (a slow request), `hold(method, 'reply')` lets
 * them reach the store and commit, then waits before answering (a slow reply).
 * `open(method)` lets them through. `calls` counts calls by method.
 */
export function gated(inner: LeaseStore) {
  const gates = new Map<string, { at: 'request' | 'reply'; opened: Promise<void>; open: () => void }>();
  const calls: Record<string, number> = {};
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'onEnqueue') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const name = String(prop);
        calls[name] = (calls[name] ?? 0) + 1;
        const gate = gates.get(name);
        if (gate?.at === 'request') await gate.opened;
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (gate?.at === 'reply') await gate.opened;
        return out;
      };
    },
  });
  return {
    store,
    calls,
    hold: (method: string, at: 'request' | 'reply' = 'request') => {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      gates.set(method, { at, opened, open });
    },
    open: (method: string) => {
      gates.get(method)?.open();
      gates.delete(method);
    },
  };
}

/** Never settles: a handler that "dies" at this point awaits it. */
export const forever = (): Promise<never> => new Promise(() => {});
