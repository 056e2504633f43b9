import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeaseLostError, PermanentError, StepInDoubtError, ValidationError } from '../src/domain/errors.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import type { Job } from '../src/domain/job.js';
import { idempotencyKey, legacyIdempotencyKey } from '../src/app/idempotency-key.js';
import { OrderBook } from '../src/app/demo/simulated-exchange.js';
import { flush, runUntil, runUntilIdle } from '../src/app/testing.js';
import type { JobContext } from '../src/app/worker/job-context.js';
import type { ReconcileHook } from '../src/app/worker/worker-options.js';
import { controllable, forever, gated, makeWorker, setup, T0 } from './support/worker-fixtures.js';

describe('durable steps', () => {
  it('a step finished in an earlier attempt returns its recorded result without running again', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const runs: Record<string, number> = {};
    let attempt = 0;
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      attempt++;
      const a = await ctx.step('a', async () => { runs.a = (runs.a ?? 0) + 1; return { at: attempt }; });
      const b = await ctx.step('b', async () => { runs.b = (runs.b ?? 0) + 1; if (attempt === 1) throw new Error('b fails once'); return 'b'; });
      return { a, b } as never;
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(runs).toEqual({ a: 1, b: 2 });
    expect((await store.get(job.id))?.result).toEqual({ a: { at: 1 }, b: 'b' });
    await worker.stop();
  });

  it('returns the recorded (JSON) value the first time too, records undefined as null, and rejects non-JSON results', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    const seen: unknown[] = [];
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      seen.push(await ctx.step('obj', async () => ({ keep: 1, list: [1, 'a'] })));
      seen.push(await ctx.step('void', async () => undefined));
      // @ts-expect-error a Date is not JSON: the type refuses it too; this checks the run-time guard behind it
      await ctx.step('date', async () => new Date(0));
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(seen).toEqual([{ keep: 1, list: [1, 'a'] }, null]);
    const after = await store.get(job.id);
    expect(after?.status).toBe('failed');
    expect(after?.lastError).toContain('step(date) result');
    expect(after?.lastError).toContain('may have happened');
    await worker.stop();
  });

  it('ctx methods work taken off the context, and the context shows a handler nothing of the worker', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    let seen: { keys: string[]; key: string; same: boolean; attempt: number; retry: unknown } | undefined;
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      const { step, idempotencyKey: keyOf, retryLater, attempt } = ctx;
      const key = await step('place', async (s) => s.idempotencyKey);
      let retry: unknown;
      try { retryLater(1_000, 'later'); } catch (e) { retry = e; }
      seen = { keys: Object.keys(ctx), key, same: key === keyOf('place') && ctx.step === step, attempt, retry };
      return key;
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(seen).toMatchObject({ keys: ['attempt'], same: true, attempt: 1 });
    expect(seen?.retry).toMatchObject({ name: 'RetryLaterError', delayMs: 1_000 });
    expect((await store.get(job.id))?.result).toBe(seen?.key);
    expect((await store.getStepRecords(job.id)).map((r) => r.key)).toEqual([seen?.key]);
    await worker.stop();
  });

  it('a store whose getStepRecords throws instead of rejecting fails that attempt like a rejection, and the job runs again', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
    let reads = 0;
    const throwing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getStepRecords') return (id: string) => {
          if (++reads === 1) throw new Error('step records unreadable');
          return target.getStepRecords(id);
        };
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let runs = 0;
    const worker = makeWorker({ store: throwing, clock, handler: async () => {
      if (++runs === 1) throw new Error('first attempt fails');
      return 'ok';
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    // Attempt 1 fails in the handler, attempt 2 before it (the read threw), attempt 3 completes.
    expect(runs).toBe(2);
    const after = await store.get(job.id);
    expect(after).toMatchObject({ status: 'done', attempts: 3, result: 'ok' });
    expect((await store.getAttempts(job.id)).map((a) => [a.outcome, a.error])).toEqual([
      ['retry', expect.stringContaining('first attempt fails')],
      ['retry', expect.stringContaining('step records unreadable')],
      ['completed', null],
    ]);
    await worker.stop();
  });

  it('rejects a step name used twice in one attempt with a ValidationError', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'q', payload: null, maxAttempts: 1 });
    let caught: unknown;
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      await ctx.step('x', async () => 1);
      try { await ctx.step('x', async () => 2); } catch (e) { caught = e; }
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe('name');
    await worker.stop();
  });
});

/** What an exchange SDK typically returns: a class instance, not JSON. */
class SdkOrder {
  constructor(readonly id: string) {}
}

describe('a step whose result cannot be recorded', () => {
  // fn already ran (the order is placed) when its result turns out unrecordable: a retry would
  // find the step in doubt and, with inDoubt 'rerun', place the order again.
  it('a non-JSON result fails the job permanently after fn ran once: never a second order', async () => {
    const { clock, store } = setup();
    const book = new OrderBook({ dedupe: false });
    const { job } = await store.enqueue({ queue: 'orders', payload: null, maxAttempts: 3 });
    const failed: unknown[] = [];
    const worker = makeWorker({ store, clock, inDoubt: 'rerun', handler: async (j, ctx) => {
      await ctx.step('place', async () => new SdkOrder(book.placeOrder({ clientOrderId: ctx.idempotencyKey('place'), jobId: j.id }).orderId));
    } });
    worker.on('job:failed', ({ error }) => failed.push(error));
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(book.placementCalls.get(job.id)).toBe(1);
    expect(book.accepted).toHaveLength(1);
    const after = await store.get(job.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 1 });
    expect(after?.lastError).toContain('step(place) result');
    expect(after?.lastError).toContain('not recordable');
    expect(failed[0]).toBeInstanceOf(PermanentError);
  });

  it('stays permanent when the handler catches the step error and throws its own', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
    let runs = 0;
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      try {
        await ctx.step('place', async () => { runs++; return new SdkOrder('o-1'); });
      } catch {
        throw new Error('placing failed');
      }
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(runs).toBe(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('the size limit is the store\'s: a result over a smaller maxPayloadBytes fails permanently, after one run', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryLeaseStore({ clock, random: () => 0.5, maxPayloadBytes: 64 });
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
    let runs = 0;
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      await ctx.step('place', async () => { runs++; return 'x'.repeat(100); });
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(runs).toBe(1);
    const after = await store.get(job.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 1 });
    expect(after?.lastError).toContain('over the limit of 64');
  });

  it('...and a result the store allows under a larger maxPayloadBytes is recorded, not refused by the worker', async () => {
    const clock = new ManualClock(T0);
    const store = new InMemoryLeaseStore({ clock, random: () => 0.5, maxPayloadBytes: 4 * 1024 * 1024 });
    const { job } = await store.enqueue({ queue: 'q', payload: null, maxAttempts: 3 });
    const big = 'x'.repeat(2 * 1024 * 1024);
    let runs = 0;
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      const got = await ctx.step('fetch', async () => { runs++; return big; });
      return got.length;
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(runs).toBe(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1, result: big.length });
  });
});

describe('store outages around a step', () => {
  it('a blip on saveStep after fn ran is retried: the step is recorded in this attempt and fn never runs again', async () => {
    const { clock, store } = setup();
    const book = new OrderBook({ dedupe: false });
    const { job } = await store.enqueue({ queue: 'orders', payload: null });
    const c = controllable(store);
    c.failNext('saveStep');
    const errors: { during: string; jobId?: string }[] = [];
    const worker = makeWorker({ store: c.store, clock, handler: async (j, ctx) =>
      ctx.step('place', async () => book.placeOrder({ clientOrderId: ctx.idempotencyKey('place'), jobId: j.id }).orderId) });
    worker.on('worker:error', ({ during, jobId }) => errors.push({ during, jobId }));
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(book.placementCalls.get(job.id)).toBe(1);
    expect(book.accepted).toHaveLength(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1, result: book.accepted[0]!.orderId });
    expect(c.calls.saveStep).toBe(2);
    expect(errors).toEqual([{ during: 'step', jobId: job.id }]);
  });

  it('a blip on beginStep is retried too: the step runs once, in the first attempt', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    c.failNext('beginStep', 2);
    let runs = 0;
    const worker = makeWorker({ store: c.store, clock, handler: async (_j, ctx) => ctx.step('place', async () => ++runs) });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    expect(runs).toBe(1);
    expect(c.calls.beginStep).toBe(3);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1, result: 1 });
  });

  it('gives up when the store stays down past the lease: the step is left in doubt, nothing loops forever', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    let runs = 0;
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      if (ctx.attempt > 1) return 'second';
      return ctx.step('place', async () => { runs++; c.down('saveStep', 'extend'); return 'x'; });
    } });
    await worker.start();
    await runUntilIdle(store, clock, { maxSteps: 200 });
    await worker.stop();
    expect(runs).toBe(1);
    expect((await store.getStepRecords(job.id))[0]).toMatchObject({ name: 'place', state: 'started', token: 1 });
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2, result: 'second' });
  });
});

describe('no step starts once the attempt is aborted', () => {
  it('a shutdown abort that lands while beginStep is in flight: fn does not run', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const g = gated(store);
    g.hold('beginStep');
    g.hold('release');
    let runs = 0;
    const worker = makeWorker({ store: g.store, clock, handler: async (_j, ctx) => ctx.step('place', async () => ++runs) });
    await worker.start();
    await runUntil(clock, () => g.calls.beginStep === 1);
    const stopping = worker.stop({ timeoutMs: 0 });
    await flush();
    g.open('beginStep'); // the round trip lands after the abort, while the lease is still held
    await flush();
    g.open('release');
    await stopping;
    expect(runs).toBe(0);
    expect(await store.get(job.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('an abort during a beginStep outage ends its retries at once: fn does not run, the lease is released', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    c.down('beginStep');
    const errors: string[] = [];
    let runs = 0;
    const worker = makeWorker({ store: c.store, clock, handler: async (_j, ctx) => ctx.step('place', async () => ++runs) });
    worker.on('worker:error', ({ during }) => errors.push(during));
    await worker.start();
    await runUntil(clock, () => errors.length >= 2);
    await worker.stop({ timeoutMs: 0 });
    const calls = c.calls.beginStep;
    c.up();
    await flush();
    expect(c.calls.beginStep).toBe(calls);
    expect(runs).toBe(0);
    expect(errors.every((d) => d === 'step')).toBe(true);
    expect(await store.get(job.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('an abort that lands while the step records load: beginStep is never sent', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'q', payload: null });
    const g = gated(store);
    g.hold('getStepRecords');
    g.hold('release');
    let runs = 0;
    const worker = makeWorker({ store: g.store, clock, handler: async (_j, ctx) => ctx.step('place', async () => ++runs) });
    await worker.start();
    await runUntil(clock, () => g.calls.getStepRecords === 1);
    const stopping = worker.stop({ timeoutMs: 0 });
    await flush();
    g.open('getStepRecords');
    await flush();
    g.open('release');
    await stopping;
    expect(runs).toBe(0);
    expect(g.calls.beginStep ?? 0).toBe(0);
  });
});

describe('idempotency keys', () => {
  const uid = fc.stringMatching(/^[0-9a-f]{32}$/);
  const name = fc.string({ minLength: 1, maxLength: 255 });
  const source = fc.record({ uid, key: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: null }), idempotencyKeyFormat: fc.constantFrom('alnum' as const, 'uuid' as const) });

  it('are 32 characters of [A-Za-z0-9] (or a version 8 UUID), stable, and distinct for distinct jobs, keys, steps or databases', () => {
    fc.assert(
      fc.property(source, uid, name, (job, db, s) => {
        const k = idempotencyKey(job, db, s);
        if (job.idempotencyKeyFormat === 'alnum') expect(k).toMatch(/^[A-Za-z0-9]{32}$/);
        else expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(idempotencyKey(job, db, s)).toBe(k);
      }),
    );
    fc.assert(
      fc.property(fc.tuple(source, uid, name), fc.tuple(source, uid, name), ([ja, da, sa], [jb, db, sb]) => {
        jb = { ...jb, idempotencyKeyFormat: ja.idempotencyKeyFormat };
        // What each job's key depends on: its uid (no key), or its key and the database.
        const sameSource = ja.key === null ? jb.key === null && ja.uid === jb.uid : ja.key === jb.key && da === db;
        fc.pre(!sameSource || sa !== sb);
        expect(idempotencyKey(ja, da, sa)).not.toBe(idempotencyKey(jb, db, sb));
      }),
    );
    // Fixed vectors: the same key in every process and release, or exchanges would see new ids after an upgrade.
    const db = '0'.repeat(32);
    expect(idempotencyKey({ uid: 'a'.repeat(32), key: null, idempotencyKeyFormat: 'alnum' }, db, 'place-order')).toMatchInlineSnapshot(`"ehrQdgnONvhse8H3PB1mJnQzlRhoyDK6"`);
    expect(idempotencyKey({ uid: 'a'.repeat(32), key: 'order-42', idempotencyKeyFormat: 'alnum' }, db, 'place-order')).toMatchInlineSnapshot(`"YuWYn3GJrIVsH20PzomGvSKbOJQC5piN"`);
    expect(idempotencyKey({ uid: 'a'.repeat(32), key: 'order-42', idempotencyKeyFormat: 'uuid' }, db, 'place-order')).toMatchInlineSnapshot(`"db96be13-2b20-8e6b-b497-62e51bd498e8"`);
    // The derivation of leasehold versions that recorded no keys, kept for their steps in doubt.
    expect(legacyIdempotencyKey('1', 'place-order')).toBe('1WLpWoDv7yVJ2UX33ypZmzMqM09ZzYPP');
  });

  it('a keyed job derives from its key and the database, not from its uid: a replayed key in a restored database gets the same key', () => {
    const db = 'f'.repeat(32);
    const a = idempotencyKey({ uid: '1'.repeat(32), key: 'order-42', idempotencyKeyFormat: 'alnum' }, db, 'place');
    expect(idempotencyKey({ uid: '2'.repeat(32), key: 'order-42', idempotencyKeyFormat: 'alnum' }, db, 'place')).toBe(a);
    expect(idempotencyKey({ uid: '1'.repeat(32), key: 'order-42', idempotencyKeyFormat: 'alnum' }, 'e'.repeat(32), 'place')).not.toBe(a);
  });

  it('ctx.idempotencyKey is the same in every attempt, and derived from the job alone', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const keys: string[] = [];
    const worker = makeWorker({ store, clock, handler: async (_j, ctx) => {
      keys.push(ctx.idempotencyKey('place'));
      if (keys.length < 2) throw new Error('again');
    } });
    await worker.start();
    await runUntilIdle(store, clock);
    const expected = idempotencyKey(job, await store.identity(), 'place');
    expect(keys).toEqual([expected, expected]);
    await worker.stop();
  });

  it('refuses the removed idempotencyNamespace option, naming it', () => {
    const { clock, store } = setup();
    expect(() => makeWorker({ store, clock, handler: async () => null, ...({ idempotencyNamespace: 'prod' } as object) })).toThrow(/idempotencyNamespace: was removed/);
  });

  it('two fresh databases give job 1 different keys (ids repeat, uids and identities do not)', async () => {
    const keysOfJob1: string[] = [];
    for (let db = 0; db < 2; db++) {
      const { clock, store } = setup();
      const { job } = await store.enqueue({ queue: 'q', payload: null });
      const keyed = await store.enqueue({ queue: 'q', payload: null, key: 'order-42' });
      expect(job.id).toBe('1');
      const worker = makeWorker({ store, clock, handler: async (j, ctx) => void keysOfJob1.push(`${j.id}:${ctx.idempotencyKey('place-order')}`) });
      await worker.start();
      await runUntilIdle(store, clock);
      await worker.stop();
      expect(keyed.job.id).toBe('2');
    }
    const byJob = (id: string) => keysOfJob1.filter((k) => k.startsWith(`${id}:`));
    expect(byJob('1')).toHaveLength(2);
    expect(new Set(byJob('1')).size).toBe(2);
    // The same key in two databases is two intents too: the database identity tells them apart.
    expect(new Set(byJob('2')).size).toBe(2);
  });
});

type Moment = 'before-step' | 'inside-step' | 'after-effect' | 'after-record' | 'during-complete';
const MOMENTS: Moment[] = ['before-step', 'inside-step', 'after-effect', 'after-record', 'during-complete'];

/**
 * One order job; the first worker "crashes" (its store calls never arrive again) at `moment`;
 * a second worker takes the job over after the lease runs out.
 */
async function crashAt(moment: Moment, opts: { dedupe: boolean; reconcile: boolean; inDoubt?: 'rerun' | 'fail' }) {
  const { clock, store } = setup();
  const book = new OrderBook({ dedupe: opts.dedupe });
  const { job } = await store.enqueue({ queue: 'orders', payload: { symbol: 'BTC' } });
  const first = controllable(store);
  let crashed = false;
  const die = async (at: Moment): Promise<void> => {
    if (at === moment && !crashed) {
      crashed = true;
      first.crash();
      await forever();
    }
  };
  const handler = async (j: Job, ctx: JobContext) => {
    await die('before-step');
    const orderId = await ctx.step('place', async () => {
      await die('inside-step');
      const out = book.placeOrder({ clientOrderId: ctx.idempotencyKey('place'), jobId: j.id });
      await die('after-effect');
      return out.orderId;
    });
    await die('after-record');
    return orderId;
  };
  const reconcileCalls: string[] = [];
  const reconcile: ReconcileHook = async (_j, step, key) => {
    reconcileCalls.push(step);
    const o = book.find(key);
    return o ? { found: true, result: o.orderId } : { found: false };
  };
  const common = { clock, leaseDurationSeconds: 30, handler, inDoubt: opts.inDoubt ?? 'rerun', ...(opts.reconcile ? { reconcile } : {}) };
  if (moment === 'during-complete') first.crashOn('complete');
  const w1 = makeWorker({ ...common, store: first.store, workerId: 'w1' });
  await w1.start();
  await runUntil(clock, () => crashed || first.calls.complete === 1);
  const w2 = makeWorker({ ...common, store, workerId: 'w2' });
  await w2.start();
  await runUntilIdle(store, clock);
  await w2.stop();
  const after = (await store.get(job.id))!;
  return { after, book, reconcileCalls, jobId: job.id, records: await store.getStepRecords(job.id) };
}

describe('crash moments (in-process: the first worker stops talking to the store)', () => {
  it.each(MOMENTS)('exchange dedupes by client order id, no reconcile hook: crash %s -> done, one order', async (moment) => {
    const { after, book, jobId } = await crashAt(moment, { dedupe: true, reconcile: false });
    expect(after.status).toBe('done');
    expect(after.attempts).toBe(2);
    expect(book.acceptedPerJob().get(jobId)).toBe(1);
    expect(after.result).toBe(book.accepted[0]!.orderId);
    // The step runs again only when it never got recorded: at-least-once, honestly counted.
    const expectedCalls = moment === 'after-effect' ? 2 : 1;
    expect(book.placementCalls.get(jobId)).toBe(expectedCalls);
  });

  it.each(MOMENTS)('exchange does not dedupe, reconcile hook: crash %s -> done, one order, placed once', async (moment) => {
    const { after, book, jobId, reconcileCalls } = await crashAt(moment, { dedupe: false, reconcile: true });
    expect(after.status).toBe('done');
    expect(book.acceptedPerJob().get(jobId)).toBe(1);
    expect(book.placementCalls.get(jobId)).toBe(1);
    expect(reconcileCalls).toEqual(moment === 'inside-step' || moment === 'after-effect' ? ['place'] : []);
  });

  it.each(['inside-step', 'after-effect'] as const)('no dedupe, no hook, inDoubt "fail": crash %s -> failed "in doubt", never a second order', async (moment) => {
    const { after, book, jobId } = await crashAt(moment, { dedupe: false, reconcile: false, inDoubt: 'fail' });
    expect(after.status).toBe('failed');
    expect(after.lastError).toContain('in doubt');
    expect(book.acceptedPerJob().get(jobId) ?? 0).toBeLessThanOrEqual(1);
  });

  it('in-doubt "rerun" without dedupe or hook is exactly the unprotected case: documented, and visible in the count', async () => {
    const { after, book, jobId } = await crashAt('after-effect', { dedupe: false, reconcile: false, inDoubt: 'rerun' });
    expect(after.status).toBe('done');
    expect(book.acceptedPerJob().get(jobId)).toBe(2);
  });
});

describe('in doubt', () => {
  it('StepInDoubtError is a permanent failure with the step name', () => {
    const e = new StepInDoubtError('7', 'place');
    expect(e.step).toBe('place');
    expect(e.message).toContain('in doubt');
  });

  it('a lost lease refuses every later write of the attempt without reaching the store', async () => {
    const { clock, store } = setup();
    await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let stepError: unknown;
    const lost: unknown[] = [];
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      await gate;
      try { await ctx.step('late', async () => 'x'); } catch (e) { stepError = e; }
    } });
    worker.on('lease:lost', ({ error }) => lost.push(error));
    await worker.start();
    await runUntil(clock, () => worker.getStatus().running.length === 1);
    c.pause();
    clock.advance(11_000);
    const [taken] = await store.acquire({ workerId: 'thief', leaseMs: 10_000 });
    expect(taken?.token).toBe(2);
    c.resume();
    await runUntil(clock, () => lost.length === 1);
    const beginsBefore = c.calls.beginStep ?? 0;
    release();
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    expect(stepError).toBeInstanceOf(LeaseLostError);
    expect(c.calls.beginStep ?? 0).toBe(beginsBefore);
    expect(worker.getStatus().counts.lost).toBe(1);
    expect((await store.get(taken!.job.id))?.lockedBy).toBe('thief');
    await worker.stop();
  });

  it('a worker paused past its lease that wakes mid-step: its queued writes reach the store and are refused by the fence', async () => {
    const { clock, store } = setup();
    const { job } = await store.enqueue({ queue: 'q', payload: null });
    const c = controllable(store);
    let wake!: () => void;
    const paused = new Promise<void>((r) => (wake = r));
    let stepError: unknown;
    const worker = makeWorker({ store: c.store, clock, leaseDurationSeconds: 10, handler: async (_j, ctx) => {
      try {
        return await ctx.step('place', async () => { await paused; return 'stale'; });
      } catch (e) {
        stepError = e;
        throw e;
      }
    } });
    await worker.start();
    await runUntil(clock, () => (c.calls.beginStep ?? 0) === 1);
    c.pause(); // GC pause: nothing this process sends arrives until it wakes
    wake(); // the step's fn finishes and sends saveStep while the lease is still held; it waits in the frozen process
    await flushAll();
    expect(c.calls.saveStep).toBe(1);
    clock.advance(10_000); // the lease runs out meanwhile (the worker fences itself; saveStep is already out)
    const [taken] = await store.acquire({ workerId: 'other', leaseMs: 60_000 });
    c.resume();
    await runUntil(clock, () => worker.getStatus().running.length === 0);
    expect(stepError).toBeInstanceOf(LeaseLostError);
    const [rec] = await store.getStepRecords(job.id);
    expect(c.calls.saveStep).toBe(1); // it did reach the store: the fence, not the gate, refused it
    expect(rec).toMatchObject({ name: 'place', state: 'started', token: 1 });
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', lockedBy: 'other', leaseToken: taken!.token });
    await worker.stop();
  });
});

const flushAll = () => new Promise<void>((r) => setImmediate(r));
