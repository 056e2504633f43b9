/**
 * One LeaseStore for every SQL dialect. It owns what must not differ between them: the closed
 * guard, the clock reads, validation, every decision (through the domain's `apply*` and
 * `decideFailure`), the enqueue listeners, the stats tally and the step views. A dialect
 * supplies an `SqlEngine` that runs decided writes; the in-memory store stays the standalone
 * model the contract suite compares this core against.
 */
import { randomUid } from '../common/random-uid.js';
import { JobNotFoundError, LeaseLostError, ScheduleNotFoundError, SettleRefusedError, StoreUnavailableError, ValidationError, WorkerAliveError } from '../../domain/errors.js';
import { applyScheduleAdvance, applyScheduleDefinition, applySchedulePause, applyScheduleResume, validateScheduleAdvance, validateScheduleDefinition, validateScheduleName, } from '../../domain/schedule.js';
import { emptyStatusCounts } from '../../domain/job.js';
import { applyCancel, applyExpire, applyExtend, applyFail, applyManualRetry, applyRelease, assertTransition } from '../../domain/lifecycle.js';
import { decideFailure, describeError } from '../../domain/retry-policy.js';
import { isStepInDoubt, retryRefused, settleRefusal, sortSteps } from '../../domain/steps.js';
import { deadlineAfterLease } from '../../domain/step-deadline.js';
import { holdsLease, takeoverAt } from '../../domain/lease-rules.js';
import { countersKept, minuteOf } from '../../domain/history.js';
import { parseJobId, validateAcquire, validateDuration, validateFailOptions, validateHeldLeaseFilter, validateInteger, validateJson, validateKey, validateListFilter, validateName, validateNewJob, validateJobQuery, validateReleaseOptions, validatePrune, validateRetryOptions, validateSettleOutcome, validateStepIntent, validateTime, } from '../../domain/validation.js';
import { isWorkerAlive, mayRegister, sweepOutcome, validateForce, validatePruneWorkers, validateReplaces, validateWorkerRegistration, } from '../../domain/liveness.js';
import { nextRoomAt, rateRoom, validateRateLimit, validateRateLimitFilter } from '../../domain/rate-limit.js';
import { EnqueueListeners } from '../common/enqueue-listeners.js';
import { leaseInput, leaseOf } from '../common/lease-input.js';
import { writeOf } from './sql-engine.js';
import { copyJob } from './sql-rows.js';
/**
 * The shared SQL store; `SqliteLeaseStore` and `MysqlLeaseStore` are this class over their
 * engine, with their own options.
 */
export class SqlLeaseStore {
    engine;
    opts;
    listeners = new EnqueueListeners();
    closed = false;
    /** Set once the engine's own checks of its connection passed. */
    ready = false;
    /**
     * The store's own copy of each job it handed out with a lease (acquire, extend), keyed by the
     * object handed out. A complete builds the done job from it instead of reading the row back,
     * so a handler that edits its job, or a caller that forges `lease.job`, cannot change what
     * complete returns; and the copy is made before the write, so nothing can throw after it.
     */
    lent = new WeakMap();
    constructor(engine, opts) {
        this.engine = engine;
        this.opts = opts;
    }
    async migrate() {
        await this.run('migrate', () => this.engine.migrate(this.now()));
    }
    async identity() {
        return this.run('identity', () => this.engine.identity());
    }
    async enqueue(job) {
        const { valid, out } = await this.run('enqueue', async () => {
            const now = this.now();
            const valid = [validateNewJob(job, now, { maxPayloadBytes: this.opts.maxPayloadBytes })];
            return { valid, out: await this.engine.insert(withUids(valid), now) };
        });
        this.notifyCreated(valid, out);
        return out[0];
    }
    async enqueueMany(jobs) {
        const { valid, out } = await this.run('enqueueMany', async () => {
            if (!Array.isArray(jobs))
                throw new ValidationError('jobs', 'must be an array');
            const now = this.now();
            const valid = jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `jobs[${i}]` }));
            return { valid, out: valid.length === 0 ? [] : await this.engine.insert(withUids(valid), now) };
        });
        this.notifyCreated(valid, out);
        return out;
    }
    async acquire(req) {
        return this.run('acquire', async () => {
            const r = validateAcquire(req);
            const now = this.now();
            const queues = r.queues === null ? null : [...new Set(r.queues)];
            const jobs = await this.engine.claim({ workerId: r.workerId, lockedUntil: now + r.leaseMs, limit: r.limit, queues, now, deadlineCutoff: now - this.opts.clockMarginMs });
            return jobs.map((job) => this.lend(job));
        });
    }
    /** The lease for a job this store has just put in `processing`, its own copy kept (see `lent`). */
    lend(job) {
        this.lent.set(job, copyJob(job));
        return leaseOf(job);
    }
    /**
     * The job as held under (id, token), for building the done job: the store's own copy when the
     * lease is one it handed out for that id and token (a lookup, no I/O: the worker's case);
     * undefined for any other lease, whose row `storedJob` reads.
     */
    ownJob(lease, idNum, token) {
        const own = this.lent.get(lease.job);
        return own !== undefined && own.id === String(idNum) && own.leaseToken === token ? own : undefined;
    }
    /** The row as stored, for a lease this store did not hand out (another process's, a copied or edited one). */
    async storedJob(idNum) {
        return this.engine.get(idNum);
    }
    async extend(lease, leaseMs) {
        return this.run('extend', async () => {
            const ms = validateDuration(leaseMs, 'leaseMs');
            const { id, idNum, token } = leaseInput(lease);
            const now = this.now();
            return this.lend(await this.fenced(id, idNum, token, writeOf('extend', applyExtend(lease.job, now, ms))));
        });
    }
    async complete(lease, result) {
        return this.run('complete', async () => {
            const text = result === undefined ? null : validateJson(result, 'result', this.opts.maxPayloadBytes);
            const { id, idNum, token } = leaseInput(lease);
            if (idNum === undefined)
                throw new LeaseLostError(id, token);
            const held = this.ownJob(lease, idNum, token) ?? (await this.storedJob(idNum));
            if (held === undefined)
                throw new LeaseLostError(id, token);
            const [job] = await this.engine.completeHeld([{ id: idNum, token, resultText: text, job: held }], this.now());
            if (!job)
                throw new LeaseLostError(id, token);
            this.lent.delete(lease.job);
            return job;
        });
    }
    async completeMany(entries) {
        return this.run('completeMany', async () => {
            if (!Array.isArray(entries))
                throw new ValidationError('entries', 'must be an array');
            const out = new Array(entries.length);
            // Each entry is validated on its own, like the model: a bad entry is that entry's outcome.
            // The first entry per (job, token) is written; a repeat would find the job done, so it is
            // lost, as in the model.
            const sent = new Map();
            const rows = [];
            const at = [];
            entries.forEach((e, i) => {
                try {
                    const entry = e;
                    const text = entry?.result === undefined ? null : validateJson(entry.result, 'result', this.opts.maxPayloadBytes);
                    const { id, idNum, token } = leaseInput(entry?.lease);
                    const key = `${idNum}#${token}`;
                    if (idNum === undefined || sent.has(key)) {
                        out[i] = { ok: false, error: new LeaseLostError(id, token) };
                        return;
                    }
                    sent.set(key, i);
                    rows.push({ id: idNum, token, resultText: text, job: entry.lease.job });
                    at.push(i);
                }
                catch (error) {
                    if (!(error instanceof ValidationError))
                        throw error;
                    out[i] = { ok: false, error };
                }
            });
            // The held job of each entry (see `ownJob`): an entry whose job is gone lost its lease.
            for (let k = rows.length - 1; k >= 0; k--) {
                const r = rows[k];
                const held = this.ownJob(entries[at[k]].lease, r.id, r.token) ?? (await this.storedJob(r.id));
                if (held === undefined) {
                    out[at[k]] = { ok: false, error: new LeaseLostError(String(r.id), r.token) };
                    rows.splice(k, 1);
                    at.splice(k, 1);
                }
                else
                    r.job = held;
            }
            if (rows.length > 0) {
                const jobs = await this.engine.completeHeld(rows, this.now());
                rows.forEach((r, k) => {
                    const job = jobs[k];
                    if (job)
                        this.lent.delete(entries[at[k]].lease.job);
                    out[at[k]] = job ? { ok: true, job } : { ok: false, error: new LeaseLostError(String(r.id), r.token) };
                });
            }
            return out;
        });
    }
    async fail(lease, error, options) {
        return this.run('fail', async () => {
            const { permanent, retryAt } = validateFailOptions(options);
            const { id, idNum, token } = leaseInput(lease);
            const attempts = validateInteger(lease.job.attempts, 'lease.job.attempts', 0, Number.MAX_SAFE_INTEGER);
            const maxAttempts = validateInteger(lease.job.maxAttempts, 'lease.job.maxAttempts', 1, Number.MAX_SAFE_INTEGER);
            const leaseExpiries = validateInteger(lease.job.leaseExpiries, 'lease.job.leaseExpiries', 0, attempts);
            const now = this.now();
            // The one retry decision: told retryAt or permanent, decideFailure follows them; else the backoff.
            const d = decideFailure({ attempts, maxAttempts, leaseExpiries }, { now, permanent, retryAt, policy: this.opts.backoff, random: this.opts.random });
            const next = applyFail(lease.job, now, describeError(error), d.status === 'retry' ? d.runAt : null);
            return this.fenced(id, idNum, token, writeOf('fail', next), { attempts, maxAttempts, leaseExpiries });
        });
    }
    async expireLease(lease, opts) {
        return this.run('expireLease', async () => {
            const { retryAt } = validateFailOptions(opts);
            const { id, idNum, token } = leaseInput(lease);
            if (idNum === undefined)
                throw new LeaseLostError(id, token);
            const now = this.now();
            // Decided from the row as stored (read under its lock), as the model does: the expiry
            // count is the row's, whatever the lease object says.
            const job = await this.engine.updateLocked(idNum, (row) => {
                if (!holdsLease(row, token))
                    throw new LeaseLostError(id, token);
                return writeOf('expireHeld', applyExpire(row, now, retryAt));
            });
            if (!job)
                throw new LeaseLostError(id, token);
            return job;
        });
    }
    async release(lease, opts) {
        return this.run('release', async () => {
            const later = validateReleaseOptions(opts);
            const { id, idNum, token } = leaseInput(lease);
            const attempts = validateInteger(lease.job.attempts, 'lease.job.attempts', 0, Number.MAX_SAFE_INTEGER);
            const maxAttempts = validateInteger(lease.job.maxAttempts, 'lease.job.maxAttempts', 1, Number.MAX_SAFE_INTEGER);
            const leaseExpiries = validateInteger(lease.job.leaseExpiries, 'lease.job.leaseExpiries', 0, attempts);
            return this.fenced(id, idNum, token, writeOf('release', applyRelease(lease.job, this.now(), later)), { attempts, maxAttempts, leaseExpiries });
        });
    }
    async beginStep(lease, name, intent) {
        await this.run('beginStep', async () => {
            validateKey(name, 'name');
            const { key, deadlineAt } = validateStepIntent(intent);
            await this.fencedStep(lease, name, 'started', null, key, deadlineAt);
        });
    }
    async saveStep(lease, name, result) {
        await this.run('saveStep', async () => {
            validateKey(name, 'name');
            const text = validateJson(result, 'result', this.opts.maxPayloadBytes);
            await this.fencedStep(lease, name, 'done', text, null, null);
        });
    }
    async getSteps(jobId) {
        const out = {};
        for (const s of await this.getStepRecords(jobId))
            if (s.state === 'done')
                out[s.name] = s.result;
        return out;
    }
    async getStepRecords(jobId) {
        return this.run('getStepRecords', async () => {
            const idNum = parseJobId(jobId, 'jobId');
            return idNum === undefined ? [] : sortSteps(await this.engine.steps(idNum));
        });
    }
    async reapExpired() {
        return this.run('reapExpired', () => {
            const now = this.now();
            return this.engine.reapExpired(now, now - this.opts.clockMarginMs);
        });
    }
    async get(id) {
        return this.run('get', () => {
            const idNum = parseJobId(id);
            return idNum === undefined ? undefined : this.engine.get(idNum);
        });
    }
    async list(filter) {
        return this.run('list', () => this.engine.list(validateListFilter(filter)));
    }
    async getActiveLeases() {
        return this.run('getActiveLeases', () => this.engine.leases('active', this.now()));
    }
    async getExpiredLeases() {
        return this.run('getExpiredLeases', () => this.engine.leases('expired', this.now()));
    }
    async getHeldLeases(filter) {
        return this.run('getHeldLeases', async () => {
            const f = validateHeldLeaseFilter(filter);
            const now = this.now();
            const margin = this.opts.clockMarginMs;
            const rows = await this.engine.heldLeases({ now, deadlineCutoff: now - margin, queues: f.queues, limit: f.limit });
            return rows.map(({ job, stepDeadlineAt }) => ({ job, stepDeadlineAt, takeoverAt: takeoverAt(job, stepDeadlineAt, margin) }));
        });
    }
    async stats() {
        return this.run('stats', async () => {
            const s = { total: 0, byStatus: emptyStatusCounts(), byQueue: {} };
            for (const { queue, status, n } of await this.engine.counts()) {
                s.total += n;
                s.byStatus[status] += n;
                (s.byQueue[queue] ??= emptyStatusCounts())[status] += n;
            }
            return s;
        });
    }
    async retry(id, opts) {
        const job = await this.run('retry', () => {
            const { force } = validateRetryOptions(opts);
            return this.adminTransition(id, 'retry', (job, now, steps) => {
                const doubt = force ? undefined : sortSteps(steps).find((s) => isStepInDoubt(job, s));
                if (doubt)
                    throw retryRefused(job.id, doubt.name);
                return writeOf('retry', applyManualRetry(job, now));
            }, !force);
        });
        this.listeners.notify(job.queue, job.runAt);
        return job;
    }
    async settleStep(jobId, name, outcome) {
        return this.run('settleStep', async () => {
            validateKey(name, 'name');
            const o = validateSettleOutcome(outcome, this.opts.maxPayloadBytes);
            const idNum = parseJobId(jobId);
            if (idNum === undefined)
                throw new JobNotFoundError(jobId);
            const now = this.now();
            const step = await this.engine.settleStep(idNum, name, (job, step) => {
                const refusal = settleRefusal(job, step, now, this.opts.clockMarginMs);
                if (refusal !== null)
                    throw new SettleRefusedError(job.id, name, refusal);
                return o.happened
                    ? { state: 'done', resultText: o.resultText, finishedAt: now, settledAt: now }
                    : { state: 'started', resultText: null, finishedAt: null, settledAt: now };
            });
            if (!step)
                throw new JobNotFoundError(jobId);
            return step;
        });
    }
    async cancel(id) {
        return this.run('cancel', () => this.adminTransition(id, 'cancel', (job, now) => writeOf('cancel', applyCancel(job, now))));
    }
    async prune(opts) {
        return this.run('prune', async () => {
            const p = validatePrune(opts);
            const now = this.now();
            const n = await this.engine.prune(now - p.olderThanMs, p.statuses, now, p.forgetKeysOlderThanMs === null ? null : now - p.forgetKeysOlderThanMs);
            await this.engine.pruneCounts(countersKept(now, p.olderThanMs));
            return n;
        });
    }
    async getAttempts(jobId) {
        return this.run('getAttempts', () => {
            const idNum = parseJobId(jobId, 'jobId');
            return idNum === undefined ? [] : this.engine.attempts(idNum);
        });
    }
    async throughput(opts) {
        return this.run('throughput', () => this.engine.throughput(minuteOf(validateTime(opts?.since, 'since'))));
    }
    async findJobs(query) {
        return this.run('findJobs', async () => {
            const q = validateJobQuery(query);
            if (q.key !== null) {
                // A key names one job: read it by its unique index, then apply the other filters.
                const job = await this.engine.jobByKey(q.key);
                const ok = job && (q.beforeId === null || Number(job.id) < q.beforeId) && (q.statuses === null || q.statuses.includes(job.status)) && (q.queue === null || job.queue === q.queue);
                return { jobs: ok ? [job] : [], next: null };
            }
            const rows = await this.engine.findJobs({ statuses: q.statuses, queue: q.queue, beforeId: q.beforeId ?? Number.MAX_SAFE_INTEGER, limit: q.limit + 1 });
            const jobs = rows.slice(0, q.limit);
            return { jobs, next: rows.length > q.limit ? jobs[jobs.length - 1].id : null };
        });
    }
    async saveSchedule(definition, nextRunAt) {
        return this.run('saveSchedule', async () => {
            const d = validateScheduleDefinition(definition, this.opts.maxPayloadBytes);
            const at = nextRunAt === null ? null : validateTime(nextRunAt, 'nextRunAt');
            const now = this.now();
            let created = false;
            let changed = false;
            const schedule = await this.engine.updateSchedule(d.name, (existing) => {
                const next = applyScheduleDefinition(existing, d, at, now);
                created = existing === undefined;
                changed = next !== undefined;
                return next && { schedule: next, payloadText: d.payloadText };
            });
            return { schedule: schedule, created, changed };
        });
    }
    async getSchedule(name) {
        return this.run('getSchedule', () => this.engine.schedule(validateScheduleName(name)));
    }
    async listSchedules() {
        return this.run('listSchedules', () => this.engine.schedules());
    }
    async pauseSchedule(name) {
        return this.run('pauseSchedule', () => this.changeSchedule(validateScheduleName(name), (s, now) => applySchedulePause(s, now)));
    }
    async resumeSchedule(name, nextRunAt) {
        return this.run('resumeSchedule', () => {
            const n = validateScheduleName(name);
            const at = nextRunAt === null ? null : validateTime(nextRunAt, 'nextRunAt');
            return this.changeSchedule(n, (s, now) => applyScheduleResume(s, at, now));
        });
    }
    async advanceSchedule(name, advance) {
        const { valid, out } = await this.run('advanceSchedule', async () => {
            const n = validateScheduleName(name);
            const a = validateScheduleAdvance(advance);
            const now = this.now();
            const valid = a.jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `advance.jobs[${i}]` }));
            const out = await this.engine.fireSchedule(n, withUids(valid), now, (s, last) => {
                const next = s && applyScheduleAdvance(s, a, last, now);
                return next && { schedule: next, payloadText: JSON.stringify(next.payload) };
            });
            return { valid, out };
        });
        if (out)
            this.notifyCreated(valid, out.jobs);
        return out;
    }
    async removeSchedule(name) {
        return this.run('removeSchedule', () => this.engine.deleteSchedule(validateScheduleName(name)));
    }
    async registerWorker(reg, opts) {
        return this.run('registerWorker', async () => {
            const r = validateWorkerRegistration(reg);
            const replaces = validateReplaces(opts);
            const now = this.now();
            const row = { ...r, startedAt: now, lastSeenAt: now };
            const out = await this.engine.registerWorker(row, (existing) => mayRegister(existing, now, { replaces }));
            if (out.ok)
                return { ok: true, worker: row };
            return { ok: false, current: { ...out.current, alive: isWorkerAlive(out.current, now), jobsHeld: out.jobsHeld } };
        });
    }
    async renewWorker(workerId, incarnation) {
        return this.run('renewWorker', async () => {
            validateName(workerId, 'workerId');
            if (typeof incarnation !== 'string')
                return null;
            return (await this.engine.renewWorker(workerId, incarnation, this.now())) ?? null;
        });
    }
    async unregisterWorker(workerId, incarnation) {
        return this.run('unregisterWorker', async () => {
            validateName(workerId, 'workerId');
            return typeof incarnation === 'string' && this.engine.unregisterWorker(workerId, incarnation);
        });
    }
    async listWorkers() {
        return this.run('listWorkers', async () => {
            const now = this.now();
            const rows = await this.engine.workers();
            // By id as the model sorts (UTF-16 code units), whatever the dialect's collation.
            return rows
                .map((w) => ({ ...w, alive: isWorkerAlive(w, now) }))
                .sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
        });
    }
    async sweepDeadWorkers() {
        return this.run('sweepDeadWorkers', async () => {
            const now = this.now();
            const margin = this.opts.clockMarginMs;
            const r = await this.engine.sweepDeadWorkers(now, now - margin);
            return sweepOutcome(r.marked, r.expired, [r.nextLeaseEnd, r.nextDeath, r.nextHeldDeadline === null ? null : r.nextHeldDeadline + margin], now);
        });
    }
    async releaseWorkerLeases(workerId, opts) {
        return this.run('releaseWorkerLeases', () => {
            validateName(workerId, 'workerId');
            const force = validateForce(opts);
            const now = this.now();
            return this.engine.releaseWorker(workerId, now, this.opts.clockMarginMs, (w) => {
                if (w && isWorkerAlive(w, now) && !force)
                    throw new WorkerAliveError(workerId, w.lastSeenAt);
            });
        });
    }
    async pruneWorkers(opts) {
        return this.run('pruneWorkers', () => this.engine.pruneWorkers(this.now(), validatePruneWorkers(opts)));
    }
    async setRateLimit(queue, limit) {
        return this.run('setRateLimit', async () => {
            const q = validateName(queue, 'queue');
            await this.engine.setRateLimit(q, limit === null ? null : validateRateLimit(limit));
        });
    }
    async listRateLimits(filter) {
        return this.run('listRateLimits', async () => {
            const queues = validateRateLimitFilter(filter);
            const now = this.now();
            return (await this.engine.rateLimits())
                .filter((l) => queues === null || queues.includes(l.queue))
                .sort((a, b) => Buffer.compare(Buffer.from(a.queue), Buffer.from(b.queue)))
                .map((l) => ({ queue: l.queue, max: l.max, perMs: l.perMs, room: rateRoom(l, now), nextRoomAt: nextRoomAt(l, now) }));
        });
    }
    onEnqueue(listener) {
        return this.listeners.add(listener);
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        await this.engine.close();
    }
    // ---- internals ----
    /** The driver edge: refuses work once closed, and lets no raw driver error escape. */
    async run(operation, fn) {
        if (this.closed)
            throw new StoreUnavailableError('the store is closed');
        try {
            // No lease decision before the clock can tell the time (MysqlClock's first reading).
            if (this.opts.clock.ready)
                await this.opts.clock.ready();
            if (!this.ready) {
                await this.engine.ready?.();
                this.ready = true;
            }
            return await fn();
        }
        catch (e) {
            throw this.engine.translateError(e, operation);
        }
    }
    now() {
        return this.opts.clock.now();
    }
    notifyCreated(valid, out) {
        valid.forEach((v, i) => out[i].created && this.listeners.notify(v.queue, v.runAt));
    }
    /** A decided write under the fence (rule 3): no row back means the lease is lost. */
    async fenced(id, idNum, token, write, pin) {
        const job = idNum === undefined ? undefined : await this.engine.writeIfHeld({ id: idNum, token, pin, write });
        if (!job)
            throw new LeaseLostError(id, token);
        return job;
    }
    async fencedStep(lease, name, state, resultText, key, deadlineAt) {
        const { id, idNum, token } = leaseInput(lease);
        const outcome = idNum === undefined ? 'lost' : await this.engine.writeStep({ id: idNum, token, name, state, resultText, key, now: this.now(), deadlineAt });
        if (outcome === 'lost')
            throw new LeaseLostError(id, token);
        // The engine saw the row's lease: the deadline would outlive it.
        if (outcome === 'late')
            throw deadlineAfterLease(deadlineAt);
    }
    /** A change to an existing schedule under its row's lock; `ScheduleNotFoundError` when there is none. */
    async changeSchedule(name, decide) {
        const now = this.now();
        const after = await this.engine.updateSchedule(name, (s) => {
            if (!s)
                throw new ScheduleNotFoundError(name);
            const next = decide(s, now);
            return next === s ? undefined : { schedule: next, payloadText: JSON.stringify(next.payload) };
        });
        return after;
    }
    /** A manual transition: checked against the lifecycle table and applied under the row's lock. */
    async adminTransition(id, action, decide, withSteps = false) {
        const idNum = parseJobId(id);
        if (idNum === undefined)
            throw new JobNotFoundError(id);
        const now = this.now();
        const job = await this.engine.updateLocked(idNum, (job, steps) => {
            assertTransition(id, action, job.status);
            return decide(job, now, steps);
        }, { withSteps });
        if (!job)
            throw new JobNotFoundError(id);
        return job;
    }
}
/** Each job with a fresh uid: 128 random bits, drawn here so every engine stores the same kind. */
function withUids(valid) {
    return valid.map((v) => ({ ...v, uid: randomUid() }));
}
//# sourceMappingURL=sql-lease-store.js.map