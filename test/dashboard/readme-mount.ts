/**
 * The README's "mount the dashboard and the metrics in your app" example. Between the README
 * markers the code is the README's block verbatim (its imports aside): the test compares them,
 * typecheck compiles it, and test/dashboard/dashboard-readme.test.ts runs it.
 */
import { createServer } from 'node:http';
import { Registry } from 'prom-client';
import { InMemoryLeaseStore } from '../../src/adapters/memory/index.js';
import { ProcessingWorker } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { createDashboardHandler, registerStoreMetrics, registerWorkerMetrics } from '../../src/app/dashboard/index.js';

const clock = new ManualClock();
const store = new InMemoryLeaseStore({ clock });
const worker = new ProcessingWorker({ store, clock, handleSignals: false, handler: async () => 'done' });

// README:begin
const registry = new Registry();
registerStoreMetrics(store, registry); // jobs by queue and status, lag, leases: read at each scrape
registerWorkerMetrics(worker, registry); // this process's completed, failed, retried, durations...

const dashboard = createDashboardHandler({
  store,
  registry,
  basePath: '/admin/jobs', // the pages answer under this path
  actions: true, // retry and cancel buttons...
  token: process.env.DASHBOARD_TOKEN, // ...for whoever opens /admin/jobs/?token=<this> once
  allowedHosts: ['localhost', 'ops.example.com'], // Host names the app is reached by
});

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  } else if (req.url?.startsWith('/admin/jobs')) {
    void dashboard(req, res);
  } else {
    res.writeHead(404).end(); // ...the application's own routes
  }
});
server.listen(Number(process.env.PORT ?? 3000));
// README:end

export { clock, server, store, worker };
