/**
 * Real-process crash runs: worker child processes place orders on a simulated exchange (in
 * this process) through a shared store; the harness SIGKILLs them at random moments (the
 * sharpest one: inside the exchange call, after the order is booked and before the worker
 * hears back), starts replacements, and reports once the queue drains.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import type { LeaseStore } from '../../src/ports/lease-store.js';
import { startSimulatedExchange, type ExchangeMode } from '../../src/app/demo/simulated-exchange.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = resolve(ROOT, 'src/app/demo/worker-process.ts');

export interface CrashRunOptions {
  /** The parent's handle on the shared store (migrated, empty). */
  store: LeaseStore;
  /** What the children open: sqlite:<file> or mysql://... */
  storeUrl: string;
  /** The exchange's behaviour; `dedupe` is the shorthand of old (true: 'dedupe', false: 'none'). */
  dedupe?: boolean;
  exchange?: ExchangeMode;
  reconcile: boolean;
  /**
   * SIGSTOP a worker on this share of its steps, right after the step's intent is recorded and
   * before its order goes out, and SIGCONT it `freezeMs` later (past its lease). Default 0.
   */
  freezeOnStep?: number;
  freezeMs?: number;
  maxFreezes?: number;
  /** More arguments for every worker process (e.g. `--job-timeout-ms 200`). */
  workerArgs?: string[];
  /** Prefix every other worker's command (the 1st, 3rd, ... spawned) with this (e.g. `['faketime', '-f', '+3s']`). */
  wrapWorker?: string[];
  /**
   * On this share of steps, stop the worker at once while its order is in flight: SIGTERM,
   * then a second SIGTERM (`stop({ timeoutMs: 0 })`) right after. Default 0.
   */
  stopOnStep?: number;
  maxStops?: number;
  /** The exchange answers each placement this long after booking it. Default 0. */
  exchangeAnswerDelayMs?: number;
  /** Children batch their completions (completeMany). Default false. */
  batchCompletions?: boolean;
  jobs?: number;
  workers?: number;
  concurrency?: number;
  /** Workers' lease. Default 1 s. */
  leaseSeconds?: number;
  /** Kill the placing worker on this share of placements. */
  killOnPlace?: number;
  /** Kill a worker on this share of its completion lines (between jobs, or just after a completion). */
  killOnComplete?: number;
  maxKills?: number;
  seed?: number;
  /** Give up after this long (ms of real time). */
  deadlineMs?: number;
}

export interface CrashRunReport {
  jobs: number;
  done: number;
  acceptedOrders: number;
  jobsWithTwoOrders: number;
  placementCalls: number;
  placementsPerJob: { mean: number; max: number };
  kills: number;
  killsInsidePlacement: number;
  freezes: number;
  /** Forced stops with an order in flight. */
  forcedStops: number;
  /** Placements the exchange refused because their deadline had passed. */
  expiredRequests: number;
  /**
   * `lease:held-back` events the workers printed: takeovers a step deadline held back. A figure,
   * not a promise: it needs a worker left idle while another's hold lasts, and the freeze runs
   * often stop every worker at once.
   */
  heldBack: number;
  takeovers: number;
  spawned: number;
  wallMs: number;
  seed: number;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Child {
  proc: ChildProcess;
  workerId: string | undefined;
  exited: Promise<void>;
}

/** Runs one crash scenario to the end and reports what happened. */
export async function runCrashScenario(o: CrashRunOptions): Promise<CrashRunReport> {
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = prng(seed);
  const jobs = o.jobs ?? 60;
  const maxKills = o.maxKills ?? 12;
  const started = performance.now();
  const children = new Set<Child>();
  const byWorkerId = new Map<string, Child>();
  let kills = 0;
  let killsInsidePlacement = 0;
  let spawned = 0;
  let freezes = 0;
  let forcedStops = 0;
  let heldBack = 0;
  const stopped = new Set<Child>();
  const forceStop = (child: Child): void => {
    if (forcedStops >= (o.maxStops ?? 6) || stopped.has(child) || child.proc.exitCode !== null) return;
    forcedStops++;
    stopped.add(child);
    child.proc.kill('SIGTERM');
    // The second signal: stop now (abort and hand back what still runs).
    setTimeout(() => child.proc.kill('SIGTERM'), 20);
  };
  let finished = false;
  const frozen = new Set<Child>();
  const thaw = (child: Child): void => {
    if (frozen.delete(child)) child.proc.kill('SIGCONT');
  };
  const freeze = (child: Child): void => {
    if (freezes >= (o.maxFreezes ?? 24) || frozen.has(child) || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    freezes++;
    frozen.add(child);
    child.proc.kill('SIGSTOP');
    setTimeout(() => thaw(child), o.freezeMs ?? 3000);
  };

  const kill = (child: Child): boolean => {
    if (kills >= maxKills || child.proc.exitCode !== null || child.proc.signalCode !== null) return false;
    kills++;
    child.proc.kill('SIGKILL');
    return true;
  };

  const exchange = await startSimulatedExchange({
    mode: o.exchange ?? (o.dedupe ? 'dedupe' : 'none'),
    answerDelayMs: o.exchangeAnswerDelayMs ?? 0,
    onPlace: (req) => {
      const child = byWorkerId.get(String(req.placedBy));
      // SIGKILL lands before this request is answered: the order is booked, its worker never learns.
      if (child && random() < (o.killOnPlace ?? 0.2) && kill(child)) killsInsidePlacement++;
    },
  });

  const spawnWorker = (): void => {
    spawned++;
    const args = ['--import', 'tsx', ENTRY, '--store', o.storeUrl, '--exchange', exchange.url, '--concurrency', String(o.concurrency ?? 4),
      '--lease-seconds', String(o.leaseSeconds ?? 1), '--poll-ms', '100', '--delay-ms', '5', '--reconcile', o.reconcile ? 'on' : 'off',
      '--batch-completions', o.batchCompletions ? 'on' : 'off',
      ...((o.freezeOnStep ?? 0) > 0 || (o.stopOnStep ?? 0) > 0 ? ['--announce-ms', '50'] : []), ...(o.workerArgs ?? [])];
    const [cmd, ...pre] = spawned % 2 === 1 ? (o.wrapWorker ?? []) : [];
    const proc = cmd === undefined
      ? spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(cmd, [...pre, process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const child: Child = { proc, workerId: undefined, exited: new Promise((r) => proc.once('exit', () => r())) };
    children.add(child);
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      let msg: { event?: string; workerId?: string; message?: string };
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (msg.event === 'started' && msg.workerId) {
        child.workerId = msg.workerId;
        byWorkerId.set(msg.workerId, child);
      } else if (msg.event === 'sending' && random() < (o.freezeOnStep ?? 0)) freeze(child);
      else if (msg.event === 'sending' && random() < (o.stopOnStep ?? 0)) setTimeout(() => forceStop(child), 100); // the order is out by then
      else if (msg.event === 'completed' && random() < (o.killOnComplete ?? 0.05)) kill(child);
      else if (msg.event === 'held-back') heldBack++;
      else if (msg.event === 'fatal') console.error('worker fatal:', msg.message);
    });
    // A killed worker is replaced at once, as a supervisor would.
    void child.exited.then(() => {
      children.delete(child);
      frozen.delete(child);
      if (!finished) spawnWorker();
    });
  };

  try {
    await o.store.enqueueMany(Array.from({ length: jobs }, (_, i) => ({ queue: 'orders', payload: { symbol: 'BTC', qty: i + 1 }, key: `order-${i}`, maxAttempts: 25 })));
    for (let i = 0; i < (o.workers ?? 3); i++) spawnWorker();
    // No event crosses from the store to here, so poll it, bounded by the deadline.
    const deadline = started + (o.deadlineMs ?? 50_000);
    for (;;) {
      const { byStatus } = await o.store.stats();
      if (byStatus.pending + byStatus.retry + byStatus.processing === 0) break;
      if (performance.now() > deadline) throw new Error(`crash run (seed ${seed}) did not drain: ${JSON.stringify(byStatus)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    finished = true;
    for (const c of [...frozen]) thaw(c);
    for (const c of children) c.proc.kill('SIGTERM');
    // A bound, not a synchronisation: a worker that ignores SIGTERM for 10 s is killed.
    const stragglers = setTimeout(() => { for (const c of children) c.proc.kill('SIGKILL'); }, 10_000);
    await Promise.all([...children].map((c) => c.exited));
    clearTimeout(stragglers);
    await exchange.close();
  }

  const all = await o.store.list({ limit: jobs + 10 });
  const accepted = exchange.book.acceptedPerJob();
  const calls = [...exchange.book.placementCalls.values()];
  const placementCalls = calls.reduce((a, b) => a + b, 0);
  return {
    jobs,
    done: all.filter((j) => j.status === 'done').length,
    acceptedOrders: exchange.book.accepted.length,
    jobsWithTwoOrders: [...accepted.values()].filter((n) => n > 1).length,
    placementCalls,
    placementsPerJob: { mean: Math.round((placementCalls / jobs) * 1000) / 1000, max: Math.max(...calls) },
    kills,
    killsInsidePlacement,
    freezes,
    forcedStops,
    expiredRequests: exchange.book.expiredRequests,
    heldBack,
    // Every acquisition after the first is a takeover (a killed worker's job, or a retry).
    takeovers: all.reduce((n, j) => n + Math.max(0, j.attempts - 1), 0),
    spawned,
    wallMs: Math.round(performance.now() - started),
    seed,
  };
}

/** LEASEHOLD_CRASH_SEED replays a run whose report printed that seed. */
const crashSeed = (): number | undefined => (process.env.LEASEHOLD_CRASH_SEED ? Number(process.env.LEASEHOLD_CRASH_SEED) : undefined);

/**
 * One crash case as every store's test runs it: a deduping exchange with batched completions
 * and no reconcile hook, or an exchange without dedupe and the reconcile hook. The report is
 * logged (seed included) and held to the promise: every job done, one accepted order each,
 * and kills that really landed inside placements.
 */
export async function expectOneOrderPerJob(label: string, o: { store: LeaseStore; storeUrl: string; dedupe: boolean }): Promise<void> {
  const report = await runCrashScenario({ store: o.store, storeUrl: o.storeUrl, seed: crashSeed(), dedupe: o.dedupe, reconcile: !o.dedupe, batchCompletions: o.dedupe });
  console.log(`crash ${label} dedupe=${o.dedupe}`, JSON.stringify(report));
  expect(report.done).toBe(report.jobs);
  expect(report.acceptedOrders).toBe(report.jobs);
  expect(report.jobsWithTwoOrders).toBe(0);
  expect(report.kills).toBeGreaterThan(0);
  expect(report.killsInsidePlacement).toBeGreaterThan(0);
}

/**
 * Freezes (SIGSTOP, then SIGCONT past the lease) inside the step, after its intent is
 * recorded and before its order goes out, with no kills: with an exchange that dedupes
 * permanently, or one that refuses a request past the step's deadline, every job ends done
 * with exactly one order, across at least 20 freezes.
 */
export async function expectOneOrderPerJobAcrossFreezes(label: string, o: { store: LeaseStore; storeUrl: string; exchange: 'dedupe' | 'deadline' }): Promise<void> {
  const report = await runCrashScenario({
    store: o.store,
    storeUrl: o.storeUrl,
    seed: crashSeed(),
    exchange: o.exchange,
    reconcile: o.exchange === 'deadline',
    jobs: 30,
    workers: 5,
    concurrency: 3,
    killOnPlace: 0,
    killOnComplete: 0,
    freezeOnStep: 0.8,
    freezeMs: 3000,
    maxFreezes: 20,
    // The woken worker sends without checking its signal (its own timer fired first, as in
    // the field): only the exchange stands between it and a second order.
    workerArgs: ['--abortable', 'off'],
    deadlineMs: 150_000,
  });
  console.log(`freeze ${label} exchange=${o.exchange}`, JSON.stringify(report));
  expect(report.freezes).toBeGreaterThanOrEqual(20);
  expect(report.done).toBe(report.jobs);
  expect(report.acceptedOrders).toBe(report.jobs);
  expect(report.jobsWithTwoOrders).toBe(0);
}

/**
 * Skewed clocks: every other worker process runs with its system clock 3 s ahead (Debian's
 * `faketime`), with no `clock` option, on leases of 1 s and an exchange that answers 200 ms
 * after booking. The store judges leases by the database server's clock, so no worker takes
 * a live lease over: every job ends done with exactly one order.
 */
export async function expectOneOrderPerJobWithSkew(label: string, o: { store: LeaseStore; storeUrl: string; exchange: 'dedupe' | 'deadline' }): Promise<void> {
  const report = await runCrashScenario({
    store: o.store,
    storeUrl: o.storeUrl,
    seed: crashSeed(),
    exchange: o.exchange,
    reconcile: true,
    jobs: 24,
    workers: 4,
    concurrency: 2,
    killOnPlace: 0,
    killOnComplete: 0,
    wrapWorker: ['faketime', '-f', '+3s'],
    exchangeAnswerDelayMs: 200,
    deadlineMs: 90_000,
  });
  console.log(`skew ${label} exchange=${o.exchange}`, JSON.stringify(report));
  expect(report.done).toBe(report.jobs);
  expect(report.acceptedOrders).toBe(report.jobs);
  expect(report.jobsWithTwoOrders).toBe(0);
}

/**
 * The worker overlapping itself (one process, no dedupe, no reconcile): a `jobTimeoutMs`
 * shorter than an exchange call that cannot be aborted (the exchange answers 400 ms after
 * booking), or a forced stop (two SIGTERMs) while an order is in flight. The attempt waits
 * for its step fn before failing or handing the job back, so every job ends done with one order.
 */
export async function expectNoOverlap(label: string, o: { store: LeaseStore; storeUrl: string; fault: 'timeout' | 'forced-stop' }): Promise<void> {
  const report = await runCrashScenario({
    store: o.store,
    storeUrl: o.storeUrl,
    seed: crashSeed(),
    exchange: 'none',
    reconcile: false,
    jobs: 16,
    workers: 3,
    concurrency: 2,
    killOnPlace: 0,
    killOnComplete: 0,
    exchangeAnswerDelayMs: 400,
    // 30 s leases give steps a 6 s deadline (the default for a short lease: its safety margin),
    // well past the 400 ms call even on a loaded machine: the attempt waits the call out.
    leaseSeconds: 30,
    workerArgs: ['--abortable', 'off', ...(o.fault === 'timeout' ? ['--job-timeout-ms', '100'] : [])],
    ...(o.fault === 'forced-stop' ? { stopOnStep: 0.5, maxStops: 5 } : {}),
    deadlineMs: 90_000,
  });
  console.log(`overlap ${label} fault=${o.fault}`, JSON.stringify(report));
  if (o.fault === 'forced-stop') expect(report.forcedStops).toBeGreaterThan(0);
  expect(report.done).toBe(report.jobs);
  expect(report.acceptedOrders).toBe(report.jobs);
  expect(report.jobsWithTwoOrders).toBe(0);
}
