/**
 * A simulated exchange for the demo and the crash tests: an order book that can dedupe by
 * client order id (like most real exchanges) or not (the hard case), served over HTTP on
 * 127.0.0.1 so worker processes can place orders on it and be killed mid-request.
 * Independent of any test framework.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An order as the exchange accepted it. */
export interface ExchangeOrder {
  orderId: string;
  clientOrderId: string;
  /** The job the order was placed for (the demo sends it), to count orders per job. */
  jobId: string | null;
  [field: string]: unknown;
}

/** Options of an exchange. */
export interface ExchangeOptions {
  dedupe?: boolean;
  onPlace?: (req: Record<string, unknown>) => void;
}

/** What a placement returns. */
export type PlaceOutcome = { status: 'accepted'; order: ExchangeOrder } | { status: 'duplicate'; order: ExchangeOrder };

/**
 * The exchange's state, without HTTP: usable in-process (unit tests) or behind the server.
 * @example const book = new OrderBook({ dedupe: true }); book.place({ clientOrderId: 'k1', jobId: '1' });
 */
export class OrderBook {
  readonly dedupe: boolean;
  private readonly orders: ExchangeOrder[] = [];
  private readonly byClientId = new Map<string, ExchangeOrder>();
  /** Every placement request received, per job (the at-least-once count). */
  readonly placementCalls = new Map<string, number>();
  private nextId = 1;

  private readonly onPlace: ((req: Record<string, unknown>) => void) | undefined;

  /**
   * `dedupe` (default true): refuse a second order with a client order id already seen.
   * `onPlace`: called with each placement after it is booked and before it is answered (the
   * crash tests kill the placing worker there: the effect is made, the worker never learns).
   */
  constructor(opts: ExchangeOptions = {}) {
    this.dedupe = opts.dedupe ?? true;
    this.onPlace = opts.onPlace;
  }

  /** Places an order, or refuses it as a duplicate when deduping and the client id exists. */
  place(req: { clientOrderId: string; jobId?: string | null; [field: string]: unknown }): PlaceOutcome {
    const jobId = req.jobId ?? null;
    if (jobId !== null) this.placementCalls.set(jobId, (this.placementCalls.get(jobId) ?? 0) + 1);
    const existing = this.byClientId.get(req.clientOrderId);
    if (this.dedupe && existing) return { status: 'duplicate', order: existing };
    const order: ExchangeOrder = { ...req, orderId: `ex-${this.nextId++}`, clientOrderId: req.clientOrderId, jobId };
    this.orders.push(order);
    if (!existing) this.byClientId.set(req.clientOrderId, order);
    this.onPlace?.(req);
    return { status: 'accepted', order };
  }

  /** The first accepted order with this client id, if any (what a reconcile hook asks). */
  find(clientOrderId: string): ExchangeOrder | undefined {
    return this.byClientId.get(clientOrderId);
  }

  /** Accepted orders per job id. */
  acceptedPerJob(): Map<string, number> {
    const out = new Map<string, number>();
    for (const o of this.orders) if (o.jobId !== null) out.set(o.jobId, (out.get(o.jobId) ?? 0) + 1);
    return out;
  }

  /** Every accepted order. */
  get accepted(): readonly ExchangeOrder[] {
    return this.orders;
  }
}

/** A running simulated exchange. */
export interface SimulatedExchange {
  book: OrderBook;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves an {@link OrderBook} on 127.0.0.1 at a random port: `POST /orders` with a JSON body
 * `{ clientOrderId, jobId?, ... }` answers 201 `{ status: 'accepted', order }` or 409
 * `{ status: 'duplicate', order }`; `GET /orders?clientOrderId=` answers 200 with the order
 * or 404.
 * @example const ex = await startSimulatedExchange({ dedupe: false }); ...; await ex.close();
 */
export async function startSimulatedExchange(opts: ExchangeOptions = {}): Promise<SimulatedExchange> {
  const book = new OrderBook(opts);
  const server: Server = createServer((req, res) => {
    const reply = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/orders') return reply(404, { error: 'not found' });
    if (req.method === 'GET') {
      const order = book.find(url.searchParams.get('clientOrderId') ?? '');
      return order ? reply(200, order) : reply(404, { error: 'no such order' });
    }
    if (req.method !== 'POST') return reply(405, { error: 'method not allowed' });
    readBody(req).then(
      (body) => {
        const b = body as { clientOrderId?: unknown };
        if (typeof b?.clientOrderId !== 'string' || b.clientOrderId === '') return reply(400, { error: 'clientOrderId is required' });
        const out = book.place(b as { clientOrderId: string });
        reply(out.status === 'accepted' ? 201 : 409, out);
      },
      () => reply(400, { error: 'body must be JSON' }),
    );
  });
  // Killed clients leave half-open sockets; do not let them keep the server alive.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    book,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}
