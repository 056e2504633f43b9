import { describeLeaseStoreExamples } from './lease-store-examples.js';
import { describeLeaseStoreKeys } from './lease-store-keys.js';
import { describeLeaseStoreModel } from './lease-store-model.js';
import { describeScheduleExamples } from './schedule-examples.js';
import { describeWorkerProcessExamples } from './worker-process-examples.js';
import { describeConcurrencyExamples } from './concurrency-examples.js';
import { describeRateLimitExamples } from './rate-limit-examples.js';
/**
 * The one contract every LeaseStore passes, as vitest suites: the example test of each rule,
 * then the model-based property suite (fast-check) with the in-memory store as the model. Run
 * it against a store of your own from a vitest test file; it needs `vitest` and `fast-check`.
 * @example
 * describeLeaseStoreContract('my-store', {
 *   create: async (options) => { const s = new MyStore({ ...options, url }); await s.migrate(); return s; },
 *   dispose: (store) => store.close(),
 * });
 */
export function describeLeaseStoreContract(name, make) {
    const factory = typeof make === 'function' ? make : toFactory(make);
    describeLeaseStoreExamples(name, factory);
    describeLeaseStoreKeys(name, factory);
    describeScheduleExamples(name, factory);
    describeWorkerProcessExamples(name, factory);
    describeConcurrencyExamples(name, factory);
    describeRateLimitExamples(name, factory);
    describeLeaseStoreModel(name, factory);
}
function toFactory(o) {
    if (typeof o !== 'object' || o === null || typeof o.create !== 'function' || typeof o.dispose !== 'function') {
        throw new TypeError('describeLeaseStoreContract needs { create, dispose } (and optionally reset)');
    }
    return async (options) => {
        await o.reset?.();
        const store = await o.create(options);
        return { store, dispose: () => o.dispose(store) };
    };
}
//# sourceMappingURL=lease-store-contract.js.map