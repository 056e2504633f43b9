export { ServiceRunner } from './service-runner.js';
export { livenessSweeper, workerRowCleanup } from './liveness-services.js';
export { reaper, retention } from './maintenance-services.js';
//# sourceMappingURL=index.js.map