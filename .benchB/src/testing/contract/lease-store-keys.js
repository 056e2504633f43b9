/**
 * Example tests of job identity, retired keys, steps in doubt and settling them, run against
 * every adapter as part of the contract.
 */
import { describe, expect, it } from 'vitest';
import { JobNotFoundError, KeyRetiredError, LeaseholdError, SettleRefusedError, StepInDoubtError, ValidationError } from '../../domain/errors.js';
import { freshStore, useFreshStore, START } from './harness.js';
const W1 = { workerId: 'w1', leaseMs: 10_000 };
export function describeLeaseStoreKeys(name, factory) {
    describe(`${name}: contract examples: identity, retired keys, steps in doubt`, () => {
        let store;
        let clock;
        useFreshStore(factory, (made) => ({ store, clock } = made));
        const enqueue = async (job = {}) => (await store.enqueue({ queue: 'orders', payload: { n: 1 }, ...job })).job;
        const acquireOne = async () => {
            const [lease] = await store.acquire(W1);
            if (!lease)
                throw new Error('expected a lease');
            return lease;
        };
        const codeOf = async (p) => {
            const e = await p.then(() => 'no error', (x) => x);
            return e instanceof LeaseholdError ? e.code : String(e);
        };
        /** A job whose only attempt began step `place` and failed before recording it: the step is in doubt. */
        const inDoubtJob = async () => {
            const job = await enqueue({ maxAttempts: 1 });
            const lease = await acquireOne();
            await store.beginStep(lease, 'place', { key: 'client-1' });
            await store.fail(lease, 'crashed mid-step');
            return job;
        };
        describe('identity', () => {
            it('every job gets a random uid of its own, kept in every copy; the database has one identity', async () => {
                const a = await enqueue();
                const b = await enqueue();
                expect(a.uid).toMatch(/^[0-9a-f]{32}$/);
                expect(b.uid).not.toBe(a.uid);
                expect(a.idempotencyKeyFormat).toBe('alnum');
                expect((await store.get(a.id))?.uid).toBe(a.uid);
                expect((await acquireOne()).job.uid).toBe(a.uid);
                const id = await store.identity();
                expect(id).toMatch(/^[0-9a-f]{32}$/);
                expect(await store.identity()).toBe(id);
                const many = await store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 2, idempotencyKeyFormat: 'uuid' }]);
                expect(new Set([a.uid, b.uid, ...many.map((r) => r.job.uid)]).size).toBe(4);
                expect(many[1].job.idempotencyKeyFormat).toBe('uuid');
                expect((await store.enqueue({ queue: 'q', payload: 1, idempotencyKeyFormat: 'hex' }).catch((e) => e.field))).toBe('idempotencyKeyFormat');
            });
            it('two fresh databases have different identities', async () => {
                const other = await freshStore(factory);
                try {
                    expect(await other.store.identity()).not.toBe(await store.identity());
                }
                finally {
                    await other.dispose();
                }
            });
        });
        describe('retired keys', () => {
            const pruneAll = () => store.prune({ olderThanMs: 0 });
            it('a pruned job\'s key stays retired: enqueueing it again is KEY_RETIRED and writes nothing', async () => {
                const old = await enqueue({ key: 'order-42' });
                await store.complete(await acquireOne());
                expect(await pruneAll()).toBe(1);
                const err = await store.enqueue({ queue: 'orders', payload: 2, key: 'order-42' }).catch((e) => e);
                expect(err).toBeInstanceOf(KeyRetiredError);
                expect(err).toMatchObject({ code: 'KEY_RETIRED', key: 'order-42', retiredAt: START });
                expect(await store.list()).toEqual([]);
                // A batch holding a retired key is refused whole: nothing of it is written.
                expect(await codeOf(store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 2, key: 'order-42' }]))).toBe('KEY_RETIRED');
                expect(await store.list()).toEqual([]);
                expect((await store.stats()).total).toBe(0);
                void old;
            });
            it('reuseKey runs the intent again as a new job that keeps the old uid and key format (the same client order ids)', async () => {
                const old = await enqueue({ key: 'order-42', idempotencyKeyFormat: 'uuid' });
                await store.complete(await acquireOne());
                await pruneAll();
                clock.advance(1000);
                const { job, created } = await store.enqueue({ queue: 'orders', payload: 2, key: 'order-42', reuseKey: true });
                expect(created).toBe(true);
                expect(job.id).not.toBe(old.id);
                expect(job).toMatchObject({ uid: old.uid, key: 'order-42', idempotencyKeyFormat: 'uuid', status: 'pending', payload: 2 });
                // Live again: a plain enqueue dedupes onto it, reuseKey too.
                expect(await store.enqueue({ queue: 'orders', payload: 3, key: 'order-42' })).toMatchObject({ created: false, job: { id: job.id } });
                expect(await store.enqueue({ queue: 'orders', payload: 3, key: 'order-42', reuseKey: true })).toMatchObject({ created: false, job: { id: job.id } });
                // reuseKey on a key never used is an ordinary enqueue.
                expect((await store.enqueue({ queue: 'orders', payload: 1, key: 'fresh', reuseKey: true })).created).toBe(true);
                // In one batch: the first entry revives the key, the second finds it live.
                await store.cancel(job.id);
                await pruneAll();
                const batch = await store.enqueueMany([
                    { queue: 'orders', payload: 4, key: 'order-42', reuseKey: true },
                    { queue: 'orders', payload: 5, key: 'order-42' },
                ]);
                expect(batch.map((r) => r.created)).toEqual([true, false]);
                expect(batch[1].job.id).toBe(batch[0].job.id);
                expect(batch[0].job.uid).toBe(old.uid);
                expect((await store.enqueue({ queue: 'q', payload: 1, reuseKey: 'yes' }).catch((e) => e.field))).toBe('reuseKey');
            });
            it('tombstones are kept by default and forgotten only with forgetKeysOlderThanMs', async () => {
                await enqueue({ key: 'a' });
                await store.complete(await acquireOne());
                await pruneAll();
                clock.advance(10_000);
                await enqueue({ key: 'b' });
                await store.complete(await acquireOne());
                // Forgets tombstones retired more than 5 s ago: 'a' (10 s ago), not 'b' (retired now).
                expect(await store.prune({ olderThanMs: 0, forgetKeysOlderThanMs: 5_000 })).toBe(1);
                expect((await store.enqueue({ queue: 'orders', payload: 1, key: 'a' })).created).toBe(true);
                expect(await codeOf(store.enqueue({ queue: 'orders', payload: 1, key: 'b' }))).toBe('KEY_RETIRED');
                expect((await store.prune({ olderThanMs: 0, forgetKeysOlderThanMs: -1 }).catch((e) => e.field))).toBe('forgetKeysOlderThanMs');
            });
        });
        describe('steps in doubt', () => {
            it('beginStep records the key (and keeps the first one); saveStep keeps it', async () => {
                const job = await enqueue();
                const first = await acquireOne();
                await store.beginStep(first, 'place', { key: 'k-1' });
                await store.beginStep(first, 'plain');
                clock.advance(20_000);
                const second = await acquireOne();
                await store.beginStep(second, 'place', { key: 'k-2' });
                await store.saveStep(second, 'place', { id: 'X' });
                expect(await store.getStepRecords(job.id)).toEqual([
                    { name: 'plain', state: 'started', result: null, token: 1, startedAt: START, finishedAt: null, key: null, settledAt: null },
                    { name: 'place', state: 'done', result: { id: 'X' }, token: 2, startedAt: START + 20_000, finishedAt: START + 20_000, key: 'k-1', settledAt: null },
                ]);
                expect((await store.beginStep(second, 'x', { key: '' }).catch((e) => e.field))).toBe('intent.key');
            });
            it('list({ inDoubt }) finds jobs with a step started and never finished whose attempt is over', async () => {
                const doubtful = await inDoubtJob();
                const running = await enqueue();
                const lease = await acquireOne();
                await store.beginStep(lease, 'place'); // its own attempt still holds it: running, not in doubt
                const clean = await enqueue();
                expect((await store.list({ inDoubt: true })).map((j) => j.id)).toEqual([doubtful.id]);
                expect((await store.list({ inDoubt: false })).map((j) => j.id)).toEqual([running.id, clean.id]);
                // Once another attempt takes the running job over, its step is in doubt too.
                clock.advance(20_000);
                await acquireOne();
                expect((await store.list({ inDoubt: true, order: 'desc' })).map((j) => j.id)).toEqual([running.id, doubtful.id]);
                expect((await store.list({ inDoubt: true, status: 'failed' })).map((j) => j.id)).toEqual([doubtful.id]);
                expect((await store.list({ inDoubt: 'yes' }).catch((e) => e.field))).toBe('inDoubt');
            });
            it('retry refuses a job with a step in doubt (STEP_IN_DOUBT, nothing changed) unless forced', async () => {
                const job = await inDoubtJob();
                const before = await store.get(job.id);
                const err = await store.retry(job.id).catch((e) => e);
                expect(err).toBeInstanceOf(StepInDoubtError);
                expect(err).toMatchObject({ code: 'STEP_IN_DOUBT', step: 'place', jobId: job.id });
                expect(await store.get(job.id)).toEqual(before);
                expect(await store.retry(job.id, { force: true })).toMatchObject({ status: 'pending', attempts: 0 });
                expect((await store.retry(job.id, { force: 1 }).catch((e) => e.field))).toBe('force');
            });
            it('settle as happened records the result by hand: done, no attempt runs it, retry allowed', async () => {
                const job = await inDoubtJob();
                clock.advance(500);
                const settled = await store.settleStep(job.id, 'place', { happened: true, result: { orderId: 'X9' } });
                expect(settled).toEqual({ name: 'place', state: 'done', result: { orderId: 'X9' }, token: 1, startedAt: START, finishedAt: START + 500, key: 'client-1', settledAt: START + 500 });
                expect(await store.getSteps(job.id)).toEqual({ place: { orderId: 'X9' } });
                expect(await store.list({ inDoubt: true })).toEqual([]);
                expect(await store.retry(job.id)).toMatchObject({ status: 'pending' });
                // The next attempt finds the step done: beginStep keeps the hand-recorded result.
                const lease = await acquireOne();
                await store.beginStep(lease, 'place', { key: 'other' });
                expect((await store.getStepRecords(job.id))[0]).toMatchObject({ state: 'done', result: { orderId: 'X9' }, key: 'client-1' });
            });
            it('settle as not happened keeps the key; the next attempt begins the step afresh under it', async () => {
                const job = await inDoubtJob();
                clock.advance(500);
                const settled = await store.settleStep(job.id, 'place', { happened: false });
                expect(settled).toMatchObject({ state: 'started', key: 'client-1', settledAt: START + 500, token: 1 });
                expect(await store.list({ inDoubt: true })).toEqual([]);
                await store.retry(job.id);
                const lease = await acquireOne();
                await store.beginStep(lease, 'place', { key: 'other' });
                expect((await store.getStepRecords(job.id))[0]).toMatchObject({ state: 'started', key: 'client-1', settledAt: null, token: lease.token });
            });
            it("settle is refused until the step's deadline plus the clock margin has passed (a paused holder could still send)", async () => {
                const job = await enqueue({ maxAttempts: 1 });
                const lease = await acquireOne();
                await store.beginStep(lease, 'place', { key: 'client-1', deadlineAt: START + 5_000 });
                await store.fail(lease, 'gave up mid-step');
                const e = await store.settleStep(job.id, 'place', { happened: false }).catch((x) => x);
                expect(e).toBeInstanceOf(SettleRefusedError);
                expect(e.message).toMatch(/deadline \(2026-01-01T00:00:05\.000Z\) plus the clock margin has not passed.*from 2026-01-01T00:00:07\.000Z/);
                clock.set(START + 6_999);
                await expect(store.settleStep(job.id, 'place', { happened: false })).rejects.toBeInstanceOf(SettleRefusedError);
                expect((await store.getStepRecords(job.id))[0]).toMatchObject({ state: 'started', settledAt: null });
                clock.set(START + 7_000);
                expect(await store.settleStep(job.id, 'place', { happened: true, result: { orderId: 'X1' } })).toMatchObject({ state: 'done', settledAt: START + 7_000 });
            });
            it('settle is refused while the job is processing, for a step not in doubt, twice, and for unknown jobs', async () => {
                const job = await enqueue();
                const lease = await acquireOne();
                await store.beginStep(lease, 'place', { key: 'k' });
                await store.beginStep(lease, 'done-step');
                await store.saveStep(lease, 'done-step', 1);
                const refused = async (id, step, why) => {
                    const e = await store.settleStep(id, step, { happened: false }).catch((x) => x);
                    expect(e).toBeInstanceOf(SettleRefusedError);
                    expect(e.code).toBe('INVALID_TRANSITION');
                    expect(e.message).toMatch(why);
                };
                await refused(job.id, 'place', /processing/);
                // Even once its lease ran out: until another attempt takes over or reaps it, the holder may still act.
                clock.advance(20_000);
                await refused(job.id, 'place', /processing/);
                await store.reapExpired();
                const snap = await store.getStepRecords(job.id);
                await refused(job.id, 'done-step', /done/);
                await refused(job.id, 'nope', /no step/);
                expect(await store.getStepRecords(job.id)).toEqual(snap);
                await store.settleStep(job.id, 'place', { happened: true, result: null });
                await refused(job.id, 'place', /settled already/);
                await expect(store.settleStep('424242', 'place', { happened: false })).rejects.toBeInstanceOf(JobNotFoundError);
                for (const [outcome, field] of [
                    [{ happened: 'yes' }, 'outcome.happened'],
                    [{ happened: true }, 'outcome.result'],
                    [{ happened: false, result: 1 }, 'outcome.result'],
                    [null, 'outcome'],
                ]) {
                    const e = await store.settleStep(job.id, 'place', outcome).catch((x) => x);
                    expect(e.field).toBe(field);
                }
            });
        });
    });
}
//# sourceMappingURL=lease-store-keys.js.map