/**
 * `leasehold work`: runs a ProcessingWorker on the store `--db` names, with the handler a
 * user module exports, until SIGINT or SIGTERM, then stops gracefully (in-flight jobs finish
 * up to the worker's shutdown deadline, the rest are released for another worker).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LeaseStore } from '../../ports/lease-store.js';
import { UsageError } from './exit-codes.js';
import { openStore, type DbSpec } from './open-store.js';
import type { Output } from './output.js';
import { firstLine } from './format.js';

/** What a handler module may export. */
export interface HandlerModule {
  /** The handler for every queue served (or `default`). */
  handler?: (...args: never[]) => unknown;
  default?: unknown;
  /** Handlers by queue name, instead of one handler. */
  handlers?: Record<string, (...args: never[]) => unknown>;
  /** The worker's `reconcile` hook for steps in doubt. */
  reconcile?: (...args: never[]) => unknown;
}

/**
 * Loads a handler module (path relative to `cwd`) and picks its handler(s): `handlers`, or
 * `handler`, or a default export that is a function. Throws UsageError when there is none.
 * @example export async function handler(job, ctx) { await ctx.step('place', () => place(job.payload)); }
 */
export async function loadHandlerModule(path: string, cwd: string): Promise<{ handler?: unknown; handlers?: Record<string, unknown>; reconcile?: unknown }> {
  const url = pathToFileURL(resolve(cwd, path)).href;
  let mod: HandlerModule;
  try {
    mod = (await import(url)) as HandlerModule;
  } catch (error) {
    throw new Error(`--handler ${path}: cannot load the module: ${(error as Error).message}`, { cause: error });
  }
  const picked: { handler?: unknown; handlers?: Record<string, unknown>; reconcile?: unknown } = {};
  if (mod.handlers && typeof mod.handlers === 'object') picked.handlers = mod.handlers;
  else if (typeof mod.handler === 'function') picked.handler = mod.handler;
  else if (typeof mod.default === 'function') picked.handler = mod.default;
  else throw new UsageError(`--handler ${path}: the module exports no \`handler\` function, \`handlers\` map or default function`);
  if (typeof mod.reconcile === 'function') picked.reconcile = mod.reconcile;
  return picked;
}

/** Options of {@link workCommand}. */
export interface WorkOptions {
  db: DbSpec;
  queues: string[];
  handlerPath: string;
  concurrency: number;
  leaseMs: number | undefined;
  json: boolean;
  out: Output;
  cwd: string;
}

/** The part of ProcessingWorker `work` drives (DESIGN.md's public names). */
interface WorkerLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: string, listener: (payload: never) => void): unknown;
}
type WorkerCtor = new (opts: Record<string, unknown>) => WorkerLike;

// A variable specifier keeps this file compiling while the worker is on its own branch.
const WORKER_MODULE = '../worker/processing-worker.js';

/** Runs the worker until SIGINT/SIGTERM. Resolves after it stopped. */
export async function workCommand(o: WorkOptions): Promise<void> {
  const picked = await loadHandlerModule(o.handlerPath, o.cwd);
  const { ProcessingWorker } = (await import(WORKER_MODULE)) as { ProcessingWorker: WorkerCtor };
  const store: LeaseStore = await openStore(o.db, { create: false });
  const worker = new ProcessingWorker({
    store,
    queues: o.queues,
    ...picked,
    maxConcurrentJobs: o.concurrency,
    ...(o.leaseMs === undefined ? {} : { leaseDurationSeconds: o.leaseMs / 1000 }),
    handleSignals: false,
  });
  const log = (event: string, fields: Record<string, unknown>, text: string): void => {
    if (o.json) o.out.json({ event, at: Date.now(), ...fields });
    else o.out.out(`${new Date().toISOString()} ${text}`);
  };
  // Payload shapes are the worker's typed event map (src/app/worker/worker-events.ts).
  type Ev = { job?: { id: string; queue: string }; jobId?: string; error?: unknown; during?: string; durationMs?: number; runAt?: number };
  const idOf = (e: Ev): string | undefined => e.job?.id ?? e.jobId;
  const msg = (error: unknown): string => firstLine(error instanceof Error ? error.message : String(error));
  worker.on('job:completed', (e: Ev) => log('job:completed', { jobId: idOf(e), durationMs: e.durationMs }, `job ${idOf(e)} done${e.durationMs === undefined ? '' : ` in ${Math.round(e.durationMs)} ms`}`));
  worker.on('job:retry', (e: Ev) => log('job:retry', { jobId: idOf(e), error: msg(e.error), runAt: e.runAt }, `job ${idOf(e)} failed, will retry: ${msg(e.error)}`));
  worker.on('job:failed', (e: Ev) => log('job:failed', { jobId: idOf(e), error: msg(e.error) }, `job ${idOf(e)} failed: ${msg(e.error)}`));
  worker.on('lease:lost', (e: Ev) => log('lease:lost', { jobId: idOf(e) }, `job ${idOf(e)}: lease lost (another worker took it over)`));
  worker.on('worker:error', (e: Ev) => log('worker:error', { during: e.during, error: msg(e.error) }, `worker error during ${e.during}: ${msg(e.error)}`));

  let stopping: Promise<void> | undefined;
  const stopped = new Promise<void>((done) => {
    const stop = (signal: string): void => {
      if (stopping) return;
      log('worker:stopping', { signal }, `${signal}: stopping (finishing in-flight jobs)`);
      stopping = worker.stop().then(done, done);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  try {
    await worker.start();
    log('worker:started', { queues: o.queues, concurrency: o.concurrency }, `working on ${o.queues.join(', ')} (concurrency ${o.concurrency}); Ctrl-C to stop`);
    await stopped;
    log('worker:stopped', {}, 'stopped');
  } finally {
    await store.close().catch(() => undefined);
  }
}
