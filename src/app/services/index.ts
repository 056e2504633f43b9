export { ServiceRunner, type PeriodicService, type ServiceRunnerDeps } from './service-runner.js';
export { livenessSweeper, workerRowCleanup } from './liveness-services.js';
