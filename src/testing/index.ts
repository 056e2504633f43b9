/**
 * `leasehold/testing`: what a test suite needs to drive leasehold without real waiting.
 * `ManualClock` moves time by hand; `runUntil`/`runUntilIdle` advance it to the next sleeper
 * until a condition holds or no job is left to run.
 */
export { ManualClock } from '../adapters/clocks/manual-clock.js';
export { runUntil, runUntilIdle, flush, type RunOptions } from '../app/testing.js';
