/**
 * `leasehold/dashboard`: the web dashboard as a Node `(req, res)` handler or a small server,
 * and the Prometheus metrics (prom-client, an optional peer dependency of leasehold: install
 * it to use this entry).
 */
export { createDashboardHandler, JOBS_PAGE_SIZE } from './dashboard-handler.js';
export { startDashboard } from './dashboard-server.js';
export { registerStoreMetrics } from './store-metrics.js';
export { registerWorkerMetrics } from './worker-metrics.js';
//# sourceMappingURL=index.js.map