/**
 * A simulated exchange for the demo and the crash tests: an order book in one of four modes
 * (see {@link ExchangeMode}), served over HTTP on 127.0.0.1 so worker processes can place
 * orders on it and be killed, frozen or skewed mid-request. Independent of any test framework.
 * Which behaviour covers which fault is {@link EXCHANGE_COVERAGE}.
 */
import { createServer } from 'node:http';
/** Every mode, in the order of the table above. */
export const EXCHANGE_MODES = ['dedupe', 'dedupe-open', 'deadline', 'none'];
/** Which exchange behaviour makes which fault safe (with leasehold's steps, fence and reconcile). */
export const EXCHANGE_COVERAGE = {
    dedupe: { crash: 'safe', pause: 'safe', skew: 'safe', overrun: 'safe' },
    // Market and IOC orders are never open: for them this is no protection at all.
    'dedupe-open': { crash: 'safe', pause: 'only while open', skew: 'only while open', overrun: 'only while open' },
    deadline: { crash: 'safe', pause: 'safe', skew: 'up to the margin', overrun: 'safe' },
    none: { crash: 'safe', pause: 'not safe', skew: 'not safe', overrun: 'not safe' },
};
/** The coverage table as text, for the demo's report. */
export function formatExchangeCoverage() {
    const head = ['exchange', 'crash (SIGKILL)', 'pause (SIGSTOP)', 'clock skew', 'fn past its deadline'];
    const rows = EXCHANGE_MODES.map((m) => [m, EXCHANGE_COVERAGE[m].crash, EXCHANGE_COVERAGE[m].pause, EXCHANGE_COVERAGE[m].skew, EXCHANGE_COVERAGE[m].overrun]);
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const table = [head, ...rows].map((r) => `  ${r.map((c, i) => c.padEnd(w[i])).join('  ')}`.trimEnd());
    return [...table, '  (dedupe-open: "open" means the first order still rests on the book; market and IOC orders never do)'].join('\n');
}
/**
 * The exchange's state, without HTTP: usable in-process (unit tests) or behind the server.
 * @example const book = new OrderBook({ dedupe: true }); book.place({ clientOrderId: 'k1', jobId: '1' });
 */
export class OrderBook {
    mode;
    orders = [];
    byClientId = new Map();
    /** Client ids whose order is still open (resting on the book). */
    open = new Set();
    clock;
    /** Requests refused because their deadline had passed. */
    expiredRequests = 0;
    /** Every placement request received, per job (the at-least-once count). */
    placementCalls = new Map();
    nextId = 1;
    onPlace;
    /**
     * `dedupe` (default true): refuse a second order with a client order id already seen.
     * `onPlace`: called with each placement after it is booked and before it is answered (the
     * crash tests kill the placing worker there: the effect is made, the worker never learns).
     */
    constructor(opts = {}) {
        this.mode = opts.mode ?? (opts.dedupe === false ? 'none' : 'dedupe');
        if (!EXCHANGE_MODES.includes(this.mode))
            throw new TypeError(`exchange mode must be one of ${EXCHANGE_MODES.join(', ')}, got ${String(this.mode)}`);
        this.clock = opts.now ?? Date.now;
        this.onPlace = opts.onPlace;
    }
    /** Whether this exchange refuses a repeated client id (permanently). */
    get dedupe() {
        return this.mode === 'dedupe';
    }
    /**
     * Places an order, or refuses it: as a duplicate (`dedupe`, or `dedupe-open` while the first
     * is open), or as expired (`deadline`, when `deadlineAt` is missing or has passed).
     */
    place(req) {
        const jobId = req.jobId ?? null;
        if (jobId !== null)
            this.placementCalls.set(jobId, (this.placementCalls.get(jobId) ?? 0) + 1);
        if (this.mode === 'deadline') {
            const now = this.clock();
            const deadlineAt = typeof req.deadlineAt === 'number' ? req.deadlineAt : null;
            if (deadlineAt === null || now > deadlineAt) {
                this.expiredRequests++;
                return { status: 'expired', deadlineAt, now };
            }
        }
        const existing = this.byClientId.get(req.clientOrderId);
        if (existing && (this.mode === 'dedupe' || (this.mode === 'dedupe-open' && this.open.has(req.clientOrderId)))) {
            return { status: 'duplicate', order: existing };
        }
        const order = { ...req, orderId: `ex-${this.nextId++}`, clientOrderId: req.clientOrderId, jobId };
        this.orders.push(order);
        if (!existing)
            this.byClientId.set(req.clientOrderId, order);
        // Market and IOC orders fill (or die) at once: they are never open.
        if (req.type !== 'market' && req.type !== 'ioc')
            this.open.add(req.clientOrderId);
        this.onPlace?.(req);
        return { status: 'accepted', order };
    }
    /** {@link place}, returning the order it booked or the earlier one it refused as a duplicate; throws when refused as expired. */
    placeOrder(req) {
        const out = this.place(req);
        if (out.status === 'expired')
            throw new Error(`order refused: its deadline ${String(out.deadlineAt)} had passed at ${out.now}`);
        return out.order;
    }
    /** The open order with this client id fills (or is cancelled): it no longer rests on the book. */
    close(clientOrderId) {
        this.open.delete(clientOrderId);
    }
    /** The first accepted order with this client id, if any (what a reconcile hook asks). */
    find(clientOrderId) {
        return this.byClientId.get(clientOrderId);
    }
    /** Accepted orders per job id. */
    acceptedPerJob() {
        const out = new Map();
        for (const o of this.orders)
            if (o.jobId !== null)
                out.set(o.jobId, (out.get(o.jobId) ?? 0) + 1);
        return out;
    }
    /** Every accepted order. */
    get accepted() {
        return this.orders;
    }
}
/**
 * Serves an {@link OrderBook} on 127.0.0.1 at a random port: `POST /orders` with a JSON body
 * `{ clientOrderId, jobId?, deadlineAt?, type?, ... }` answers 201 `{ status: 'accepted', order }`,
 * 409 `{ status: 'duplicate', order }` or 422 `{ status: 'expired' }`; `GET /orders?clientOrderId=` answers 200 with the order
 * or 404.
 * @example const ex = await startSimulatedExchange({ dedupe: false }); ...; await ex.close();
 */
export async function startSimulatedExchange(opts = {}) {
    const book = new OrderBook(opts);
    const server = createServer((req, res) => {
        const reply = (code, body) => {
            res.writeHead(code, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
        };
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname !== '/orders')
            return reply(404, { error: 'not found' });
        if (req.method === 'GET') {
            const order = book.find(url.searchParams.get('clientOrderId') ?? '');
            return order ? reply(200, order) : reply(404, { error: 'no such order' });
        }
        if (req.method !== 'POST')
            return reply(405, { error: 'method not allowed' });
        readBody(req).then((body) => {
            const b = body;
            if (typeof b?.clientOrderId !== 'string' || b.clientOrderId === '')
                return reply(400, { error: 'clientOrderId is required' });
            const out = book.place(b);
            const send = () => reply(out.status === 'accepted' ? 201 : out.status === 'duplicate' ? 409 : 422, out);
            if (opts.answerDelayMs)
                setTimeout(send, opts.answerDelayMs);
            else
                send();
        }, () => reply(400, { error: 'body must be JSON' }));
    });
    // Killed clients leave half-open sockets; do not let them keep the server alive.
    server.keepAliveTimeout = 1000;
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        book,
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}
function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            try {
                resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            }
            catch (e) {
                reject(e);
            }
        });
        req.on('error', reject);
    });
}
//# sourceMappingURL=simulated-exchange.js.map