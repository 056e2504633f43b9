/**
 * leasehold: durable, lease-based job processing.
 * Stores load from their own subpath so you load only the driver you use:
 * `leasehold/memory`, `leasehold/sqlite`, `leasehold/mysql`.
 */
export * from './domain/index.js';
export type { Clock, LeaseStore } from './ports/index.js';
export { SystemClock, ManualClock } from './adapters/clocks/index.js';
export type { CommonStoreOptions } from './adapters/shared/store-options.js';
