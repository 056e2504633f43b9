/**
 * An {@link ExchangeClient} over the simulated exchange's HTTP API.
 * @example const client = httpExchangeClient('http://127.0.0.1:41234');
 */
export function httpExchangeClient(baseUrl) {
    return {
        async place(order, signal) {
            const res = await fetch(`${baseUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order), signal: signal ?? null });
            if (res.status !== 201 && res.status !== 409 && res.status !== 422)
                throw new Error(`exchange answered ${res.status}`);
            return (await res.json());
        },
        async find(clientOrderId, signal) {
            const res = await fetch(`${baseUrl}/orders?clientOrderId=${encodeURIComponent(clientOrderId)}`, { signal: signal ?? null });
            if (res.status === 404)
                return undefined;
            if (res.status !== 200)
                throw new Error(`exchange answered ${res.status}`);
            return (await res.json());
        },
    };
}
/**
 * The order handler and its reconcile hook. The job's payload is sent with the order.
 * @example const { handler, reconcile } = createOrderHandler({ exchange: httpExchangeClient(url) });
 * new ProcessingWorker({ store, handler, reconcile });
 */
export function createOrderHandler(opts) {
    const delayMs = opts.delayMs ?? 0;
    const sleep = opts.sleep ?? ((ms, signal) => new Promise((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
    }));
    const handler = async (job, ctx) => {
        if (delayMs > 0)
            await sleep(delayMs, ctx.signal);
        const order = await ctx.step('place-order', async (s) => {
            await opts.beforeSend?.(job.id);
            // The same client id and the same deadline on every send of this step.
            const out = await opts.exchange.place({ clientOrderId: s.idempotencyKey, deadlineAt: s.deadlineAt, jobId: job.id, placedBy: ctx.lease.workerId, payload: job.payload }, opts.abortable === false ? undefined : s.signal);
            // Refused as too late: nothing was placed; the attempt fails and a later one places anew.
            if (out.status === 'expired')
                throw new Error(`the exchange refused the order: its deadline ${String(out.deadlineAt)} had passed at ${out.now}`);
            // A duplicate refusal means an earlier attempt placed it: that order is ours.
            return { orderId: out.order.orderId, clientOrderId: out.order.clientOrderId };
        });
        if (delayMs > 0)
            await sleep(delayMs, ctx.signal);
        return { order };
    };
    const reconcile = async (_job, _step, key) => {
        const found = await opts.exchange.find(key);
        return found ? { found: true, result: { orderId: found.orderId, clientOrderId: found.clientOrderId } } : { found: false };
    };
    return { handler, reconcile };
}
//# sourceMappingURL=order-handler.js.map