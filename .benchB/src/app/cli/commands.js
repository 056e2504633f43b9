/**
 * The CLI's commands as plain functions on a LeaseStore: they return data, and main.ts
 * prints it as a table or JSON. Keeping them free of argv and stdout lets the tests call
 * them on the in-memory store, and keeps `--json` exactly what the functions return.
 */
import { JobNotFoundError } from '../../domain/errors.js';
import { isStepInDoubt } from '../../domain/steps.js';
/** `leasehold migrate`: creates or upgrades the schema (idempotent). */
export async function migrateCommand(store) {
    await store.migrate();
    return { migrated: true };
}
/** `leasehold enqueue`: adds one job, or returns the existing one when its key exists. */
export async function enqueueCommand(store, job) {
    return store.enqueue(job);
}
/** `leasehold list`: jobs in id order. */
export async function listCommand(store, input) {
    const filter = {};
    if (input.status)
        filter.status = input.status;
    if (input.queue !== undefined)
        filter.queue = input.queue;
    if (input.limit !== undefined)
        filter.limit = input.limit;
    if (input.inDoubt !== undefined)
        filter.inDoubt = input.inDoubt;
    return { jobs: await store.list(filter) };
}
/** `leasehold show <id>`: the job and every step it started, in order, steps in doubt marked. */
export async function showCommand(store, id) {
    const job = await store.get(id);
    if (!job)
        throw new JobNotFoundError(id);
    const steps = (await store.getStepRecords(id)).map((s) => ({ ...s, inDoubt: isStepInDoubt(job, s) }));
    return { job, steps, inDoubt: steps.filter((s) => s.inDoubt).map((s) => s.name) };
}
/** `leasehold retry <id> [--force]`: failed|cancelled -> pending, attempts reset; refused while a step is in doubt unless forced. */
export async function retryCommand(store, id, opts = {}) {
    return { job: await store.retry(id, opts.force ? { force: true } : undefined) };
}
/** `leasehold settle <id> <step>`: a person's answer for a step in doubt. */
export async function settleCommand(store, id, step, outcome) {
    return { step: await store.settleStep(id, step, outcome) };
}
/** `leasehold cancel <id>`: pending|retry -> cancelled. */
export async function cancelCommand(store, id) {
    return { job: await store.cancel(id) };
}
/** `leasehold reap`: moves every expired lease to retry (or failed when its attempts are used up). */
export async function reapCommand(store) {
    return { reaped: await store.reapExpired() };
}
/** `leasehold prune`: deletes final jobs finished more than `olderThanMs` ago. */
export async function pruneCommand(store, input) {
    const opts = { olderThanMs: input.olderThanMs };
    if (input.statuses)
        opts.statuses = input.statuses;
    if (input.forgetKeysOlderThanMs !== undefined)
        opts.forgetKeysOlderThanMs = input.forgetKeysOlderThanMs;
    return { pruned: await store.prune(opts) };
}
//# sourceMappingURL=commands.js.map