import { describeLeaseStoreExamples } from './lease-store-examples.js';
import { describeLeaseStoreModel } from './lease-store-model.js';
import { describeWorkerProcessExamples } from './worker-process-examples.js';
import type { StoreFactory } from './harness.js';

export type { StoreFactory, MadeStore } from './harness.js';

/**
 * The one contract every LeaseStore adapter passes: the example tests of each rule, then the
 * model-based property suite with the in-memory store as the model.
 * @example describeLeaseStoreContract('sqlite', async (opts) => { ... return { store, dispose } })
 */
export function describeLeaseStoreContract(name: string, factory: StoreFactory): void {
  describeLeaseStoreExamples(name, factory);
  describeWorkerProcessExamples(name, factory);
  describeLeaseStoreModel(name, factory);
}
