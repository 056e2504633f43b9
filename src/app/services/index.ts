export { ServiceRunner, type PeriodicService, type ServiceRunnerDeps } from './service-runner.js';
export { livenessSweeper, workerRowCleanup } from './liveness-services.js';
export { reaper, retention, type RetentionOptions } from './maintenance-services.js';
