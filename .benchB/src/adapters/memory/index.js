/** `leasehold/memory`: the in-memory store, the model every store is held to. */
export { InMemoryLeaseStore } from './in-memory-lease-store.js';
//# sourceMappingURL=index.js.map