/** `leasehold/memory`: the in-memory store, the model every store is held to. */
export { InMemoryLeaseStore, type InMemoryLeaseStoreOptions } from './in-memory-lease-store.js';
