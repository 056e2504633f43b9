/**
 * The CLI's commands as plain functions on a LeaseStore: they return data, and main.ts
 * prints it as a table or JSON. Keeping them free of argv and stdout lets the tests call
 * them on the in-memory store, and keeps `--json` exactly what the functions return.
 */
import { JobNotFoundError } from '../../domain/errors.js';
import type { EnqueueResult, Job, JobStatus, NewJob, StepRecord } from '../../domain/job.js';
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
}

/** `leasehold list`: jobs in id order. */
export async function listCommand(store: LeaseStore, input: ListInput): Promise<{ jobs: Job[] }> {
  const filter: Parameters<LeaseStore['list']>[0] = {};
  if (input.status) filter.status = input.status;
  if (input.queue !== undefined) filter.queue = input.queue;
  if (input.limit !== undefined) filter.limit = input.limit;
  return { jobs: await store.list(filter) };
}

/** `leasehold show <id>`: the job and every step it started, in order. */
export async function showCommand(store: LeaseStore, id: string): Promise<{ job: Job; steps: StepRecord[] }> {
  const job = await store.get(id);
  if (!job) throw new JobNotFoundError(id);
  return { job, steps: await store.getStepRecords(id) };
}

/** `leasehold retry <id>`: failed|cancelled -> pending, attempts reset. */
export async function retryCommand(store: LeaseStore, id: string): Promise<{ job: Job }> {
  return { job: await store.retry(id) };
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
export async function pruneCommand(store: LeaseStore, input: { olderThanMs: number; statuses?: JobStatus[] }): Promise<{ pruned: number }> {
  return { pruned: await store.prune(input.statuses ? { olderThanMs: input.olderThanMs, statuses: input.statuses } : { olderThanMs: input.olderThanMs }) };
}
