/**
 * The real-process liveness scenarios, run on SQLite and MySQL: worker children on a shared
 * store place orders on the simulated exchange (in this process) while the test kills,
 * freezes or stops them.
 */
import { expect } from 'vitest';
import type { LeaseStore } from '../../src/ports/lease-store.js';
import { startSimulatedExchange } from '../../src/app/demo/simulated-exchange.js';
import { spawnWorkerChild, type WorkerChild } from '../../src/app/bench/worker-child.js';

/** Short liveness for the scenarios where the default is not the point. */
const FAST = { 'liveness-interval-ms': 200, 'liveness-timeout-ms': 2000 };

async function drained(store: LeaseStore, jobId: string): Promise<void> {
  // No event crosses from the store to here: poll it (a bound, not a synchronisation).
  for (let i = 0; i < 400; i++) {
    if ((await store.get(jobId))?.status === 'done') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not finish`);
}

async function stopAll(children: WorkerChild[]): Promise<void> {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
}

/**
 * With the default options (300 s lease, liveness 1 s / 8 s): SIGKILL while no step is open
 * (the handler waits before its order step); a replacement under another workerId (it cannot
 * prove the dead one dead) resumes the job within 10 s of the kill, and the exchange holds one
 * order.
 */
export async function killOutsideAStepResumesWithinTarget(store: LeaseStore, storeUrl: string): Promise<void> {
  const children: WorkerChild[] = [];
  const exchange = await startSimulatedExchange({ dedupe: false });
  try {
    // The handler waits 20 s before its order step: the kill comes inside that wait.
    const a = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'bot-a', 'lease-seconds': 300, 'poll-ms': 5000, concurrency: 1, 'delay-ms': 20_000 });
    children.push(a);
    await a.waitFor((l) => l.event === 'started');
    const { job } = await store.enqueue({ queue: 'orders', payload: { symbol: 'BTC', qty: 1 }, key: 'order-0' });
    await a.waitFor((l) => l.event === 'job-started' && l.jobId === job.id);
    // The replacement is up before the kill (its process start-up is not what the target
    // measures), and only once `a` holds the job, so it cannot claim the job first.
    const b = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'bot-b', 'lease-seconds': 300, 'poll-ms': 5000, concurrency: 1 });
    children.push(b);
    await b.waitFor((l) => l.event === 'started');
    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    const resumed = await b.waitFor((l) => l.event === 'job-started' && l.jobId === job.id);
    await drained(store, job.id);
    expect(resumed.attempt).toBe(2);
    expect(resumed.at! - killedAt).toBeLessThan(10_000);
    expect(exchange.book.accepted.length).toBe(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2, leaseExpiries: 1 });
  } finally {
    await stopAll(children);
    await exchange.close();
  }
}

/**
 * With the default options, SIGKILL inside the order step, after the exchange booked the order
 * and before the worker heard back: the step's deadline (10 s from its start) plus the clock
 * margin (2 s) holds the takeover back, since only a paused holder, not a killed one, could
 * still send; then the replacement resumes the job, reconciles the step and places no second
 * order.
 */
export async function killDuringOrderStepResumesAfterTheStepDeadline(store: LeaseStore, storeUrl: string): Promise<void> {
  let killedAt = 0;
  const children: WorkerChild[] = [];
  const exchange = await startSimulatedExchange({
    dedupe: false,
    onPlace: () => {
      if (killedAt === 0) {
        killedAt = Date.now();
        children[0]!.proc.kill('SIGKILL');
      }
    },
  });
  try {
    const a = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'bot-a', 'lease-seconds': 300, 'poll-ms': 5000, concurrency: 1, 'delay-ms': 2000 });
    children.push(a);
    await a.waitFor((l) => l.event === 'started');
    const { job } = await store.enqueue({ queue: 'orders', payload: { symbol: 'BTC', qty: 1 }, key: 'order-1' });
    await a.waitFor((l) => l.event === 'job-started');
    const b = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'bot-b', 'lease-seconds': 300, 'poll-ms': 5000, concurrency: 1 });
    children.push(b);
    await a.exited;
    const resumed = await b.waitFor((l) => l.event === 'job-started' && l.jobId === job.id);
    await drained(store, job.id);
    expect(resumed.attempt).toBe(2);
    // The step began just before the order reached the exchange: the takeover waits for its
    // deadline plus the margin, 12 s from the step's start, and then happens at once.
    expect(resumed.at! - killedAt).toBeGreaterThan(9_000);
    expect(resumed.at! - killedAt).toBeLessThan(13_000);
    expect(exchange.book.accepted.length).toBe(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2, leaseExpiries: 1 });
  } finally {
    await stopAll(children);
    await exchange.close();
  }
}

/**
 * A restart under the same workerId proves its SIGKILLed predecessor dead (same host and boot,
 * pid gone) and takes its lease at once, without waiting out the 60 s liveness timeout; the
 * takeover still waits for the open order step's deadline plus the margin.
 */
export async function sameWorkerIdRestartTakesOverAtOnce(store: LeaseStore, storeUrl: string): Promise<void> {
  const children: WorkerChild[] = [];
  let placed = 0;
  const exchange = await startSimulatedExchange({ dedupe: false, onPlace: () => void (placed++ === 0 && children[0]!.proc.kill('SIGKILL')) });
  try {
    const a = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'bot-1', 'lease-seconds': 300, concurrency: 1, ...FAST, 'liveness-timeout-ms': 60_000 });
    children.push(a);
    await a.waitFor((l) => l.event === 'started');
    const { job } = await store.enqueue({ queue: 'orders', payload: { symbol: 'ETH', qty: 1 }, key: 'order-2' });
    await a.exited;
    // A 60 s liveness timeout: only the proof of death can make this quick.
    const b = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'bot-1', 'lease-seconds': 300, concurrency: 1, ...FAST, 'liveness-timeout-ms': 60_000 });
    children.push(b);
    await b.waitFor((l) => l.event === 'started');
    await drained(store, job.id);
    expect(exchange.book.accepted.length).toBe(1);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 2, leaseExpiries: 1 });
  } finally {
    await stopAll(children);
    await exchange.close();
  }
}

/** SIGSTOP shorter than the liveness timeout, then SIGCONT: the frozen worker keeps its job and completes it; the other never runs it. */
export async function frozenButAliveKeepsItsJob(store: LeaseStore, storeUrl: string): Promise<void> {
  const children: WorkerChild[] = [];
  const exchange = await startSimulatedExchange({ dedupe: false });
  try {
    const a = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'frozen', 'lease-seconds': 300, concurrency: 1, 'delay-ms': 1500, ...FAST });
    children.push(a);
    await a.waitFor((l) => l.event === 'started');
    const { job } = await store.enqueue({ queue: 'orders', payload: { symbol: 'SOL', qty: 1 }, key: 'order-3' });
    await a.waitFor((l) => l.event === 'job-started' && l.jobId === job.id);
    // Another worker, ready to take the job over the moment `a` counted as dead.
    const b = spawnWorkerChild(storeUrl, exchange.url, { 'worker-id': 'other', 'lease-seconds': 300, concurrency: 1, 'poll-ms': 100, ...FAST });
    children.push(b);
    await b.waitFor((l) => l.event === 'started');
    // (SQLite: a process frozen inside a write transaction holds the database lock; the others
    // wait on busy_timeout, longer than this freeze.)
    a.proc.kill('SIGSTOP');
    // Frozen for 1 s: under the 2 s liveness timeout minus its 500 ms margin.
    await new Promise((r) => setTimeout(r, 1000));
    a.proc.kill('SIGCONT');
    await drained(store, job.id);
    expect(await store.get(job.id)).toMatchObject({ status: 'done', attempts: 1, leaseExpiries: 0 });
    // Its line comes after its commit: wait for it rather than read the lines so far.
    await a.waitFor((l) => l.event === 'completed' && l.jobId === job.id);
    expect(b.lines.some((l) => l.event === 'job-started')).toBe(false);
    expect(exchange.book.accepted.length).toBe(1);
  } finally {
    await stopAll(children);
    await exchange.close();
  }
}

/** SIGTERM stops the worker gracefully and the process then ends as Node would without leasehold (signal SIGTERM), store still open. */
export async function sigtermEndsTheProcess(storeUrl: string): Promise<void> {
  const exchange = await startSimulatedExchange({ dedupe: false });
  const child = spawnWorkerChild(storeUrl, exchange.url, { 'handles-exit': 'off', ...FAST });
  try {
    await child.waitFor((l) => l.event === 'started');
    child.proc.kill('SIGTERM');
    await child.waitFor((l) => l.event === 'stopped');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
  } finally {
    await stopAll([child]);
    await exchange.close();
  }
}
