import { describe, expect, it } from 'vitest';
import { EXCHANGE_COVERAGE, formatExchangeCoverage, OrderBook, startSimulatedExchange } from '../src/app/demo/simulated-exchange.js';

describe('the simulated exchange\'s four modes', () => {
  it('dedupe: a client id seen once is refused for good, filled or not', () => {
    const book = new OrderBook({ mode: 'dedupe' });
    expect(book.place({ clientOrderId: 'k', jobId: '1' }).status).toBe('accepted');
    book.close('k'); // filled
    expect(book.place({ clientOrderId: 'k', jobId: '1' }).status).toBe('duplicate');
    expect(book.acceptedPerJob().get('1')).toBe(1);
  });

  it('dedupe-open: refused only while the first order rests on the book; a market order never rests', () => {
    const book = new OrderBook({ mode: 'dedupe-open' });
    expect(book.place({ clientOrderId: 'limit', jobId: '1' }).status).toBe('accepted');
    expect(book.place({ clientOrderId: 'limit', jobId: '1' }).status).toBe('duplicate');
    book.close('limit'); // filled: the venue forgets the client id
    expect(book.place({ clientOrderId: 'limit', jobId: '1' }).status).toBe('accepted');
    expect(book.place({ clientOrderId: 'mkt', jobId: '2', type: 'market' }).status).toBe('accepted');
    expect(book.place({ clientOrderId: 'mkt', jobId: '2', type: 'market' }).status).toBe('accepted');
    expect(book.acceptedPerJob()).toEqual(new Map([['1', 2], ['2', 2]]));
  });

  it('deadline: refuses a request past (or without) its deadlineAt by its own clock, accepts repeats before it', () => {
    let now = 1000;
    const book = new OrderBook({ mode: 'deadline', now: () => now });
    expect(book.place({ clientOrderId: 'k', jobId: '1', deadlineAt: 1000 }).status).toBe('accepted');
    expect(book.place({ clientOrderId: 'k', jobId: '1', deadlineAt: 1000 }).status).toBe('accepted');
    now = 1001;
    expect(book.place({ clientOrderId: 'k', jobId: '1', deadlineAt: 1000 })).toEqual({ status: 'expired', deadlineAt: 1000, now: 1001 });
    expect(book.place({ clientOrderId: 'j', jobId: '2' }).status).toBe('expired');
    expect(book.expiredRequests).toBe(2);
    expect(() => book.placeOrder({ clientOrderId: 'k', deadlineAt: 0 })).toThrow(/deadline 0 had passed/);
  });

  it('none: accepts every repeat; the old dedupe flag maps onto the modes', () => {
    const book = new OrderBook({ mode: 'none' });
    book.place({ clientOrderId: 'k', jobId: '1' });
    book.place({ clientOrderId: 'k', jobId: '1' });
    expect(book.acceptedPerJob().get('1')).toBe(2);
    expect(new OrderBook({ dedupe: false }).mode).toBe('none');
    expect(new OrderBook().mode).toBe('dedupe');
    expect(() => new OrderBook({ mode: 'sometimes' as never })).toThrow(/must be one of/);
  });

  it('over HTTP an expired request is a 422 and books nothing', async () => {
    const ex = await startSimulatedExchange({ mode: 'deadline', now: () => 5000 });
    try {
      const post = (body: unknown) => fetch(`${ex.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ clientOrderId: 'a', deadlineAt: 4999 })).status).toBe(422);
      expect((await post({ clientOrderId: 'a', deadlineAt: 5000 })).status).toBe(201);
      expect(ex.book.accepted.length).toBe(1);
    } finally {
      await ex.close();
    }
  });

  it('the coverage table says which mode covers which fault; only dedupe covers all four', () => {
    expect(Object.entries(EXCHANGE_COVERAGE).filter(([, c]) => Object.values(c).every((v) => v === 'safe')).map(([m]) => m)).toEqual(['dedupe']);
    for (const c of Object.values(EXCHANGE_COVERAGE)) expect(c.crash).toBe('safe');
    expect(EXCHANGE_COVERAGE.none).toMatchObject({ pause: 'not safe', skew: 'not safe', overrun: 'not safe' });
    expect(formatExchangeCoverage()).toMatch(/deadline\s+safe\s+safe\s+up to the margin\s+safe/);
  });
});
