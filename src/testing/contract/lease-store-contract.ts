import type { ManualClock } from '../../adapters/clocks/manual-clock.js';
import type { CommonStoreOptions } from '../../adapters/common/store-options.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { describeLeaseStoreExamples } from './lease-store-examples.js';
import { describeLeaseStoreKeys } from './lease-store-keys.js';
import { describeLeaseStoreModel } from './lease-store-model.js';
import { describeScheduleExamples } from './schedule-examples.js';
import { describeWorkerProcessExamples } from './worker-process-examples.js';
import { describeConcurrencyExamples } from './concurrency-examples.js';
import { describeRateLimitExamples } from './rate-limit-examples.js';
import type { StoreFactory } from './harness.js';

export type { StoreFactory, MadeStore } from './harness.js';

/** What the suite is given to make the stores it tests. */
export interface LeaseStoreContractOptions<S extends LeaseStore = LeaseStore> {
  /**
   * A migrated, empty store using these options: always pass `clock` on (a ManualClock the
   * suite drives) and `random` (jitter fixed, so backoff is predictable).
   */
  create(options: CommonStoreOptions & { clock: ManualClock }): Promise<S>;
  /** Empties whatever `create` will use (e.g. truncate the tables of a shared database), run before each `create`. Default: nothing. */
  reset?(): Promise<void>;
  /** Closes a store `create` made and drops what it created. */
  dispose(store: S): Promise<void>;
}

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
export function describeLeaseStoreContract<S extends LeaseStore>(name: string, make: LeaseStoreContractOptions<S> | StoreFactory): void {
  const factory = typeof make === 'function' ? make : toFactory(make);
  describeLeaseStoreExamples(name, factory);
  describeLeaseStoreKeys(name, factory);
  describeScheduleExamples(name, factory);
  describeWorkerProcessExamples(name, factory);
  describeConcurrencyExamples(name, factory);
  describeRateLimitExamples(name, factory);
  describeLeaseStoreModel(name, factory);
}

function toFactory<S extends LeaseStore>(o: LeaseStoreContractOptions<S>): StoreFactory {
  if (typeof o !== 'object' || o === null || typeof o.create !== 'function' || typeof o.dispose !== 'function') {
    throw new TypeError('describeLeaseStoreContract needs { create, dispose } (and optionally reset)');
  }
  return async (options) => {
    await o.reset?.();
    const store = await o.create(options);
    return { store, dispose: () => o.dispose(store) };
  };
}
