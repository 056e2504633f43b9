/**
 * leasehold: durable, lease-based job processing.
 * Stores load from their own subpath so you load only the driver you use:
 * `leasehold/memory`, `leasehold/sqlite`, `leasehold/mysql`; test helpers come from
 * `leasehold/testing`. Every name here is exported on purpose (test/public-surface.test.ts
 * lists them): the domain's internals (transition functions, validators) are not part of it.
 */
// ---- the worker ----
// The facade lazy-loads the tsyringe container, so this entry never loads tsyringe or
// reflect-metadata (test/worker-facade.test.ts holds that line).
export { ProcessingWorker, JobTimeoutError, ShutdownAbortError } from './app/worker/processing-worker.js';
export { idempotencyKey, legacyIdempotencyKey, IDEMPOTENCY_KEY_LENGTH } from './app/idempotency-key.js';
export { Scheduler } from './app/scheduler/scheduler.js';
export { CronerCalendar } from './adapters/cron/croner-calendar.js';
export { scheduleSlotOf, MISSED_POLICIES } from './domain/schedule.js';
export { LivenessLostError } from './app/worker/liveness-client.js';
export { ServiceRunner } from './app/services/service-runner.js';
export { createLeasehold } from './app/facade.js';
// ---- time: the one clock without a driver (ManualClock is in leasehold/testing, MysqlClock in leasehold/mysql) ----
export { SystemClock } from './adapters/clocks/system-clock.js';
// ---- errors ----
export { LeaseholdError, ValidationError, LeaseLostError, JobNotFoundError, StoreUnavailableError, InvalidTransitionError, SchemaTooNewError, PermanentError, RetryLaterError, StepInDoubtError, KeyRetiredError, SettleRefusedError, ScheduleNotFoundError, WorkerAliveError, WorkerIdInUseError, } from './domain/errors.js';
// ---- the job and its lifecycle ----
export { JOB_STATUSES, DEFAULT_MAX_LEASE_EXPIRIES } from './domain/job.js';
export { TRANSITIONS, FINAL_STATUSES, WAITING_STATUSES, canTransition } from './domain/lifecycle.js';
export { DEFAULT_BACKOFF, backoffDelay, decideFailure } from './domain/retry-policy.js';
// ---- worker processes (liveness) ----
export { LIVENESS_DEFAULTS } from './domain/liveness.js';
//# sourceMappingURL=index.js.map