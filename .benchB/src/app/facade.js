/**
 * `createLeasehold`: one object that owns a store, a clock and the workers built on them.
 * The tsyringe container is loaded lazily (dynamic import) when an instance is created, so
 * importing `leasehold` never loads tsyringe or reflect-metadata; users who build
 * `new ProcessingWorker(...)` themselves never touch DI at all.
 */
import { ValidationError } from '../domain/errors.js';
import { SystemClock } from '../adapters/clocks/system-clock.js';
/**
 * Builds store, clock and workers in their own tsyringe child container and migrates the store.
 * @example
 * const lh = await createLeasehold({ store: ({ clock }) => new SqliteLeaseStore({ filename: 'jobs.db', clock }) });
 * await lh.enqueue({ queue: 'orders', payload: { symbol: 'BTC' }, key: 'order-1' });
 * await lh.worker({ queues: ['orders'], handler }).start();
 * process.on('beforeExit', () => lh.close());
 */
export async function createLeasehold(options) {
    if (typeof options !== 'object' || options === null)
        throw new ValidationError('options', 'must be an object');
    const { store: storeOption, clock: clockOption, migrate = true, ...defaults } = options;
    const clock = clockOption ?? new SystemClock();
    if (typeof clock.now !== 'function')
        throw new ValidationError('clock', 'must have a now() method');
    const store = typeof storeOption === 'function' ? storeOption({ clock }) : storeOption;
    if (typeof store !== 'object' || store === null || typeof store.acquire !== 'function')
        throw new ValidationError('store', 'must be a LeaseStore or a function returning one');
    const { createLeaseholdContainer, TOKENS } = await import('./container.js');
    const di = createLeaseholdContainer({ store, clock, defaults });
    const makeWorker = di.resolve(TOKENS.WorkerFactory);
    if (migrate)
        await store.migrate();
    const workers = new Set();
    let closing;
    return {
        store,
        clock,
        enqueue: (job) => store.enqueue(job),
        enqueueMany: (jobs) => store.enqueueMany(jobs),
        worker(workerOptions) {
            if (closing)
                throw new ValidationError('state', 'this leasehold instance is closed');
            // The payload types are the caller's promise about its own jobs; inside, every job is JSON.
            const w = makeWorker(workerOptions);
            workers.add(w);
            return w;
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
//# sourceMappingURL=facade.js.map