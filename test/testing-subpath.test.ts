/**
 * The contract as a user runs it against a store of their own: through `leasehold/testing`,
 * with `{ create, reset, dispose }`. Here the store is the in-memory one.
 */
import { afterAll, expect } from 'vitest';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';
import { describeLeaseStoreContract } from '../src/testing/index.js';

let created = 0;
let resets = 0;
let disposed = 0;
describeLeaseStoreContract('memory, as a user would run it', {
  reset: async () => void resets++,
  create: async (options) => {
    created++;
    const store = new InMemoryLeaseStore(options);
    await store.migrate();
    return store;
  },
  dispose: async (store) => {
    disposed++;
    await store.close();
  },
});

afterAll(() => {
  // Every store the suite made was reset for and disposed of.
  expect(created).toBeGreaterThan(0);
  expect(resets).toBe(created);
  expect(disposed).toBe(created);
});
