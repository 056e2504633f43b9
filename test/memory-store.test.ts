import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { describeLeaseStoreContract } from '../src/testing/contract/lease-store-contract.js';

describeLeaseStoreContract('memory', async (options) => {
  const store = new InMemoryLeaseStore(options);
  return { store, dispose: () => store.close() };
});
