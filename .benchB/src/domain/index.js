export * from './errors.js';
export * from './job.js';
export * from './lifecycle.js';
export * from './lease-rules.js';
export * from './retry-policy.js';
export * from './validation.js';
export * from './steps.js';
export * from './schedule.js';
export * from './liveness.js';
//# sourceMappingURL=index.js.map