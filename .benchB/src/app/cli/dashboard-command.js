import { describeDb, openStore } from './open-store.js';
async function loadDashboard() {
    try {
        return await import('../dashboard/index.js');
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/prom-client/.test(message))
            throw new Error('the dashboard and metrics need prom-client: npm install prom-client', { cause: error });
        throw error;
    }
}
/** `leasehold metrics` without `--port`: the store's gauges, once, in the Prometheus text format. */
export async function metricsText(store) {
    const { registerStoreMetrics } = await loadDashboard();
    return registerStoreMetrics(store).metrics();
}
/** Serves the dashboard (or only `/metrics`) until the signal; resolves once the server closed. */
export async function dashboardCommand(o) {
    const dash = await loadDashboard();
    const store = await openStore(o.db, { create: false });
    try {
        await store.get('1'); // a wrong URL or a missing schema fails now (exit 3), not on the first page
        const running = await dash.startDashboard({
            store,
            port: o.port,
            host: o.host,
            actions: o.actions,
            dbLabel: describeDb(o.db),
            ...(o.token === undefined ? {} : { token: o.token }),
        });
        if (o.metricsOnly) {
            // The endpoint serves only /metrics: swap the handler for one that answers nothing else.
            running.server.removeAllListeners('request');
            const registry = dash.registerStoreMetrics(store);
            running.server.on('request', (req, res) => {
                if (new URL(req.url ?? '/', 'http://x').pathname !== '/metrics') {
                    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
                    return;
                }
                registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text), (error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`));
            });
        }
        const where = o.metricsOnly ? `${running.url}/metrics` : running.loginUrl;
        if (o.json)
            o.out.json({ event: 'dashboard:started', url: running.url, metrics: `${running.url}/metrics`, ...(o.metricsOnly ? {} : { open: running.loginUrl }), actions: o.actions });
        else
            o.out.out(`${o.metricsOnly ? 'metrics' : 'dashboard'} for ${describeDb(o.db)} at ${where}${o.metricsOnly ? '' : o.actions ? ' (actions enabled)' : ' (read-only)'}; Ctrl-C to stop`);
        await new Promise((done) => {
            if (o.signal) {
                if (o.signal.aborted)
                    return done();
                o.signal.addEventListener('abort', () => done(), { once: true });
            }
            else {
                process.once('SIGINT', () => done());
                process.once('SIGTERM', () => done());
            }
        });
        await running.close();
    }
    finally {
        await store.close().catch(() => undefined);
    }
}
//# sourceMappingURL=dashboard-command.js.map