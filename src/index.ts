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
export type { WorkerState, WorkerStatus, StopOptions } from './app/worker/processing-worker.js';
export type { WorkerOptions, Handler, QueueHandler, HandlerMap, QueuePayloads, ReconcileHook, ReconcileResult, InDoubtPolicy } from './app/worker/worker-options.js';
export type { RetentionOptions } from './app/services/maintenance-services.js';
export type { JobContext } from './app/worker/job-context.js';
export type { WorkerEvents, WorkerListener, WorkerErrorContext, InDoubtDecision } from './app/worker/worker-events.js';
export { idempotencyKey, legacyIdempotencyKey, IDEMPOTENCY_KEY_LENGTH } from './app/idempotency-key.js';
export type { IdempotencySource } from './app/idempotency-key.js';
export { Scheduler } from './app/scheduler/scheduler.js';
export type { SchedulerOptions, SchedulerRun, ScheduleView } from './app/scheduler/scheduler.js';
export { CronerCalendar } from './adapters/cron/croner-calendar.js';
export type { CronCalendar } from './ports/calendar.js';
export { scheduleSlotOf, MISSED_POLICIES } from './domain/schedule.js';
export type { Schedule, ScheduleDefinition, MissedPolicy } from './domain/schedule.js';
export { LivenessLostError } from './app/worker/liveness-client.js';
export type { ProcessIdentity } from './app/worker/process-identity.js';
export { ServiceRunner } from './app/services/service-runner.js';
export type { PeriodicService, ServiceRunnerDeps } from './app/services/service-runner.js';
export type { RateLimit, RateLimitInfo } from './domain/rate-limit.js';
export { createLeasehold } from './app/facade.js';
export type { Leasehold, LeaseholdOptions } from './app/facade.js';

// ---- time: the one clock without a driver (ManualClock is in leasehold/testing, MysqlClock in leasehold/mysql) ----
export { SystemClock } from './adapters/clocks/system-clock.js';

// ---- errors ----
export {
  LeaseholdError,
  ValidationError,
  LeaseLostError,
  JobNotFoundError,
  StoreUnavailableError,
  InvalidTransitionError,
  SchemaTooNewError,
  PermanentError,
  RetryLaterError,
  StepInDoubtError,
  KeyRetiredError,
  SettleRefusedError,
  ScheduleNotFoundError,
  WorkerAliveError,
  WorkerIdInUseError,
} from './domain/errors.js';
export type { LeaseholdErrorCode } from './domain/errors.js';

// ---- the job and its lifecycle ----
export { JOB_STATUSES, DEFAULT_MAX_LEASE_EXPIRIES } from './domain/job.js';
export type {
  Json,
  JsonCompatible,
  JsonResult,
  JobStatus,
  Job,
  NewJob,
  Lease,
  EnqueueResult,
  AcquireRequest,
  ListFilter,
  HeldLease,
  HeldLeaseFilter,
  Stats,
  StepRecord,
  FailOptions,
  RetryOptions,
  SettleOutcome,
  StepIntent,
  IdempotencyKeyFormat,
  PruneOptions,
  CompleteEntry,
  CompleteOutcome,
} from './domain/job.js';
export { TRANSITIONS, FINAL_STATUSES, WAITING_STATUSES, canTransition } from './domain/lifecycle.js';
export type { LifecycleAction } from './domain/lifecycle.js';
export { DEFAULT_BACKOFF, backoffDelay, decideFailure } from './domain/retry-policy.js';
export type { BackoffPolicy, RandomSource, FailureDecision } from './domain/retry-policy.js';

// ---- worker processes (liveness) ----
export { LIVENESS_DEFAULTS } from './domain/liveness.js';
export type { WorkerRegistration, WorkerProcess, WorkerInfo, RegisterOutcome, RegisterOptions, ReleaseWorkerOptions, SweepOutcome } from './domain/liveness.js';
export type { NotChargedReason } from './domain/lifecycle.js';

// ---- ports, for writing a store or a clock of your own ----
export type { Clock, LeaseStore } from './ports/index.js';
export type { CommonStoreOptions } from './adapters/common/store-options.js';
