/**
 * Hostile values, run against every adapter: strings a SQL store could change (lone
 * surrogates, NUL, emoji, trailing spaces, names at their length limit), JSON nested to and past
 * the depth limit, and values JSON cannot carry exactly. Each is either kept byte for byte or
 * refused up front with a ValidationError naming the field, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../domain/errors.js';
import { MAX_JSON_DEPTH } from '../../domain/validation.js';
import { useFreshStore } from './harness.js';
/** Half of an emoji: what `'😀 order'.slice(0, 1)` leaves. */
export const LONE_HIGH = '😀 order'.slice(0, 1);
/** The other half, alone. */
export const LONE_LOW = '😀'.slice(1);
/** A queue name at its limit of 128 UTF-16 units whose UTF-8 form is the longest: 3 bytes each. */
export const LONGEST_QUEUE = '€'.repeat(128);
/** A key or step name at its limit of 255 units, 765 bytes of UTF-8. */
export const LONGEST_KEY = '€'.repeat(255);
/** `[[[…]]]` with `levels` arrays, the innermost holding `leaf`. */
export function nested(levels, leaf = 1) {
    let v = leaf;
    for (let i = 0; i < levels; i++)
        v = [v];
    return v;
}
/** The path validation reports for the innermost array of `nested(levels)` under `root`. */
function pathAt(root, depth) {
    return root + '[0]'.repeat(depth);
}
async function validationField(p) {
    const err = await p.then(() => undefined, (e) => e);
    expect(err, 'expected a ValidationError').toBeInstanceOf(ValidationError);
    return err.field;
}
export function describeHostileValueExamples(name, factory) {
    describe(`${name}: hostile values`, () => {
        let store;
        let clock;
        useFreshStore(factory, (made) => ({ store, clock } = made));
        const W = { workerId: 'w1', leaseMs: 10_000 };
        const acquireOne = async (req = W) => {
            const [lease] = await store.acquire(req);
            if (!lease)
                throw new Error('expected a lease');
            return lease;
        };
        it('refuses identifiers with a lone surrogate, naming the field, and writes nothing', async () => {
            // Issue 11, case 1: the SQL stores kept U+FFFD instead, so a finished step was not found
            // again and ran twice, two keys collapsed into one job, and a queue name changed.
            const cases = [
                [() => store.enqueue({ queue: `orders${LONE_HIGH}`, payload: 1 }), 'queue'],
                [() => store.enqueue({ queue: 'orders', payload: 1, key: LONE_HIGH }), 'key'],
                [() => store.enqueue({ queue: 'orders', payload: 1, key: `order-7${LONE_LOW}` }), 'key'],
                [() => store.enqueueMany([{ queue: 'orders', payload: 1, key: 'a' }, { queue: 'orders', payload: 1, key: `b${LONE_HIGH}` }]), 'jobs[1].key'],
                [() => store.acquire({ ...W, workerId: `w${LONE_LOW}` }), 'workerId'],
                [() => store.acquire({ ...W, queues: ['orders', `x${LONE_HIGH}`] }), 'queues[1]'],
                [() => store.list({ queue: LONE_HIGH }), 'queue'],
            ];
            for (const [op, field] of cases)
                expect(await validationField(op()), field).toBe(field);
            expect((await store.stats()).total).toBe(0);
            const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
            const lease = await acquireOne();
            expect(await validationField(store.beginStep(lease, `place${LONE_HIGH}`))).toBe('name');
            expect(await validationField(store.saveStep(lease, `place${LONE_LOW}`, 1))).toBe('name');
            expect(await store.getStepRecords(job.id)).toEqual([]);
            expect(await store.get(job.id)).toMatchObject({ status: 'processing', leaseToken: lease.token });
        });
        it('keeps hostile but well-formed names byte for byte: NUL, emoji, trailing spaces, names at their length limit', async () => {
            const names = ['orders\u0000', 'orders 😀', 'orders ', LONGEST_QUEUE, '😀'.repeat(64)];
            const keys = ['k\u0000', 'k\u0000\u0000', 'k 😀', LONGEST_KEY, 'k ', '😀'.repeat(127)];
            const ids = [];
            for (const [i, queue] of names.entries()) {
                const { job, created } = await store.enqueue({ queue, payload: i, key: keys[i] });
                expect(created).toBe(true);
                expect(job).toMatchObject({ queue, key: keys[i] });
                ids.push(job.id);
            }
            const last = await store.enqueue({ queue: 'orders', payload: 'last', key: keys[5] });
            expect(last.created).toBe(true);
            // Each key dedupes onto its own job and no other.
            for (const [i, key] of keys.entries()) {
                const again = await store.enqueue({ queue: 'orders', payload: 'again', key });
                expect(again.created, JSON.stringify(key)).toBe(false);
                expect(again.job.id).toBe(i < 5 ? ids[i] : last.job.id);
            }
            expect(Object.keys((await store.stats()).byQueue).sort()).toEqual([...names, 'orders'].sort());
            for (const [i, queue] of names.entries()) {
                expect((await store.list({ queue })).map((j) => j.id)).toEqual([ids[i]]);
            }
            const worker = '€'.repeat(128);
            const [lease] = await store.acquire({ workerId: worker, leaseMs: 10_000, queues: [LONGEST_QUEUE] });
            expect(lease?.job).toMatchObject({ id: ids[3], queue: LONGEST_QUEUE, key: LONGEST_KEY, lockedBy: worker });
            const steps = ['place\u0000', 'place 😀', 'place ', 'place', LONGEST_KEY];
            for (const [i, s] of steps.entries()) {
                await store.beginStep(lease, s);
                await store.saveStep(lease, s, i);
            }
            // A later attempt finds every finished step under exactly its name: none runs again.
            clock.advance(20_000);
            const [again] = await store.acquire({ workerId: 'w 2 ', leaseMs: 10_000, queues: [LONGEST_QUEUE] });
            expect(again?.job.id).toBe(ids[3]);
            expect(await store.getSteps(ids[3])).toEqual(Object.fromEntries(steps.map((s, i) => [s, i])));
            for (const s of steps)
                await store.beginStep(again, s);
            expect((await store.getStepRecords(ids[3])).every((r) => r.state === 'done')).toBe(true);
            await store.complete(again);
            expect(await store.get(ids[3])).toMatchObject({ status: 'done', queue: LONGEST_QUEUE, key: LONGEST_KEY });
        });
        it('keeps lone surrogates inside JSON exactly (JSON escapes them), and makes lastError well-formed', async () => {
            const odd = { [LONE_HIGH]: LONE_LOW, s: `a${LONE_HIGH}b${LONE_LOW}\u0000😀 ` };
            const { job } = await store.enqueue({ queue: 'orders', payload: odd });
            expect((await store.get(job.id))?.payload).toEqual(odd);
            const lease = await acquireOne();
            expect(lease.job.payload).toEqual(odd);
            await store.saveStep(lease, 'place', odd);
            expect(await store.getSteps(job.id)).toEqual({ place: odd });
            await store.fail(lease, `exchange said ${LONE_HIGH}`);
            expect((await store.get(job.id))?.lastError).toBe('exchange said \uFFFD');
            clock.advance(60_000);
            await store.complete(await acquireOne(), odd);
            expect((await store.get(job.id))?.result).toEqual(odd);
        });
        it(`accepts JSON nested ${MAX_JSON_DEPTH} levels everywhere a store copies it, claims included`, async () => {
            const deep = nested(MAX_JSON_DEPTH, 'leaf');
            const deepObject = (() => {
                let v = { leaf: true };
                for (let i = 1; i < MAX_JSON_DEPTH; i++)
                    v = { a: v };
                return v;
            })();
            const made = await store.enqueueMany([
                { queue: 'orders', payload: deep, key: 'a' },
                { queue: 'orders', payload: deepObject },
                { queue: 'orders', payload: deep },
            ]);
            const single = await store.enqueue({ queue: 'orders', payload: deep, key: 'b' });
            expect(made.map((m) => m.job.payload)).toEqual([deep, deepObject, deep]);
            expect((await store.enqueue({ queue: 'orders', payload: 1, key: 'a' })).job.payload).toEqual(deep);
            // A batch claim copies every claimed payload inside the claim's transaction.
            const leases = await store.acquire({ ...W, limit: 2 });
            expect(leases.map((l) => l.job.payload)).toEqual([deep, deepObject]);
            await store.saveStep(leases[0], 'place', deepObject);
            expect(await store.getSteps(leases[0].job.id)).toEqual({ place: deepObject });
            expect((await store.getStepRecords(leases[0].job.id))[0]?.result).toEqual(deepObject);
            expect(await store.complete(leases[0], deep)).toMatchObject({ status: 'done', result: deep, payload: deep });
            const many = await store.completeMany([{ lease: leases[1], result: deepObject }]);
            expect(many[0]).toMatchObject({ ok: true, job: { result: deepObject, payload: deepObject } });
            // A takeover of an expired lease copies the row again; so do fail, release and retry.
            const third = await acquireOne();
            clock.advance(20_000);
            const taken = await acquireOne({ ...W, workerId: 'w2' });
            expect(taken.job).toMatchObject({ id: third.job.id, payload: deep, attempts: 2 });
            expect((await store.fail(taken, 'no')).payload).toEqual(deep);
            clock.advance(60_000);
            const fourth = await acquireOne();
            expect((await store.release(fourth)).payload).toEqual(deep);
            expect((await store.cancel(single.job.id)).payload).toEqual(deep);
            expect((await store.retry(single.job.id)).payload).toEqual(deep);
            expect((await store.list({ limit: 10 })).map((j) => j.payload)).toEqual([deep, deepObject, deep, deep]);
            expect((await store.getExpiredLeases()).length + (await store.getActiveLeases()).length).toBe(0);
        });
        it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with a ValidationError naming the path, however deep`, async () => {
            // Issue 11, cases 2 and 3: 2,500 levels were accepted and then broke every claim on
            // MySQL; 10,000+ gave a raw RangeError (memory, MySQL) or "worth retrying" (SQLite).
            for (const levels of [MAX_JSON_DEPTH + 1, 2_500, 10_000, 100_000]) {
                const deep = nested(levels);
                expect(await validationField(store.enqueue({ queue: 'orders', payload: deep })), `${levels}`).toBe(pathAt('payload', MAX_JSON_DEPTH));
                expect(await validationField(store.enqueueMany([{ queue: 'orders', payload: 1 }, { queue: 'orders', payload: deep }]))).toBe(pathAt('jobs[1].payload', MAX_JSON_DEPTH));
            }
            const deepObject = (() => {
                let v = 1;
                for (let i = 0; i < 10_000; i++)
                    v = { a: v };
                return v;
            })();
            expect(await validationField(store.enqueue({ queue: 'orders', payload: deepObject }))).toBe(`payload${'.a'.repeat(MAX_JSON_DEPTH)}`);
            expect((await store.stats()).total).toBe(0);
            // A good job behind the refused ones runs; deep results and step results are refused too.
            const { job } = await store.enqueue({ queue: 'orders', payload: nested(MAX_JSON_DEPTH) });
            const lease = await acquireOne();
            expect(lease.job.id).toBe(job.id);
            expect(await validationField(store.saveStep(lease, 'place', nested(10_000)))).toBe(pathAt('result', MAX_JSON_DEPTH));
            expect(await validationField(store.complete(lease, nested(5_000)))).toBe(pathAt('result', MAX_JSON_DEPTH));
            const [outcome] = await store.completeMany([{ lease, result: nested(MAX_JSON_DEPTH + 1) }]);
            expect(outcome).toMatchObject({ ok: false, error: { field: pathAt('result', MAX_JSON_DEPTH) } });
            expect(await store.getStepRecords(job.id)).toEqual([]);
            expect(await store.get(job.id)).toMatchObject({ status: 'processing', leaseToken: lease.token, result: null });
            expect(await store.complete(lease, nested(MAX_JSON_DEPTH))).toMatchObject({ status: 'done' });
        });
        it('refuses values JSON would not carry exactly, with their path; -0 is kept as 0', async () => {
            const extra = Object.assign([1, 2], { note: 'x' });
            const symbolKey = { a: 1, [Symbol('s')]: 2 };
            const hidden = Object.defineProperty({ a: 1 }, 'secret', { value: 2, enumerable: false });
            const getter = Object.defineProperty({}, 'price', { get: () => 3, enumerable: true });
            const symbolOnArray = Object.assign([1], { [Symbol('s')]: 2 });
            const hiddenOnArray = Object.defineProperty([1], 'extra', { value: 2, enumerable: false });
            class Orders extends Array {
            }
            const cases = [
                [{ list: extra }, 'payload.list.note'],
                [{ o: symbolKey }, 'payload.o'],
                [hidden, 'payload.secret'],
                [{ g: getter }, 'payload.g.price'],
                [symbolOnArray, 'payload'],
                [hiddenOnArray, 'payload.extra'],
                [[1, , 3], 'payload[1]'],
                [new Array(2), 'payload[0]'],
                [{ o: Orders.from([1]) }, 'payload.o'],
            ];
            for (const [payload, field] of cases) {
                expect(await validationField(store.enqueue({ queue: 'orders', payload: payload })), field).toBe(field);
            }
            expect((await store.stats()).total).toBe(0);
            const { job } = await store.enqueue({ queue: 'orders', payload: { z: -0, list: [-0] } });
            const back = (await store.get(job.id))?.payload;
            expect(Object.is(back.z, 0) && Object.is(back.list[0], 0)).toBe(true);
            const lease = await acquireOne();
            expect(await validationField(store.saveStep(lease, 'place', { list: extra }))).toBe('result.list.note');
            expect(await validationField(store.complete(lease, symbolOnArray))).toBe('result');
            const done = await store.complete(lease, -0);
            expect(Object.is(done.result, 0)).toBe(true);
            expect(Object.is((await store.get(job.id))?.result, 0)).toBe(true);
        });
        it('returns the job as stored from complete and completeMany, whatever the caller did to lease.job', async () => {
            // A handler edits the job it was given; another caller forges a lease.job. The write is
            // fenced by id and token alone, so each completes, and what comes back is the stored row.
            for (const order of [1, 2, 3])
                await store.enqueue({ queue: 'orders', payload: { order, items: ['a'] } });
            const [edited, forged, batched] = await store.acquire({ ...W, limit: 3 });
            if (!edited || !forged || !batched)
                throw new Error('expected three leases');
            edited.job.payload.items.push('added by the handler');
            edited.job.attempts = 99;
            const doneEdited = await store.complete(edited, { ok: 1 });
            expect(doneEdited).toEqual(await store.get(edited.job.id));
            expect(doneEdited.payload).toEqual({ order: 1, items: ['a'] });
            const copy = { ...forged, job: { ...forged.job, queue: 'elsewhere', payload: { forged: true }, attempts: 7 } };
            const doneForged = await store.complete(copy, { ok: 2 });
            expect(doneForged).toEqual(await store.get(forged.job.id));
            expect(doneForged.queue).toBe('orders');
            batched.job.payload.items = () => 'not JSON';
            const [outcome] = await store.completeMany([{ lease: batched, result: { ok: 3 } }]);
            expect(outcome).toEqual({ ok: true, job: await store.get(batched.job.id) });
        });
        it('validates a NewJob whose fields are hostile strings like any other', async () => {
            const job = { queue: ' ', payload: '', key: ' ' };
            const { job: made } = await store.enqueue(job);
            expect(made).toMatchObject({ queue: ' ', key: ' ', payload: '' });
            expect((await store.enqueue({ queue: ' ', payload: 1, key: '  ' })).created).toBe(true);
        });
    });
}
//# sourceMappingURL=lease-store-hostile.js.map