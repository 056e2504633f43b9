/**
 * The demo's job: place one order on the exchange, exactly once across crashes. The order
 * goes through `ctx.step` (a finished placement is never repeated) with
 * `ctx.idempotencyKey` as the client order id (a deduping exchange refuses a repeat), and
 * `reconcile` asks the exchange for that client id (so even an exchange that does not dedupe
 * gets one order when a worker died between placing and recording).
 */
import type { Json } from '../../domain/job.js';
import type { Handler, ReconcileHook } from '../worker/worker-options.js';
import type { ExchangeOrder, PlaceOutcome } from './simulated-exchange.js';

/** The exchange calls the handler needs; an HTTP client or an in-process OrderBook both fit. */
export interface ExchangeClient {
  place(order: { clientOrderId: string; jobId: string; [field: string]: unknown }, signal?: AbortSignal): Promise<PlaceOutcome>;
  find(clientOrderId: string, signal?: AbortSignal): Promise<ExchangeOrder | undefined>;
}

/**
 * An {@link ExchangeClient} over the simulated exchange's HTTP API.
 * @example const client = httpExchangeClient('http://127.0.0.1:41234');
 */
export function httpExchangeClient(baseUrl: string): ExchangeClient {
  return {
    async place(order, signal) {
      const res = await fetch(`${baseUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order), signal: signal ?? null });
      if (res.status !== 201 && res.status !== 409 && res.status !== 422) throw new Error(`exchange answered ${res.status}`);
      return (await res.json()) as PlaceOutcome;
    },
    async find(clientOrderId, signal) {
      const res = await fetch(`${baseUrl}/orders?clientOrderId=${encodeURIComponent(clientOrderId)}`, { signal: signal ?? null });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`exchange answered ${res.status}`);
      return (await res.json()) as ExchangeOrder;
    },
  };
}

/** Options of {@link createOrderHandler}. */
export interface OrderHandlerOptions {
  exchange: ExchangeClient;
  /** Wait this long (real ms) before and after placing, so a kill can land mid-job. Default 0. */
  delayMs?: number;
  /** How to wait; default real timers. Tests pass a ManualClock's sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called inside the step, after its intent is recorded and before the order is sent (the crash tests freeze the process there). */
  beforeSend?: (jobId: string) => Promise<void> | void;
  /** Pass the step's signal to the exchange call. Default true; false models a call that cannot be aborted. */
  abortable?: boolean;
}

/**
 * The order handler and its reconcile hook. The job's payload is sent with the order.
 * @example const { handler, reconcile } = createOrderHandler({ exchange: httpExchangeClient(url) });
 * new ProcessingWorker({ store, handler, reconcile });
 */
export function createOrderHandler(opts: OrderHandlerOptions): { handler: Handler; reconcile: ReconcileHook } {
  const delayMs = opts.delayMs ?? 0;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  }));
  const handler: Handler = async (job, ctx) => {
    if (delayMs > 0) await sleep(delayMs, ctx.signal);
    const order = await ctx.step('place-order', async (s) => {
      await opts.beforeSend?.(job.id);
      // The same client id and the same deadline on every send of this step.
      const out = await opts.exchange.place(
        { clientOrderId: s.idempotencyKey, deadlineAt: s.deadlineAt, jobId: job.id, placedBy: ctx.lease.workerId, payload: job.payload },
        opts.abortable === false ? undefined : s.signal,
      );
      // Refused as too late: nothing was placed; the attempt fails and a later one places anew.
      if (out.status === 'expired') throw new Error(`the exchange refused the order: its deadline ${String(out.deadlineAt)} had passed at ${out.now}`);
      // A duplicate refusal means an earlier attempt placed it: that order is ours.
      return { orderId: out.order.orderId, clientOrderId: out.order.clientOrderId } as Json;
    });
    if (delayMs > 0) await sleep(delayMs, ctx.signal);
    return { order };
  };
  const reconcile: ReconcileHook = async (_job, _step, key) => {
    const found = await opts.exchange.find(key);
    return found ? { found: true, result: { orderId: found.orderId, clientOrderId: found.clientOrderId } } : { found: false };
  };
  return { handler, reconcile };
}
