/**
 * The in-memory store: the domain model made runnable. The contract suite holds every other
 * adapter to its behaviour, so it is written for clarity first, then for speed:
 * claim and complete cost O(log n) through three indexes with lazy deletion (an entry is
 * valid only while its `ver` equals the record's; every change bumps `ver`).
 */
import { randomUid } from '../common/random-uid.js';
import { JobNotFoundError, KeyRetiredError, LeaseLostError, SettleRefusedError, StoreUnavailableError } from '../../domain/errors.js';
import { deadlineAfterLease } from '../../domain/step-deadline.js';
import { emptyStatusCounts } from '../../domain/job.js';
import { applyAcquire, applyCancel, applyComplete, applyExpire, applyExtend, applyFail, applyManualRetry, applyRelease, assertTransition, } from '../../domain/lifecycle.js';
import { attemptEnd, countersKept, minuteOf, throughputField } from '../../domain/history.js';
import { isStepInDoubt, retryRefused, settleRefusal, sortSteps } from '../../domain/steps.js';
import { deadlineFitsLease, heldRetryAt, holdsLease, isEligible, isHeldBack, isLeaseExpired, isPoisoned, takeoverAt } from '../../domain/lease-rules.js';
import { decideFailure, describeError } from '../../domain/retry-policy.js';
import { isConcurrencyBlocked, slotsFree } from '../../domain/concurrency.js';
import { nextRoomAt, rateRoom, recordClaims, validateRateLimit, validateRateLimitFilter } from '../../domain/rate-limit.js';
import { parseJobId, validateAcquire, validateJson, validateKey, validateName, validateListFilter, validateNewJob, validatePrune, validateDuration, validateFailOptions, validateHeldLeaseFilter, validateRetryOptions, validateReleaseOptions, validateSettleOutcome, validateStepIntent, validateJobQuery, validateTime, } from '../../domain/validation.js';
import { ScheduleNotFoundError, ValidationError, WorkerAliveError } from '../../domain/errors.js';
import { applyScheduleAdvance, applyScheduleDefinition, applySchedulePause, applyScheduleResume, validateScheduleAdvance, validateScheduleDefinition, validateScheduleName, } from '../../domain/schedule.js';
import { isWorkerAlive, mayRegister, mayRenew, sweepOutcome, sweptLockedUntil, validateForce, validatePruneWorkers, validateReplaces, validateWorkerRegistration, workerDeadAt, } from '../../domain/liveness.js';
import { EnqueueListeners } from '../common/enqueue-listeners.js';
import { leaseInput, leaseOf } from '../common/lease-input.js';
import { resolveStoreOptions } from '../common/store-options.js';
import { BinaryHeap } from './binary-heap.js';
const readyLess = (a, b) => a.priority !== b.priority ? a.priority < b.priority : a.runAt !== b.runAt ? a.runAt < b.runAt : a.idNum < b.idNum;
const timeLess = (a, b) => (a.at !== b.at ? a.at < b.at : a.idNum < b.idNum);
/**
 * A LeaseStore in process memory, for unit tests and the model of every other adapter.
 * Nothing survives the process. Returned jobs are copies.
 * @example
 * const clock = new ManualClock();
 * const store = new InMemoryLeaseStore({ clock });
 * await store.enqueue({ queue: 'orders', payload: { orderId: 1 } });
 */
export class InMemoryLeaseStore {
    opts;
    jobs = new Map();
    /** The keys' own storage: every key ever used, live or retired (a tombstone), until forgotten. */
    keys = new Map();
    databaseIdentity = randomUid();
    steps = new Map();
    /** Per-minute counters by `${minute}|${queue}`, kept apart from the jobs. */
    counters = new Map();
    /** The bucket `record` wrote last (cleared when counters are pruned). */
    lastCounter;
    ready = new Map();
    delayed = new BinaryHeap(timeLess);
    leases = new BinaryHeap(timeLess);
    /** Expired processing records moved to `ready`, so reapExpired finds them too. */
    expired = new Set();
    listeners = new EnqueueListeners();
    /** Schedules by name; payloads kept as JSON text, like jobs'. */
    schedules = new Map();
    workers = new Map();
    /** Rate limits by queue, with their recent claim times. */
    limits = new Map();
    /** Concurrency keys with leases or blocked jobs. */
    gates = new Map();
    nextId = 1;
    closed = false;
    constructor(options = {}) {
        this.opts = resolveStoreOptions(options, 'InMemoryLeaseStore');
    }
    get clockMarginMs() {
        return this.opts.clockMarginMs;
    }
    async migrate() {
        this.open();
    }
    async identity() {
        this.open();
        return this.databaseIdentity;
    }
    async enqueue(job) {
        this.open();
        const now = this.now();
        const v = validateNewJob(job, now, { maxPayloadBytes: this.opts.maxPayloadBytes });
        this.checkRetired([v]);
        const out = this.insert(v, now);
        if (out.created)
            this.listeners.notify(v.queue, v.runAt);
        return out;
    }
    async enqueueMany(jobs) {
        this.open();
        if (!Array.isArray(jobs))
            throw new ValidationError('jobs', 'must be an array');
        const now = this.now();
        const valid = jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `jobs[${i}]` }));
        this.checkRetired(valid);
        const out = valid.map((v) => this.insert(v, now));
        valid.forEach((v, i) => out[i].created && this.listeners.notify(v.queue, v.runAt));
        return out;
    }
    async acquire(req) {
        this.open();
        const r = validateAcquire(req);
        const now = this.now();
        this.promote(now);
        this.wake(now);
        let heaps = [];
        if (r.queues === null)
            heaps.push(...this.ready.values());
        else if (r.queues.length === 1) {
            const h = this.ready.get(r.queues[0]);
            if (h)
                heaps.push(h);
        }
        else
            for (const q of new Set(r.queues)) {
                const h = this.ready.get(q);
                if (h)
                    heaps.push(h);
            }
        // Room per rate-limited queue; a queue out of room leaves the walk (its jobs are not charged).
        // Built only when some queue has a limit: this is the hot path of every claim.
        const room = new Map();
        if (this.limits.size > 0) {
            const heapQueue = new Map();
            for (const [q, h] of this.ready)
                heapQueue.set(h, q);
            for (const h of heaps) {
                const limit = this.limits.get(heapQueue.get(h));
                if (limit)
                    room.set(limit.queue, rateRoom(limit, now));
            }
            heaps = heaps.filter((h) => room.get(heapQueue.get(h)) !== 0);
        }
        const leases = [];
        while (leases.length < r.limit) {
            let best;
            for (const h of heaps) {
                const top = this.validTop(h);
                if (top && (!best || readyLess(top, best.peek())))
                    best = h;
            }
            if (!best)
                break;
            const rec = best.pop().rec;
            if (!isEligible(rec.job, now, rec.stepDeadlineAt, this.clockMarginMs)) {
                // The clock went back since this entry was indexed: put it where it belongs again.
                this.index(rec, now);
                continue;
            }
            if (isPoisoned(rec.job, now, rec.stepDeadlineAt, this.clockMarginMs)) {
                this.replace(rec, applyExpire(rec.job, now), now);
                continue;
            }
            const key = rec.job.concurrencyKey;
            if (key !== undefined && isConcurrencyBlocked(rec.job, this.gates.get(key)?.holders ?? 0)) {
                // Held back, uncharged: nothing of the job changes, it only leaves the walk.
                const gate = this.gate(key);
                gate.blocked.add(rec);
                gate.limit = rec.job.concurrencyLimit ?? 1;
                rec.blocked = true;
                rec.ver++;
                continue;
            }
            rec.stepDeadlineAt = null;
            this.replace(rec, applyAcquire(rec.job, r.workerId, now, r.leaseMs), now);
            leases.push(leaseOf(this.copy(rec)));
            const left = room.size === 0 ? undefined : room.get(rec.job.queue);
            if (left !== undefined) {
                room.set(rec.job.queue, left - 1);
                if (left === 1)
                    heaps = heaps.filter((h) => h !== best);
            }
        }
        for (const [queue, left] of room) {
            const limit = this.limits.get(queue);
            this.limits.set(queue, recordClaims(limit, now, rateRoom(limit, now) - left));
        }
        return leases;
    }
    async extend(lease, leaseMs) {
        this.open();
        const ms = validateDuration(leaseMs, 'leaseMs');
        const rec = this.held(lease);
        const now = this.now();
        this.replace(rec, applyExtend(rec.job, now, ms), now);
        return leaseOf(this.copy(rec));
    }
    async complete(lease, result) {
        this.open();
        return this.completeNow(lease, result, this.now());
    }
    async completeMany(entries) {
        this.open();
        if (!Array.isArray(entries))
            throw new ValidationError('entries', 'must be an array');
        const now = this.now();
        return entries.map((e) => {
            try {
                // A malformed entry is that entry's ValidationError (from leaseInput), not a failed batch.
                return { ok: true, job: this.completeNow(e?.lease, e?.result, now) };
            }
            catch (error) {
                if (error instanceof ValidationError || error instanceof LeaseLostError)
                    return { ok: false, error };
                throw error;
            }
        });
    }
    async fail(lease, error, opts) {
        this.open();
        const { permanent, retryAt } = validateFailOptions(opts);
        const rec = this.held(lease);
        const now = this.now();
        const d = decideFailure(rec.job, { now, permanent, retryAt, policy: this.opts.backoff, random: this.opts.random });
        this.replace(rec, applyFail(rec.job, now, describeError(error), d.status === 'retry' ? d.runAt : null), now);
        return this.copy(rec);
    }
    async expireLease(lease, opts) {
        this.open();
        const { retryAt } = validateFailOptions(opts);
        const rec = this.held(lease);
        const now = this.now();
        this.replace(rec, applyExpire(rec.job, now, retryAt), now);
        return this.copy(rec);
    }
    async release(lease, opts) {
        this.open();
        const later = validateReleaseOptions(opts);
        const rec = this.held(lease);
        const now = this.now();
        this.replace(rec, applyRelease(rec.job, now, later), now);
        return this.copy(rec);
    }
    async beginStep(lease, name, intent) {
        this.open();
        validateKey(name, 'name');
        const i = validateStepIntent(intent);
        const rec = this.held(lease);
        const now = this.now();
        if (i.deadlineAt !== null && !deadlineFitsLease(i.deadlineAt, rec.job.lockedUntil))
            throw deadlineAfterLease(i.deadlineAt);
        const steps = this.stepsOf(rec.idNum);
        const prior = steps.get(name);
        if (prior?.state === 'done')
            return;
        if (i.deadlineAt !== null) {
            rec.stepDeadlineAt = Math.max(rec.stepDeadlineAt ?? i.deadlineAt, i.deadlineAt);
            // The takeover time moved: index the lease again at it.
            this.replace(rec, rec.job, now);
        }
        // The first key a step ran under stays its key: a later attempt runs it under the same one.
        const key = prior?.key ?? i.key;
        const record = { name, state: 'started', result: null, token: rec.job.leaseToken, startedAt: now, finishedAt: null, key, settledAt: null };
        if (i.deadlineAt !== null)
            record.deadlineAt = i.deadlineAt;
        steps.set(name, record);
    }
    async saveStep(lease, name, result) {
        this.open();
        validateKey(name, 'name');
        const text = validateJson(result, 'result', this.opts.maxPayloadBytes);
        const rec = this.held(lease);
        const now = this.now();
        const steps = this.stepsOf(rec.idNum);
        const prior = steps.get(name);
        const record = {
            name,
            state: 'done',
            result: JSON.parse(text),
            token: rec.job.leaseToken,
            startedAt: prior?.startedAt ?? now,
            finishedAt: now,
            key: prior?.key ?? null,
            settledAt: null,
        };
        // A result keeps the deadline its intent was recorded with.
        if (prior?.deadlineAt != null)
            record.deadlineAt = prior.deadlineAt;
        steps.set(name, record);
    }
    async getSteps(jobId) {
        this.open();
        const out = {};
        for (const s of await this.getStepRecords(jobId))
            if (s.state === 'done')
                out[s.name] = s.result;
        return out;
    }
    async getStepRecords(jobId) {
        this.open();
        const idNum = parseJobId(jobId, 'jobId');
        const steps = idNum === undefined ? undefined : this.steps.get(idNum);
        return steps ? sortSteps([...steps.values()].map((s) => ({ ...s, result: s.result === null ? null : JSON.parse(JSON.stringify(s.result)) }))) : [];
    }
    async reapExpired() {
        this.open();
        const now = this.now();
        this.promote(now);
        let n = 0;
        for (const rec of [...this.expired]) {
            if (isLeaseExpired(rec.job, now) && !isHeldBack(rec.job, now, rec.stepDeadlineAt, this.clockMarginMs)) {
                this.replace(rec, applyExpire(rec.job, now), now);
                n++;
            }
        }
        this.expired.clear();
        return n;
    }
    async get(id) {
        this.open();
        const idNum = parseJobId(id);
        const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
        return rec ? this.copy(rec) : undefined;
    }
    async list(filter) {
        this.open();
        const f = validateListFilter(filter);
        const out = [];
        // The map holds jobs in insertion order, which is id order; newest first walks it backwards.
        const recs = f.order === 'asc' ? this.jobs.values() : [...this.jobs.values()].reverse();
        for (const rec of recs) {
            if (out.length >= f.limit)
                break;
            if (f.statuses && !f.statuses.includes(rec.job.status))
                continue;
            if (f.queue !== null && rec.job.queue !== f.queue)
                continue;
            if (f.inDoubt !== null && this.inDoubtStep(rec) !== undefined !== f.inDoubt)
                continue;
            out.push(this.copy(rec));
        }
        return out;
    }
    async getActiveLeases() {
        this.open();
        const now = this.now();
        return this.scan((j) => j.status === 'processing' && !isLeaseExpired(j, now));
    }
    async getExpiredLeases() {
        this.open();
        const now = this.now();
        return this.scan((j) => isLeaseExpired(j, now));
    }
    async getHeldLeases(filter) {
        this.open();
        const f = validateHeldLeaseFilter(filter);
        const now = this.now();
        const out = [];
        // The map holds jobs in insertion order, which is id order.
        for (const rec of this.jobs.values()) {
            if (out.length === f.limit)
                break;
            if (f.queues !== null && !f.queues.includes(rec.job.queue))
                continue;
            if (rec.stepDeadlineAt === null || !isHeldBack(rec.job, now, rec.stepDeadlineAt, this.clockMarginMs))
                continue;
            out.push({ job: this.copy(rec), stepDeadlineAt: rec.stepDeadlineAt, takeoverAt: takeoverAt(rec.job, rec.stepDeadlineAt, this.clockMarginMs) });
        }
        return out;
    }
    async stats() {
        this.open();
        const s = { total: 0, byStatus: emptyStatusCounts(), byQueue: {} };
        for (const { job } of this.jobs.values()) {
            s.total++;
            s.byStatus[job.status]++;
            (s.byQueue[job.queue] ??= emptyStatusCounts())[job.status]++;
        }
        return s;
    }
    async retry(id, opts) {
        this.open();
        const { force } = validateRetryOptions(opts);
        const rec = this.byId(id);
        assertTransition(id, 'retry', rec.job.status);
        const doubt = force ? undefined : this.inDoubtStep(rec);
        if (doubt !== undefined)
            throw retryRefused(rec.job.id, doubt);
        const now = this.now();
        this.replace(rec, applyManualRetry(rec.job, now), now);
        this.listeners.notify(rec.job.queue, now);
        return this.copy(rec);
    }
    async settleStep(jobId, name, outcome) {
        this.open();
        validateKey(name, 'name');
        const o = validateSettleOutcome(outcome, this.opts.maxPayloadBytes);
        const rec = this.byId(jobId);
        const step = this.steps.get(rec.idNum)?.get(name);
        const now = this.now();
        const refusal = settleRefusal(rec.job, step, now, this.clockMarginMs);
        if (refusal !== null)
            throw new SettleRefusedError(rec.job.id, name, refusal);
        const settled = o.happened
            ? { ...step, state: 'done', result: JSON.parse(o.resultText), finishedAt: now, settledAt: now }
            : { ...step, settledAt: now };
        this.steps.get(rec.idNum).set(name, settled);
        return (await this.getStepRecords(jobId)).find((s) => s.name === name);
    }
    async cancel(id) {
        this.open();
        const rec = this.byId(id);
        assertTransition(id, 'cancel', rec.job.status);
        const now = this.now();
        this.replace(rec, applyCancel(rec.job, now), now);
        return this.copy(rec);
    }
    async prune(opts) {
        this.open();
        const p = validatePrune(opts);
        const now = this.now();
        const cutoff = now - p.olderThanMs;
        let n = 0;
        for (const [idNum, rec] of this.jobs) {
            const j = rec.job;
            if (!p.statuses.includes(j.status) || j.finishedAt === null || j.finishedAt > cutoff)
                continue;
            this.jobs.delete(idNum);
            this.steps.delete(idNum);
            // The key stays, retired: enqueueing it again must not make a second job for one intent.
            const entry = j.key === null ? undefined : this.keys.get(j.key);
            if (entry) {
                entry.rec = null;
                entry.retiredAt = now;
            }
            rec.ver = -1;
            n++;
        }
        if (p.forgetKeysOlderThanMs !== null) {
            const forgetBefore = now - p.forgetKeysOlderThanMs;
            for (const [key, entry] of this.keys)
                if (entry.retiredAt !== null && entry.retiredAt <= forgetBefore)
                    this.keys.delete(key);
        }
        const keepFrom = countersKept(this.now(), p.olderThanMs);
        for (const [k, b] of this.counters)
            if (b.minute < keepFrom)
                this.counters.delete(k);
        this.lastCounter = undefined;
        return n;
    }
    async getAttempts(jobId) {
        this.open();
        const idNum = parseJobId(jobId, 'jobId');
        const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
        return (rec?.attempts ?? []).map((a) => ({ ...a }));
    }
    async throughput(opts) {
        this.open();
        const from = minuteOf(validateTime(opts?.since, 'since'));
        return [...this.counters.values()]
            .filter((b) => b.minute >= from)
            .map((b) => ({ ...b }))
            .sort((a, b) => a.minute - b.minute || (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
    }
    async findJobs(query) {
        this.open();
        const q = validateJobQuery(query);
        const out = [];
        const match = (rec) => (q.beforeId === null || rec.idNum < q.beforeId) &&
            (q.statuses === null || q.statuses.includes(rec.job.status)) &&
            (q.queue === null || rec.job.queue === q.queue);
        if (q.key !== null) {
            const rec = this.keys.get(q.key)?.rec;
            if (rec && match(rec))
                out.push(this.copy(rec));
            return { jobs: out, next: null };
        }
        const recs = [...this.jobs.values()];
        let more = false;
        for (let i = recs.length - 1; i >= 0; i--) {
            const rec = recs[i];
            if (!match(rec))
                continue;
            if (out.length === q.limit) {
                more = true;
                break;
            }
            out.push(this.copy(rec));
        }
        return { jobs: out, next: more ? out[out.length - 1].id : null };
    }
    async saveSchedule(definition, nextRunAt) {
        this.open();
        const d = validateScheduleDefinition(definition, this.opts.maxPayloadBytes);
        const at = nextRunAt === null ? null : validateTime(nextRunAt, 'nextRunAt');
        const existing = this.schedules.get(d.name);
        const next = applyScheduleDefinition(existing && this.scheduleCopy(existing), d, at, this.now());
        if (next)
            this.schedules.set(d.name, { s: next, payloadText: d.payloadText });
        const schedule = this.scheduleCopy(this.schedules.get(d.name));
        return { schedule, created: existing === undefined, changed: next !== undefined };
    }
    async getSchedule(name) {
        this.open();
        const entry = this.schedules.get(validateScheduleName(name));
        return entry && this.scheduleCopy(entry);
    }
    async listSchedules() {
        this.open();
        return [...this.schedules.keys()].sort(compareNames).map((n) => this.scheduleCopy(this.schedules.get(n)));
    }
    async pauseSchedule(name) {
        this.open();
        return this.changeSchedule(validateScheduleName(name), (s, now) => applySchedulePause(s, now));
    }
    async resumeSchedule(name, nextRunAt) {
        this.open();
        const n = validateScheduleName(name);
        const at = nextRunAt === null ? null : validateTime(nextRunAt, 'nextRunAt');
        return this.changeSchedule(n, (s, now) => applyScheduleResume(s, at, now));
    }
    async advanceSchedule(name, advance) {
        this.open();
        const n = validateScheduleName(name);
        const a = validateScheduleAdvance(advance);
        const now = this.now();
        const valid = a.jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `advance.jobs[${i}]` }));
        const entry = this.schedules.get(n);
        if (!entry || applyScheduleAdvance(entry.s, a, null, now) === undefined)
            return undefined;
        // A slot whose key is retired ran already (its job finished and was pruned): refused, as an
        // enqueue of that key is, and nothing moves. Running it again could place its order twice.
        this.checkRetired(valid);
        const jobs = valid.map((v) => this.insert(v, now));
        const i = jobs.length - 1;
        const next = applyScheduleAdvance(entry.s, a, i < 0 ? null : { slotAt: valid[i].runAt, jobId: jobs[i].job.id }, now);
        this.schedules.set(n, { s: next, payloadText: entry.payloadText });
        valid.forEach((v, k) => jobs[k].created && this.listeners.notify(v.queue, v.runAt));
        return { schedule: this.scheduleCopy(this.schedules.get(n)), jobs };
    }
    async removeSchedule(name) {
        this.open();
        return this.schedules.delete(validateScheduleName(name));
    }
    async registerWorker(reg, opts = {}) {
        this.open();
        const r = validateWorkerRegistration(reg);
        const replaces = validateReplaces(opts);
        const now = this.now();
        const existing = this.workers.get(r.workerId);
        if (!mayRegister(existing, now, { replaces }))
            return { ok: false, current: this.info(existing, now) };
        // The predecessor under this id is gone: its leases become claimable at once (the claim
        // and token stay, so the new process's acquire takes them over, fenced).
        if (existing)
            this.expireLeasesOf(new Set([r.workerId]), now);
        const worker = { ...r, startedAt: now, lastSeenAt: now };
        this.workers.set(r.workerId, worker);
        return { ok: true, worker: { ...worker } };
    }
    async renewWorker(workerId, incarnation) {
        this.open();
        validateName(workerId, 'workerId');
        const now = this.now();
        const existing = this.workers.get(workerId);
        if (!mayRenew(existing, incarnation, now))
            return null;
        existing.lastSeenAt = now;
        return { ...existing };
    }
    async unregisterWorker(workerId, incarnation) {
        this.open();
        validateName(workerId, 'workerId');
        if (this.workers.get(workerId)?.incarnation !== incarnation)
            return false;
        return this.workers.delete(workerId);
    }
    async listWorkers() {
        this.open();
        const now = this.now();
        return [...this.workers.values()].sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0)).map((w) => this.info(w, now));
    }
    async sweepDeadWorkers() {
        this.open();
        const now = this.now();
        const dead = new Set([...this.workers.values()].filter((w) => !isWorkerAlive(w, now)).map((w) => w.workerId));
        const marked = dead.size === 0 ? 0 : this.expireLeasesOf(dead, now);
        let expired = 0;
        const next = [];
        for (const { job, stepDeadlineAt } of this.jobs.values()) {
            if (job.status !== 'processing')
                continue;
            // A lease a step deadline holds back is not takeable yet: it will be at its takeoverAt.
            if (isLeaseExpired(job, now)) {
                if (isHeldBack(job, now, stepDeadlineAt, this.clockMarginMs))
                    next.push(takeoverAt(job, stepDeadlineAt, this.clockMarginMs));
                else
                    expired++;
            }
            else
                next.push(job.lockedUntil);
        }
        for (const w of this.workers.values())
            if (isWorkerAlive(w, now))
                next.push(workerDeadAt(w));
        return sweepOutcome(marked, expired, next, now);
    }
    async releaseWorkerLeases(workerId, opts = {}) {
        this.open();
        validateName(workerId, 'workerId');
        const force = validateForce(opts);
        const now = this.now();
        const w = this.workers.get(workerId);
        if (w && isWorkerAlive(w, now) && !force)
            throw new WorkerAliveError(workerId, w.lastSeenAt);
        let n = 0;
        for (const rec of this.jobs.values()) {
            if (rec.job.status !== 'processing' || rec.job.lockedBy !== workerId)
                continue;
            // Its step's request may still be valid until the deadline plus the margin: not run before.
            this.replace(rec, applyExpire(rec.job, now, heldRetryAt(rec.stepDeadlineAt, this.clockMarginMs, now)), now);
            n++;
        }
        this.workers.delete(workerId);
        return n;
    }
    async pruneWorkers(opts) {
        this.open();
        const olderThanMs = validatePruneWorkers(opts);
        const now = this.now();
        const holding = new Set();
        for (const { job } of this.jobs.values())
            if (job.status === 'processing' && job.lockedBy !== null)
                holding.add(job.lockedBy);
        let n = 0;
        for (const w of [...this.workers.values()]) {
            if (isWorkerAlive(w, now) || w.lastSeenAt + w.livenessTimeoutMs + olderThanMs > now || holding.has(w.workerId))
                continue;
            this.workers.delete(w.workerId);
            n++;
        }
        return n;
    }
    async setRateLimit(queue, limit) {
        this.open();
        const q = validateName(queue, 'queue');
        if (limit === null) {
            this.limits.delete(q);
            return;
        }
        const l = validateRateLimit(limit);
        // The claims already made stay counted, as the SQL stores keep them: lowering the limit and
        // raising it again within one interval must not forget a claim (and allow one too many).
        this.limits.set(q, { queue: q, ...l, recent: this.limits.get(q)?.recent ?? [] });
    }
    async listRateLimits(filter) {
        this.open();
        const queues = validateRateLimitFilter(filter);
        const now = this.now();
        return [...this.limits.keys()]
            .filter((q) => queues === null || queues.includes(q))
            .sort(compareNames)
            .map((q) => {
            const l = this.limits.get(q);
            return { queue: q, max: l.max, perMs: l.perMs, room: rateRoom(l, now), nextRoomAt: nextRoomAt(l, now) };
        });
    }
    onEnqueue(listener) {
        return this.listeners.add(listener);
    }
    async close() {
        this.closed = true;
    }
    // ---- internals ----
    scheduleCopy(entry) {
        return { ...entry.s, payload: JSON.parse(entry.payloadText) };
    }
    changeSchedule(name, decide) {
        const entry = this.schedules.get(name);
        if (!entry)
            throw new ScheduleNotFoundError(name);
        const next = decide(this.scheduleCopy(entry), this.now());
        this.schedules.set(name, { s: next, payloadText: entry.payloadText });
        return this.scheduleCopy(this.schedules.get(name));
    }
    open() {
        if (this.closed)
            throw new StoreUnavailableError('the store is closed');
    }
    now() {
        return this.opts.clock.now();
    }
    completeNow(lease, result, now) {
        const text = result === undefined ? null : validateJson(result, 'result', this.opts.maxPayloadBytes);
        const rec = this.held(lease);
        rec.resultText = text;
        this.replace(rec, applyComplete(rec.job, now, null), now);
        return this.copy(rec);
    }
    /**
     * Refuses a batch holding a retired key without `reuseKey` before anything is written (a
     * key revived earlier in the same batch is live for the entries after it).
     */
    checkRetired(valid) {
        const revived = new Set();
        for (const v of valid) {
            if (v.key === null || revived.has(v.key))
                continue;
            const entry = this.keys.get(v.key);
            if (!entry || entry.rec !== null)
                continue;
            if (!v.reuseKey)
                throw new KeyRetiredError(v.key, entry.retiredAt);
            revived.add(v.key);
        }
    }
    insert(v, now) {
        const entry = v.key === null ? undefined : this.keys.get(v.key);
        if (entry?.rec)
            return { job: this.copy(entry.rec), created: false };
        const idNum = this.nextId++;
        const job = {
            id: String(idNum),
            // A reused key brings its identity along: the same uid and spelling, so the same keys.
            uid: entry ? entry.uid : randomUid(),
            queue: v.queue,
            key: v.key,
            idempotencyKeyFormat: entry ? entry.format : v.idempotencyKeyFormat,
            payload: null,
            status: 'pending',
            priority: v.priority,
            runAt: v.runAt,
            attempts: 0,
            maxAttempts: v.maxAttempts,
            leaseExpiries: 0,
            maxLeaseExpiries: v.maxLeaseExpiries,
            lockedBy: null,
            lockedUntil: null,
            leaseToken: 0,
            lastError: null,
            result: null,
            createdAt: now,
            updatedAt: now,
            finishedAt: null,
        };
        if (v.concurrencyKey !== null) {
            job.concurrencyKey = v.concurrencyKey;
            job.concurrencyLimit = v.concurrencyLimit;
        }
        const rec = { job, payloadText: v.payloadText, resultText: null, idNum, ver: 0, stepDeadlineAt: null, blocked: false, attempts: null };
        this.jobs.set(idNum, rec);
        if (entry) {
            entry.rec = rec;
            entry.retiredAt = null;
        }
        else if (v.key !== null) {
            this.keys.set(v.key, { uid: job.uid, format: job.idempotencyKeyFormat, rec, retiredAt: null });
        }
        this.index(rec, now);
        // validateNewJob parsed its payload for this call alone: hand that copy out, not a third.
        return { job: this.copy(rec, v.payload), created: true };
    }
    /** Swaps in the job a transition produced, invalidates old index entries and adds new ones. */
    replace(rec, next, now) {
        this.record(rec, rec.job, next, now);
        const key = next.concurrencyKey;
        if (key !== undefined) {
            const was = rec.job.status === 'processing';
            const is = next.status === 'processing';
            if (was !== is)
                this.gate(key).holders += is ? 1 : -1;
            // Any write to a blocked job (cancel) takes it out of its key's blocked set.
            if (rec.blocked) {
                rec.blocked = false;
                this.gates.get(key)?.blocked.delete(rec);
            }
            this.dropIdleGate(key);
        }
        rec.job = next;
        rec.ver++;
        this.expired.delete(rec);
        this.index(rec, now);
    }
    /** Puts the record in the index its status calls for (none for final statuses). */
    index(rec, now) {
        const j = rec.job;
        if (j.status === 'pending' || j.status === 'retry') {
            if (rec.blocked)
                return;
            if (j.runAt <= now)
                this.pushReady(rec);
            else
                this.delayed.push({ at: j.runAt, idNum: rec.idNum, rec, ver: rec.ver });
        }
        else if (j.status === 'processing') {
            this.leases.push({ at: takeoverAt(j, rec.stepDeadlineAt, this.clockMarginMs), idNum: rec.idNum, rec, ver: rec.ver });
        }
    }
    pushReady(rec) {
        let h = this.ready.get(rec.job.queue);
        if (!h)
            this.ready.set(rec.job.queue, (h = new BinaryHeap(readyLess)));
        h.push({ priority: rec.job.priority, runAt: rec.job.runAt, idNum: rec.idNum, rec, ver: rec.ver });
    }
    /** Moves jobs whose runAt came, and leases that expired, into the ready heaps. */
    promote(now) {
        for (let e = this.delayed.peek(); e && e.at <= now; e = this.delayed.peek()) {
            this.delayed.pop();
            if (e.ver === e.rec.ver)
                this.pushReady(e.rec);
        }
        for (let e = this.leases.peek(); e && e.at <= now; e = this.leases.peek()) {
            this.leases.pop();
            if (e.ver === e.rec.ver) {
                this.pushReady(e.rec);
                this.expired.add(e.rec);
            }
        }
    }
    /**
     * The claim's wake step (see src/domain/concurrency.ts): each key with blocked jobs frees the
     * first `limit - holders` of them, in claim order, back to the ready heaps.
     */
    wake(now) {
        for (const [key, gate] of this.gates) {
            let free = slotsFree(gate.limit, gate.holders);
            if (free === 0 || gate.blocked.size === 0)
                continue;
            const order = [...gate.blocked].sort((a, b) => (readyLess(this.readyOf(a), this.readyOf(b)) ? -1 : 1));
            for (const rec of order) {
                if (free-- === 0)
                    break;
                gate.blocked.delete(rec);
                rec.blocked = false;
                this.index(rec, now);
            }
            this.dropIdleGate(key);
        }
    }
    readyOf(rec) {
        return { priority: rec.job.priority, runAt: rec.job.runAt, idNum: rec.idNum, rec, ver: rec.ver };
    }
    gate(key) {
        let g = this.gates.get(key);
        if (!g)
            this.gates.set(key, (g = { holders: 0, blocked: new Set(), limit: 1 }));
        return g;
    }
    dropIdleGate(key) {
        const g = this.gates.get(key);
        if (g && g.holders === 0 && g.blocked.size === 0)
            this.gates.delete(key);
    }
    validTop(h) {
        for (let e = h.peek(); e; e = h.peek()) {
            if (e.ver === e.rec.ver)
                return e;
            h.pop();
        }
        return undefined;
    }
    /** The record a lease still holds (rule 3), or LeaseLostError. */
    held(lease) {
        const { id, idNum, token } = leaseInput(lease);
        const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
        if (!rec || !holdsLease(rec.job, token))
            throw new LeaseLostError(id, token);
        return rec;
    }
    byId(id) {
        const idNum = parseJobId(id);
        const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
        if (!rec)
            throw new JobNotFoundError(id);
        return rec;
    }
    /** The name of the job's first step in doubt (in start order), if any. */
    inDoubtStep(rec) {
        const steps = this.steps.get(rec.idNum);
        if (!steps)
            return undefined;
        return sortSteps([...steps.values()]).find((s) => isStepInDoubt(rec.job, s))?.name;
    }
    /**
     * The history a transition leaves: the attempt it ends (closed with how it ended), the one
     * it starts, and the per-minute counter of the status it leads to. The SQL stores write the
     * same rows in the transaction of the change itself.
     */
    record(rec, prev, next, now) {
        const end = attemptEnd(prev, next);
        if (end) {
            const list = rec.attempts;
            const last = list?.[list.length - 1];
            if (last && last.token === prev.leaseToken && last.endedAt === null) {
                last.endedAt = now;
                last.outcome = end;
                last.error = end === 'completed' || end === 'released' ? null : next.lastError;
            }
        }
        if (next.status === 'processing' && next.leaseToken !== prev.leaseToken) {
            const list = (rec.attempts ??= []);
            list.push({ token: next.leaseToken, workerId: next.lockedBy ?? '', startedAt: now, endedAt: null, outcome: 'running', error: null });
        }
        const field = throughputField(prev, next);
        if (field) {
            const minute = minuteOf(now);
            // The last bucket written is usually the next one too: skip building its key.
            let b = this.lastCounter;
            if (b === undefined || b.minute !== minute || b.queue !== next.queue) {
                const k = `${minute}|${next.queue}`;
                b = this.counters.get(k);
                if (!b)
                    this.counters.set(k, (b = { minute, queue: next.queue, completed: 0, failed: 0, retried: 0 }));
                this.lastCounter = b;
            }
            b[field]++;
        }
    }
    stepsOf(idNum) {
        let m = this.steps.get(idNum);
        if (!m)
            this.steps.set(idNum, (m = new Map()));
        return m;
    }
    /** A fresh copy of the job (a literal, not a spread: this is the hot path of claim and complete). */
    copy(rec, payload) {
        const j = rec.job;
        const out = {
            id: j.id,
            uid: j.uid,
            queue: j.queue,
            key: j.key,
            idempotencyKeyFormat: j.idempotencyKeyFormat,
            payload: payload === undefined ? JSON.parse(rec.payloadText) : payload,
            status: j.status,
            priority: j.priority,
            runAt: j.runAt,
            attempts: j.attempts,
            maxAttempts: j.maxAttempts,
            leaseExpiries: j.leaseExpiries,
            maxLeaseExpiries: j.maxLeaseExpiries,
            lockedBy: j.lockedBy,
            lockedUntil: j.lockedUntil,
            leaseToken: j.leaseToken,
            lastError: j.lastError,
            result: rec.resultText === null ? null : JSON.parse(rec.resultText),
            createdAt: j.createdAt,
            updatedAt: j.updatedAt,
            finishedAt: j.finishedAt,
        };
        if (j.concurrencyKey !== undefined) {
            out.concurrencyKey = j.concurrencyKey;
            out.concurrencyLimit = j.concurrencyLimit;
        }
        return out;
    }
    /** Marks the unexpired leases held by these worker ids as expired now; returns how many. */
    expireLeasesOf(workerIds, now) {
        let n = 0;
        for (const rec of this.jobs.values()) {
            const j = rec.job;
            if (j.status !== 'processing' || j.lockedBy === null || !workerIds.has(j.lockedBy) || j.lockedUntil <= now)
                continue;
            this.replace(rec, { ...j, lockedUntil: sweptLockedUntil(j.lockedUntil, now) }, now);
            n++;
        }
        return n;
    }
    info(w, now) {
        let jobsHeld = 0;
        for (const { job } of this.jobs.values())
            if (job.status === 'processing' && job.lockedBy === w.workerId)
                jobsHeld++;
        return { ...w, alive: isWorkerAlive(w, now), jobsHeld };
    }
    scan(pred) {
        const out = [];
        for (const rec of this.jobs.values())
            if (pred(rec.job))
                out.push(this.copy(rec));
        return out;
    }
}
/** Schedule names in UTF-8 byte order, as SQLite (BINARY) and MySQL (VARBINARY) order them. */
function compareNames(a, b) {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
//# sourceMappingURL=in-memory-lease-store.js.map