/**
 * The CLI's commands as plain functions on a LeaseStore: they return data, and main.ts
 * prints it as a table or JSON. Keeping them free of argv and stdout lets the tests call
 * them on the in-memory store, and keeps `--json` exactly what the functions return.
 */
import { JobNotFoundError } from '../../domain/errors.js';
import type { EnqueueResult, Job, JobStatus, NewJob, SettleOutcome, StepRecord } from '../../domain/job.js';
import { isStepInDoubt } from '../../domain/steps.js';
import type { LeaseStore } from '../../ports/lease-store.js';

/** `leasehold migrate`: creates or upgrades the schema (idempotent). */
export async function migrateCommand(store: LeaseStore): Promise<{ migrated: true }> {
  await store.migrate();
  return { migrated: true };
}

/** `leasehold enqueue`: adds one job, or returns the existing one when its key exists. */
export async function enqueueCommand(store: LeaseStore, job: NewJob): Promise<EnqueueResult> {
  return store.enqueue(job);
}

/** Filter of `leasehold list`. */
export interface ListInput {
  status?: JobStatus[];
  queue?: string;
  limit?: number;
  /** Only jobs with a step in doubt. */
  inDoubt?: boolean;
}

/** `leasehold list`: jobs in id order. */
export async function listCommand(store: LeaseStore, input: ListInput): Promise<{ jobs: Job[] }> {
  const filter: Parameters<LeaseStore['list']>[0] = {};
  if (input.status) filter.status = input.status;
  if (input.queue !== undefined) filter.queue = input.queue;
  if (input.limit !== undefined) filter.limit = input.limit;
  if (input.inDoubt !== undefined) filter.inDoubt = input.inDoubt;
  return { jobs: await store.list(filter) };
}

/** A step as `show` reports it: the record, and whether it is in doubt (started, never finished, its attempt over, not settled). */
export type ShownStep = StepRecord & { inDoubt: boolean };

/** `leasehold show <id>`: the job and every step it started, in order, steps in doubt marked. */
export async function showCommand(store: LeaseStore, id: string): Promise<{ job: Job; steps: ShownStep[]; inDoubt: string[] }> {
  const job = await store.get(id);
  if (!job) throw new JobNotFoundError(id);
  const steps = (await store.getStepRecords(id)).map((s) => ({ ...s, inDoubt: isStepInDoubt(job, s) }));
  return { job, steps, inDoubt: steps.filter((s) => s.inDoubt).map((s) => s.name) };
}

/** `leasehold retry <id> [--force]`: failed|cancelled -> pending, attempts reset; refused while a step is in doubt unless forced. */
export async function retryCommand(store: LeaseStore, id: string, opts: { force?: boolean } = {}): Promise<{ job: Job }> {
  return { job: await store.retry(id, opts.force ? { force: true } : undefined) };
}

/** `leasehold settle <id> <step>`: a person's answer for a step in doubt. */
export async function settleCommand(store: LeaseStore, id: string, step: string, outcome: SettleOutcome): Promise<{ step: StepRecord }> {
  return { step: await store.settleStep(id, step, outcome) };
}

/** `leasehold cancel <id>`: pending|retry -> cancelled. */
export async function cancelCommand(store: LeaseStore, id: string): Promise<{ job: Job }> {
  return { job: await store.cancel(id) };
}

/** `leasehold reap`: moves every expired lease to retry (or failed when its attempts are used up). */
export async function reapCommand(store: LeaseStore): Promise<{ reaped: number }> {
  return { reaped: await store.reapExpired() };
}

/** `leasehold prune`: deletes final jobs finished more than `olderThanMs` ago. */
export async function pruneCommand(store: LeaseStore, input: { olderThanMs: number; statuses?: JobStatus[]; forgetKeysOlderThanMs?: number }): Promise<{ pruned: number }> {
  const opts: Parameters<LeaseStore['prune']>[0] = { olderThanMs: input.olderThanMs };
  if (input.statuses) opts.statuses = input.statuses;
  if (input.forgetKeysOlderThanMs !== undefined) opts.forgetKeysOlderThanMs = input.forgetKeysOlderThanMs;
  return { pruned: await store.prune(opts) };
}
