/**
 * leasehold: durable, lease-based job processing.
 * Stores load from their own subpath so you load only the driver you use:
 * `leasehold/memory`, `leasehold/sqlite`, `leasehold/mysql`.
 */
export * from './domain/index.js';
export type { Clock, LeaseStore } from './ports/index.js';
export { SystemClock, ManualClock } from './adapters/clocks/index.js';
export type { CommonStoreOptions } from './adapters/shared/store-options.js';
// The worker and its helpers. The facade lazy-loads the tsyringe container, so this entry
// never loads tsyringe or reflect-metadata (test/worker-facade.test.ts holds that line).
export { ProcessingWorker, JobTimeoutError, ShutdownAbortError } from './app/worker/processing-worker.js';
export type { WorkerState, WorkerStatus, StopOptions } from './app/worker/processing-worker.js';
export type { WorkerOptions, Handler, QueueHandler, ReconcileHook, ReconcileResult, InDoubtPolicy } from './app/worker/worker-options.js';
export type { JobContext } from './app/worker/job-context.js';
export type { WorkerEvents, WorkerListener, WorkerErrorContext, InDoubtDecision } from './app/worker/worker-events.js';
export { idempotencyKey, IDEMPOTENCY_KEY_LENGTH } from './app/idempotency-key.js';
export { LivenessLostError } from './app/worker/liveness-client.js';
export type { ProcessIdentity } from './app/worker/process-identity.js';
export { ServiceRunner } from './app/services/service-runner.js';
export type { PeriodicService, ServiceRunnerDeps } from './app/services/service-runner.js';
export { createLeasehold } from './app/facade.js';
export type { Leasehold, LeaseholdOptions } from './app/facade.js';
export { runUntil, runUntilIdle, flush } from './app/testing.js';
export type { RunOptions } from './app/testing.js';
