/**
 * The model-based property suite: random sequences of commands (fc.commands) run against the
 * adapter and, in lock step, against the in-memory store, which is the model. Both share one
 * ManualClock and one jitter source. After every command the suite checks the invariants of
 * docs/semantics.md and that the adapter's observable state equals the model's.
 *
 * Workers are simulated: each holds the leases it acquired; `crash` makes a worker forget
 * them without releasing (they become zombies that may write again later, like a worker that
 * paused past its lease and woke up: the fence must decide).
 *
 * Runs: LEASEHOLD_PROPERTY_RUNS (default 200); a failure prints the seed and path to replay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../../adapters/memory/in-memory-lease-store.js';
import { ManualClock } from '../../adapters/clocks/manual-clock.js';
import { LeaseholdError } from '../../domain/errors.js';
import { FINAL_STATUSES } from '../../domain/lifecycle.js';
import { START } from './harness.js';
import { LONE_HIGH, LONE_LOW, LONGEST_KEY, LONGEST_QUEUE, nested } from './lease-store-hostile.js';
// Names a SQL store could change are among the ones generated: NUL, emoji, trailing spaces,
// names at their length limit in 3-byte characters, and (refused by every store alike) names
// holding a lone surrogate.
const WORKERS = ['w0', 'w1 \u0000😀', '€'.repeat(126) + '😀'];
/** An acquire as this worker must be refused on both sides. */
const ILL_FORMED_WORKER = `w${LONE_LOW}`;
const QUEUES = ['a', 'a \u0000😀', LONGEST_QUEUE];
const STEP_NAMES = ['place', 'place ', '😀\u0000', LONGEST_KEY, `place${LONE_HIGH}`];
/** Characters for generated payload strings: JSON escapes lone surrogates, so they are kept. */
const HOSTILE_UNITS = ['a', ' ', '\u0000', '😀', '€', '"', '\\', LONE_HIGH, LONE_LOW];
async function outcome(p) {
    try {
        return { ok: true, value: await p };
    }
    catch (e) {
        if (e instanceof LeaseholdError)
            return { ok: false, code: e.code, name: e.name };
        throw e;
    }
}
/** A job as seen from the model's side: the real id replaced by the model's. */
function normal(world, job) {
    return { ...job, id: world.back.get(job.id) ?? `unmapped:${job.id}`, uid: world.uids.get(job.uid) ?? `unmapped:${job.uid}` };
}
function normalLease(world, lease) {
    return { ...lease, job: normal(world, lease.job) };
}
function expectSame(world, label, m, r, map = (_w, v) => v) {
    // Only the adapter's side is mapped: its ids become the model's. Mapping the model's own
    // value through the real->model table too only works while both stores number jobs alike.
    if (m.ok && r.ok)
        expect(map(world, r.value), label).toEqual(m.value);
    else
        expect(r.ok ? { ok: true } : { ok: false, code: r.code }, label).toEqual(m.ok ? { ok: true } : { ok: false, code: m.code });
}
class Cmd {
    check() {
        return true;
    }
    /** Runs the command on both sides, compares, then checks every invariant. */
    async run(w) {
        const revived = this.revives(w);
        await this.exec(w);
        await checkInvariants(w, revived);
    }
    /** Model ids this command may move out of a final status (only manual retry). */
    revives(_w) {
        return [];
    }
}
const newJobArb = fc.record({
    queue: fc.constantFrom(...QUEUES),
    payload: fc.oneof({ weight: 3, arbitrary: fc.integer() }, { weight: 3, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 3, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: fc.dictionary(fc.constantFrom('x', 'y'), fc.integer(), { maxKeys: 2 }) }, {
        weight: 3,
        arbitrary: fc.dictionary(fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), maxLength: 3 }), fc.string({ unit: fc.constantFrom(...HOSTILE_UNITS), maxLength: 6 }), {
            maxKeys: 2,
        }),
    }, 
    // Kept as 0 by every store; at the depth limit.
    { weight: 2, arbitrary: fc.constantFrom(-0, nested(256)) }, 
    // One level past it: refused by every store alike (rare, so most batches still go in).
    { weight: 1, arbitrary: fc.constant(nested(257)) }),
    key: fc.oneof({ weight: 12, arbitrary: fc.constantFrom('k1', 'k2', 'k3', 'k1 ', 'k\u0000😀', LONGEST_KEY) }, { weight: 1, arbitrary: fc.constant(`k${LONE_HIGH}`) }),
    reuseKey: fc.boolean(),
    idempotencyKeyFormat: fc.constantFrom('alnum', 'uuid'),
    priority: fc.integer({ min: -1, max: 1 }),
    runAt: fc.constantFrom(0, 1_000, 4_000),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    maxLeaseExpiries: fc.integer({ min: 0, max: 2 }),
}, { requiredKeys: ['queue', 'payload'] });
/** Names of concurrency keys; one is shared by every queue's jobs. */
const CONCURRENCY_KEYS = ['acct-1', 'acct 😀\u0000'];
/** A job, some with a concurrency key (and a limit, or the default), a few with a limit alone (refused alike). */
const flowJobArb = fc
    .tuple(newJobArb, fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.record({ concurrencyKey: fc.constantFrom(...CONCURRENCY_KEYS), concurrencyLimit: fc.constantFrom(1, 2) }, { requiredKeys: ['concurrencyKey'] }) }, { weight: 1, arbitrary: fc.constant({ concurrencyLimit: 2 }) }))
    .map(([job, c]) => (c === undefined ? job : { ...job, ...c }));
function withTime(w, j) {
    return j.runAt === undefined ? j : { ...j, runAt: w.clock.now() + j.runAt };
}
function mapCreated(w, m, r) {
    if (m.created && r.created) {
        w.ids.set(m.job.id, r.job.id);
        w.back.set(r.job.id, m.job.id);
        // A job that reuses a retired key brings the old uid, mapped already on both sides.
        if (!w.uids.has(r.job.uid))
            w.uids.set(r.job.uid, m.job.uid);
    }
}
class Enqueue extends Cmd {
    jobs;
    many;
    constructor(jobs, many) {
        super();
        this.jobs = jobs;
        this.many = many;
    }
    async exec(w) {
        const jobs = this.jobs.map((j) => withTime(w, j));
        if (this.many) {
            const m = await outcome(w.model.enqueueMany(jobs));
            const r = await outcome(w.real.enqueueMany(jobs));
            if (m.ok && r.ok)
                m.value.forEach((mi, i) => mapCreated(w, mi, r.value[i]));
            expectSame(w, this.toString(), m, r, (world, v) => v.map((x) => ({ created: x.created, job: normal(world, x.job) })));
        }
        else {
            const m = await outcome(w.model.enqueue(jobs[0]));
            const r = await outcome(w.real.enqueue(jobs[0]));
            if (m.ok && r.ok)
                mapCreated(w, m.value, r.value);
            expectSame(w, this.toString(), m, r, (world, v) => ({ created: v.created, job: normal(world, v.job) }));
        }
    }
    toString() {
        return `${this.many ? 'enqueueMany' : 'enqueue'}(${JSON.stringify(this.jobs)})`;
    }
}
/** A backlog on one concurrency key: n jobs of one key and limit, in one batch. */
class KeyedBacklog extends Cmd {
    key;
    limit;
    n;
    queue;
    constructor(key, limit, n, queue) {
        super();
        this.key = key;
        this.limit = limit;
        this.n = n;
        this.queue = queue;
    }
    async exec(w) {
        const jobs = Array.from({ length: this.n }, (_, i) => ({ queue: this.queue, payload: { backlog: i }, concurrencyKey: this.key, concurrencyLimit: this.limit, priority: i % 2 }));
        const m = await outcome(w.model.enqueueMany(jobs));
        const r = await outcome(w.real.enqueueMany(jobs));
        if (m.ok && r.ok)
            m.value.forEach((mi, i) => mapCreated(w, mi, r.value[i]));
        expectSame(w, this.toString(), m, r, (world, v) => v.map((x) => ({ created: x.created, job: normal(world, x.job) })));
    }
    toString() {
        return `backlog(${JSON.stringify(this.key)}, limit ${this.limit}, ${this.n} jobs, ${this.queue})`;
    }
}
/** Sets, replaces or removes a queue's rate limit on both sides. */
class SetRateLimit extends Cmd {
    queue;
    limit;
    constructor(queue, limit) {
        super();
        this.queue = queue;
        this.limit = limit;
    }
    async exec(w) {
        const m = await outcome(w.model.setRateLimit(this.queue, this.limit));
        const r = await outcome(w.real.setRateLimit(this.queue, this.limit));
        expectSame(w, this.toString(), m, r);
    }
    toString() {
        return `setRateLimit(${JSON.stringify(this.queue)}, ${JSON.stringify(this.limit)})`;
    }
}
class Acquire extends Cmd {
    worker;
    limit;
    queues;
    leaseMs;
    constructor(worker, limit, queues, leaseMs) {
        super();
        this.worker = worker;
        this.limit = limit;
        this.queues = queues;
        this.leaseMs = leaseMs;
    }
    async exec(w) {
        const req = { workerId: this.worker, leaseMs: this.leaseMs, limit: this.limit, ...(this.queues ? { queues: this.queues } : {}) };
        const mo = await outcome(w.model.acquire(req));
        const ro = await outcome(w.real.acquire(req));
        expectSame(w, this.toString(), mo, ro, (world, v) => v.map((l) => normalLease(world, l)));
        if (!mo.ok || !ro.ok)
            return;
        const [m, r] = [mo.value, ro.value];
        const held = w.held.get(this.worker);
        m.forEach((ml, i) => {
            const key = `${ml.job.id}#${ml.token}`;
            expect(w.issued.has(key), `token ${key} handed out twice`).toBe(false);
            w.issued.add(key);
            held.push({ m: ml, r: r[i] });
        });
    }
    toString() {
        return `acquire(${this.worker}, limit ${this.limit}, ${this.queues ? this.queues.join('+') : 'all'}, ${this.leaseMs}ms)`;
    }
}
/** A write by a worker (or a zombie) on one of its leases. */
class LeaseWrite extends Cmd {
    worker;
    index;
    op;
    arg;
    constructor(worker, index, op, arg) {
        super();
        this.worker = worker;
        this.index = index;
        this.op = op;
        this.arg = arg;
    }
    pick(w) {
        const list = this.worker === 'zombie' ? w.zombies : w.held.get(this.worker);
        return list.length === 0 ? undefined : list[this.index % list.length];
    }
    async exec(w) {
        const pair = this.pick(w);
        if (!pair)
            return;
        const step = STEP_NAMES[this.arg % STEP_NAMES.length];
        const doOp = (s, lease) => {
            switch (this.op) {
                case 'extend':
                    return s.extend(lease, 1000 + this.arg * 1000);
                case 'complete':
                    return s.complete(lease, this.arg % 2 === 0 ? { n: this.arg } : undefined);
                case 'fail':
                    // An error text cut in the middle of an emoji: every store keeps it well-formed alike.
                    return s.fail(lease, this.arg === 3 ? `boom ${LONE_HIGH}` : `boom ${this.arg}`);
                case 'failPermanent':
                    return s.fail(lease, `fatal ${this.arg}`, { permanent: true });
                case 'failAt':
                    return s.fail(lease, `later ${this.arg}`, { retryAt: w.clock.now() + this.arg * 700 });
                case 'release':
                    return s.release(lease);
                case 'expireLease':
                    return s.expireLease(lease, this.arg % 2 === 0 ? undefined : { retryAt: w.clock.now() + this.arg * 700 });
                case 'releaseLater':
                    // Run again later, not charged (a handler's RetryLaterError).
                    return s.release(lease, { runAt: w.clock.now() + this.arg * 800, reason: `retry later ${this.arg}` });
                case 'beginStep':
                    return this.arg % 2 === 0 ? s.beginStep(lease, step) : s.beginStep(lease, step, { key: `key-${this.arg}` });
                case 'beginStepDeadline':
                    // Some within the lease, some past it (refused); the held ones hold takeovers back.
                    return s.beginStep(lease, step, { key: `key-${this.arg}`, deadlineAt: w.clock.now() + this.arg * 600 });
                case 'stallInStep':
                    // A deadline near the lease's end; the holder then stalls (below) just past its lease.
                    return s.beginStep(lease, step, { key: `key-${this.arg}`, deadlineAt: lease.expiresAt - this.arg * 300 });
                case 'saveStep':
                    return s.saveStep(lease, step, this.arg === 2 ? { [LONE_LOW]: `😀${LONE_HIGH}\u0000`, deep: nested(255) } : { arg: this.arg });
            }
        };
        const m = await outcome(doOp(w.model, pair.m));
        const r = await outcome(doOp(w.real, pair.r));
        expectSame(w, this.toString(), m, r, (world, v) => (v && typeof v === 'object' && 'token' in v ? normalLease(world, v) : v && typeof v === 'object' && 'id' in v ? normal(world, v) : v));
        if (this.op === 'extend' && m.ok && r.ok) {
            pair.m = m.value;
            pair.r = r.value;
        }
        // Stalled just past the lease, inside the hold the step's deadline plus the margin makes:
        // the next commands meet a held-back takeover, which is rare to land in by chance.
        const stallUntil = pair.m.expiresAt + this.arg * 100;
        if (this.op === 'stallInStep' && m.ok && r.ok && stallUntil > w.clock.now())
            w.clock.set(stallUntil);
        const stepsM = await w.model.getStepRecords(pair.m.job.id);
        const stepsR = await w.real.getStepRecords(pair.r.job.id);
        expect(stepsR).toEqual(stepsM);
        // A lease that ended (written to a final or waiting state, or lost) is dropped by a real worker.
        if (this.op !== 'extend' && this.op !== 'beginStep' && this.op !== 'beginStepDeadline' && this.op !== 'stallInStep' && this.op !== 'saveStep')
            this.drop(w, pair);
        else if (!m.ok)
            this.drop(w, pair);
    }
    drop(w, pair) {
        const list = this.worker === 'zombie' ? w.zombies : w.held.get(this.worker);
        list.splice(list.indexOf(pair), 1);
    }
    toString() {
        return `${this.op}(${this.worker}[${this.index}], ${this.arg})`;
    }
}
class CompleteAll extends Cmd {
    worker;
    constructor(worker) {
        super();
        this.worker = worker;
    }
    async exec(w) {
        const held = w.held.get(this.worker);
        const m = await w.model.completeMany(held.map((p, i) => ({ lease: p.m, result: i })));
        const r = await w.real.completeMany(held.map((p, i) => ({ lease: p.r, result: i })));
        const norm = (o) => (o.ok ? { ok: true, job: normal(w, o.job) } : { ok: false, code: o.error.code });
        expect(r.map(norm)).toEqual(m.map((o) => (o.ok ? o : { ok: false, code: o.error.code })));
        held.length = 0;
    }
    toString() {
        return `completeMany(${this.worker})`;
    }
}
class Crash extends Cmd {
    worker;
    constructor(worker) {
        super();
        this.worker = worker;
    }
    async exec(w) {
        const held = w.held.get(this.worker);
        w.zombies.push(...held);
        held.length = 0;
    }
    toString() {
        return `crash(${this.worker})`;
    }
}
class Advance extends Cmd {
    ms;
    constructor(ms) {
        super();
        this.ms = ms;
    }
    async exec(w) {
        w.clock.advance(this.ms);
    }
    toString() {
        return `advance(${this.ms})`;
    }
}
class Reap extends Cmd {
    async exec(w) {
        const m = await w.model.reapExpired();
        const r = await w.real.reapExpired();
        expect(r).toBe(m);
    }
    toString() {
        return 'reapExpired()';
    }
}
class Admin extends Cmd {
    op;
    index;
    constructor(op, index) {
        super();
        this.op = op;
        this.index = index;
    }
    target(w) {
        const ids = [...w.ids.keys()];
        return ids.length === 0 ? undefined : ids[this.index % ids.length];
    }
    revives(w) {
        const id = this.target(w);
        return (this.op === 'retry' || this.op === 'retryForce') && id ? [id] : [];
    }
    async exec(w) {
        const id = this.target(w);
        if (!id)
            return;
        const step = STEP_NAMES[this.index % STEP_NAMES.length];
        const doOp = (s, jobId) => {
            switch (this.op) {
                case 'cancel':
                    return s.cancel(jobId);
                case 'retry':
                    return s.retry(jobId);
                case 'retryForce':
                    return s.retry(jobId, { force: true });
                case 'settleHappened':
                    return s.settleStep(jobId, step, { happened: true, result: { settled: this.index } });
                case 'settleNotHappened':
                    return s.settleStep(jobId, step, { happened: false });
            }
        };
        const m = await outcome(doOp(w.model, id));
        const r = await outcome(doOp(w.real, w.ids.get(id)));
        expectSame(w, this.toString(), m, r, (world, v) => (v && typeof v === 'object' && 'uid' in v ? normal(world, v) : v));
        expect(await w.real.getStepRecords(w.ids.get(id))).toEqual(await w.model.getStepRecords(id));
    }
    toString() {
        return `${this.op}(job#${this.index})`;
    }
}
class Prune extends Cmd {
    olderThanMs;
    forgetKeysOlderThanMs;
    constructor(olderThanMs, forgetKeysOlderThanMs) {
        super();
        this.olderThanMs = olderThanMs;
        this.forgetKeysOlderThanMs = forgetKeysOlderThanMs;
    }
    async exec(w) {
        const opts = this.forgetKeysOlderThanMs === undefined ? { olderThanMs: this.olderThanMs } : { olderThanMs: this.olderThanMs, forgetKeysOlderThanMs: this.forgetKeysOlderThanMs };
        const m = await w.model.prune(opts);
        const r = await w.real.prune(opts);
        expect(r).toBe(m);
        // Pruned jobs are gone on both sides: stop tracking them. Their ids stay mapped back (ids
        // are never reused), so a schedule's lastJobId naming a pruned job still compares.
        const left = new Set((await w.model.list({ limit: 1_000_000 })).map((j) => j.id));
        for (const [mid] of [...w.ids]) {
            if (left.has(mid))
                continue;
            w.ids.delete(mid);
            w.last.delete(mid);
        }
    }
    toString() {
        return `prune(${this.olderThanMs}ms${this.forgetKeysOlderThanMs === undefined ? '' : `, forget keys ${this.forgetKeysOlderThanMs}ms`})`;
    }
}
const SCHEDULE_NAMES = ['s1', 's2'];
/** A schedule operation on both sides: declaring, pausing, resuming, moving the cursor (from where it is, or from a stale read), removing. */
class ScheduleCommand extends Cmd {
    op;
    name;
    arg;
    constructor(op, name, arg) {
        super();
        this.op = op;
        this.name = name;
        this.arg = arg;
    }
    async exec(w) {
        const now = w.clock.now();
        const cursor = (await w.model.getSchedule(this.name))?.nextRunAt ?? now;
        const at = this.arg === 0 ? null : now + this.arg * 1000;
        const doOp = (s) => {
            switch (this.op) {
                case 'save':
                    return s.saveSchedule({ name: this.name, cron: '* * * * *', queue: 'a', payload: { n: 1 } }, at);
                case 'redefine':
                    return s.saveSchedule({ name: this.name, cron: `${this.arg} * * * *`, queue: 'b', missed: 'backfill', backfillLimit: this.arg + 1, skipIfRunning: this.arg % 2 === 0 }, at);
                case 'pause':
                    return s.pauseSchedule(this.name);
                case 'resume':
                    return s.resumeSchedule(this.name, at);
                case 'advance':
                case 'advanceStale':
                    return s.advanceSchedule(this.name, {
                        cursor: this.op === 'advance' ? (cursor ?? 0) : (cursor ?? 0) + 1,
                        next: at,
                        // A slot job, or one whose key an earlier run (or enqueue) already holds.
                        jobs: Array.from({ length: this.arg % 3 }, (_, k) => ({ queue: 'a', payload: { slot: k }, runAt: (cursor ?? 0) + k * 1000, key: `k${k + this.arg}` })),
                    });
                case 'remove':
                    return s.removeSchedule(this.name);
            }
        };
        const m = await outcome(doOp(w.model));
        const r = await outcome(doOp(w.real));
        if (this.op === 'advance' && m.ok && r.ok && m.value && r.value) {
            m.value.jobs.forEach((mi, i) => mapCreated(w, mi, r.value.jobs[i]));
        }
        // Job ids differ between stores (MySQL burns an id on a deduped insert): compare the
        // schedule's lastJobId through the id mapping, like every job.
        const mapSchedule = (world, sc) => ({ ...sc, lastJobId: sc.lastJobId === null ? null : (world.back.get(sc.lastJobId) ?? `unmapped:${sc.lastJobId}`) });
        expectSame(w, this.toString(), m, r, (world, v) => {
            if (!v || typeof v !== 'object')
                return v;
            if ('jobs' in v) {
                const res = v;
                return { schedule: mapSchedule(world, res.schedule), jobs: res.jobs.map((x) => ({ created: x.created, job: normal(world, x.job) })) };
            }
            if ('schedule' in v)
                return { ...v, schedule: mapSchedule(world, v.schedule) };
            return 'lastJobId' in v ? mapSchedule(world, v) : v;
        });
    }
    toString() {
        return `${this.op}Schedule(${this.name}, ${this.arg})`;
    }
}
/** The worker process table: registration, renewal, sweeps and operator releases, on both sides. */
class WorkerOp extends Cmd {
    op;
    worker;
    incarnation;
    timeoutMs;
    constructor(op, worker, incarnation, timeoutMs) {
        super();
        this.op = op;
        this.worker = worker;
        this.incarnation = incarnation;
        this.timeoutMs = timeoutMs;
    }
    async exec(w) {
        const reg = { workerId: this.worker, incarnation: this.incarnation, host: 'host-a', pid: 100, bootId: 'boot-1', livenessTimeoutMs: this.timeoutMs };
        const call = (s) => {
            switch (this.op) {
                case 'register': return s.registerWorker(reg);
                case 'replace': return s.registerWorker(reg, { replaces: this.incarnation === 'i0' ? 'i1' : 'i0' });
                case 'renew': return s.renewWorker(this.worker, this.incarnation);
                case 'unregister': return s.unregisterWorker(this.worker, this.incarnation);
                case 'sweep': return s.sweepDeadWorkers();
                case 'release': return s.releaseWorkerLeases(this.worker);
                case 'forceRelease': return s.releaseWorkerLeases(this.worker, { force: true });
                case 'prune': return s.pruneWorkers({ olderThanMs: this.timeoutMs });
                case 'list': return s.listWorkers();
            }
        };
        const m = await outcome(call(w.model));
        const r = await outcome(call(w.real));
        expectSame(w, this.toString(), m, r);
    }
    toString() {
        return `${this.op}Worker(${this.worker}, ${this.incarnation}, ${this.timeoutMs}ms)`;
    }
}
const workerArb = fc.constantFrom(...WORKERS);
/**
 * The commands of one property: `jobArb` makes the enqueued jobs, `extra` adds commands. The
 * flow-control property adds concurrency keys and rate limits to the classic mix. Lease
 * writes are drawn three times as often as the others: they (zombies' included, steps with
 * deadlines) are what the fence and the held takeovers are about, and they need a lease in hand.
 */
const commandsOf = (jobArb, ops, extra) => {
    const leaseWrite = fc
        .tuple(fc.constantFrom(...WORKERS, 'zombie'), fc.nat(5), fc.constantFrom(...ops), fc.nat(4))
        .map(([wk, i, op, arg]) => new LeaseWrite(wk, i, op, arg));
    return [
        fc
            .tuple(fc.constantFrom('register', 'register', 'replace', 'renew', 'renew', 'unregister', 'sweep', 'sweep', 'release', 'forceRelease', 'prune', 'list'), workerArb, fc.constantFrom('i0', 'i1'), fc.constantFrom(1000, 4000))
            .map(([op, wk, inc, ms]) => new WorkerOp(op, wk, inc, ms)),
        fc.array(jobArb, { minLength: 1, maxLength: 1 }).map((j) => new Enqueue(j, false)),
        fc.array(jobArb, { minLength: 0, maxLength: 4 }).map((j) => new Enqueue(j, true)),
        fc
            .tuple(fc.oneof({ weight: 9, arbitrary: workerArb }, { weight: 1, arbitrary: fc.constant(ILL_FORMED_WORKER) }), fc.integer({ min: 1, max: 3 }), fc.option(fc.subarray([...QUEUES], { minLength: 1 }), { nil: undefined }), fc.constantFrom(1000, 3000))
            .map(([wk, n, q, ms]) => new Acquire(wk, n, q, ms)),
        leaseWrite,
        leaseWrite,
        leaseWrite,
        workerArb.map((wk) => new CompleteAll(wk)),
        workerArb.map((wk) => new Crash(wk)),
        fc.constantFrom(0, 400, 1000, 2500, 5000).map((ms) => new Advance(ms)),
        fc.constant(new Reap()),
        fc.tuple(fc.constantFrom('cancel', 'retry', 'retryForce', 'settleHappened', 'settleNotHappened'), fc.nat(20)).map(([op, i]) => new Admin(op, i)),
        fc.tuple(fc.constantFrom(0, 3000), fc.option(fc.constantFrom(0, 2000), { nil: undefined })).map(([ms, forget]) => new Prune(ms, forget)),
        fc
            .tuple(fc.constantFrom('save', 'redefine', 'pause', 'resume', 'advance', 'advanceStale', 'remove'), fc.constantFrom(...SCHEDULE_NAMES), fc.nat(3))
            .map(([op, name, arg]) => new ScheduleCommand(op, name, arg)),
        ...extra,
    ];
};
const LEASE_OPS = ['extend', 'complete', 'fail', 'failPermanent', 'failAt', 'release', 'expireLease', 'beginStep', 'beginStepDeadline', 'stallInStep', 'saveStep'];
const commandArbs = commandsOf(newJobArb, LEASE_OPS, []);
const flowCommandArbs = commandsOf(flowJobArb, [...LEASE_OPS, 'releaseLater'], [
    fc.tuple(fc.constantFrom(...CONCURRENCY_KEYS), fc.constantFrom(1, 2), fc.integer({ min: 1, max: 5 }), fc.constantFrom(...QUEUES)).map(([k, l, n, q]) => new KeyedBacklog(k, l, n, q)),
    fc
        .tuple(fc.constantFrom(...QUEUES), fc.option(fc.record({ max: fc.integer({ min: 1, max: 3 }), perMs: fc.constantFrom(1000, 3000, 10_000) }), { nil: null }))
        .map(([q, l]) => new SetRateLimit(q, l)),
]);
/** Checks every invariant and that the adapter's state equals the model's. */
async function checkInvariants(w, revived) {
    const all = { limit: 1_000_000 };
    const m = await w.model.list(all);
    const r = (await w.real.list(all)).map((j) => normal(w, j));
    expect(r).toEqual(m);
    const doubtful = { limit: 1_000_000, inDoubt: true };
    expect((await w.real.list(doubtful)).map((j) => normal(w, j).id)).toEqual((await w.model.list(doubtful)).map((j) => j.id));
    // Nothing lost: every created job is there, in exactly one status.
    expect(m.length).toBe(w.ids.size);
    const stats = await w.real.stats();
    expect(stats.total).toBe(w.ids.size);
    for (const j of m) {
        // Handler failures are bounded by maxAttempts, lease expiries by their own budget (+1: the one that ended it).
        expect(j.attempts - j.leaseExpiries).toBeLessThanOrEqual(j.maxAttempts);
        expect(j.leaseExpiries).toBeLessThanOrEqual(j.maxLeaseExpiries + 1);
        expect(j.leaseExpiries).toBeGreaterThanOrEqual(0);
        expect(j.attempts).toBeGreaterThanOrEqual(j.leaseExpiries);
        if (j.status === 'processing')
            expect(j.lockedBy).not.toBeNull();
        else
            expect(j.lockedBy).toBeNull();
        const before = w.last.get(j.id);
        if (before && FINAL_STATUSES.includes(before) && j.status !== before) {
            expect(revived, `job ${j.id} left ${before} for ${j.status} without a manual retry`).toContain(j.id);
        }
        w.last.set(j.id, j.status);
    }
    // At most one live lease per job, across every worker and zombie.
    const byJob = new Map(m.map((j) => [j.id, j]));
    const live = new Map();
    for (const pair of [...[...w.held.values()].flat(), ...w.zombies]) {
        const j = byJob.get(pair.m.job.id);
        if (j && j.status === 'processing' && j.leaseToken === pair.m.token)
            live.set(j.id, (live.get(j.id) ?? 0) + 1);
    }
    for (const [id, n] of live)
        expect(n, `job ${id} has ${n} live leases`).toBeLessThanOrEqual(1);
    // A concurrency key never holds more leases than its jobs' limit (the largest, when they differ).
    const perKey = new Map();
    for (const j of m) {
        if (j.status !== 'processing' || j.concurrencyKey === undefined)
            continue;
        const k = perKey.get(j.concurrencyKey) ?? { n: 0, limit: 0 };
        perKey.set(j.concurrencyKey, { n: k.n + 1, limit: Math.max(k.limit, j.concurrencyLimit) });
    }
    for (const [key, { n, limit }] of perKey)
        expect(n, `concurrency key ${key} holds ${n} leases`).toBeLessThanOrEqual(limit);
    // Rate limits and when each next has room, as the model says.
    expect(await w.real.listRateLimits()).toEqual(await w.model.listRateLimits());
    // Which expired leases a step deadline holds back, and until when, as the model says.
    const heldR = (await w.real.getHeldLeases()).map((h) => ({ ...h, job: normal(w, h.job) }));
    expect(heldR).toEqual(await w.model.getHeldLeases());
    await checkHistory(w, m);
}
/**
 * The history agrees with the model's: the attempts of every job whose status or token moved
 * in this command, the per-minute counters, and the first page of newest jobs.
 */
async function checkHistory(w, m) {
    const real = w.real;
    for (const j of m) {
        const seen = `${j.status}#${j.leaseToken}`;
        if (w.lastSeen.get(j.id) === seen)
            continue;
        w.lastSeen.set(j.id, seen);
        expect(await real.getAttempts(w.ids.get(j.id)), `attempts of job ${j.id}`).toEqual(await w.model.getAttempts(j.id));
    }
    expect(await real.throughput({ since: 0 }), 'per-minute counters').toEqual(await w.model.throughput({ since: 0 }));
    const page = await real.findJobs({ limit: 3 });
    const modelPage = await w.model.findJobs({ limit: 3 });
    expect({ jobs: page.jobs.map((j) => normal(w, j)), next: page.next === null ? null : w.back.get(page.next) }, 'newest jobs').toEqual(modelPage);
    const schedules = (await w.real.listSchedules()).map((s) => ({ ...s, lastJobId: s.lastJobId === null ? null : (w.back.get(s.lastJobId) ?? `unmapped:${s.lastJobId}`) }));
    expect(schedules).toEqual(await w.model.listSchedules());
}
/**
 * Runs the model-based property against one adapter factory; rejects with fast-check's
 * report (seed and path included) on the first disagreement or broken invariant.
 */
export async function checkAgainstModel(factory, opts) {
    await fc.assert(fc.asyncProperty(fc.commands(opts.flowControl ? flowCommandArbs : commandArbs, { maxCommands: opts.maxCommands ?? 50, size: 'max' }), async (cmds) => {
        const clock = new ManualClock(START);
        const model = new InMemoryLeaseStore({ clock, random: () => 0.5 });
        const made = await factory({ clock, random: () => 0.5 });
        const world = {
            clock,
            model,
            real: made.store,
            ids: new Map(),
            back: new Map(),
            uids: new Map(),
            held: new Map(WORKERS.map((wk) => [wk, []])),
            zombies: [],
            issued: new Set(),
            last: new Map(),
            lastSeen: new Map(),
        };
        try {
            await fc.asyncModelRun(() => ({ model: world, real: world }), cmds);
        }
        finally {
            await made.dispose();
        }
    }), { numRuns: opts.numRuns, verbose: 1, ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
}
/** Registers the model-based suite for one adapter. */
export function describeLeaseStoreModel(name, factory) {
    const numRuns = Number(process.env.LEASEHOLD_PROPERTY_RUNS ?? 200);
    describe(`${name}: model-based contract`, () => {
        it(`agrees with the in-memory model over ${numRuns} random command sequences, crashes included`, { timeout: 600_000 }, async () => {
            await checkAgainstModel(factory, { numRuns });
        });
        const flowRuns = Math.ceil(numRuns / 2);
        it(`agrees with the model over ${flowRuns} more sequences with concurrency keys and rate limits`, { timeout: 600_000 }, async () => {
            await checkAgainstModel(factory, { numRuns: flowRuns, flowControl: true });
        });
    });
}
//# sourceMappingURL=lease-store-model.js.map