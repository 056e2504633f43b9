/**
 * A standalone server for the dashboard: `node:http` around {@link createDashboardHandler},
 * with the safe defaults `leasehold dashboard` uses (loopback; a token for every page when
 * bound beyond it; the Host header checked against the bound name).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { ValidationError } from '../../domain/errors.js';
import { createDashboardHandler } from './dashboard-handler.js';
import { isLoopback, LOOPBACK_HOSTS } from './dashboard-security.js';
/**
 * Starts the dashboard server.
 * @example const d = await startDashboard({ store, port: 0 }); console.log(d.url); await d.close();
 */
export async function startDashboard(o) {
    const host = o.host ?? '127.0.0.1';
    const port = o.port ?? 4000;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new ValidationError('port', 'must be an integer from 0 to 65535');
    const loopback = isLoopback(host);
    const token = o.token ?? (o.actions || !loopback ? randomBytes(24).toString('base64url') : null);
    const wildcard = host === '0.0.0.0' || host === '::';
    // Bound to one name, answer to that name; bound to every interface, any name may reach it,
    // and the token required on every page is what stands between it and the network.
    const allowedHosts = o.allowedHosts ?? (loopback ? [...LOOPBACK_HOSTS] : wildcard ? ['*'] : [host.includes(':') ? `[${host}]` : host]);
    const handler = createDashboardHandler({ ...o, allowedHosts, ...(token === null ? {} : { token }), requireToken: !loopback });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise((done, fail) => {
        server.once('error', fail);
        server.listen(port, host, () => {
            server.off('error', fail);
            done();
        });
    });
    const addr = server.address();
    const shown = host.includes(':') ? `[${host}]` : host;
    const url = `http://${shown}:${addr.port}${o.basePath ?? ''}`;
    return {
        url,
        token,
        loginUrl: token === null ? url : `${url}/?token=${encodeURIComponent(token)}`,
        server,
        close: () => new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
        }),
    };
}
//# sourceMappingURL=dashboard-server.js.map