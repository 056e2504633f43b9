/**
 * The in-memory store: the domain model made runnable. The contract suite holds every other
 * adapter to its behaviour, so it is written for clarity first, then for speed:
 * claim and complete cost O(log n) through three indexes with lazy deletion (an entry is
 * valid only while its `ver` equals the record's; every change bumps `ver`).
 */
import { randomUid } from '../common/random-uid.js';
import { JobNotFoundError, KeyRetiredError, LeaseLostError, SettleRefusedError, StoreUnavailableError } from '../../domain/errors.js';
import type {
  AcquireRequest,
  AttemptRecord,
  JobPage,
  JobQuery,
  ThroughputBucket,
  CompleteEntry,
  CompleteOutcome,
  EnqueueResult,
  FailOptions,
  HeldLease,
  HeldLeaseFilter,
  Job,
  Json,
  JsonCompatible,
  Lease,
  ListFilter,
  NewJob,
  PruneOptions,
  ReleaseOptions,
  RetryOptions,
  SettleOutcome,
  Stats,
  StepIntent,
  StepRecord,
} from '../../domain/job.js';
import { deadlineAfterLease } from '../../domain/step-deadline.js';
import { emptyStatusCounts } from '../../domain/job.js';
import {
  applyAcquire,
  applyCancel,
  applyComplete,
  applyExpire,
  applyExtend,
  applyFail,
  applyManualRetry,
  applyRelease,
  assertTransition,
} from '../../domain/lifecycle.js';
import { attemptEnd, countersKept, minuteOf, throughputField } from '../../domain/history.js';
import { isStepInDoubt, retryRefused, settleRefusal, sortSteps } from '../../domain/steps.js';
import { deadlineFitsLease, heldRetryAt, holdsLease, isEligible, isHeldBack, isLeaseExpired, isPoisoned, takeoverAt } from '../../domain/lease-rules.js';
import { decideFailure, describeError } from '../../domain/retry-policy.js';
import { isConcurrencyBlocked, slotsFree } from '../../domain/concurrency.js';
import { nextRoomAt, rateRoom, recordClaims, validateRateLimit, validateRateLimitFilter, type QueueRateLimit, type RateLimit, type RateLimitInfo } from '../../domain/rate-limit.js';
import {
  parseJobId,
  validateAcquire,
  validateJson,
  validateKey,
  validateName,
  validateListFilter,
  validateNewJob,
  validatePrune,
  validateDuration,
  validateFailOptions,
  validateHeldLeaseFilter,
  validateRetryOptions,
  validateReleaseOptions,
  validateSettleOutcome,
  validateStepIntent,
  validateJobQuery,
  validateTime,
  type ValidatedNewJob,
} from '../../domain/validation.js';
import { ScheduleNotFoundError, ValidationError, WorkerAliveError } from '../../domain/errors.js';
import {
  applyScheduleAdvance,
  applyScheduleDefinition,
  applySchedulePause,
  applyScheduleResume,
  validateScheduleAdvance,
  validateScheduleDefinition,
  validateScheduleName,
  type Schedule,
  type ScheduleAdvance,
  type ScheduleAdvanceResult,
  type ScheduleDefinition,
} from '../../domain/schedule.js';
import {
  isWorkerAlive,
  mayRegister,
  mayRenew,
  sweepOutcome,
  sweptLockedUntil,
  validateForce,
  validatePruneWorkers,
  validateReplaces,
  validateWorkerRegistration,
  workerDeadAt,
  type RegisterOptions,
  type RegisterOutcome,
  type ReleaseWorkerOptions,
  type SweepOutcome,
  type WorkerInfo,
  type WorkerProcess,
  type WorkerRegistration,
} from '../../domain/liveness.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { EnqueueListeners } from '../common/enqueue-listeners.js';
import { leaseInput, leaseOf } from '../common/lease-input.js';
import { resolveStoreOptions, type CommonStoreOptions, type ResolvedStoreOptions } from '../common/store-options.js';
import { BinaryHeap } from './binary-heap.js';

/** Options of {@link InMemoryLeaseStore}. */
export type InMemoryLeaseStoreOptions = CommonStoreOptions;

interface Rec {
  job: Job; // payload and result live as text below; job.payload/result are placeholders
  payloadText: string;
  resultText: string | null;
  idNum: number;
  ver: number;
  /** The latest step deadline written under the current lease (the job row's), or null. */
  stepDeadlineAt: number | null;
  /** Held back by its concurrency key: out of the ready heaps until the claim's wake step frees it. */
  blocked: boolean;
  /**
   * Its attempts in token order: null before the first claim, the record itself while there is
   * one (most jobs), a list once there are more. Kept on the job, not in a map of their own,
   * and without a list for the common case: every job the store keeps holds one object fewer.
   */
  attempts: AttemptRecord | AttemptRecord[] | null;
}

/** A concurrency key's state: its leases (processing jobs), its blocked jobs and the limit of the one blocked last. */
interface KeyGate {
  holders: number;
  blocked: Set<Rec>;
  limit: number;
}

/**
 * What the store knows of a key: the job holding it (null once that job was pruned: the key
 * is retired) and the identity a job that reuses it takes over.
 */
interface KeyEntry {
  uid: string;
  format: Job['idempotencyKeyFormat'];
  rec: Rec | null;
  retiredAt: number | null;
}

interface ReadyEntry {
  priority: number;
  runAt: number;
  idNum: number;
  rec: Rec;
  ver: number;
}

interface TimeEntry {
  at: number;
  idNum: number;
  rec: Rec;
  ver: number;
}

const readyLess = (a: ReadyEntry, b: ReadyEntry): boolean =>
  a.priority !== b.priority ? a.priority < b.priority : a.runAt !== b.runAt ? a.runAt < b.runAt : a.idNum < b.idNum;
const timeLess = (a: TimeEntry, b: TimeEntry): boolean => (a.at !== b.at ? a.at < b.at : a.idNum < b.idNum);

/**
 * A LeaseStore in process memory, for unit tests and the model of every other adapter.
 * Nothing survives the process. Returned jobs are copies.
 * @example
 * const clock = new ManualClock();
 * const store = new InMemoryLeaseStore({ clock });
 * await store.enqueue({ queue: 'orders', payload: { orderId: 1 } });
 */
export class InMemoryLeaseStore implements LeaseStore {
  private readonly opts: ResolvedStoreOptions;
  private readonly jobs = new Map<number, Rec>();
  /** The keys' own storage: every key ever used, live or retired (a tombstone), until forgotten. */
  private readonly keys = new Map<string, KeyEntry>();
  private readonly databaseIdentity = randomUid();
  private readonly steps = new Map<number, Map<string, StepRecord>>();
  /** Per-minute counters by `${minute}|${queue}`, kept apart from the jobs. */
  private readonly counters = new Map<string, ThroughputBucket>();
  /** The bucket `record` wrote last (cleared when counters are pruned). */
  private lastCounter: ThroughputBucket | undefined;
  private readonly ready = new Map<string, BinaryHeap<ReadyEntry>>();
  private readonly delayed = new BinaryHeap<TimeEntry>(timeLess);
  private readonly leases = new BinaryHeap<TimeEntry>(timeLess);
  /** Expired processing records moved to `ready`, so reapExpired finds them too. */
  private readonly expired = new Set<Rec>();
  private readonly listeners = new EnqueueListeners();
  /** Schedules by name; payloads kept as JSON text, like jobs'. */
  private readonly schedules = new Map<string, { s: Schedule; payloadText: string }>();
  private readonly workers = new Map<string, WorkerProcess>();
  /** Rate limits by queue, with their recent claim times. */
  private readonly limits = new Map<string, QueueRateLimit>();
  /** Concurrency keys with leases or blocked jobs. */
  private readonly gates = new Map<string, KeyGate>();
  private nextId = 1;
  private closed = false;

  constructor(options: InMemoryLeaseStoreOptions = {}) {
    this.opts = resolveStoreOptions(options, 'InMemoryLeaseStore');
  }

  private get clockMarginMs(): number {
    return this.opts.clockMarginMs;
  }

  async migrate(): Promise<void> {
    this.open();
  }

  async identity(): Promise<string> {
    this.open();
    return this.databaseIdentity;
  }

  async enqueue<P = Json>(job: NewJob<P & JsonCompatible<P>>): Promise<EnqueueResult<P>> {
    this.open();
    const now = this.now();
    const v = validateNewJob(job, now, { maxPayloadBytes: this.opts.maxPayloadBytes });
    this.checkRetired([v]);
    const out = this.insert(v, now);
    if (out.created) this.listeners.notify(v.queue, v.runAt);
    return out as EnqueueResult<P>;
  }

  async enqueueMany<P = Json>(jobs: NewJob<P & JsonCompatible<P>>[]): Promise<EnqueueResult<P>[]> {
    this.open();
    if (!Array.isArray(jobs)) throw new ValidationError('jobs', 'must be an array');
    const now = this.now();
    const valid = jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `jobs[${i}]` }));
    this.checkRetired(valid);
    const out = valid.map((v) => this.insert(v, now));
    valid.forEach((v, i) => out[i]!.created && this.listeners.notify(v.queue, v.runAt));
    return out as EnqueueResult<P>[];
  }

  async acquire(req: AcquireRequest): Promise<Lease[]> {
    this.open();
    const r = validateAcquire(req);
    const now = this.now();
    this.promote(now);
    this.wake(now);
    let heaps: BinaryHeap<ReadyEntry>[] = [];
    if (r.queues === null) heaps.push(...this.ready.values());
    else if (r.queues.length === 1) { const h = this.ready.get(r.queues[0]!); if (h) heaps.push(h); }
    else for (const q of new Set(r.queues)) { const h = this.ready.get(q); if (h) heaps.push(h); }
    // Room per rate-limited queue; a queue out of room leaves the walk (its jobs are not charged).
    // Built only when some queue has a limit: this is the hot path of every claim.
    const room = this.limits.size === 0 ? undefined : new Map<string, number>();
    if (room !== undefined) {
      const heapQueue = new Map<BinaryHeap<ReadyEntry>, string>();
      for (const [q, h] of this.ready) heapQueue.set(h, q);
      for (const h of heaps) {
        const limit = this.limits.get(heapQueue.get(h)!);
        if (limit) room.set(limit.queue, rateRoom(limit, now));
      }
      heaps = heaps.filter((h) => room.get(heapQueue.get(h)!) !== 0);
    }
    const leases: Lease[] = [];
    while (leases.length < r.limit) {
      let best: BinaryHeap<ReadyEntry> | undefined;
      for (const h of heaps) {
        const top = this.validTop(h);
        if (top && (!best || readyLess(top, best.peek()!))) best = h;
      }
      if (!best) break;
      const rec = best.pop()!.rec;
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
      const left = room?.get(rec.job.queue);
      if (room !== undefined && left !== undefined) {
        room.set(rec.job.queue, left - 1);
        if (left === 1) heaps = heaps.filter((h) => h !== best);
      }
    }
    for (const [queue, left] of room ?? []) {
      const limit = this.limits.get(queue)!;
      this.limits.set(queue, recordClaims(limit, now, rateRoom(limit, now) - left));
    }
    return leases;
  }

  async extend(lease: Lease, leaseMs: number): Promise<Lease> {
    this.open();
    const ms = validateDuration(leaseMs, 'leaseMs');
    const rec = this.held(lease);
    const now = this.now();
    this.replace(rec, applyExtend(rec.job, now, ms), now);
    return leaseOf(this.copy(rec));
  }

  async complete(lease: Lease, result?: Json): Promise<Job> {
    this.open();
    return this.completeNow(lease, result, this.now());
  }

  async completeMany(entries: CompleteEntry[]): Promise<CompleteOutcome[]> {
    this.open();
    if (!Array.isArray(entries)) throw new ValidationError('entries', 'must be an array');
    const now = this.now();
    return entries.map((e: CompleteEntry | null): CompleteOutcome => {
      try {
        // A malformed entry is that entry's ValidationError (from leaseInput), not a failed batch.
        return { ok: true, job: this.completeNow(e?.lease as Lease, e?.result, now) };
      } catch (error) {
        if (error instanceof ValidationError || error instanceof LeaseLostError) return { ok: false, error };
        throw error;
      }
    });
  }

  async fail(lease: Lease, error: unknown, opts?: FailOptions): Promise<Job> {
    this.open();
    const { permanent, retryAt } = validateFailOptions(opts);
    const rec = this.held(lease);
    const now = this.now();
    const d = decideFailure(rec.job, { now, permanent, retryAt, policy: this.opts.backoff, random: this.opts.random });
    this.replace(rec, applyFail(rec.job, now, describeError(error), d.status === 'retry' ? d.runAt : null), now);
    return this.copy(rec);
  }

  async expireLease(lease: Lease, opts?: { retryAt?: number }): Promise<Job> {
    this.open();
    const { retryAt } = validateFailOptions(opts);
    const rec = this.held(lease);
    const now = this.now();
    this.replace(rec, applyExpire(rec.job, now, retryAt), now);
    return this.copy(rec);
  }

  async release(lease: Lease, opts?: ReleaseOptions): Promise<Job> {
    this.open();
    const later = validateReleaseOptions(opts);
    const rec = this.held(lease);
    const now = this.now();
    this.replace(rec, applyRelease(rec.job, now, later), now);
    return this.copy(rec);
  }

  async beginStep(lease: Lease, name: string, intent?: StepIntent): Promise<void> {
    this.open();
    validateKey(name, 'name');
    const i = validateStepIntent(intent);
    const rec = this.held(lease);
    const now = this.now();
    if (i.deadlineAt !== null && !deadlineFitsLease(i.deadlineAt, rec.job.lockedUntil)) throw deadlineAfterLease(i.deadlineAt);
    const steps = this.stepsOf(rec.idNum);
    const prior = steps.get(name);
    if (prior?.state === 'done') return;
    if (i.deadlineAt !== null) {
      rec.stepDeadlineAt = Math.max(rec.stepDeadlineAt ?? i.deadlineAt, i.deadlineAt);
      // The takeover time moved: index the lease again at it.
      this.replace(rec, rec.job, now);
    }
    // The first key a step ran under stays its key: a later attempt runs it under the same one.
    const key = prior?.key ?? i.key;
    const record: StepRecord = { name, state: 'started', result: null, token: rec.job.leaseToken, startedAt: now, finishedAt: null, key, settledAt: null };
    if (i.deadlineAt !== null) record.deadlineAt = i.deadlineAt;
    steps.set(name, record);
  }

  async saveStep(lease: Lease, name: string, result: Json): Promise<void> {
    this.open();
    validateKey(name, 'name');
    const text = validateJson(result, 'result', this.opts.maxPayloadBytes);
    const rec = this.held(lease);
    const now = this.now();
    const steps = this.stepsOf(rec.idNum);
    const prior = steps.get(name);
    const record: StepRecord = {
      name,
      state: 'done',
      result: JSON.parse(text) as Json,
      token: rec.job.leaseToken,
      startedAt: prior?.startedAt ?? now,
      finishedAt: now,
      key: prior?.key ?? null,
      settledAt: null,
    };
    // A result keeps the deadline its intent was recorded with.
    if (prior?.deadlineAt != null) record.deadlineAt = prior.deadlineAt;
    steps.set(name, record);
  }

  async getSteps(jobId: string): Promise<Record<string, Json>> {
    this.open();
    const out: Record<string, Json> = {};
    for (const s of await this.getStepRecords(jobId)) if (s.state === 'done') out[s.name] = s.result;
    return out;
  }

  async getStepRecords(jobId: string): Promise<StepRecord[]> {
    this.open();
    const idNum = parseJobId(jobId, 'jobId');
    const steps = idNum === undefined ? undefined : this.steps.get(idNum);
    return steps ? sortSteps([...steps.values()].map((s) => ({ ...s, result: s.result === null ? null : (JSON.parse(JSON.stringify(s.result)) as Json) }))) : [];
  }

  async reapExpired(): Promise<number> {
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

  async get(id: string): Promise<Job | undefined> {
    this.open();
    const idNum = parseJobId(id);
    const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
    return rec ? this.copy(rec) : undefined;
  }

  async list(filter?: ListFilter): Promise<Job[]> {
    this.open();
    const f = validateListFilter(filter);
    const out: Job[] = [];
    // The map holds jobs in insertion order, which is id order; newest first walks it backwards.
    const recs = f.order === 'asc' ? this.jobs.values() : [...this.jobs.values()].reverse();
    for (const rec of recs) {
      if (out.length >= f.limit) break;
      if (f.statuses && !f.statuses.includes(rec.job.status)) continue;
      if (f.queue !== null && rec.job.queue !== f.queue) continue;
      if (f.inDoubt !== null && this.inDoubtStep(rec) !== undefined !== f.inDoubt) continue;
      out.push(this.copy(rec));
    }
    return out;
  }

  async getActiveLeases(): Promise<Job[]> {
    this.open();
    const now = this.now();
    return this.scan((j) => j.status === 'processing' && !isLeaseExpired(j, now));
  }

  async getExpiredLeases(): Promise<Job[]> {
    this.open();
    const now = this.now();
    return this.scan((j) => isLeaseExpired(j, now));
  }

  async getHeldLeases(filter?: HeldLeaseFilter): Promise<HeldLease[]> {
    this.open();
    const f = validateHeldLeaseFilter(filter);
    const now = this.now();
    const out: HeldLease[] = [];
    // The map holds jobs in insertion order, which is id order.
    for (const rec of this.jobs.values()) {
      if (out.length === f.limit) break;
      if (f.queues !== null && !f.queues.includes(rec.job.queue)) continue;
      if (rec.stepDeadlineAt === null || !isHeldBack(rec.job, now, rec.stepDeadlineAt, this.clockMarginMs)) continue;
      out.push({ job: this.copy(rec), stepDeadlineAt: rec.stepDeadlineAt, takeoverAt: takeoverAt(rec.job, rec.stepDeadlineAt, this.clockMarginMs) });
    }
    return out;
  }

  async stats(): Promise<Stats> {
    this.open();
    const s: Stats = { total: 0, byStatus: emptyStatusCounts(), byQueue: {} };
    for (const { job } of this.jobs.values()) {
      s.total++;
      s.byStatus[job.status]++;
      (s.byQueue[job.queue] ??= emptyStatusCounts())[job.status]++;
    }
    return s;
  }

  async retry(id: string, opts?: RetryOptions): Promise<Job> {
    this.open();
    const { force } = validateRetryOptions(opts);
    const rec = this.byId(id);
    assertTransition(id, 'retry', rec.job.status);
    const doubt = force ? undefined : this.inDoubtStep(rec);
    if (doubt !== undefined) throw retryRefused(rec.job.id, doubt);
    const now = this.now();
    this.replace(rec, applyManualRetry(rec.job, now), now);
    this.listeners.notify(rec.job.queue, now);
    return this.copy(rec);
  }

  async settleStep(jobId: string, name: string, outcome: SettleOutcome): Promise<StepRecord> {
    this.open();
    validateKey(name, 'name');
    const o = validateSettleOutcome(outcome, this.opts.maxPayloadBytes);
    const rec = this.byId(jobId);
    const step = this.steps.get(rec.idNum)?.get(name);
    const now = this.now();
    const refusal = settleRefusal(rec.job, step, now, this.clockMarginMs);
    if (refusal !== null) throw new SettleRefusedError(rec.job.id, name, refusal);
    const settled: StepRecord = o.happened
      ? { ...step!, state: 'done', result: JSON.parse(o.resultText) as Json, finishedAt: now, settledAt: now }
      : { ...step!, settledAt: now };
    this.steps.get(rec.idNum)!.set(name, settled);
    return (await this.getStepRecords(jobId)).find((s) => s.name === name)!;
  }

  async cancel(id: string): Promise<Job> {
    this.open();
    const rec = this.byId(id);
    assertTransition(id, 'cancel', rec.job.status);
    const now = this.now();
    this.replace(rec, applyCancel(rec.job, now), now);
    return this.copy(rec);
  }

  async prune(opts: PruneOptions): Promise<number> {
    this.open();
    const p = validatePrune(opts);
    const now = this.now();
    const cutoff = now - p.olderThanMs;
    let n = 0;
    for (const [idNum, rec] of this.jobs) {
      const j = rec.job;
      if (!p.statuses.includes(j.status) || j.finishedAt === null || j.finishedAt > cutoff) continue;
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
      for (const [key, entry] of this.keys) if (entry.retiredAt !== null && entry.retiredAt <= forgetBefore) this.keys.delete(key);
    }
    const keepFrom = countersKept(this.now(), p.olderThanMs);
    for (const [k, b] of this.counters) if (b.minute < keepFrom) this.counters.delete(k);
    this.lastCounter = undefined;
    return n;
  }

  async getAttempts(jobId: string): Promise<AttemptRecord[]> {
    this.open();
    const idNum = parseJobId(jobId, 'jobId');
    const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
    return attemptList(rec?.attempts ?? null).map((a) => ({ ...a }));
  }

  async throughput(opts: { since: number }): Promise<ThroughputBucket[]> {
    this.open();
    const from = minuteOf(validateTime(opts?.since, 'since'));
    return [...this.counters.values()]
      .filter((b) => b.minute >= from)
      .map((b) => ({ ...b }))
      .sort((a, b) => a.minute - b.minute || (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
  }

  async findJobs(query: JobQuery): Promise<JobPage> {
    this.open();
    const q = validateJobQuery(query);
    const out: Job[] = [];
    const match = (rec: Rec): boolean =>
      (q.beforeId === null || rec.idNum < q.beforeId) &&
      (q.statuses === null || q.statuses.includes(rec.job.status)) &&
      (q.queue === null || rec.job.queue === q.queue);
    if (q.key !== null) {
      const rec = this.keys.get(q.key)?.rec;
      if (rec && match(rec)) out.push(this.copy(rec));
      return { jobs: out, next: null };
    }
    const recs = [...this.jobs.values()];
    let more = false;
    for (let i = recs.length - 1; i >= 0; i--) {
      const rec = recs[i]!;
      if (!match(rec)) continue;
      if (out.length === q.limit) {
        more = true;
        break;
      }
      out.push(this.copy(rec));
    }
    return { jobs: out, next: more ? out[out.length - 1]!.id : null };
  }

  async saveSchedule(definition: ScheduleDefinition, nextRunAt: number | null): Promise<{ schedule: Schedule; created: boolean; changed: boolean }> {
    this.open();
    const d = validateScheduleDefinition(definition, this.opts.maxPayloadBytes);
    const at = nextRunAt === null ? null : validateTime(nextRunAt, 'nextRunAt');
    const existing = this.schedules.get(d.name);
    const next = applyScheduleDefinition(existing && this.scheduleCopy(existing), d, at, this.now());
    if (next) this.schedules.set(d.name, { s: next, payloadText: d.payloadText });
    const schedule = this.scheduleCopy(this.schedules.get(d.name)!);
    return { schedule, created: existing === undefined, changed: next !== undefined };
  }

  async getSchedule(name: string): Promise<Schedule | undefined> {
    this.open();
    const entry = this.schedules.get(validateScheduleName(name));
    return entry && this.scheduleCopy(entry);
  }

  async listSchedules(): Promise<Schedule[]> {
    this.open();
    return [...this.schedules.keys()].sort(compareNames).map((n) => this.scheduleCopy(this.schedules.get(n)!));
  }

  async pauseSchedule(name: string): Promise<Schedule> {
    this.open();
    return this.changeSchedule(validateScheduleName(name), (s, now) => applySchedulePause(s, now))!;
  }

  async resumeSchedule(name: string, nextRunAt: number | null): Promise<Schedule> {
    this.open();
    const n = validateScheduleName(name);
    const at = nextRunAt === null ? null : validateTime(nextRunAt, 'nextRunAt');
    return this.changeSchedule(n, (s, now) => applyScheduleResume(s, at, now))!;
  }

  async advanceSchedule(name: string, advance: ScheduleAdvance): Promise<ScheduleAdvanceResult | undefined> {
    this.open();
    const n = validateScheduleName(name);
    const a = validateScheduleAdvance(advance);
    const now = this.now();
    const valid = a.jobs.map((j, i) => validateNewJob(j, now, { maxPayloadBytes: this.opts.maxPayloadBytes, field: `advance.jobs[${i}]` }));
    const entry = this.schedules.get(n);
    if (!entry || applyScheduleAdvance(entry.s, a, null, now) === undefined) return undefined;
    // A slot whose key is retired ran already (its job finished and was pruned): refused, as an
    // enqueue of that key is, and nothing moves. Running it again could place its order twice.
    this.checkRetired(valid);
    const jobs = valid.map((v) => this.insert(v, now));
    const i = jobs.length - 1;
    const next = applyScheduleAdvance(entry.s, a, i < 0 ? null : { slotAt: valid[i]!.runAt, jobId: jobs[i]!.job.id }, now)!;
    this.schedules.set(n, { s: next, payloadText: entry.payloadText });
    valid.forEach((v, k) => jobs[k]!.created && this.listeners.notify(v.queue, v.runAt));
    return { schedule: this.scheduleCopy(this.schedules.get(n)!), jobs };
  }

  async removeSchedule(name: string): Promise<boolean> {
    this.open();
    return this.schedules.delete(validateScheduleName(name));
  }

  async registerWorker(reg: WorkerRegistration, opts: RegisterOptions = {}): Promise<RegisterOutcome> {
    this.open();
    const r = validateWorkerRegistration(reg);
    const replaces = validateReplaces(opts);
    const now = this.now();
    const existing = this.workers.get(r.workerId);
    if (!mayRegister(existing, now, { replaces })) return { ok: false, current: this.info(existing!, now) };
    // The predecessor under this id is gone: its leases become claimable at once (the claim
    // and token stay, so the new process's acquire takes them over, fenced).
    if (existing) this.expireLeasesOf(new Set([r.workerId]), now);
    const worker: WorkerProcess = { ...r, startedAt: now, lastSeenAt: now };
    this.workers.set(r.workerId, worker);
    return { ok: true, worker: { ...worker } };
  }

  async renewWorker(workerId: string, incarnation: string): Promise<WorkerProcess | null> {
    this.open();
    validateName(workerId, 'workerId');
    const now = this.now();
    const existing = this.workers.get(workerId);
    if (!mayRenew(existing, incarnation, now)) return null;
    existing!.lastSeenAt = now;
    return { ...existing! };
  }

  async unregisterWorker(workerId: string, incarnation: string): Promise<boolean> {
    this.open();
    validateName(workerId, 'workerId');
    if (this.workers.get(workerId)?.incarnation !== incarnation) return false;
    return this.workers.delete(workerId);
  }

  async listWorkers(): Promise<WorkerInfo[]> {
    this.open();
    const now = this.now();
    return [...this.workers.values()].sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0)).map((w) => this.info(w, now));
  }

  async sweepDeadWorkers(): Promise<SweepOutcome> {
    this.open();
    const now = this.now();
    const dead = new Set([...this.workers.values()].filter((w) => !isWorkerAlive(w, now)).map((w) => w.workerId));
    const marked = dead.size === 0 ? 0 : this.expireLeasesOf(dead, now);
    let expired = 0;
    const next: number[] = [];
    for (const { job, stepDeadlineAt } of this.jobs.values()) {
      if (job.status !== 'processing') continue;
      // A lease a step deadline holds back is not takeable yet: it will be at its takeoverAt.
      if (isLeaseExpired(job, now)) {
        if (isHeldBack(job, now, stepDeadlineAt, this.clockMarginMs)) next.push(takeoverAt(job, stepDeadlineAt, this.clockMarginMs));
        else expired++;
      } else next.push(job.lockedUntil!);
    }
    for (const w of this.workers.values()) if (isWorkerAlive(w, now)) next.push(workerDeadAt(w));
    return sweepOutcome(marked, expired, next, now);
  }

  async releaseWorkerLeases(workerId: string, opts: ReleaseWorkerOptions = {}): Promise<number> {
    this.open();
    validateName(workerId, 'workerId');
    const force = validateForce(opts);
    const now = this.now();
    const w = this.workers.get(workerId);
    if (w && isWorkerAlive(w, now) && !force) throw new WorkerAliveError(workerId, w.lastSeenAt);
    let n = 0;
    for (const rec of this.jobs.values()) {
      if (rec.job.status !== 'processing' || rec.job.lockedBy !== workerId) continue;
      // Its step's request may still be valid until the deadline plus the margin: not run before.
      this.replace(rec, applyExpire(rec.job, now, heldRetryAt(rec.stepDeadlineAt, this.clockMarginMs, now)), now);
      n++;
    }
    this.workers.delete(workerId);
    return n;
  }

  async pruneWorkers(opts: { olderThanMs: number }): Promise<number> {
    this.open();
    const olderThanMs = validatePruneWorkers(opts);
    const now = this.now();
    const holding = new Set<string>();
    for (const { job } of this.jobs.values()) if (job.status === 'processing' && job.lockedBy !== null) holding.add(job.lockedBy);
    let n = 0;
    for (const w of [...this.workers.values()]) {
      if (isWorkerAlive(w, now) || w.lastSeenAt + w.livenessTimeoutMs + olderThanMs > now || holding.has(w.workerId)) continue;
      this.workers.delete(w.workerId);
      n++;
    }
    return n;
  }

  async setRateLimit(queue: string, limit: RateLimit | null): Promise<void> {
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

  async listRateLimits(filter?: { queues?: string[] }): Promise<RateLimitInfo[]> {
    this.open();
    const queues = validateRateLimitFilter(filter);
    const now = this.now();
    return [...this.limits.keys()]
      .filter((q) => queues === null || queues.includes(q))
      .sort(compareNames)
      .map((q) => {
        const l = this.limits.get(q)!;
        return { queue: q, max: l.max, perMs: l.perMs, room: rateRoom(l, now), nextRoomAt: nextRoomAt(l, now) };
      });
  }

  onEnqueue(listener: (queue: string, runAt: number) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- internals ----

  private scheduleCopy(entry: { s: Schedule; payloadText: string }): Schedule {
    return { ...entry.s, payload: JSON.parse(entry.payloadText) as Json };
  }

  private changeSchedule(name: string, decide: (s: Schedule, now: number) => Schedule): Schedule {
    const entry = this.schedules.get(name);
    if (!entry) throw new ScheduleNotFoundError(name);
    const next = decide(this.scheduleCopy(entry), this.now());
    this.schedules.set(name, { s: next, payloadText: entry.payloadText });
    return this.scheduleCopy(this.schedules.get(name)!);
  }

  private open(): void {
    if (this.closed) throw new StoreUnavailableError('the store is closed');
  }

  private now(): number {
    return this.opts.clock.now();
  }

  private completeNow(lease: Lease, result: Json | undefined, now: number): Job {
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
  private checkRetired(valid: ValidatedNewJob[]): void {
    const revived = new Set<string>();
    for (const v of valid) {
      if (v.key === null || revived.has(v.key)) continue;
      const entry = this.keys.get(v.key);
      if (!entry || entry.rec !== null) continue;
      if (!v.reuseKey) throw new KeyRetiredError(v.key, entry.retiredAt!);
      revived.add(v.key);
    }
  }

  private insert(v: ValidatedNewJob, now: number): EnqueueResult {
    const entry = v.key === null ? undefined : this.keys.get(v.key);
    if (entry?.rec) return { job: this.copy(entry.rec), created: false };
    const idNum = this.nextId++;
    const job: Job = {
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
    const rec: Rec = { job, payloadText: v.payloadText, resultText: null, idNum, ver: 0, stepDeadlineAt: null, blocked: false, attempts: null };
    this.jobs.set(idNum, rec);
    if (entry) {
      entry.rec = rec;
      entry.retiredAt = null;
    } else if (v.key !== null) {
      this.keys.set(v.key, { uid: job.uid, format: job.idempotencyKeyFormat, rec, retiredAt: null });
    }
    this.index(rec, now);
    // validateNewJob parsed its payload for this call alone: hand that copy out, not a third.
    return { job: this.copy(rec, v.payload), created: true };
  }

  /** Swaps in the job a transition produced, invalidates old index entries and adds new ones. */
  private replace(rec: Rec, next: Job, now: number): void {
    this.record(rec, rec.job, next, now);
    const key = next.concurrencyKey;
    if (key !== undefined) {
      const was = rec.job.status === 'processing';
      const is = next.status === 'processing';
      if (was !== is) this.gate(key).holders += is ? 1 : -1;
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
  private index(rec: Rec, now: number): void {
    const j = rec.job;
    if (j.status === 'pending' || j.status === 'retry') {
      if (rec.blocked) return;
      if (j.runAt <= now) this.pushReady(rec);
      else this.delayed.push({ at: j.runAt, idNum: rec.idNum, rec, ver: rec.ver });
    } else if (j.status === 'processing') {
      this.leases.push({ at: takeoverAt(j, rec.stepDeadlineAt, this.clockMarginMs), idNum: rec.idNum, rec, ver: rec.ver });
    }
  }

  private pushReady(rec: Rec): void {
    let h = this.ready.get(rec.job.queue);
    if (!h) this.ready.set(rec.job.queue, (h = new BinaryHeap(readyLess)));
    h.push({ priority: rec.job.priority, runAt: rec.job.runAt, idNum: rec.idNum, rec, ver: rec.ver });
  }

  /** Moves jobs whose runAt came, and leases that expired, into the ready heaps. */
  private promote(now: number): void {
    for (let e = this.delayed.peek(); e && e.at <= now; e = this.delayed.peek()) {
      this.delayed.pop();
      if (e.ver === e.rec.ver) this.pushReady(e.rec);
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
  private wake(now: number): void {
    for (const [key, gate] of this.gates) {
      let free = slotsFree(gate.limit, gate.holders);
      if (free === 0 || gate.blocked.size === 0) continue;
      const order = [...gate.blocked].sort((a, b) => (readyLess(this.readyOf(a), this.readyOf(b)) ? -1 : 1));
      for (const rec of order) {
        if (free-- === 0) break;
        gate.blocked.delete(rec);
        rec.blocked = false;
        this.index(rec, now);
      }
      this.dropIdleGate(key);
    }
  }

  private readyOf(rec: Rec): ReadyEntry {
    return { priority: rec.job.priority, runAt: rec.job.runAt, idNum: rec.idNum, rec, ver: rec.ver };
  }

  private gate(key: string): KeyGate {
    let g = this.gates.get(key);
    if (!g) this.gates.set(key, (g = { holders: 0, blocked: new Set(), limit: 1 }));
    return g;
  }

  private dropIdleGate(key: string): void {
    const g = this.gates.get(key);
    if (g && g.holders === 0 && g.blocked.size === 0) this.gates.delete(key);
  }

  private validTop(h: BinaryHeap<ReadyEntry>): ReadyEntry | undefined {
    for (let e = h.peek(); e; e = h.peek()) {
      if (e.ver === e.rec.ver) return e;
      h.pop();
    }
    return undefined;
  }

  /** The record a lease still holds (rule 3), or LeaseLostError. */
  private held(lease: Lease): Rec {
    const { id, idNum, token } = leaseInput(lease);
    const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
    if (!rec || !holdsLease(rec.job, token)) throw new LeaseLostError(id, token);
    return rec;
  }

  private byId(id: string): Rec {
    const idNum = parseJobId(id);
    const rec = idNum === undefined ? undefined : this.jobs.get(idNum);
    if (!rec) throw new JobNotFoundError(id);
    return rec;
  }

  /** The name of the job's first step in doubt (in start order), if any. */
  private inDoubtStep(rec: Rec): string | undefined {
    const steps = this.steps.get(rec.idNum);
    if (!steps) return undefined;
    return sortSteps([...steps.values()]).find((s) => isStepInDoubt(rec.job, s))?.name;
  }

  /**
   * The history a transition leaves: the attempt it ends (closed with how it ended), the one
   * it starts, and the per-minute counter of the status it leads to. The SQL stores write the
   * same rows in the transaction of the change itself.
   */
  private record(rec: Rec, prev: Job, next: Job, now: number): void {
    const end = attemptEnd(prev, next);
    if (end) {
      const a = rec.attempts;
      const last = a === null ? undefined : Array.isArray(a) ? a[a.length - 1] : a;
      if (last && last.token === prev.leaseToken && last.endedAt === null) {
        last.endedAt = now;
        last.outcome = end;
        last.error = end === 'completed' || end === 'released' ? null : next.lastError;
      }
    }
    if (next.status === 'processing' && next.leaseToken !== prev.leaseToken) {
      const started: AttemptRecord = { token: next.leaseToken, workerId: next.lockedBy ?? '', startedAt: now, endedAt: null, outcome: 'running', error: null };
      const a = rec.attempts;
      if (a === null) rec.attempts = started;
      else if (Array.isArray(a)) a.push(started);
      else rec.attempts = [a, started];
    }
    const field = throughputField(prev, next);
    if (field) {
      const minute = minuteOf(now);
      // The last bucket written is usually the next one too: skip building its key.
      let b = this.lastCounter;
      if (b === undefined || b.minute !== minute || b.queue !== next.queue) {
        const k = `${minute}|${next.queue}`;
        b = this.counters.get(k);
        if (!b) this.counters.set(k, (b = { minute, queue: next.queue, completed: 0, failed: 0, retried: 0 }));
        this.lastCounter = b;
      }
      b[field]++;
    }
  }

  private stepsOf(idNum: number): Map<string, StepRecord> {
    let m = this.steps.get(idNum);
    if (!m) this.steps.set(idNum, (m = new Map()));
    return m;
  }

  /** A fresh copy of the job (a literal, not a spread: this is the hot path of claim and complete). */
  private copy(rec: Rec, payload?: Json): Job {
    const j = rec.job;
    const out: Job = {
      id: j.id,
      uid: j.uid,
      queue: j.queue,
      key: j.key,
      idempotencyKeyFormat: j.idempotencyKeyFormat,
      payload: payload === undefined ? (JSON.parse(rec.payloadText) as Json) : payload,
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
      result: rec.resultText === null ? null : (JSON.parse(rec.resultText) as Json),
      createdAt: j.createdAt,
      updatedAt: j.updatedAt,
      finishedAt: j.finishedAt,
    };
    if (j.concurrencyKey !== undefined) {
      out.concurrencyKey = j.concurrencyKey;
      out.concurrencyLimit = j.concurrencyLimit!;
    }
    return out;
  }

  /** Marks the unexpired leases held by these worker ids as expired now; returns how many. */
  private expireLeasesOf(workerIds: Set<string>, now: number): number {
    let n = 0;
    for (const rec of this.jobs.values()) {
      const j = rec.job;
      if (j.status !== 'processing' || j.lockedBy === null || !workerIds.has(j.lockedBy) || j.lockedUntil! <= now) continue;
      this.replace(rec, { ...j, lockedUntil: sweptLockedUntil(j.lockedUntil!, now) }, now);
      n++;
    }
    return n;
  }

  private info(w: WorkerProcess, now: number): WorkerInfo {
    let jobsHeld = 0;
    for (const { job } of this.jobs.values()) if (job.status === 'processing' && job.lockedBy === w.workerId) jobsHeld++;
    return { ...w, alive: isWorkerAlive(w, now), jobsHeld };
  }

  private scan(pred: (j: Job) => boolean): Job[] {
    const out: Job[] = [];
    for (const rec of this.jobs.values()) if (pred(rec.job)) out.push(this.copy(rec));
    return out;
  }
}

/** A job's attempts as a list, in token order (see `Rec.attempts`). */
function attemptList(a: AttemptRecord | AttemptRecord[] | null): AttemptRecord[] {
  return a === null ? [] : Array.isArray(a) ? a : [a];
}

/** Schedule names in UTF-8 byte order, as SQLite (BINARY) and MySQL (VARBINARY) order them. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
