/**
 * `leasehold/testing`: what a test suite needs to drive leasehold without real waiting, and
 * the contract every store passes. `ManualClock` moves time by hand; `runUntil`/`runUntilIdle`
 * advance it to the next sleeper until a condition holds or no job is left to run;
 * `describeLeaseStoreContract` holds a store of your own to the same suite as the built-in
 * ones. This subpath loads vitest and fast-check (optional peer dependencies: install them in
 * the project that runs the tests).
 */
export { ManualClock } from '../adapters/clocks/manual-clock.js';
export { runUntil, runUntilIdle, flush } from '../app/testing.js';
export { describeLeaseStoreContract } from './contract/lease-store-contract.js';
//# sourceMappingURL=index.js.map