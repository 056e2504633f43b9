/**
 * The place for periodic work: a small runner of services on the Clock. Each service runs
 * once, then sleeps until its next run (its interval, or the delay its run returned), until
 * the runner stops. The liveness sweeper and the cleanup of old worker rows run here; the
 * reaper, retention and schedules belong here too.
 *
 * Many processes run the same services against one store at once, so every service must be
 * safe to run concurrently: each run is one or a few conditional, idempotent store writes
 * (a sweep that marks what is already marked changes nothing), never read-decide-write
 * across calls.
 */
import type { Clock } from '../../ports/clock.js';
import { INTERNAL_ABORT, waitOn } from '../worker/wait.js';

/**
 * One kind of periodic work.
 * @example
 * const cleanup: PeriodicService = { name: 'cleanup', intervalMs: 600_000, run: async () => { await store.pruneWorkers({ olderThanMs: DAY }); } };
 */
export interface PeriodicService {
  /** A short name for errors and wake-ups. */
  readonly name: string;
  /** Time between runs (ms of the runner's clock). */
  readonly intervalMs: number;
  /** Run before the first interval has passed. Default true. */
  readonly runAtStart?: boolean;
  /**
   * One run. `signal` aborts when the runner stops: pass it on to anything that waits.
   * Returning a number makes the next run that many ms later instead of `intervalMs`.
   */
  run(signal: AbortSignal): Promise<number | void>;
}

/** What a runner needs. */
export interface ServiceRunnerDeps {
  clock: Clock;
  /** Told about a run that threw; the service runs again at its next interval. */
  onError: (service: string, error: unknown) => void;
}

interface Slot {
  service: PeriodicService;
  wake: AbortController;
  done: Promise<void>;
}

/**
 * Runs {@link PeriodicService}s until stopped. `start()` once, `stop()` resolves when no run
 * is in progress; `wake(name)` runs a service now instead of at its next time.
 * @example
 * const runner = new ServiceRunner({ clock, onError: console.error });
 * runner.add(cleanup); runner.start(); ... await runner.stop();
 */
export class ServiceRunner {
  private readonly stopping = new AbortController();
  private readonly slots = new Map<string, Slot>();
  private started = false;

  constructor(private readonly deps: ServiceRunnerDeps) {}

  /** Aborted when the runner stops: every run's `signal`. */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Adds a service (before or after start). Names are unique. */
  add(service: PeriodicService): void {
    if (this.slots.has(service.name)) throw new Error(`service ${service.name} was already added`);
    const slot: Slot = { service, wake: new AbortController(), done: Promise.resolve() };
    this.slots.set(service.name, slot);
    if (this.started) this.launch(slot);
  }

  /** Starts every service's loop. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const slot of this.slots.values()) this.launch(slot);
  }

  /** Runs the named service now (or as soon as its current run ends). */
  wake(name: string): void {
    this.slots.get(name)?.wake.abort(INTERNAL_ABORT);
  }

  /** Stops every loop: aborts `signal`, then waits for runs in progress. Idempotent. */
  async stop(): Promise<void> {
    this.stopping.abort(INTERNAL_ABORT);
    await Promise.all([...this.slots.values()].map((s) => s.done));
  }

  private launch(slot: Slot): void {
    slot.done = this.loop(slot);
  }

  private async loop(slot: Slot): Promise<void> {
    const stop = this.stopping.signal;
    let delay = slot.service.runAtStart === false ? slot.service.intervalMs : 0;
    while (!stop.aborted) {
      if (delay > 0) await this.sleep(slot, delay);
      if (stop.aborted) return;
      if (slot.wake.signal.aborted) slot.wake = new AbortController();
      delay = slot.service.intervalMs;
      try {
        const next = await slot.service.run(stop);
        if (typeof next === 'number' && Number.isFinite(next)) delay = Math.max(1, next);
      } catch (error) {
        if (!stop.aborted) this.deps.onError(slot.service.name, error);
      }
    }
  }

  /** Sleeps on the clock until `ms` passed, the runner stops, or the service is woken. */
  private async sleep(slot: Slot, ms: number): Promise<void> {
    const either = new AbortController();
    const onAbort = (): void => either.abort(INTERNAL_ABORT);
    const sources = [this.stopping.signal, slot.wake.signal];
    for (const s of sources) {
      if (s.aborted) either.abort(INTERNAL_ABORT);
      else s.addEventListener('abort', onAbort, { once: true });
    }
    try {
      await waitOn(this.deps.clock, ms, either.signal);
    } finally {
      for (const s of sources) s.removeEventListener('abort', onAbort);
    }
  }
}
