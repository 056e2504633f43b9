/**
 * Type tests (vitest typecheck mode, and `npm run typecheck`): what typed jobs promise at
 * compile time. Each `@ts-expect-error` is a line that must not compile.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { ProcessingWorker, type Handler, type Job, type JobContext, type JsonCompatible } from '../src/index.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/index.js';

interface Order {
  symbol: string;
  qty: number;
  limit?: number;
  legs: { side: 'buy' | 'sell'; price: number }[];
}
interface Refund {
  orderId: string;
}
interface Receipt {
  exchangeId: string;
}
declare const order: Order;
declare const ctx: JobContext;
const store = new InMemoryLeaseStore();

describe('typed jobs', () => {
  it('Job<P, R> types payload and result; the default is any JSON', () => {
    expectTypeOf<Job<Order, Receipt>['payload']>().toEqualTypeOf<Order>();
    expectTypeOf<Job<Order, Receipt>['result']>().toEqualTypeOf<Receipt | null>();
    expectTypeOf<Job['payload']>().toEqualTypeOf<import('../src/index.js').Json>();
  });

  it('a handler map gives each queue its own payload type, without casts', () => {
    new ProcessingWorker<{ orders: Order; refunds: Refund }>({
      store,
      handlers: {
        orders: async (job) => {
          expectTypeOf(job.payload).toEqualTypeOf<Order>();
          expectTypeOf(job.payload.legs[0]!.side).toEqualTypeOf<'buy' | 'sell'>();
        },
        refunds: {
          handle: async (job) => {
            expectTypeOf(job.payload.orderId).toEqualTypeOf<string>();
          },
          reconcile: async (job) => {
            expectTypeOf(job.payload).toEqualTypeOf<Refund>();
            return { found: false };
          },
        },
      },
    });
  });

  it('the handlers map is the { handle, reconcile } shape and refuses an unknown queue or a wrong payload', () => {
    new ProcessingWorker<{ orders: Order }>({
      store,
      // @ts-expect-error 'refunds' is not one of the declared queues
      handlers: { orders: async () => undefined, refunds: async () => undefined },
    });
    new ProcessingWorker<{ orders: Order }>({
      store,
      handlers: {
        // @ts-expect-error the handler expects a payload the queue does not carry
        orders: async (job: Job<Refund>) => job.payload.orderId.length,
      },
    });
  });

  it('enqueue accepts interface payloads and keeps their type', async () => {
    const { job } = await store.enqueue({ queue: 'orders', payload: order });
    expectTypeOf(job.payload).toEqualTypeOf<Order>();
    const many = await store.enqueueMany([{ queue: 'orders', payload: order }]);
    expectTypeOf(many[0]!.job.payload).toEqualTypeOf<Order>();
    // @ts-expect-error a Date is not JSON
    await store.enqueue({ queue: 'q', payload: { at: new Date() } });
    // @ts-expect-error a function is not JSON
    await store.enqueue({ queue: 'q', payload: { f: () => 1 } });
  });

  it("a step's result must be JSON: a Date or a bigint is a type error; interfaces and nothing are fine", async () => {
    const receipt = await ctx.step('place', async (): Promise<Receipt> => ({ exchangeId: 'x' }));
    expectTypeOf(receipt).toEqualTypeOf<Receipt>();
    expectTypeOf(await ctx.step('note', async () => undefined)).toEqualTypeOf<undefined>();
    // @ts-expect-error a Date would come back as a string
    await ctx.step('when', async () => new Date());
    // @ts-expect-error nested, too
    await ctx.step('when', async () => ({ placedAt: new Date() }));
    // @ts-expect-error a bigint cannot be serialised at all
    await ctx.step('big', async () => 1n);
  });

  it('JsonCompatible keeps JSON types as they are and rejects what JSON cannot carry', () => {
    expectTypeOf<JsonCompatible<Order>>().toEqualTypeOf<{
      symbol: string;
      qty: number;
      limit?: number;
      legs: readonly { side: 'buy' | 'sell'; price: number }[];
    }>();
    expectTypeOf<JsonCompatible<Date>>().toBeNever();
  });

  it('a standalone handler is typed by Handler<P, R>', () => {
    const place: Handler<Order, Receipt> = async (job) => ({ exchangeId: job.payload.symbol });
    expectTypeOf(place).parameter(0).toEqualTypeOf<Job<Order, Receipt>>();
  });
});
