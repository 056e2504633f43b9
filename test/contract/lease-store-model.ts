/**
 * The model-based property suite: random sequences of commands (fc.commands) run against the
 * adapter and, in lock step, against the in-memory store, which is the model. Both share one
 * ManualClock and one jitter source. After every command the suite checks the invariants of
 * DESIGN.md and that the adapter's observable state equals the model's.
 *
 * Workers are simulated: each holds the leases it acquired; `crash` makes a worker forget
 * them without releasing (they become zombies that may write again later, like a worker that
 * paused past its lease and woke up: the fence must decide).
 *
 * Runs: LEASEHOLD_PROPERTY_RUNS (default 200); a failure prints the seed and path to replay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../../src/adapters/memory/in-memory-lease-store.js';
import { ManualClock } from '../../src/adapters/clocks/manual-clock.js';
import { LeaseholdError } from '../../src/domain/errors.js';
import type { Job, Lease, NewJob } from '../../src/domain/job.js';
import { FINAL_STATUSES } from '../../src/domain/lifecycle.js';
import type { LeaseStore } from '../../src/ports/lease-store.js';
import { START, type StoreFactory } from './harness.js';

const WORKERS = ['w0', 'w1', 'w2'] as const;
const QUEUES = ['a', 'b'] as const;
const STEP_NAMES = ['place', 'confirm'] as const;

interface LeasePair {
  m: Lease;
  r: Lease;
}

/** What both sides share: the model store, the ids mapping and the simulated workers. */
interface World {
  clock: ManualClock;
  model: InMemoryLeaseStore;
  real: LeaseStore;
  /** model id -> real id, in creation order. */
  ids: Map<string, string>;
  /** real id -> model id. */
  back: Map<string, string>;
  held: Map<string, LeasePair[]>;
  zombies: LeasePair[];
  /** Every (job, token) ever handed out, to prove no token is handed out twice. */
  issued: Set<string>;
  /** Statuses after the previous command, by model id. */
  last: Map<string, Job['status']>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; name: string };

async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (e instanceof LeaseholdError) return { ok: false, code: e.code, name: e.name };
    throw e;
  }
}

/** A job as seen from the model's side: the real id replaced by the model's. */
function normal(world: World, job: Job): Job {
  return { ...job, id: world.back.get(job.id) ?? `unmapped:${job.id}` };
}

function normalLease(world: World, lease: Lease): Omit<Lease, 'job'> & { job: Job } {
  return { ...lease, job: normal(world, lease.job) };
}

function expectSame<T>(world: World, label: string, m: Outcome<T>, r: Outcome<T>, map: (w: World, v: T) => unknown = (_w, v) => v): void {
  // Only the adapter's side is mapped: its ids become the model's. Mapping the model's own
  // value through the real->model table too only works while both stores number jobs alike.
  if (m.ok && r.ok) expect(map(world, r.value), label).toEqual(m.value);
  else expect(r.ok ? { ok: true } : { ok: false, code: r.code }, label).toEqual(m.ok ? { ok: true } : { ok: false, code: m.code });
}

abstract class Cmd implements fc.AsyncCommand<World, World> {
  check(): boolean {
    return true;
  }
  /** Runs the command on both sides, compares, then checks every invariant. */
  async run(w: World): Promise<void> {
    const revived = this.revives(w);
    await this.exec(w);
    await checkInvariants(w, revived);
  }
  abstract exec(w: World): Promise<void>;
  abstract toString(): string;
  /** Model ids this command may move out of a final status (only manual retry). */
  revives(_w: World): string[] {
    return [];
  }
}

const newJobArb: fc.Arbitrary<NewJob> = fc.record(
  {
    queue: fc.constantFrom(...QUEUES),
    payload: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.dictionary(fc.constantFrom('x', 'y'), fc.integer(), { maxKeys: 2 })),
    key: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
    priority: fc.integer({ min: -1, max: 1 }),
    runAt: fc.constantFrom(0, 1_000, 4_000),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    maxLeaseExpiries: fc.integer({ min: 0, max: 2 }),
  },
  { requiredKeys: ['queue', 'payload'] },
);

function withTime(w: World, j: NewJob): NewJob {
  return j.runAt === undefined ? j : { ...j, runAt: w.clock.now() + j.runAt };
}

function mapCreated(w: World, m: { job: Job; created: boolean }, r: { job: Job; created: boolean }): void {
  if (m.created && r.created) {
    w.ids.set(m.job.id, r.job.id);
    w.back.set(r.job.id, m.job.id);
  }
}

class Enqueue extends Cmd {
  constructor(readonly jobs: NewJob[], readonly many: boolean) {
    super();
  }
  async exec(w: World): Promise<void> {
    const jobs = this.jobs.map((j) => withTime(w, j));
    if (this.many) {
      const m = await w.model.enqueueMany(jobs);
      const r = await w.real.enqueueMany(jobs);
      m.forEach((mi, i) => mapCreated(w, mi, r[i]!));
      expect(r.map((x) => ({ created: x.created, job: normal(w, x.job) }))).toEqual(m);
    } else {
      const m = await w.model.enqueue(jobs[0]!);
      const r = await w.real.enqueue(jobs[0]!);
      mapCreated(w, m, r);
      expect({ created: r.created, job: normal(w, r.job) }).toEqual(m);
    }
  }
  toString(): string {
    return `${this.many ? 'enqueueMany' : 'enqueue'}(${JSON.stringify(this.jobs)})`;
  }
}

class Acquire extends Cmd {
  constructor(readonly worker: string, readonly limit: number, readonly queues: string[] | undefined, readonly leaseMs: number) {
    super();
  }
  async exec(w: World): Promise<void> {
    const req = { workerId: this.worker, leaseMs: this.leaseMs, limit: this.limit, ...(this.queues ? { queues: this.queues } : {}) };
    const m = await w.model.acquire(req);
    const r = await w.real.acquire(req);
    expect(r.map((l) => normalLease(w, l))).toEqual(m);
    const held = w.held.get(this.worker)!;
    m.forEach((ml, i) => {
      const key = `${ml.job.id}#${ml.token}`;
      expect(w.issued.has(key), `token ${key} handed out twice`).toBe(false);
      w.issued.add(key);
      held.push({ m: ml, r: r[i]! });
    });
  }
  toString(): string {
    return `acquire(${this.worker}, limit ${this.limit}, ${this.queues ? this.queues.join('+') : 'all'}, ${this.leaseMs}ms)`;
  }
}

type LeaseOp = 'extend' | 'complete' | 'fail' | 'failPermanent' | 'failAt' | 'release' | 'expireLease' | 'beginStep' | 'saveStep';

/** A write by a worker (or a zombie) on one of its leases. */
class LeaseWrite extends Cmd {
  constructor(readonly worker: string | 'zombie', readonly index: number, readonly op: LeaseOp, readonly arg: number) {
    super();
  }
  private pick(w: World): LeasePair | undefined {
    const list = this.worker === 'zombie' ? w.zombies : w.held.get(this.worker)!;
    return list.length === 0 ? undefined : list[this.index % list.length];
  }
  async exec(w: World): Promise<void> {
    const pair = this.pick(w);
    if (!pair) return;
    const step = STEP_NAMES[this.arg % STEP_NAMES.length]!;
    const doOp = (s: LeaseStore, lease: Lease): Promise<unknown> => {
      switch (this.op) {
        case 'extend':
          return s.extend(lease, 1000 + this.arg * 1000);
        case 'complete':
          return s.complete(lease, this.arg % 2 === 0 ? { n: this.arg } : undefined);
        case 'fail':
          return s.fail(lease, `boom ${this.arg}`);
        case 'failPermanent':
          return s.fail(lease, `fatal ${this.arg}`, { permanent: true });
        case 'failAt':
          return s.fail(lease, `later ${this.arg}`, { retryAt: w.clock.now() + this.arg * 700 });
        case 'release':
          return s.release(lease);
        case 'expireLease':
          return s.expireLease(lease, this.arg % 2 === 0 ? undefined : { retryAt: w.clock.now() + this.arg * 700 });
        case 'beginStep':
          return s.beginStep(lease, step);
        case 'saveStep':
          return s.saveStep(lease, step, { arg: this.arg });
      }
    };
    const m = await outcome(doOp(w.model, pair.m));
    const r = await outcome(doOp(w.real, pair.r));
    expectSame(w, this.toString(), m, r, (world, v) => (v && typeof v === 'object' && 'token' in v ? normalLease(world, v as Lease) : v && typeof v === 'object' && 'id' in v ? normal(world, v as Job) : v));
    if (this.op === 'extend' && m.ok && r.ok) {
      pair.m = m.value as Lease;
      pair.r = r.value as Lease;
    }
    const stepsM = await w.model.getStepRecords(pair.m.job.id);
    const stepsR = await w.real.getStepRecords(pair.r.job.id);
    expect(stepsR).toEqual(stepsM);
    // A lease that ended (written to a final or waiting state, or lost) is dropped by a real worker.
    if (this.op !== 'extend' && this.op !== 'beginStep' && this.op !== 'saveStep') this.drop(w, pair);
    else if (!m.ok) this.drop(w, pair);
  }
  private drop(w: World, pair: LeasePair): void {
    const list = this.worker === 'zombie' ? w.zombies : w.held.get(this.worker)!;
    list.splice(list.indexOf(pair), 1);
  }
  toString(): string {
    return `${this.op}(${this.worker}[${this.index}], ${this.arg})`;
  }
}

class CompleteAll extends Cmd {
  constructor(readonly worker: string) {
    super();
  }
  async exec(w: World): Promise<void> {
    const held = w.held.get(this.worker)!;
    const m = await w.model.completeMany(held.map((p, i) => ({ lease: p.m, result: i })));
    const r = await w.real.completeMany(held.map((p, i) => ({ lease: p.r, result: i })));
    const norm = (o: (typeof m)[number]): unknown => (o.ok ? { ok: true, job: normal(w, o.job) } : { ok: false, code: (o.error as LeaseholdError).code });
    expect(r.map(norm)).toEqual(m.map((o) => (o.ok ? o : { ok: false, code: (o.error as LeaseholdError).code })));
    held.length = 0;
  }
  toString(): string {
    return `completeMany(${this.worker})`;
  }
}

class Crash extends Cmd {
  constructor(readonly worker: string) {
    super();
  }
  async exec(w: World): Promise<void> {
    const held = w.held.get(this.worker)!;
    w.zombies.push(...held);
    held.length = 0;
  }
  toString(): string {
    return `crash(${this.worker})`;
  }
}

class Advance extends Cmd {
  constructor(readonly ms: number) {
    super();
  }
  async exec(w: World): Promise<void> {
    w.clock.advance(this.ms);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

class Reap extends Cmd {
  async exec(w: World): Promise<void> {
    const m = await w.model.reapExpired();
    const r = await w.real.reapExpired();
    expect(r).toBe(m);
  }
  toString(): string {
    return 'reapExpired()';
  }
}

class Admin extends Cmd {
  constructor(readonly op: 'cancel' | 'retry', readonly index: number) {
    super();
  }
  private target(w: World): string | undefined {
    const ids = [...w.ids.keys()];
    return ids.length === 0 ? undefined : ids[this.index % ids.length];
  }
  override revives(w: World): string[] {
    const id = this.target(w);
    return this.op === 'retry' && id ? [id] : [];
  }
  async exec(w: World): Promise<void> {
    const id = this.target(w);
    if (!id) return;
    const m = await outcome(w.model[this.op](id));
    const r = await outcome(w.real[this.op](w.ids.get(id)!));
    expectSame(w, this.toString(), m, r, (world, v) => normal(world, v));
  }
  toString(): string {
    return `${this.op}(job#${this.index})`;
  }
}

type WorkerOpName = 'register' | 'replace' | 'renew' | 'unregister' | 'sweep' | 'release' | 'forceRelease' | 'prune' | 'list';

/** The worker process table: registration, renewal, sweeps and operator releases, on both sides. */
class WorkerOp extends Cmd {
  constructor(readonly op: WorkerOpName, readonly worker: string, readonly incarnation: string, readonly timeoutMs: number) {
    super();
  }
  async exec(w: World): Promise<void> {
    const reg = { workerId: this.worker, incarnation: this.incarnation, host: 'host-a', pid: 100, bootId: 'boot-1', livenessTimeoutMs: this.timeoutMs };
    const call = (s: LeaseStore): Promise<unknown> => {
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
  toString(): string {
    return `${this.op}Worker(${this.worker}, ${this.incarnation}, ${this.timeoutMs}ms)`;
  }
}

const workerArb = fc.constantFrom(...WORKERS);
const commandArbs = [
  fc
    .tuple(
      fc.constantFrom<WorkerOpName>('register', 'register', 'replace', 'renew', 'renew', 'unregister', 'sweep', 'sweep', 'release', 'forceRelease', 'prune', 'list'),
      workerArb,
      fc.constantFrom('i0', 'i1'),
      fc.constantFrom(1000, 4000),
    )
    .map(([op, wk, inc, ms]) => new WorkerOp(op, wk, inc, ms)),
  fc.array(newJobArb, { minLength: 1, maxLength: 1 }).map((j) => new Enqueue(j, false)),
  fc.array(newJobArb, { minLength: 0, maxLength: 4 }).map((j) => new Enqueue(j, true)),
  fc
    .tuple(workerArb, fc.integer({ min: 1, max: 3 }), fc.option(fc.subarray([...QUEUES], { minLength: 1 }), { nil: undefined }), fc.constantFrom(1000, 3000))
    .map(([wk, n, q, ms]) => new Acquire(wk, n, q, ms)),
  fc
    .tuple(
      fc.constantFrom<string>(...WORKERS, 'zombie'),
      fc.nat(5),
      fc.constantFrom<LeaseOp>('extend', 'complete', 'fail', 'failPermanent', 'failAt', 'release', 'expireLease', 'beginStep', 'saveStep'),
      fc.nat(4),
    )
    .map(([wk, i, op, arg]) => new LeaseWrite(wk, i, op, arg)),
  workerArb.map((wk) => new CompleteAll(wk)),
  workerArb.map((wk) => new Crash(wk)),
  fc.constantFrom(0, 400, 1000, 2500, 5000).map((ms) => new Advance(ms)),
  fc.constant(new Reap()),
  fc.tuple(fc.constantFrom<'cancel' | 'retry'>('cancel', 'retry'), fc.nat(20)).map(([op, i]) => new Admin(op, i)),
];

/** Checks every invariant and that the adapter's state equals the model's. */
async function checkInvariants(w: World, revived: string[]): Promise<void> {
  const all = { limit: 1_000_000 };
  const m = await w.model.list(all);
  const r = (await w.real.list(all)).map((j) => normal(w, j));
  expect(r).toEqual(m);
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
    if (j.status === 'processing') expect(j.lockedBy).not.toBeNull();
    else expect(j.lockedBy).toBeNull();
    const before = w.last.get(j.id);
    if (before && FINAL_STATUSES.includes(before) && j.status !== before) {
      expect(revived, `job ${j.id} left ${before} for ${j.status} without a manual retry`).toContain(j.id);
    }
    w.last.set(j.id, j.status);
  }
  // At most one live lease per job, across every worker and zombie.
  const byJob = new Map(m.map((j) => [j.id, j]));
  const live = new Map<string, number>();
  for (const pair of [...[...w.held.values()].flat(), ...w.zombies]) {
    const j = byJob.get(pair.m.job.id);
    if (j && j.status === 'processing' && j.leaseToken === pair.m.token) live.set(j.id, (live.get(j.id) ?? 0) + 1);
  }
  for (const [id, n] of live) expect(n, `job ${id} has ${n} live leases`).toBeLessThanOrEqual(1);
}

/**
 * Runs the model-based property against one adapter factory; rejects with fast-check's
 * report (seed and path included) on the first disagreement or broken invariant.
 */
export async function checkAgainstModel(factory: StoreFactory, opts: { numRuns: number; seed?: number; maxCommands?: number }): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbs, { maxCommands: opts.maxCommands ?? 50, size: 'max' }), async (cmds) => {
      const clock = new ManualClock(START);
      const model = new InMemoryLeaseStore({ clock, random: () => 0.5 });
      const made = await factory({ clock, random: () => 0.5 });
      const world: World = {
        clock,
        model,
        real: made.store,
        ids: new Map(),
        back: new Map(),
        held: new Map(WORKERS.map((wk) => [wk, []])),
        zombies: [],
        issued: new Set(),
        last: new Map(),
      };
      try {
        await fc.asyncModelRun(() => ({ model: world, real: world }), cmds);
      } finally {
        await made.dispose();
      }
    }),
    { numRuns: opts.numRuns, verbose: 1, ...(opts.seed === undefined ? {} : { seed: opts.seed }) },
  );
}

/** Registers the model-based suite for one adapter. */
export function describeLeaseStoreModel(name: string, factory: StoreFactory): void {
  const numRuns = Number(process.env.LEASEHOLD_PROPERTY_RUNS ?? 200);
  describe(`${name}: model-based contract`, () => {
    it(`agrees with the in-memory model over ${numRuns} random command sequences, crashes included`, { timeout: 600_000 }, async () => {
      await checkAgainstModel(factory, { numRuns });
    });
  });
}
