/**
 * Contract examples of rate limits, run against every adapter: a stored limit per queue that no
 * interval of `perMs` exceeds, jobs held back uncharged, other queues unaffected, takeovers
 * counted, limits listed with when they next have room.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors.js';
import { useFreshStore } from './harness.js';
const LEASE = 30_000;
export function describeRateLimitExamples(name, factory) {
    describe(`${name}: contract examples, rate limits`, () => {
        let store;
        let clock;
        useFreshStore(factory, (made) => ({ store, clock } = made));
        const claim = (limit = 10, queues) => store.acquire({ workerId: 'w1', leaseMs: LEASE, limit, ...(queues ? { queues } : {}) });
        const enqueue = async (queue, n) => (await store.enqueueMany(Array.from({ length: n }, (_, i) => ({ queue, payload: i })))).map((r) => r.job.id);
        it('stores, lists, replaces and removes a queue’s limit, and validates it', async () => {
            await store.setRateLimit('binance', { max: 10, perMs: 1000 });
            await store.setRateLimit('kraken', { max: 1, perMs: 500 });
            expect(await store.listRateLimits()).toEqual([
                { queue: 'binance', max: 10, perMs: 1000, room: 10, nextRoomAt: clock.now() },
                { queue: 'kraken', max: 1, perMs: 500, room: 1, nextRoomAt: clock.now() },
            ]);
            await store.setRateLimit('binance', { max: 5, perMs: 2000 });
            expect(await store.listRateLimits({ queues: ['binance'] })).toEqual([{ queue: 'binance', max: 5, perMs: 2000, room: 5, nextRoomAt: clock.now() }]);
            await store.setRateLimit('kraken', null);
            expect((await store.listRateLimits()).map((l) => l.queue)).toEqual(['binance']);
            await expect(store.setRateLimit('x', { max: 0, perMs: 1000 })).rejects.toThrow(ValidationError);
            await expect(store.setRateLimit('x', { max: 1, perMs: 0 })).rejects.toThrow(/perMs/);
            await expect(store.setRateLimit('', { max: 1, perMs: 1 })).rejects.toThrow(/queue/);
        });
        it('claims at most max per interval, holds the rest back uncharged, and claims them as the interval slides', async () => {
            await store.setRateLimit('binance', { max: 3, perMs: 1000 });
            const ids = await enqueue('binance', 7);
            expect((await claim()).map((l) => l.job.id)).toEqual(ids.slice(0, 3));
            expect(await claim()).toEqual([]);
            expect(await store.get(ids[3])).toMatchObject({ status: 'pending', attempts: 0 });
            expect((await store.listRateLimits())[0]).toMatchObject({ room: 0, nextRoomAt: clock.now() + 1000 });
            clock.advance(999);
            expect(await claim()).toEqual([]);
            clock.advance(1);
            expect((await claim(1)).map((l) => l.job.id)).toEqual([ids[3]]);
            clock.advance(500);
            expect((await claim()).map((l) => l.job.id)).toEqual(ids.slice(4, 6));
            expect((await store.listRateLimits())[0]).toMatchObject({ room: 0, nextRoomAt: clock.now() + 500 });
        });
        it('a limit lowered and raised again within an interval still counts the claims already made', async () => {
            await store.setRateLimit('binance', { max: 2, perMs: 1000 });
            const ids = await enqueue('binance', 3);
            expect(await claim()).toHaveLength(2);
            await store.setRateLimit('binance', { max: 1, perMs: 1000 });
            await store.setRateLimit('binance', { max: 2, perMs: 1000 });
            // Two claims in this interval, a limit of two: no room until the first leaves it.
            expect((await store.listRateLimits())[0]).toMatchObject({ room: 0, nextRoomAt: clock.now() + 1000 });
            expect(await claim()).toEqual([]);
            clock.advance(1000);
            expect((await claim()).map((l) => l.job.id)).toEqual([ids[2]]);
        });
        it('leaves other queues alone, in a claim of every queue and of a list of queues', async () => {
            await store.setRateLimit('binance', { max: 1, perMs: 1000 });
            const limited = await enqueue('binance', 3);
            const free = await enqueue('kraken', 3);
            expect((await claim(10)).map((l) => l.job.id)).toEqual([limited[0], ...free]);
            const more = await enqueue('kraken', 2);
            expect((await claim(10, ['binance', 'kraken'])).map((l) => l.job.id)).toEqual(more);
            expect(await claim(10, ['binance'])).toEqual([]);
        });
        it('counts a takeover of an expired lease as a claim', async () => {
            await store.setRateLimit('binance', { max: 2, perMs: 60_000 });
            const ids = await enqueue('binance', 3);
            await claim(1);
            clock.advance(LEASE + 1);
            // The takeover of ids[0] and one fresh claim: the limit of 2 in the minute.
            expect((await claim()).map((l) => l.job.id)).toEqual([ids[0]]);
            expect(await store.get(ids[1])).toMatchObject({ status: 'pending', attempts: 0 });
        });
        it('releases a lease to run again later: pending until runAt, the attempt given back, the reason recorded', async () => {
            const { job } = await store.enqueue({ queue: 'binance', payload: 1, maxAttempts: 1 });
            const [lease] = await claim(1);
            const later = await store.release(lease, { runAt: clock.now() + 2000, reason: 'retry later: exchange answered 429' });
            expect(later).toMatchObject({ id: job.id, status: 'pending', attempts: 0, runAt: clock.now() + 2000, lastError: 'retry later: exchange answered 429', lockedBy: null });
            expect(await claim()).toEqual([]);
            clock.advance(2000);
            const [again] = await claim();
            expect(again.job).toMatchObject({ id: job.id, attempts: 1 });
            // A plain release keeps runAt and lastError as they were.
            expect(await store.release(again)).toMatchObject({ status: 'pending', runAt: clock.now(), lastError: 'retry later: exchange answered 429' });
            const [third] = await claim();
            await expect(store.release(third, { reason: 'no time' })).rejects.toThrow(ValidationError);
            await expect(store.release(third, { runAt: -1 })).rejects.toThrow(/runAt/);
            await expect(store.release(lease, { runAt: clock.now() })).rejects.toThrow(/lease/i);
        });
        it('keeps the claim times when the limit changes', async () => {
            await store.setRateLimit('binance', { max: 2, perMs: 1000 });
            await enqueue('binance', 5);
            expect(await claim()).toHaveLength(2);
            await store.setRateLimit('binance', { max: 3, perMs: 1000 });
            expect(await claim()).toHaveLength(1);
            await store.setRateLimit('binance', null);
            expect(await claim()).toHaveLength(2);
        });
    });
}
//# sourceMappingURL=rate-limit-examples.js.map