/**
 * The composition root: the only file that imports tsyringe. Each leasehold instance gets
 * its own child container, so two instances (two databases, or a test's) never share a
 * store, clock or defaults. No decorators: everything is registered with `useValue` or
 * `useFactory` against Symbol tokens, so it works without emitted decorator metadata.
 */
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Clock } from '../ports/clock.js';
import type { LeaseStore } from '../ports/lease-store.js';
import { ProcessingWorker } from './worker/processing-worker.js';
import type { WorkerOptions } from './worker/worker-options.js';

/** Options every worker of an instance starts from (a worker's own options win). */
export type WorkerDefaults = Partial<Omit<WorkerOptions, 'store' | 'clock' | 'handler' | 'handlers' | 'queues' | 'workerId'>>;

/** Builds a worker from its own options on the instance's store, clock and defaults. */
export type WorkerFactory = (options: Omit<WorkerOptions, 'store' | 'clock'>) => ProcessingWorker;

/** The injection tokens of a leasehold container. */
export const TOKENS = Object.freeze({
  Store: Symbol('leasehold.LeaseStore'),
  Clock: Symbol('leasehold.Clock'),
  WorkerDefaults: Symbol('leasehold.WorkerDefaults'),
  WorkerFactory: Symbol('leasehold.WorkerFactory'),
});

/**
 * A child container holding one instance's store, clock, worker defaults and worker factory.
 * @example const c = createLeaseholdContainer({ store, clock, defaults: {} }); c.resolve<WorkerFactory>(TOKENS.WorkerFactory)({ handler });
 */
export function createLeaseholdContainer(deps: { store: LeaseStore; clock: Clock; defaults: WorkerDefaults }): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register<LeaseStore>(TOKENS.Store, { useValue: deps.store });
  c.register<Clock>(TOKENS.Clock, { useValue: deps.clock });
  c.register<WorkerDefaults>(TOKENS.WorkerDefaults, { useValue: deps.defaults });
  c.register<WorkerFactory>(TOKENS.WorkerFactory, {
    useFactory: (r) => (options) =>
      new ProcessingWorker({
        ...r.resolve<WorkerDefaults>(TOKENS.WorkerDefaults),
        ...options,
        store: r.resolve<LeaseStore>(TOKENS.Store),
        clock: r.resolve<Clock>(TOKENS.Clock),
      }),
  });
  return c;
}
