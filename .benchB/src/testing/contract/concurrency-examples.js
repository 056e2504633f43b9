/**
 * Contract examples of concurrency keys, run against every adapter: at most the limit of leases
 * per key, held-back jobs uncharged and out of the claim's way, slots that move with a takeover
 * and come back when a lease ends, expires or is poisoned.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors.js';
import { useFreshStore } from './harness.js';
const LEASE = 30_000;
export function describeConcurrencyExamples(name, factory) {
    describe(`${name}: contract examples, concurrency keys`, () => {
        let store;
        let clock;
        useFreshStore(factory, (made) => ({ store, clock } = made));
        const claim = (limit = 1, workerId = 'w1') => store.acquire({ workerId, leaseMs: LEASE, limit });
        const ids = (leases) => leases.map((l) => l.job.id);
        it('keeps the key and its limit on the job, and validates them', async () => {
            const { job } = await store.enqueue({ queue: 'orders', payload: 1, concurrencyKey: 'account:7', concurrencyLimit: 2 });
            expect(job).toMatchObject({ concurrencyKey: 'account:7', concurrencyLimit: 2 });
            const plain = (await store.enqueue({ queue: 'orders', payload: 2 })).job;
            expect(plain.concurrencyKey).toBeUndefined();
            expect((await store.enqueue({ queue: 'orders', payload: 3, concurrencyKey: 'k' })).job.concurrencyLimit).toBe(1);
            expect(await store.get(job.id)).toMatchObject({ concurrencyKey: 'account:7', concurrencyLimit: 2 });
            await expect(store.enqueue({ queue: 'orders', payload: 1, concurrencyLimit: 2 })).rejects.toThrow(ValidationError);
            await expect(store.enqueue({ queue: 'orders', payload: 1, concurrencyKey: 'k', concurrencyLimit: 0 })).rejects.toThrow(/concurrencyLimit/);
            await expect(store.enqueue({ queue: 'orders', payload: 1, concurrencyKey: '' })).rejects.toThrow(/concurrencyKey/);
        });
        it('holds at most the limit of leases per key, claims past the held-back jobs, and does not charge them', async () => {
            const a1 = (await store.enqueue({ queue: 'orders', payload: 'a1', concurrencyKey: 'a' })).job;
            const a2 = (await store.enqueue({ queue: 'orders', payload: 'a2', concurrencyKey: 'a' })).job;
            const a3 = (await store.enqueue({ queue: 'orders', payload: 'a3', concurrencyKey: 'a' })).job;
            const b1 = (await store.enqueue({ queue: 'orders', payload: 'b1', concurrencyKey: 'b', concurrencyLimit: 2 })).job;
            const b2 = (await store.enqueue({ queue: 'orders', payload: 'b2', concurrencyKey: 'b', concurrencyLimit: 2 })).job;
            const free = (await store.enqueue({ queue: 'orders', payload: 'free' })).job;
            expect(ids(await claim(10))).toEqual([a1.id, b1.id, b2.id, free.id]);
            expect(await claim(10)).toEqual([]);
            for (const j of [a2, a3])
                expect(await store.get(j.id)).toMatchObject({ status: 'pending', attempts: 0, leaseToken: 0 });
        });
        it('gives a slot back when a lease ends: complete, fail, release', async () => {
            const jobs = [];
            for (let i = 0; i < 4; i++)
                jobs.push((await store.enqueue({ queue: 'orders', payload: i, concurrencyKey: 'a' })).job);
            const [first] = await claim();
            expect(await claim()).toEqual([]);
            await store.complete(first);
            const [second] = await claim();
            expect(second.job.id).toBe(jobs[1].id);
            await store.fail(second, new Error('exchange said no'), { retryAt: clock.now() + 60_000 });
            const [third] = await claim();
            expect(third.job.id).toBe(jobs[2].id);
            await store.release(third);
            const [again] = await claim();
            expect(again.job.id).toBe(jobs[2].id);
            expect(again.job.attempts).toBe(1);
        });
        it('moves the slot with a takeover, and frees it when the expired lease is reaped', async () => {
            const a1 = (await store.enqueue({ queue: 'orders', payload: 1, concurrencyKey: 'a' })).job;
            const a2 = (await store.enqueue({ queue: 'orders', payload: 2, concurrencyKey: 'a' })).job;
            await claim(1, 'crashed');
            clock.advance(LEASE + 1);
            // The crashed holder's expired lease is taken over: still one lease for the key.
            const taken = await claim(10, 'w2');
            expect(ids(taken)).toEqual([a1.id]);
            expect(await store.get(a2.id)).toMatchObject({ status: 'pending', attempts: 0 });
            clock.advance(LEASE + 1);
            expect(await store.reapExpired()).toBe(1);
            // Reaped: the slot is free, and a1 (retry, first in claim order) takes it again.
            expect(ids(await claim(10, 'w3'))).toEqual([a1.id]);
            expect((await store.get(a2.id)).attempts).toBe(0);
        });
        it('frees the slot of a poisoned lease in the claim that fails it', async () => {
            const a1 = (await store.enqueue({ queue: 'orders', payload: 1, concurrencyKey: 'a', maxLeaseExpiries: 0 })).job;
            const a2 = (await store.enqueue({ queue: 'orders', payload: 2, concurrencyKey: 'a' })).job;
            await claim(1, 'crashed');
            expect(await claim()).toEqual([]);
            clock.advance(LEASE + 1);
            expect(ids(await claim(10, 'w2'))).toEqual([]);
            expect((await store.get(a1.id)).status).toBe('failed');
            expect(ids(await claim(10, 'w2'))).toEqual([a2.id]);
        });
        it('frees held-back jobs in claim order, as many as slots free, and never a cancelled one', async () => {
            const a = [];
            for (let i = 0; i < 5; i++)
                a.push((await store.enqueue({ queue: 'orders', payload: i, concurrencyKey: 'a', concurrencyLimit: 2, priority: 5 - i })).job);
            // Priority order: a4, a3 first.
            const held = await claim(10);
            expect(ids(held)).toEqual([a[4].id, a[3].id]);
            await store.cancel(a[2].id);
            await store.complete(held[0]);
            await store.complete(held[1]);
            expect(ids(await claim(10))).toEqual([a[1].id, a[0].id]);
            expect((await store.get(a[2].id)).status).toBe('cancelled');
            await store.retry(a[2].id);
            expect(await claim(10)).toEqual([]);
        });
        it('does not hold back a job whose key has room, nor a job without a key, behind a full key', async () => {
            const blockers = [];
            for (let i = 0; i < 20; i++)
                blockers.push((await store.enqueue({ queue: 'orders', payload: i, concurrencyKey: 'busy', priority: -1 })).job);
            const other = (await store.enqueue({ queue: 'orders', payload: 'x', concurrencyKey: 'quiet' })).job;
            const plain = (await store.enqueue({ queue: 'orders', payload: 'y' })).job;
            expect(ids(await claim(1))).toEqual([blockers[0].id]);
            expect(ids(await claim(1))).toEqual([other.id]);
            expect(ids(await claim(1))).toEqual([plain.id]);
            expect((await store.stats()).byStatus.pending).toBe(19);
        });
    });
}
//# sourceMappingURL=concurrency-examples.js.map