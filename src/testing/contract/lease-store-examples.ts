/**
 * Example-based tests of every rule in docs/semantics.md, written once and run against every adapter.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/clocks/manual-clock.js';
import {
  InvalidTransitionError,
  JobNotFoundError,
  LeaseLostError,
  LeaseholdError,
  StoreUnavailableError,
  ValidationError,
} from '../../domain/errors.js';
import type { Job, Lease, NewJob } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { useFreshStore, START, type StoreFactory } from './harness.js';
import { describeHostileValueExamples } from './lease-store-hostile.js';

const W1 = { workerId: 'w1', leaseMs: 10_000 };
const W2 = { workerId: 'w2', leaseMs: 10_000 };

export function describeLeaseStoreExamples(name: string, factory: StoreFactory): void {
  describe(`${name}: contract examples`, () => {
    let store: LeaseStore;
    let clock: ManualClock;
    useFreshStore(factory, (made) => ({ store, clock } = made));

    const enqueue = async (job: Partial<NewJob> = {}): Promise<Job> =>
      (await store.enqueue({ queue: 'orders', payload: { n: 1 }, ...job })).job;
    const acquireOne = async (req: { workerId: string; leaseMs: number; queues?: string[] } = W1): Promise<Lease> => {
      const [lease, ...rest] = await store.acquire(req);
      expect(rest).toEqual([]);
      if (!lease) throw new Error('expected a lease');
      return lease;
    };
    const expectLeaseLost = async (p: Promise<unknown>): Promise<void> => {
      await expect(p).rejects.toBeInstanceOf(LeaseLostError);
    };

    describe('enqueue', () => {
      it('creates a pending job with the defaults and returns copies', async () => {
        const { job, created } = await store.enqueue({ queue: 'orders', payload: { orderId: 7, tags: ['a'] } });
        expect(created).toBe(true);
        expect(job).toMatchObject({
          queue: 'orders', key: null, payload: { orderId: 7, tags: ['a'] }, status: 'pending', priority: 0,
          runAt: START, attempts: 0, maxAttempts: 3, leaseExpiries: 0, maxLeaseExpiries: 10, lockedBy: null, lockedUntil: null, leaseToken: 0,
          lastError: null, result: null, createdAt: START, updatedAt: START, finishedAt: null,
        });
        expect(typeof job.id).toBe('string');
        (job.payload as { orderId: number }).orderId = 99;
        job.status = 'done';
        const again = await store.get(job.id);
        expect(again?.payload).toEqual({ orderId: 7, tags: ['a'] });
        expect(again?.status).toBe('pending');
        (again!.payload as { tags: string[] }).tags.push('b');
        expect((await store.get(job.id))?.payload).toEqual({ orderId: 7, tags: ['a'] });
      });

      it('dedupes by key: the second enqueue returns the first job, created false', async () => {
        const a = await store.enqueue({ queue: 'orders', payload: 1, key: 'order-1' });
        const b = await store.enqueue({ queue: 'orders', payload: 2, key: 'order-1' });
        expect(b.created).toBe(false);
        expect(b.job.id).toBe(a.job.id);
        expect(b.job.payload).toBe(1);
        expect((await store.stats()).total).toBe(1);
      });

      it('dedupes by key even after the job finished, and keys are case-sensitive', async () => {
        const a = await enqueue({ key: 'K' });
        const l = await acquireOne();
        await store.complete(l);
        const again = await store.enqueue({ queue: 'orders', payload: 1, key: 'K' });
        expect(again).toMatchObject({ created: false, job: { id: a.id, status: 'done' } });
        const lower = await store.enqueue({ queue: 'orders', payload: 1, key: 'k' });
        expect(lower.created).toBe(true);
      });

      it('keys, queue names and step names that differ only by trailing spaces or case are distinct', async () => {
        // Byte-for-byte names: a PAD SPACE collation (MySQL/MariaDB utf8mb4_bin) would make
        // 'order-7 ' the same key as 'order-7' and silently drop a distinct order intent.
        const a = await store.enqueue({ queue: 'orders', payload: 'a', key: 'order-7' });
        const b = await store.enqueue({ queue: 'orders', payload: 'b', key: 'order-7 ' });
        const c = await store.enqueue({ queue: 'orders', payload: 'c', key: 'Order-7' });
        expect([a.created, b.created, c.created]).toEqual([true, true, true]);
        expect(new Set([a.job.id, b.job.id, c.job.id]).size).toBe(3);
        expect((await store.enqueue({ queue: 'orders', payload: 'x', key: 'order-7 ' })).job).toMatchObject({ id: b.job.id, payload: 'b', key: 'order-7 ' });
        const batch = await store.enqueueMany([
          { queue: 'orders', payload: 'd', key: 'order-7  ' },
          { queue: 'orders', payload: 'e', key: 'order-7 ' },
        ]);
        expect(batch.map((o) => [o.created, o.job.key])).toEqual([[true, 'order-7  '], [false, 'order-7 ']]);
        expect(batch[1]!.job.id).toBe(b.job.id);
        expect((await store.get(b.job.id))?.key).toBe('order-7 ');

        const spaced = await enqueue({ queue: 'q ', payload: 'spaced' });
        const upper = await enqueue({ queue: 'Q', payload: 'upper' });
        const plain = await enqueue({ queue: 'q', payload: 'plain' });
        expect((await store.acquire({ ...W1, limit: 10, queues: ['q'] })).map((l) => l.job.id)).toEqual([plain.id]);
        expect((await store.acquire({ ...W1, limit: 10, queues: ['q', 'zzz'] }))).toEqual([]);
        expect(await store.list({ queue: 'q' })).toHaveLength(1);
        const s = await store.stats();
        expect(Object.keys(s.byQueue).sort()).toEqual(['Q', 'orders', 'q', 'q ']);
        expect(s.byQueue['q ']).toMatchObject({ pending: 1 });
        const [lease] = await store.acquire({ ...W1, queues: ['q '] });
        expect(lease?.job).toMatchObject({ id: spaced.id, queue: 'q ' });
        expect((await store.acquire({ ...W1, queues: ['Q'] })).map((l) => l.job.id)).toEqual([upper.id]);

        await store.saveStep(lease!, 'place', 'A');
        await store.beginStep(lease!, 'place ');
        await store.saveStep(lease!, 'Place', 'C');
        expect((await store.getStepRecords(spaced.id)).map((r) => [r.name, r.state, r.result])).toEqual([
          // Same startedAt: by name in code-unit order.
          ['Place', 'done', 'C'],
          ['place', 'done', 'A'],
          ['place ', 'started', null],
        ]);
        expect(await store.getSteps(spaced.id)).toEqual({ place: 'A', Place: 'C' });
      });

      it('enqueueMany creates in order, dedupes within the batch and against existing jobs', async () => {
        await enqueue({ key: 'x' });
        const out = await store.enqueueMany([
          { queue: 'orders', payload: 1, key: 'a' },
          { queue: 'orders', payload: 2, key: 'x' },
          { queue: 'orders', payload: 3, key: 'a' },
          { queue: 'orders', payload: 4 },
        ]);
        expect(out.map((o) => o.created)).toEqual([true, false, false, true]);
        expect(out[2]!.job.id).toBe(out[0]!.job.id);
        expect(Number(out[3]!.job.id)).toBeGreaterThan(Number(out[0]!.job.id));
        expect((await store.stats()).total).toBe(3);
        expect(await store.enqueueMany([])).toEqual([]);
      });

      it('stores hostile strings as data', async () => {
        const hostile = `'; DROP TABLE processing_jobs; -- \\ " \` \u0000 \u2028 😀 é`;
        const { job } = await store.enqueue({ queue: hostile.replace('\u0000', ''), payload: { s: hostile, [hostile]: [hostile] }, key: hostile });
        const back = await store.get(job.id);
        expect(back?.payload).toEqual({ s: hostile, [hostile]: [hostile] });
        expect(back?.key).toBe(hostile);
        expect(back?.queue).toBe(hostile.replace('\u0000', ''));
        const [lease] = await store.acquire({ ...W1, queues: [hostile.replace('\u0000', '')] });
        expect(lease?.job.id).toBe(job.id);
        await store.saveStep(lease!, hostile, { s: hostile });
        await store.fail(lease!, hostile);
        expect(await store.getSteps(job.id)).toEqual({ [hostile]: { s: hostile } });
        expect((await store.get(job.id))?.lastError).toBe(hostile);
      });

      it('rejects bad input with a ValidationError naming the field, and writes nothing', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        const cases: [unknown, string][] = [
          [{ queue: '', payload: 1 }, 'queue'],
          [{ queue: 7, payload: 1 }, 'queue'],
          [{ queue: 'q' }, 'payload'],
          [{ queue: 'q', payload: undefined }, 'payload'],
          [{ queue: 'q', payload: () => 1 }, 'payload'],
          [{ queue: 'q', payload: { n: 10n } }, 'payload.n'],
          [{ queue: 'q', payload: cyclic }, 'payload.self'],
          [{ queue: 'q', payload: { d: new Date(0) } }, 'payload.d'],
          [{ queue: 'q', payload: [1, Number.NaN] }, 'payload[1]'],
          [{ queue: 'q', payload: 'x'.repeat(1024 * 1024) }, 'payload'],
          [{ queue: 'q', payload: 1, maxAttempts: 0 }, 'maxAttempts'],
          [{ queue: 'q', payload: 1, maxAttempts: 1.5 }, 'maxAttempts'],
          [{ queue: 'q', payload: 1, maxLeaseExpiries: -1 }, 'maxLeaseExpiries'],
          [{ queue: 'q', payload: 1, maxLeaseExpiries: 0.5 }, 'maxLeaseExpiries'],
          [{ queue: 'q', payload: 1, priority: 0.5 }, 'priority'],
          [{ queue: 'q', payload: 1, runAt: Number.POSITIVE_INFINITY }, 'runAt'],
          [{ queue: 'q', payload: 1, key: '' }, 'key'],
          [{ queue: 'q', payload: 1, colour: 'red' }, 'colour'],
          [null, 'job'],
        ];
        for (const [input, field] of cases) {
          const err = await store.enqueue(input as NewJob).then(() => undefined, (e: unknown) => e);
          expect(err, `field ${field}`).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).field).toBe(field);
          expect((err as ValidationError).message).toContain(field);
        }
        const batch = await store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 1, priority: Number.NaN }]).catch((e: unknown) => e);
        expect(batch).toBeInstanceOf(ValidationError);
        expect((batch as ValidationError).field).toBe('jobs[1].priority');
        expect((await store.stats()).total).toBe(0);
      });
    });

    describe('acquire', () => {
      it('orders by priority, then runAt, then id', async () => {
        const late = await enqueue({ runAt: START - 1000, priority: 1 });
        const b = await enqueue({ priority: 0 });
        const a = await enqueue({ priority: 0, runAt: START - 5 });
        const c = await enqueue({ priority: 0 });
        const urgent = await enqueue({ priority: -5 });
        const got = await store.acquire({ ...W1, limit: 10 });
        expect(got.map((l) => l.job.id)).toEqual([urgent.id, a.id, b.id, c.id, late.id]);
      });

      it('claims a batch of at most `limit` distinct jobs, each handed to one worker', async () => {
        for (let i = 0; i < 7; i++) await enqueue({ payload: i });
        const first = await store.acquire({ ...W1, limit: 3 });
        const second = await store.acquire({ ...W2, limit: 3 });
        const third = await store.acquire({ ...W1, limit: 3 });
        expect([first.length, second.length, third.length]).toEqual([3, 3, 1]);
        const ids = [...first, ...second, ...third].map((l) => l.job.id);
        expect(new Set(ids).size).toBe(7);
        expect(await store.acquire({ ...W2, limit: 3 })).toEqual([]);
      });

      it('sets the lease: processing, owner, expiry, attempts and token incremented', async () => {
        const job = await enqueue();
        const lease = await acquireOne();
        expect(lease).toMatchObject({ token: 1, workerId: 'w1', expiresAt: START + 10_000 });
        expect(lease.job).toMatchObject({ id: job.id, status: 'processing', attempts: 1, leaseToken: 1, lockedBy: 'w1', lockedUntil: START + 10_000 });
        expect(await store.get(job.id)).toEqual(lease.job);
      });

      it('serves only the asked queues', async () => {
        const a = await enqueue({ queue: 'a' });
        const b = await enqueue({ queue: 'b' });
        expect((await store.acquire({ ...W1, queues: ['b', 'zzz'] })).map((l) => l.job.id)).toEqual([b.id]);
        expect(await store.acquire({ ...W1, queues: ['b'] })).toEqual([]);
        expect((await store.acquire({ ...W1, queues: ['a'] })).map((l) => l.job.id)).toEqual([a.id]);
      });

      it('leaves delayed jobs until their runAt', async () => {
        const job = await enqueue({ runAt: START + 5000 });
        expect(await store.acquire(W1)).toEqual([]);
        clock.advance(4999);
        expect(await store.acquire(W1)).toEqual([]);
        clock.advance(1);
        expect((await acquireOne()).job.id).toBe(job.id);
      });

      it('takes over an expired lease without any reap: attempts and token go up', async () => {
        const job = await enqueue();
        const first = await acquireOne();
        clock.advance(9_999);
        expect(await store.acquire(W2)).toEqual([]);
        clock.advance(1);
        const second = await acquireOne(W2);
        expect(second.job).toMatchObject({ id: job.id, attempts: 2, leaseExpiries: 1, leaseToken: 2, lockedBy: 'w2' });
        expect(second.token).toBeGreaterThan(first.token);
        expect(second.job.lastError).toBe('lease expired on attempt 1 (lease expiry 1 of 10 allowed)');
        await expectLeaseLost(store.complete(first));
        expect((await store.get(job.id))?.status).toBe('processing');
      });

      it('fails a job whose leases keep expiring once its expiry budget is used up (poison job), whatever maxAttempts says', async () => {
        const job = await enqueue({ maxAttempts: 1, maxLeaseExpiries: 1 });
        await acquireOne();
        clock.advance(10_000);
        expect((await acquireOne(W2)).job).toMatchObject({ attempts: 2, leaseExpiries: 1 });
        clock.advance(10_000);
        expect(await store.acquire(W1)).toEqual([]);
        const after = await store.get(job.id);
        expect(after).toMatchObject({ status: 'failed', attempts: 2, leaseExpiries: 2, lockedBy: null, lockedUntil: null, finishedAt: clock.now() });
        expect(after?.lastError).toMatch(/^lease expired on attempt 2: the job's lease expired 2 times, more than its budget of 1 lease expiries/);
      });

      it('a budget of 0 lease expiries fails the job at its first expiry; retry resets the count', async () => {
        const job = await enqueue({ maxLeaseExpiries: 0 });
        await acquireOne();
        clock.advance(10_000);
        expect(await store.reapExpired()).toBe(1);
        expect(await store.get(job.id)).toMatchObject({ status: 'failed', attempts: 1, leaseExpiries: 1, maxLeaseExpiries: 0 });
        expect(await store.retry(job.id)).toMatchObject({ status: 'pending', attempts: 0, leaseExpiries: 0 });
      });

      it('rejects bad requests naming the field', async () => {
        const cases: [unknown, string][] = [
          [{ workerId: 'w', leaseMs: 0 }, 'leaseMs'],
          [{ workerId: 'w', leaseMs: -5 }, 'leaseMs'],
          [{ workerId: 'w', leaseMs: Number.NaN }, 'leaseMs'],
          [{ workerId: '', leaseMs: 10 }, 'workerId'],
          [{ workerId: 'w', leaseMs: 10, limit: 0 }, 'limit'],
          [{ workerId: 'w', leaseMs: 10, queues: [] }, 'queues'],
          [{ workerId: 'w', leaseMs: 10, queues: [''] }, 'queues[0]'],
        ];
        for (const [req, field] of cases) {
          const err = await store.acquire(req as never).catch((e: unknown) => e);
          expect(err, field).toBeInstanceOf(ValidationError);
          expect((err as ValidationError).field).toBe(field);
        }
      });
    });

    describe('fenced writes', () => {
      it('every stale write throws LeaseLostError and changes nothing', async () => {
        const job = await enqueue();
        const stale = await acquireOne();
        await store.beginStep(stale, 'before');
        clock.advance(10_000);
        const fresh = await acquireOne(W2);
        const snapshot = await store.get(job.id);
        const stepsBefore = await store.getStepRecords(job.id);
        await expectLeaseLost(store.complete(stale, { x: 1 }));
        await expectLeaseLost(store.fail(stale, 'boom'));
        await expectLeaseLost(store.extend(stale, 10_000));
        await expectLeaseLost(store.release(stale));
        await expectLeaseLost(store.expireLease(stale));
        await expectLeaseLost(store.saveStep(stale, 's', 1));
        await expectLeaseLost(store.beginStep(stale, 's'));
        const [outcome] = await store.completeMany([{ lease: stale }]);
        expect(outcome?.ok).toBe(false);
        expect(outcome?.ok === false && outcome.error).toBeInstanceOf(LeaseLostError);
        expect(await store.get(job.id)).toEqual(snapshot);
        expect(await store.getStepRecords(job.id)).toEqual(stepsBefore);
        await store.complete(fresh);
        await expectLeaseLost(store.complete(fresh));
      });

      it('a lease past its expiry that nobody took over is still the holder’s', async () => {
        await enqueue();
        const lease = await acquireOne();
        clock.advance(20_000);
        const extended = await store.extend(lease, 5_000);
        expect(extended).toMatchObject({ token: lease.token, expiresAt: clock.now() + 5_000 });
        expect(extended.job.lockedUntil).toBe(clock.now() + 5_000);
        expect(await store.acquire(W2)).toEqual([]);
        const done = await store.complete(lease, { ok: true });
        expect(done).toMatchObject({ status: 'done', result: { ok: true }, finishedAt: clock.now(), lockedBy: null });
      });

      it('a lease for a job id no store issued is lost, not a crash', async () => {
        await enqueue();
        const lease = await acquireOne();
        await expectLeaseLost(store.complete({ ...lease, job: { ...lease.job, id: '999999' } }));
        await expectLeaseLost(store.complete({ ...lease, job: { ...lease.job, id: 'abc' } }));
        const err = await store.complete({ ...lease, token: -1 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field).toBe('lease.token');
      });

      it('completeMany completes each live entry and reports each stale one', async () => {
        for (let i = 0; i < 3; i++) await enqueue({ payload: i });
        const leases = await store.acquire({ ...W1, limit: 3 });
        await store.complete(leases[1]!);
        const out = await store.completeMany(leases.map((lease, i) => ({ lease, result: i })));
        expect(out.map((o) => o.ok)).toEqual([true, false, true]);
        expect(out[0]).toMatchObject({ ok: true, job: { status: 'done', result: 0 } });
        expect((await store.get(leases[2]!.job.id))?.result).toBe(2);
        expect((await store.get(leases[1]!.job.id))?.result).toBe(null);
        await enqueue();
        const [live] = await store.acquire(W1);
        const mixed = await store.completeMany([null as never, { lease: live! }]);
        expect(mixed[0]?.ok === false && mixed[0].error).toBeInstanceOf(ValidationError);
        expect(mixed[1]).toMatchObject({ ok: true, job: { status: 'done' } });
      });
    });

    describe('failure and retry policy', () => {
      it('fail with attempts left goes to retry after the backoff (jitter fixed at 0.5)', async () => {
        const job = await enqueue();
        const lease = await acquireOne();
        const failed = await store.fail(lease, new Error('exchange down'));
        expect(failed).toMatchObject({ status: 'retry', attempts: 1, lockedBy: null, lockedUntil: null, runAt: START + 500 });
        expect(failed.lastError).toContain('exchange down');
        expect(await store.acquire(W1)).toEqual([]);
        clock.advance(500);
        const again = await acquireOne();
        expect(again.job).toMatchObject({ id: job.id, attempts: 2 });
        const second = await store.fail(again, 'still down');
        expect(second.runAt).toBe(clock.now() + 1000);
      });

      it('fail honours retryAt, fails at once when permanent, and fails when attempts are used up', async () => {
        const a = await enqueue({ maxAttempts: 1 });
        const la = await acquireOne();
        expect(await store.fail(la, 'x')).toMatchObject({ id: a.id, status: 'failed', finishedAt: START, attempts: 1 });
        await enqueue();
        const lb = await acquireOne();
        expect(await store.fail(lb, 'x', { retryAt: START + 60_000 })).toMatchObject({ status: 'retry', runAt: START + 60_000 });
        await enqueue();
        const lc = await acquireOne();
        expect(await store.fail(lc, 'bad order', { permanent: true })).toMatchObject({ status: 'failed', lastError: 'bad order' });
        const err = await store.fail(lc, 'x', { retryAt: Number.NaN }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ValidationError);
        await enqueue();
        const ld = await acquireOne();
        const bad = await store.fail(ld, 'x', { permanent: 'yes' as unknown as boolean }).catch((e: unknown) => e);
        expect((bad as ValidationError).field).toBe('permanent');
        expect(await store.get(ld.job.id)).toMatchObject({ status: 'processing' });
        expect(await store.fail(ld, 'x', null as unknown as undefined)).toMatchObject({ status: 'retry' });
      });

      it('expireLease counts a lease expiry, not a handler failure: retry at retryAt, failed once the expiry budget is used up', async () => {
        const job = await enqueue({ maxAttempts: 1, maxLeaseExpiries: 1 });
        const first = await acquireOne();
        const given = await store.expireLease(first, { retryAt: START + 5000 });
        expect(given).toMatchObject({ id: job.id, status: 'retry', runAt: START + 5000, attempts: 1, leaseExpiries: 1, lockedBy: null, lockedUntil: null });
        expect(given.lastError).toBe('lease expired on attempt 1 (lease expiry 1 of 1 allowed)');
        expect(await store.acquire(W1)).toEqual([]);
        clock.advance(5000);
        const second = await acquireOne();
        expect(second.job).toMatchObject({ attempts: 2, leaseExpiries: 1 });
        const ended = await store.expireLease(second);
        expect(ended).toMatchObject({ status: 'failed', leaseExpiries: 2, finishedAt: clock.now() });
        await expect(store.expireLease(second)).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.expireLease(second, { retryAt: -1 } as never)).rejects.toMatchObject({ field: 'retryAt' });
      });

      it('release gives the attempt back and makes the job pending', async () => {
        const job = await enqueue();
        const lease = await acquireOne();
        const released = await store.release(lease);
        expect(released).toMatchObject({ id: job.id, status: 'pending', attempts: 0, lockedBy: null, lockedUntil: null, leaseToken: 1 });
        const again = await acquireOne(W2);
        expect(again.job).toMatchObject({ attempts: 1, leaseToken: 2 });
      });

      it('reapExpired moves expired leases to retry, or to failed when the expiry budget is used up', async () => {
        const a = await enqueue({ maxAttempts: 3, maxLeaseExpiries: 0 });
        const b = await enqueue({ maxAttempts: 1 });
        const c = await enqueue({ queue: 'later' });
        await store.acquire({ ...W1, limit: 2, queues: ['orders'] });
        clock.advance(10_000);
        expect(await store.acquire({ ...W2, queues: ['none'] })).toEqual([]);
        expect((await store.getExpiredLeases()).map((j) => j.id)).toEqual([a.id, b.id]);
        const live = await acquireOne({ ...W2, queues: ['later'] } as typeof W2);
        expect(live.job.id).toBe(c.id);
        expect((await store.getActiveLeases()).map((j) => j.id)).toEqual([c.id]);
        expect(await store.reapExpired()).toBe(2);
        expect(await store.get(a.id)).toMatchObject({ status: 'failed', lockedBy: null, leaseExpiries: 1 });
        expect(await store.get(b.id)).toMatchObject({ status: 'retry', lockedBy: null, attempts: 1, leaseExpiries: 1 });
        expect(await store.reapExpired()).toBe(0);
        expect(await store.getExpiredLeases()).toEqual([]);
      });
    });

    describe('steps', () => {
      it('records intent and result, fenced, and they survive a takeover', async () => {
        const job = await enqueue();
        const first = await acquireOne();
        await store.beginStep(first, 'place-order');
        clock.advance(5);
        await store.saveStep(first, 'place-order', { exchangeId: 'X1' });
        await store.beginStep(first, 'notify');
        expect(await store.getSteps(job.id)).toEqual({ 'place-order': { exchangeId: 'X1' } });
        const records = await store.getStepRecords(job.id);
        expect(records).toEqual([
          { name: 'place-order', state: 'done', result: { exchangeId: 'X1' }, token: 1, startedAt: START, finishedAt: START + 5, key: null, settledAt: null },
          { name: 'notify', state: 'started', result: null, token: 1, startedAt: START + 5, finishedAt: null, key: null, settledAt: null },
        ]);
        clock.advance(10_000);
        const second = await acquireOne(W2);
        expect(await store.getSteps(job.id)).toEqual({ 'place-order': { exchangeId: 'X1' } });
        await store.beginStep(second, 'place-order');
        expect((await store.getStepRecords(job.id))[0]).toMatchObject({ state: 'done', token: 1 });
        await store.saveStep(second, 'notify', true);
        expect(await store.getSteps(job.id)).toEqual({ 'place-order': { exchangeId: 'X1' }, notify: true });
        expect(await store.getSteps('424242')).toEqual({});
      });
    });

    describe('step deadlines', () => {
      it('a deadline is recorded with the intent, and refused when later than the lease it is written under', async () => {
        const job = await enqueue();
        const lease = await acquireOne(); // lease until START + 10 s
        await expect(store.beginStep(lease, 'late', { deadlineAt: START + 10_001 })).rejects.toMatchObject({ name: 'ValidationError', field: 'deadlineAt' });
        await expect(store.beginStep(lease, 'bad', { deadlineAt: 1.5 })).rejects.toBeInstanceOf(ValidationError);
        expect(await store.getStepRecords(job.id)).toEqual([]);
        clock.advance(1000);
        await store.beginStep(lease, 'place', { deadlineAt: START + 10_000 });
        expect(await store.getStepRecords(job.id)).toEqual([
          { name: 'place', state: 'started', result: null, token: 1, startedAt: START + 1000, finishedAt: null, key: null, settledAt: null, deadlineAt: START + 10_000 },
        ]);
        await store.saveStep(lease, 'place', 'ok');
        expect((await store.getStepRecords(job.id))[0]).toMatchObject({ state: 'done', deadlineAt: START + 10_000 });
      });

      it('after a lease expiry, neither acquire, the poison rule nor reap takes the job before its latest step deadline plus the margin (2 s)', async () => {
        const job = await enqueue();
        const poisoned = await enqueue({ maxLeaseExpiries: 0 });
        const [lease, last] = await store.acquire({ ...W1, limit: 2 });
        await store.beginStep(lease!, 'one', { deadlineAt: START + 4_000 });
        await store.beginStep(lease!, 'two', { deadlineAt: START + 9_000 });
        await store.beginStep(last!, 'only', { deadlineAt: START + 9_500 });
        clock.set(START + 10_000); // both leases ran out; their deadlines plus 2 s have not passed
        expect((await store.getExpiredLeases()).map((j) => j.id)).toEqual([job.id, poisoned.id]);
        expect((await store.getHeldLeases()).map((h) => [h.job.id, h.stepDeadlineAt, h.takeoverAt])).toEqual([
          [job.id, START + 9_000, START + 11_000],
          [poisoned.id, START + 9_500, START + 11_500],
        ]);
        expect(await store.acquire(W2)).toEqual([]);
        expect(await store.reapExpired()).toBe(0);
        expect(await store.get(poisoned.id)).toMatchObject({ status: 'processing' });
        clock.set(START + 10_999);
        expect(await store.acquire(W2)).toEqual([]);
        clock.set(START + 11_000);
        expect((await store.getHeldLeases()).map((h) => h.job.id)).toEqual([poisoned.id]);
        const [taken, ...none] = await store.acquire({ ...W2, limit: 2 });
        expect(none).toEqual([]);
        expect(taken).toMatchObject({ token: 2, workerId: 'w2', job: { id: job.id } });
        expect(await store.get(poisoned.id)).toMatchObject({ status: 'processing' }); // 9.5 s + 2 s
        clock.set(START + 11_500);
        expect(await store.reapExpired()).toBe(1);
        expect(await store.get(poisoned.id)).toMatchObject({ status: 'failed' });
        // The new lease starts without a deadline: its expiry alone decides again.
        clock.set(START + 21_000);
        expect(await store.getHeldLeases()).toEqual([]);
        expect((await store.acquire(W1))[0]?.token).toBe(3);
      });

      it('getHeldLeases reports only expired leases a deadline holds, as the holder left them, filtered by queue and limited', async () => {
        const a = await enqueue({ queue: 'a' });
        const b = await enqueue({ queue: 'b' });
        const c = await enqueue({ queue: 'a' });
        const live = await enqueue({ queue: 'a' });
        const [la, lb, lc] = await store.acquire({ ...W1, limit: 3 });
        await store.beginStep(la!, 'place', { deadlineAt: START + 9_000 });
        await store.beginStep(lb!, 'place', { deadlineAt: START + 8_500 });
        await store.beginStep(lc!, 'place'); // no deadline: nothing holds it
        clock.set(START + 9_999);
        expect(await store.getHeldLeases()).toEqual([]); // not expired yet
        const [ll] = await store.acquire({ ...W2, leaseMs: 60_000 });
        expect(ll?.job.id).toBe(live.id);
        await store.beginStep(ll!, 'place', { deadlineAt: START + 20_000 }); // live: not held, just held
        clock.set(START + 10_000);
        const held = await store.getHeldLeases();
        expect(held.map((h) => h.job.id)).toEqual([a.id, b.id]);
        expect(held[0]).toEqual({ job: await store.get(a.id), stepDeadlineAt: START + 9_000, takeoverAt: START + 11_000 });
        expect(held[0]!.job).toMatchObject({ status: 'processing', lockedBy: 'w1', leaseToken: 1 });
        expect((await store.getHeldLeases({ queues: ['a'] })).map((h) => h.job.id)).toEqual([a.id]);
        expect((await store.getHeldLeases({ queues: ['b', 'b'] })).map((h) => h.job.id)).toEqual([b.id]);
        expect((await store.getHeldLeases({ limit: 1 })).map((h) => h.job.id)).toEqual([a.id]);
        await expect(store.getHeldLeases({ queues: [] })).rejects.toMatchObject({ name: 'ValidationError', field: 'queues' });
        await expect(store.getHeldLeases({ limit: 0 })).rejects.toMatchObject({ name: 'ValidationError', field: 'limit' });
        // The hold of b ends first (8.5 s + 2 s): c (no deadline) and b are taken over, a is not.
        clock.set(START + 10_500);
        expect((await store.acquire({ ...W2, limit: 3 })).map((l) => l.job.id)).toEqual([b.id, c.id]);
        expect((await store.getHeldLeases()).map((h) => h.job.id)).toEqual([a.id]);
      });
    });

    describe('admin operations', () => {
      it('cancel and manual retry follow the lifecycle; others are INVALID_TRANSITION and change nothing', async () => {
        const a = await enqueue();
        expect(await store.cancel(a.id)).toMatchObject({ status: 'cancelled', finishedAt: START });
        const err = await store.cancel(a.id).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidTransitionError);
        expect((err as LeaseholdError).code).toBe('INVALID_TRANSITION');
        clock.advance(100);
        expect(await store.retry(a.id)).toMatchObject({ status: 'pending', attempts: 0, runAt: START + 100, finishedAt: null });
        const lease = await acquireOne();
        const snap = await store.get(a.id);
        for (const op of [() => store.cancel(a.id), () => store.retry(a.id)]) {
          const e = await op().catch((x: unknown) => x);
          expect((e as LeaseholdError).code).toBe('INVALID_TRANSITION');
        }
        expect(await store.get(a.id)).toEqual(snap);
        await store.complete(lease);
        expect(((await store.retry(a.id).catch((e: unknown) => e)) as LeaseholdError).code).toBe('INVALID_TRANSITION');
        const b = await enqueue({ maxAttempts: 1 });
        await store.fail(await acquireOne(), 'no');
        expect(await store.retry(b.id)).toMatchObject({ status: 'pending', attempts: 0 });
        const retryAfterFail = await acquireOne();
        expect(retryAfterFail.job).toMatchObject({ id: b.id, attempts: 1 });
      });

      it('unknown ids give JobNotFoundError', async () => {
        for (const op of [() => store.cancel('12345'), () => store.retry('12345'), () => store.cancel('not-an-id')]) {
          await expect(op()).rejects.toBeInstanceOf(JobNotFoundError);
        }
        expect(await store.get('12345')).toBeUndefined();
        expect(await store.get('x')).toBeUndefined();
      });

      it('list filters by status and queue, in id order, with a limit', async () => {
        const a = await enqueue({ queue: 'a' });
        const b = await enqueue({ queue: 'b' });
        const c = await enqueue({ queue: 'a' });
        await store.cancel(b.id);
        expect((await store.list()).map((j) => j.id)).toEqual([a.id, b.id, c.id]);
        expect((await store.list({ queue: 'a' })).map((j) => j.id)).toEqual([a.id, c.id]);
        expect((await store.list({ status: 'cancelled' })).map((j) => j.id)).toEqual([b.id]);
        expect((await store.list({ status: ['pending', 'cancelled'], limit: 2 })).map((j) => j.id)).toEqual([a.id, b.id]);
        const err = await store.list({ status: 'nope' as never }).catch((e: unknown) => e);
        expect((err as ValidationError).field).toBe('status');
      });

      it('list orders by id, newest first with order: desc, filters and limit applied to that order', async () => {
        const a = await enqueue({ queue: 'a' });
        const b = await enqueue({ queue: 'b' });
        const c = await enqueue({ queue: 'a' });
        const d = await enqueue({ queue: 'a' });
        await store.cancel(c.id);
        expect((await store.list({ order: 'asc' })).map((j) => j.id)).toEqual([a.id, b.id, c.id, d.id]);
        expect((await store.list({ order: 'desc' })).map((j) => j.id)).toEqual([d.id, c.id, b.id, a.id]);
        expect((await store.list({ order: 'desc', limit: 2 })).map((j) => j.id)).toEqual([d.id, c.id]);
        expect((await store.list({ order: 'desc', queue: 'a', status: 'pending' })).map((j) => j.id)).toEqual([d.id, a.id]);
        expect((await store.list({ order: 'desc', status: ['cancelled', 'pending'], limit: 1 })).map((j) => j.id)).toEqual([d.id]);
        const err = await store.list({ order: 'newest' as never }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field).toBe('order');
      });

      it('stats counts by queue and status', async () => {
        await enqueue({ queue: 'a' });
        await enqueue({ queue: 'a' });
        const b = await enqueue({ queue: 'b' });
        await store.cancel(b.id);
        await store.acquire({ ...W1, queues: ['a'] });
        const s = await store.stats();
        expect(s.total).toBe(3);
        expect(s.byStatus).toEqual({ pending: 1, processing: 1, retry: 0, done: 0, failed: 0, cancelled: 1 });
        expect(s.byQueue.a).toMatchObject({ pending: 1, processing: 1 });
        expect(s.byQueue.b).toMatchObject({ cancelled: 1, pending: 0 });
      });

      it('prune deletes old final jobs and their steps, retires their keys, keeps the rest', async () => {
        const old = await enqueue({ key: 'old' });
        const l = await acquireOne();
        await store.saveStep(l, 's', 1);
        await store.complete(l);
        const waiting = await enqueue();
        clock.advance(60_000);
        const recent = await enqueue();
        await store.cancel(recent.id);
        expect(await store.prune({ olderThanMs: 30_000 })).toBe(1);
        expect(await store.get(old.id)).toBeUndefined();
        expect(await store.getSteps(old.id)).toEqual({});
        expect(await store.get(waiting.id)).toBeDefined();
        expect(await store.get(recent.id)).toBeDefined();
        // The key is not freed: one job per key, ever (a replay is refused, see the retired-key examples).
        expect(((await store.enqueue({ queue: 'orders', payload: 1, key: 'old' }).catch((e: unknown) => e)) as LeaseholdError).code).toBe('KEY_RETIRED');
        expect(await store.prune({ olderThanMs: 0, statuses: ['done'] })).toBe(0);
        expect(await store.prune({ olderThanMs: 0, statuses: ['cancelled'] })).toBe(1);
        const err = await store.prune({ olderThanMs: 0, statuses: ['pending'] }).catch((e: unknown) => e);
        expect((err as ValidationError).field).toBe('statuses');
      });

      it('tells in-process listeners about each new job', async () => {
        const seen: string[] = [];
        const off = store.onEnqueue((q) => seen.push(q));
        await enqueue({ queue: 'a' });
        await store.enqueueMany([{ queue: 'b', payload: 1 }]);
        await enqueue({ queue: 'a', key: 'k' });
        await enqueue({ queue: 'a', key: 'k' });
        off();
        await enqueue({ queue: 'c' });
        expect(seen).toEqual(['a', 'b', 'a']);
      });

      it('a closed store refuses work with StoreUnavailableError', async () => {
        await store.close();
        await expect(store.enqueue({ queue: 'q', payload: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      });
    });
    describe('history: attempts, per-minute counters, keyset pages', () => {
      const need = <T>(m: T | undefined, name: string): T => {
        if (!m) throw new Error(`${name}: every store keeps the history`);
        return m;
      };
      const attemptsOf = (id: string) => need(store.getAttempts, 'getAttempts').call(store, id);
      const throughput = (since: number) => need(store.throughput, 'throughput').call(store, { since });
      const findJobs = (q: Parameters<NonNullable<LeaseStore['findJobs']>>[0]) => need(store.findJobs, 'findJobs').call(store, q);

      it('records each attempt: who held it, from when to when, and how it ended', async () => {
        const job = await enqueue({ maxAttempts: 5 });
        expect(await attemptsOf(job.id)).toEqual([]);
        const l1 = await acquireOne(W1);
        clock.advance(1_000);
        await store.extend(l1, 10_000);
        await store.fail(l1, new Error('exchange busy'), { retryAt: clock.now() });
        const l2 = await acquireOne(W2);
        clock.advance(11_000); // w2's lease runs out; w1 takes the job over
        const l3 = await acquireOne(W1);
        clock.advance(500);
        await store.release(l3);
        const l4 = await acquireOne(W2);
        clock.advance(250);
        await store.complete(l4, { ok: true });
        const t = START;
        expect(await attemptsOf(job.id)).toEqual([
          { token: 1, workerId: 'w1', startedAt: t, endedAt: t + 1_000, outcome: 'retry', error: expect.stringContaining('exchange busy') },
          { token: 2, workerId: 'w2', startedAt: t + 1_000, endedAt: t + 12_000, outcome: 'expired', error: 'lease expired on attempt 2 (lease expiry 1 of 10 allowed)' },
          { token: 3, workerId: 'w1', startedAt: t + 12_000, endedAt: t + 12_500, outcome: 'released', error: null },
          { token: 4, workerId: 'w2', startedAt: t + 12_500, endedAt: t + 12_750, outcome: 'completed', error: null },
        ]);
        expect(l2.token).toBe(2);
        expect(await attemptsOf('999999')).toEqual([]);
        expect(await attemptsOf('not-an-id')).toEqual([]);
      });

      it('closes an attempt reaped or failed for good, and keeps the history until prune', async () => {
        // No lease expiry allowed: the reap fails it for good.
        const a = await enqueue({ maxAttempts: 1, maxLeaseExpiries: 0 });
        await acquireOne(W1);
        clock.advance(10_000);
        expect(await store.reapExpired()).toBe(1);
        const b = await enqueue({ maxAttempts: 1 });
        const lb = await acquireOne(W2);
        await store.fail(lb, new Error('no funds'));
        expect(await attemptsOf(a.id)).toMatchObject([{ token: 1, outcome: 'expired', endedAt: START + 10_000 }]);
        expect(await attemptsOf(b.id)).toMatchObject([{ token: 1, workerId: 'w2', outcome: 'failed', error: expect.stringContaining('no funds') }]);
        await store.retry(b.id);
        const again = await acquireOne(W1);
        expect(again.token).toBe(2);
        expect((await attemptsOf(b.id)).map((x) => [x.token, x.outcome])).toEqual([[1, 'failed'], [2, 'running']]);
        await store.complete(again);
        clock.advance(60_000);
        expect(await store.prune({ olderThanMs: 1 })).toBe(2);
        expect(await attemptsOf(a.id)).toEqual([]);
        expect(await attemptsOf(b.id)).toEqual([]);
      });

      it('counts completed, failed and retried jobs per minute and queue, and prune keeps the counts', async () => {
        const minute = START; // START is on a minute
        for (let i = 0; i < 3; i++) await enqueue({ queue: 'orders', maxAttempts: 2 });
        await enqueue({ queue: 'mail', maxAttempts: 1 });
        const [o1, o2, o3] = await store.acquire({ ...W1, limit: 3, queues: ['orders'] });
        await store.complete(o1!);
        await store.completeMany([{ lease: o2! }]);
        await store.fail(o3!, new Error('busy'), { retryAt: START + 120_000 });
        clock.advance(61_000);
        const m = await acquireOne({ ...W2, queues: ['mail'] });
        await store.fail(m, new Error('smtp'));
        expect(await throughput(START)).toEqual([
          { minute, queue: 'orders', completed: 2, failed: 0, retried: 1 },
          { minute: minute + 60_000, queue: 'mail', completed: 0, failed: 1, retried: 0 },
        ]);
        expect(await throughput(START + 60_000)).toEqual([{ minute: minute + 60_000, queue: 'mail', completed: 0, failed: 1, retried: 0 }]);
        clock.advance(3_600_000);
        expect(await store.prune({ olderThanMs: 1 })).toBe(3);
        expect((await throughput(START)).map((b) => b.queue)).toEqual(['orders', 'mail']);
        await expect(throughput(Number.NaN)).rejects.toBeInstanceOf(ValidationError);
      });

      it('counts and closes only the live entries of a completeMany with a stale one, in one queue or several', async () => {
        const minute = START;
        for (const queue of ['orders', 'orders', 'mail', 'orders']) await enqueue({ queue });
        const leases = await store.acquire({ ...W1, limit: 4 });
        // The first lease is taken over: its entry is stale, the other three are live.
        clock.advance(W1.leaseMs);
        const [taken] = await store.acquire({ ...W2, limit: 1 });
        expect(taken?.job.id).toBe(leases[0]!.job.id);
        const out = await store.completeMany(leases.map((lease) => ({ lease })));
        expect(out.map((o) => o.ok)).toEqual([false, true, true, true]);
        expect(await throughput(START)).toEqual([{ minute, queue: 'mail', completed: 1, failed: 0, retried: 0 }, { minute, queue: 'orders', completed: 2, failed: 0, retried: 0 }]);
        expect((await attemptsOf(leases[0]!.job.id)).map((a) => [a.token, a.outcome])).toEqual([[leases[0]!.token, 'expired'], [taken!.token, 'running']]);
        for (const lease of leases.slice(1)) expect((await attemptsOf(lease.job.id)).map((a) => a.outcome)).toEqual(['completed']);
        // All live: every one counted once, in each of its queues.
        for (const queue of ['orders', 'mail']) await enqueue({ queue });
        const more = await store.acquire({ ...W1, limit: 2 });
        expect((await store.completeMany(more.map((lease) => ({ lease })))).every((o) => o.ok)).toBe(true);
        expect(await throughput(START)).toEqual([{ minute, queue: 'mail', completed: 2, failed: 0, retried: 0 }, { minute, queue: 'orders', completed: 3, failed: 0, retried: 0 }]);
      });

      it('pages jobs newest first by id, filtered by queue, status and key', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push((await enqueue({ queue: i % 2 === 0 ? 'even' : 'odd', key: `k${i}` })).id);
        const l = await acquireOne({ ...W1, queues: ['odd'] });
        await store.complete(l);
        const p1 = await findJobs({ limit: 3 });
        expect(p1.jobs.map((j) => j.id)).toEqual([ids[6], ids[5], ids[4]]);
        const p2 = await findJobs({ limit: 3, beforeId: p1.next! });
        expect(p2.jobs.map((j) => j.id)).toEqual([ids[3], ids[2], ids[1]]);
        const p3 = await findJobs({ limit: 3, beforeId: p2.next! });
        expect(p3).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })], next: null });
        expect((await findJobs({ queue: 'even' })).jobs.map((j) => j.id)).toEqual([ids[6], ids[4], ids[2], ids[0]]);
        expect((await findJobs({ queue: 'odd', status: 'done' })).jobs.map((j) => j.id)).toEqual([ids[1]]);
        expect((await findJobs({ status: ['done', 'pending'], limit: 6 })).next).toBe(ids[1]);
        expect((await findJobs({ key: 'k3' })).jobs.map((j) => j.id)).toEqual([ids[3]]);
        expect((await findJobs({ key: 'k3', queue: 'even' })).jobs).toEqual([]);
        expect((await findJobs({ key: 'nope' })).jobs).toEqual([]);
        expect((await findJobs({})).jobs).toHaveLength(7);
        const p = (await findJobs({ key: 'k2' })).jobs[0]!;
        expect(p).toEqual(await store.get(ids[2]!));
        for (const bad of [{ beforeId: 'x' }, { limit: 0 }, { status: 'nope' }, { queue: '' }, { key: '' }]) {
          await expect(findJobs(bad as never)).rejects.toBeInstanceOf(ValidationError);
        }
      });
    });
  });
  describeHostileValueExamples(name, factory);
}
