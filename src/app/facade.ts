/**
 * `createLeasehold`: one object that owns a store, a clock and the workers built on them.
 * The tsyringe container is loaded lazily (dynamic import) when an instance is created, so
 * importing `leasehold` never loads tsyringe or reflect-metadata; users who build
 * `new ProcessingWorker(...)` themselves never touch DI at all.
 */
import { ValidationError } from '../domain/errors.js';
import type { EnqueueResult, Json, JsonCompatible, NewJob, Stats } from '../domain/job.js';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import { SystemClock } from '../adapters/clocks/system-clock.js';
import type { WorkerDefaults, WorkerFactory } from './container.js';
import type { ProcessingWorker } from './worker/processing-worker.js';
import type { QueuePayloads, WorkerOptions } from './worker/worker-options.js';

/** Options of {@link createLeasehold}: a store (or a factory given the clock), a clock, and worker defaults. */
export type LeaseholdOptions = WorkerDefaults & {
  /** The store, or a function building it on the instance's clock (so both judge time alike). */
  store: LeaseStore | ((deps: { clock: Clock }) => LeaseStore);
  /** Default `new SystemClock()`. */
  clock?: Clock;
  /** Run `store.migrate()` on creation. Default true. */
  migrate?: boolean;
};

/** A leasehold instance: enqueue jobs, build workers, read stats, close everything. */
export interface Leasehold {
  readonly store: LeaseStore;
  readonly clock: Clock;
  enqueue<P = Json>(job: NewJob<P & JsonCompatible<P>>): Promise<EnqueueResult<P>>;
  enqueueMany<P = Json>(jobs: NewJob<P & JsonCompatible<P>>[]): Promise<EnqueueResult<P>[]>;
  /** A new (not yet started) worker on this instance's store and clock, with the instance's defaults. */
  worker<Q extends QueuePayloads = Record<string, Json>>(options: Omit<WorkerOptions<Q>, 'store' | 'clock'>): ProcessingWorker<Q>;
  stats(): Promise<Stats>;
  /** Stops every worker this instance built, then closes the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds store, clock and workers in their own tsyringe child container and migrates the store.
 * @example
 * const lh = await createLeasehold({ store: ({ clock }) => new SqliteLeaseStore({ filename: 'jobs.db', clock }) });
 * await lh.enqueue({ queue: 'orders', payload: { symbol: 'BTC' }, key: 'order-1' });
 * await lh.worker({ queues: ['orders'], handler }).start();
 * process.on('beforeExit', () => lh.close());
 */
export async function createLeasehold(options: LeaseholdOptions): Promise<Leasehold> {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
  const { store: storeOption, clock: clockOption, migrate = true, ...defaults } = options;
  const clock = clockOption ?? new SystemClock();
  if (typeof clock.now !== 'function') throw new ValidationError('clock', 'must have a now() method');
  const store = typeof storeOption === 'function' ? storeOption({ clock }) : storeOption;
  if (typeof store !== 'object' || store === null || typeof store.acquire !== 'function') throw new ValidationError('store', 'must be a LeaseStore or a function returning one');
  const { createLeaseholdContainer, TOKENS } = await import('./container.js');
  const di = createLeaseholdContainer({ store, clock, defaults });
  const makeWorker = di.resolve<WorkerFactory>(TOKENS.WorkerFactory);
  if (migrate) await store.migrate();

  const workers = new Set<ProcessingWorker>();
  let closing: Promise<void> | undefined;
  return {
    store,
    clock,
    enqueue: (job) => store.enqueue(job),
    enqueueMany: (jobs) => store.enqueueMany(jobs),
    worker<Q extends QueuePayloads>(workerOptions: Omit<WorkerOptions<Q>, 'store' | 'clock'>) {
      if (closing) throw new ValidationError('state', 'this leasehold instance is closed');
      // The payload types are the caller's promise about its own jobs; inside, every job is JSON.
      const w = makeWorker(workerOptions as unknown as Omit<WorkerOptions, 'store' | 'clock'>);
      workers.add(w);
      return w as unknown as ProcessingWorker<Q>;
    },
    stats: () => store.stats(),
    close() {
      closing ??= (async () => {
        await Promise.all([...workers].map((w) => w.stop()));
        await store.close();
        await di.dispose();
      })();
      return closing;
    },
  };
}
