/**
 * Example tests of the worker process table (liveness apart from the lease), written once
 * and run against every adapter. Time is the store's clock, driven by the suite's ManualClock.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError, WorkerAliveError } from '../../domain/errors.js';
import { START, useFreshStore } from './harness.js';
const REG = { workerId: 'bot-1', incarnation: 'inc-a', host: 'host-a', pid: 4242, bootId: 'boot-1', livenessTimeoutMs: 8000 };
export function describeWorkerProcessExamples(name, factory) {
    describe(`${name}: contract examples, worker processes`, () => {
        let store;
        let clock;
        useFreshStore(factory, (made) => ({ store, clock } = made));
        it('registers a process, renews its sign of life by the store clock, and lists it with the jobs it holds', async () => {
            expect(await store.registerWorker(REG)).toEqual({ ok: true, worker: { ...REG, startedAt: START, lastSeenAt: START } });
            await store.enqueue({ queue: 'q', payload: 1 });
            await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            clock.advance(1000);
            expect(await store.renewWorker('bot-1', 'inc-a')).toEqual({ ...REG, startedAt: START, lastSeenAt: START + 1000 });
            clock.advance(7999);
            expect(await store.listWorkers()).toEqual([{ ...REG, startedAt: START, lastSeenAt: START + 1000, alive: true, jobsHeld: 1 }]);
            clock.advance(1);
            expect((await store.listWorkers())[0]).toMatchObject({ alive: false, jobsHeld: 1 });
        });
        it('refuses a second live process under one id, lets a proven-dead incarnation be replaced, and supersedes the old one', async () => {
            await store.registerWorker(REG);
            clock.advance(500);
            const refused = await store.registerWorker({ ...REG, incarnation: 'inc-b', pid: 4343 });
            expect(refused).toEqual({ ok: false, current: { ...REG, startedAt: START, lastSeenAt: START, alive: true, jobsHeld: 0 } });
            expect(await store.registerWorker({ ...REG, incarnation: 'inc-b' }, { replaces: 'wrong' })).toMatchObject({ ok: false });
            expect(await store.registerWorker({ ...REG, incarnation: 'inc-b', pid: 4343 }, { replaces: 'inc-a' })).toMatchObject({ ok: true, worker: { incarnation: 'inc-b', startedAt: START + 500 } });
            expect(await store.renewWorker('bot-1', 'inc-a')).toBeNull();
            expect(await store.unregisterWorker('bot-1', 'inc-a')).toBe(false);
            expect(await store.renewWorker('bot-1', 'inc-b')).toMatchObject({ incarnation: 'inc-b', lastSeenAt: START + 500 });
            expect(await store.unregisterWorker('bot-1', 'inc-b')).toBe(true);
            expect(await store.listWorkers()).toEqual([]);
        });
        it('a process that takes an id over makes its predecessor\'s leases claimable at once', async () => {
            await store.registerWorker(REG);
            await store.enqueue({ queue: 'q', payload: 1 });
            const [old] = await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            clock.advance(100);
            expect(await store.registerWorker({ ...REG, incarnation: 'inc-b', pid: 5000 }, { replaces: 'inc-a' })).toMatchObject({ ok: true });
            expect(await store.get(old.job.id)).toMatchObject({ status: 'processing', lockedBy: 'bot-1', leaseToken: old.token, lockedUntil: START + 100 });
            const [again] = await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            expect(again?.job).toMatchObject({ id: old.job.id, attempts: 2, leaseExpiries: 1 });
            await expect(store.complete(old)).rejects.toMatchObject({ code: 'LEASE_LOST' });
        });
        it('a dead process cannot renew and its id is free again', async () => {
            await store.registerWorker(REG);
            clock.advance(8000);
            expect(await store.renewWorker('bot-1', 'inc-a')).toBeNull();
            expect(await store.registerWorker({ ...REG, incarnation: 'inc-c' })).toMatchObject({ ok: true, worker: { incarnation: 'inc-c', lastSeenAt: START + 8000 } });
        });
        it('the sweep marks a dead process\'s leases expired without changing the claim; the next acquire takes them over', async () => {
            await store.registerWorker(REG);
            await store.registerWorker({ ...REG, workerId: 'bot-2', incarnation: 'inc-2' });
            await store.enqueue({ queue: 'q', payload: 1 });
            await store.enqueue({ queue: 'q', payload: 2 });
            const [mine] = await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            const [theirs] = await store.acquire({ workerId: 'bot-2', leaseMs: 300_000 });
            clock.advance(4000);
            await store.renewWorker('bot-2', 'inc-2');
            // Nothing to mark; the next known expiry is bot-1's death, 4 s away.
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 0, expired: 0, nextExpiryInMs: 4000 });
            clock.advance(4000); // bot-1 last seen 8 s ago: dead; bot-2 renewed 4 s ago
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 1, expired: 1, nextExpiryInMs: 4000 });
            expect(await store.get(mine.job.id)).toMatchObject({ status: 'processing', lockedBy: 'bot-1', leaseToken: mine.token, lockedUntil: START + 8000 });
            expect(await store.get(theirs.job.id)).toMatchObject({ lockedUntil: START + 300_000 });
            // Already marked: nothing to mark again, the lease is still expired for the next acquire.
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 0, expired: 1, nextExpiryInMs: 4000 });
            const [taken] = await store.acquire({ workerId: 'bot-3', leaseMs: 300_000 });
            expect(taken?.job).toMatchObject({ id: mine.job.id, attempts: 2, leaseExpiries: 1, lockedBy: 'bot-3' });
            expect(taken.token).toBeGreaterThan(mine.token);
        });
        it('the sweep reports the earliest known expiry: a lease running out, or a live process about to count as dead', async () => {
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 0, expired: 0, nextExpiryInMs: null });
            await store.enqueue({ queue: 'q', payload: 1 });
            await store.enqueue({ queue: 'q', payload: 2 });
            // A worker without a process row (no liveness): only its lease tells when its job is free.
            await store.acquire({ workerId: 'plain', leaseMs: 3000 });
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 0, expired: 0, nextExpiryInMs: 3000 });
            clock.advance(1000);
            await store.registerWorker(REG);
            await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 0, expired: 0, nextExpiryInMs: 2000 });
            clock.advance(2000); // the plain lease ran out by itself; bot-1 dies 6 s later
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 0, expired: 1, nextExpiryInMs: 6000 });
            clock.advance(6000);
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 1, expired: 2, nextExpiryInMs: null });
        });
        it('an open step deadline holds a dead worker\'s job back: the sweep does not count it takeable, and an operator release retries it no earlier than deadline + margin', async () => {
            await store.registerWorker(REG);
            const { job } = await store.enqueue({ queue: 'q', payload: 1 });
            const [lease] = await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            await store.beginStep(lease, 'place', { key: 'k-1', deadlineAt: START + 20_000 });
            clock.advance(8000); // bot-1 counts as dead; its step's request is valid until START + 20 s
            // Marked expired, but held back until the deadline plus the default 2 s margin.
            expect(await store.sweepDeadWorkers()).toEqual({ marked: 1, expired: 0, nextExpiryInMs: 14_000 });
            expect(await store.acquire({ workerId: 'other', leaseMs: 1000 })).toEqual([]);
            expect(await store.releaseWorkerLeases('bot-1')).toBe(1);
            expect(await store.get(job.id)).toMatchObject({ status: 'retry', runAt: START + 22_000, leaseExpiries: 1, lockedBy: null });
            clock.set(START + 21_999);
            expect(await store.acquire({ workerId: 'other', leaseMs: 1000 })).toEqual([]);
            clock.set(START + 22_000);
            expect((await store.acquire({ workerId: 'other', leaseMs: 1000 }))[0]?.job).toMatchObject({ id: job.id, attempts: 2 });
        });
        it('an operator release of a job whose step deadline has passed retries it at once', async () => {
            await store.registerWorker(REG);
            const { job } = await store.enqueue({ queue: 'q', payload: 1 });
            const [lease] = await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            await store.beginStep(lease, 'place', { key: 'k-1', deadlineAt: START + 3000 });
            clock.advance(8000);
            expect(await store.releaseWorkerLeases('bot-1')).toBe(1);
            expect(await store.get(job.id)).toMatchObject({ status: 'retry', runAt: START, leaseExpiries: 1 });
            expect((await store.acquire({ workerId: 'other', leaseMs: 1000 }))[0]?.job.id).toBe(job.id);
        });
        it('an operator release refuses a live process unless forced, then reaps its jobs (fenced, counted as expiries) and drops its row', async () => {
            await store.registerWorker(REG);
            await store.enqueue({ queue: 'q', payload: 1 });
            const [lease] = await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            await expect(store.releaseWorkerLeases('bot-1')).rejects.toBeInstanceOf(WorkerAliveError);
            expect(await store.get(lease.job.id)).toMatchObject({ status: 'processing', lockedBy: 'bot-1' });
            expect(await store.releaseWorkerLeases('bot-1', { force: true })).toBe(1);
            expect(await store.get(lease.job.id)).toMatchObject({ status: 'retry', lockedBy: null, leaseExpiries: 1 });
            await expect(store.complete(lease)).rejects.toMatchObject({ code: 'LEASE_LOST' });
            expect(await store.renewWorker('bot-1', 'inc-a')).toBeNull();
            expect(await store.releaseWorkerLeases('bot-1')).toBe(0);
        });
        it('an operator release of a dead process needs no force', async () => {
            await store.registerWorker(REG);
            await store.enqueue({ queue: 'q', payload: 1 });
            await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
            clock.advance(8000);
            expect(await store.releaseWorkerLeases('bot-1')).toBe(1);
            expect(await store.listWorkers()).toEqual([]);
        });
        it('prunes rows of processes dead long enough that hold no lease', async () => {
            await store.registerWorker(REG);
            await store.registerWorker({ ...REG, workerId: 'bot-2', incarnation: 'inc-2' });
            await store.enqueue({ queue: 'q', payload: 1 });
            await store.acquire({ workerId: 'bot-2', leaseMs: 300_000 });
            clock.advance(8000 + 60_000);
            expect(await store.pruneWorkers({ olderThanMs: 60_001 })).toBe(0);
            expect(await store.pruneWorkers({ olderThanMs: 60_000 })).toBe(1);
            expect((await store.listWorkers()).map((w) => w.workerId)).toEqual(['bot-2']);
        });
        it('rejects bad registrations naming the field', async () => {
            const cases = [
                [{ ...REG, workerId: '' }, 'workerId'],
                [{ ...REG, incarnation: '' }, 'incarnation'],
                [{ ...REG, pid: -1 }, 'pid'],
                [{ ...REG, pid: 1.5 }, 'pid'],
                [{ ...REG, host: 7 }, 'host'],
                [{ ...REG, bootId: 'x'.repeat(65) }, 'bootId'],
                [{ ...REG, livenessTimeoutMs: 0 }, 'livenessTimeoutMs'],
            ];
            for (const [reg, field] of cases) {
                await expect(store.registerWorker(reg)).rejects.toMatchObject({ name: ValidationError.name, field });
            }
            await expect(store.releaseWorkerLeases('bot-1', { force: 'yes' })).rejects.toMatchObject({ field: 'force' });
            await expect(store.pruneWorkers({ olderThanMs: -1 })).rejects.toMatchObject({ field: 'olderThanMs' });
            expect(await store.listWorkers()).toEqual([]);
        });
    });
}
//# sourceMappingURL=worker-process-examples.js.map