/**
 * The composition root: the only file that imports tsyringe. Each leasehold instance gets
 * its own child container, so two instances (two databases, or a test's) never share a
 * store, clock or defaults. No decorators: everything is registered with `useValue` or
 * `useFactory` against Symbol tokens, so it works without emitted decorator metadata.
 */
import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { ProcessingWorker } from './worker/processing-worker.js';
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
export function createLeaseholdContainer(deps) {
    const c = rootContainer.createChildContainer();
    c.register(TOKENS.Store, { useValue: deps.store });
    c.register(TOKENS.Clock, { useValue: deps.clock });
    c.register(TOKENS.WorkerDefaults, { useValue: deps.defaults });
    c.register(TOKENS.WorkerFactory, {
        useFactory: (r) => (options) => new ProcessingWorker({
            ...r.resolve(TOKENS.WorkerDefaults),
            ...options,
            store: r.resolve(TOKENS.Store),
            clock: r.resolve(TOKENS.Clock),
        }),
    });
    return c;
}
//# sourceMappingURL=container.js.map