export { InMemoryLeaseStore, type InMemoryLeaseStoreOptions } from './in-memory-lease-store.js';
export { ManualClock, SystemClock } from '../clocks/index.js';
