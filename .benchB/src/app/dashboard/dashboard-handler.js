/**
 * The dashboard as a plain Node `(req, res)` handler: mount it in an application's own HTTP
 * server under a path of its choosing, or let `leasehold dashboard` serve it.
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { InvalidTransitionError, JobNotFoundError, SettleRefusedError, ValidationError } from '../../domain/errors.js';
import { JOB_STATUSES } from '../../domain/job.js';
import { redact } from '../cli/redact.js';
import { jobPage, jobsPage, mainOf, messagePage, overviewPage, problemsPage } from './dashboard-pages.js';
import { crossSiteReason, formSecret, hostAllowed, LOOPBACK_HOSTS, presentedToken, sameSecret, TOKEN_COOKIE } from './dashboard-security.js';
import { readSnapshot } from './store-snapshot.js';
import { registerStoreMetrics } from './store-metrics.js';
import { isInDoubt } from './timeline.js';
/** How many jobs a page of the jobs list shows. */
export const JOBS_PAGE_SIZE = 50;
/** The jobs not done or cancelled that the in-doubt list looks at. */
export const IN_DOUBT_SCAN = 50;
const MAX_FORM_BYTES = 4096;
/**
 * Builds the dashboard's handler.
 * @example
 * const dashboard = createDashboardHandler({ store, basePath: '/leasehold' });
 * http.createServer((req, res) => req.url?.startsWith('/leasehold') ? dashboard(req, res) : app(req, res));
 */
export function createDashboardHandler(options) {
    const o = resolve(options);
    return async (req, res) => {
        try {
            await serve(o, req, res);
        }
        catch (error) {
            const message = redact(error instanceof Error ? error.message : String(error));
            if (!res.headersSent)
                send(res, 503, 'text/plain; charset=utf-8', `leasehold dashboard: ${message}\n`);
            else
                res.end();
        }
    };
}
function resolve(o) {
    if (!o || typeof o.store?.stats !== 'function')
        throw new ValidationError('store', 'must be a LeaseStore');
    const token = o.token ?? null;
    if (token !== null && (typeof token !== 'string' || token.length < 16))
        throw new ValidationError('token', 'must be a string of at least 16 characters');
    if (o.actions && token === null)
        throw new ValidationError('token', 'actions need a token');
    if (o.requireToken && token === null)
        throw new ValidationError('token', 'requireToken needs a token');
    const base = (o.basePath ?? '').replace(/\/+$/, '');
    if (base !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(base))
        throw new ValidationError('basePath', 'must be a path starting with /');
    const refreshSeconds = o.refreshSeconds ?? 5;
    if (!Number.isInteger(refreshSeconds) || refreshSeconds < 0)
        throw new ValidationError('refreshSeconds', 'must be a whole number of seconds, 0 or more');
    const clock = o.clock ?? { now: () => Date.now() };
    return {
        store: o.store,
        actions: o.actions === true,
        token,
        requireToken: o.requireToken === true,
        allowedHosts: o.allowedHosts ?? [...LOOPBACK_HOSTS],
        base,
        registry: o.registry ?? registerStoreMetrics(o.store, new Registry(), { clock }),
        clock,
        refreshSeconds,
        dbLabel: redact(o.dbLabel ?? 'store'),
    };
}
function send(res, status, type, body, headers = {}) {
    res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on a form POST,
        // which the cross-site check must refuse. A ?token= link is redirected before any page loads.
        'referrer-policy': 'same-origin',
        'x-frame-options': 'DENY',
        ...headers,
    });
    res.end(body);
}
function sendPage(res, status, nonce, body) {
    if (res.req.headers['x-leasehold-refresh'] === '1')
        return send(res, status, 'text/html; charset=utf-8', mainOf(body));
    send(res, status, 'text/html; charset=utf-8', body, {
        'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    });
}
async function serve(o, req, res) {
    const nonce = randomBytes(16).toString('base64');
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (!hostAllowed(req, o.allowedHosts))
        return send(res, 421, 'text/plain; charset=utf-8', 'leasehold dashboard: this Host is not allowed\n');
    if (o.base !== '' && url.pathname !== o.base && !url.pathname.startsWith(`${o.base}/`))
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    const path = url.pathname.slice(o.base.length) || '/';
    const presented = presentedToken(req);
    const authorized = o.token !== null && presented !== null && sameSecret(presented, o.token);
    const ctx = {
        base: o.base,
        dbLabel: o.dbLabel,
        nonce,
        actionSecret: o.actions && authorized ? formSecret(o.token) : null,
        actionsEnabled: o.actions,
        refreshSeconds: o.refreshSeconds,
        now: o.clock.now(),
    };
    // A `?token=` link: check it, keep it in a cookie, and drop it from the address bar.
    const linkToken = url.searchParams.get('token');
    if (req.method === 'GET' && linkToken !== null) {
        if (o.token === null || !sameSecret(linkToken, o.token))
            return sendPage(res, 401, nonce, messagePage(ctx, 'Wrong token', 'That token does not open this dashboard.'));
        url.searchParams.delete('token');
        const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(o.token)}; HttpOnly; SameSite=Strict; Path=${o.base || '/'}`;
        return send(res, 303, 'text/plain; charset=utf-8', '', { location: `${url.pathname}${url.search}`, 'set-cookie': cookie });
    }
    if (o.requireToken && !authorized) {
        return sendPage(res, 401, nonce, messagePage({ ...ctx, actionSecret: null }, 'Token needed', 'Open this dashboard with the link it printed (…?token=…), or send Authorization: Bearer <token>.'));
    }
    if (req.method === 'POST')
        return act(o, ctx, req, res, path, authorized);
    if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD, POST' });
    if (path === '/metrics')
        return send(res, 200, o.registry.contentType, await o.registry.metrics());
    if (path === '/') {
        const [snap, throughput] = await Promise.all([readSnapshot(o.store, ctx.now), o.store.throughput({ since: ctx.now - 3_600_000 })]);
        return sendPage(res, 200, nonce, overviewPage(ctx, snap, throughput));
    }
    if (path === '/jobs')
        return jobsRoute(o, ctx, url, res);
    const m = /^\/jobs\/([^/]+)$/.exec(path);
    if (m) {
        const id = decodeURIComponent(m[1]);
        const job = await o.store.get(id);
        if (!job)
            return sendPage(res, 404, nonce, messagePage(ctx, 'Not found', `No job ${id}.`));
        const [steps, history] = await Promise.all([o.store.getStepRecords(id), o.store.getAttempts(id)]);
        const done = url.searchParams.get('done');
        if (done === 'retry' || done === 'cancel')
            ctx.notice = `${done === 'retry' ? 'Retried' : 'Cancelled'}: job ${job.id} is ${job.status}.`;
        if (done === 'settle')
            ctx.notice = `Settled: job ${job.id} is ${job.status}; a retry now follows the answer.`;
        return sendPage(res, 200, nonce, jobPage(ctx, job, steps, history));
    }
    if (path === '/problems') {
        const [failed, candidates] = await Promise.all([
            o.store.list({ status: 'failed', order: 'desc', limit: JOBS_PAGE_SIZE }),
            o.store.list({ status: ['failed', 'pending', 'retry', 'processing'], order: 'desc', limit: IN_DOUBT_SCAN }),
        ]);
        const inDoubt = [];
        for (const job of candidates) {
            const steps = (await o.store.getStepRecords(job.id)).filter((s) => isInDoubt(s, job, ctx.now)).map((s) => s.name);
            if (steps.length > 0)
                inDoubt.push({ job, steps });
        }
        return sendPage(res, 200, nonce, problemsPage(ctx, failed, inDoubt, `Among the ${IN_DOUBT_SCAN} newest jobs not done or cancelled.`));
    }
    return sendPage(res, 404, nonce, messagePage(ctx, 'Not found', `Nothing at ${path}.`));
}
async function jobsRoute(o, ctx, url, res) {
    const param = (name) => {
        const v = url.searchParams.get(name)?.trim();
        return v === undefined || v === '' ? undefined : v;
    };
    const status = param('status');
    const filter = {
        queue: param('queue'),
        status: status !== undefined && JOB_STATUSES.includes(status) ? status : undefined,
        key: param('key'),
        q: param('q'),
        beforeId: param('before'),
    };
    if (filter.q !== undefined) {
        // Search: an id opens that job; anything else is looked up as a key.
        const byId = /^\d{1,19}$/.test(filter.q) ? await o.store.get(filter.q) : undefined;
        if (byId)
            return send(res, 303, 'text/plain; charset=utf-8', '', { location: `${o.base}/jobs/${encodeURIComponent(byId.id)}` });
        filter.key = filter.q;
    }
    const { jobs, next } = await findJobs(o.store, filter);
    if (filter.q !== undefined && jobs.length === 1 && next === null)
        return send(res, 303, 'text/plain; charset=utf-8', '', { location: `${o.base}/jobs/${encodeURIComponent(jobs[0].id)}` });
    const queues = Object.keys((await o.store.stats()).byQueue).sort();
    sendPage(res, 200, ctx.nonce, jobsPage(ctx, filter, jobs, next, queues));
}
/** A page of jobs, newest first, through the store's keyset paging. */
function findJobs(store, f) {
    return store.findJobs({
        ...(f.queue !== undefined ? { queue: f.queue } : {}),
        ...(f.status !== undefined ? { status: f.status } : {}),
        ...(f.key !== undefined ? { key: f.key } : {}),
        ...(f.beforeId !== undefined ? { beforeId: f.beforeId } : {}),
        limit: JOBS_PAGE_SIZE,
    });
}
async function act(o, ctx, req, res, path, authorized) {
    const refuse = (status, title, message) => sendPage(res, status, ctx.nonce, messagePage({ ...ctx, actionSecret: null }, title, message));
    if (!o.actions)
        return refuse(403, 'Read-only', 'This dashboard was started without actions.');
    const cross = crossSiteReason(req);
    if (cross)
        return refuse(403, 'Refused', `A cross-site request cannot act on jobs (${cross}).`);
    if (!authorized)
        return refuse(401, 'Token needed', 'Actions need the token.');
    const m = /^\/jobs\/([^/]+)\/(retry|cancel)$/.exec(path);
    const settle = /^\/jobs\/([^/]+)\/steps\/([^/]+)\/settle$/.exec(path);
    if (!m && !settle)
        return refuse(404, 'Not found', 'No such action.');
    const body = await readForm(req);
    if (body === null)
        return refuse(413, 'Refused', 'The form is too large.');
    const csrf = body.get('csrf');
    if (csrf === null || !sameSecret(csrf, formSecret(o.token)))
        return refuse(403, 'Refused', 'The form is not from this dashboard.');
    if (settle)
        return settleAction(o, res, refuse, decodeURIComponent(settle[1]), decodeURIComponent(settle[2]), body);
    const id = decodeURIComponent(m[1]);
    const action = m[2];
    try {
        if (action === 'retry')
            await o.store.retry(id);
        else
            await o.store.cancel(id);
    }
    catch (error) {
        if (error instanceof JobNotFoundError)
            return refuse(404, 'Not found', `No job ${id}.`);
        if (error instanceof InvalidTransitionError)
            return refuse(409, 'Not allowed', error.message);
        throw error;
    }
    send(res, 303, 'text/plain; charset=utf-8', '', { location: `${o.base}/jobs/${encodeURIComponent(id)}?done=${action}` });
}
/** Records a person's answer for a step in doubt, as `leasehold settle` does. */
async function settleAction(o, res, refuse, id, step, body) {
    const happened = body.get('happened');
    if (happened !== 'yes' && happened !== 'no')
        return refuse(400, 'Refused', 'happened must be yes or no.');
    let outcome = { happened: false };
    if (happened === 'yes') {
        try {
            outcome = { happened: true, result: JSON.parse(body.get('result') ?? 'null') };
        }
        catch {
            return refuse(400, 'Refused', 'result must be JSON (null, a number, a string in quotes, an object...).');
        }
    }
    try {
        await o.store.settleStep(id, step, outcome);
    }
    catch (error) {
        if (error instanceof JobNotFoundError)
            return refuse(404, 'Not found', `No job ${id}.`);
        if (error instanceof SettleRefusedError || error instanceof ValidationError)
            return refuse(409, 'Not allowed', error.message);
        throw error;
    }
    send(res, 303, 'text/plain; charset=utf-8', '', { location: `${o.base}/jobs/${encodeURIComponent(id)}?done=settle` });
}
async function readForm(req) {
    let size = 0;
    const chunks = [];
    for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_FORM_BYTES)
            return null;
        chunks.push(chunk);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
//# sourceMappingURL=dashboard-handler.js.map