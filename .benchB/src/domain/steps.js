import { StepInDoubtError } from './errors.js';
/** Steps in the order they started, then by name (code-unit order, the same in every adapter). */
export function sortSteps(steps) {
    return steps.sort((a, b) => a.startedAt - b.startedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
/**
 * Whether a step is in doubt: it started and never recorded how it ended, nobody settled it,
 * and the attempt that began it no longer holds the job (the job left `processing`, or
 * another attempt took it over). Its effect may or may not have happened.
 * @example isStepInDoubt(job, step) // true for a crashed attempt's started step
 */
export function isStepInDoubt(job, step) {
    if (step.state !== 'started' || step.settledAt !== null)
        return false;
    return !(job.status === 'processing' && job.leaseToken === step.token);
}
/**
 * Why a person may not settle this step now, or null when they may: only a step in doubt of a
 * job that is not processing (a holder that is still processing could yet act on it), once
 * the step's deadline plus `marginMs` has passed at `now` (before that, a holder that is only
 * paused could still send the request, and the exchange would still take it).
 */
export function settleRefusal(job, step, now, marginMs) {
    if (job.status === 'processing')
        return 'the job is processing (its holder may still act); settle it once that attempt has ended';
    if (!step)
        return 'the job has no step of that name';
    if (step.settledAt !== null)
        return `the step was settled already (as ${step.state === 'done' ? 'having happened' : 'not having happened'})`;
    if (step.state === 'done')
        return 'the step is done, not in doubt';
    const deadline = step.deadlineAt ?? null;
    if (deadline !== null && now < deadline + marginMs) {
        return `the step's deadline (${new Date(deadline).toISOString()}) plus the clock margin has not passed: a paused holder could still send its request; settle it from ${new Date(deadline + marginMs).toISOString()}`;
    }
    return null;
}
/** The refusal of a manual retry while step `step` is in doubt. */
export function retryRefused(jobId, step) {
    return new StepInDoubtError(jobId, step, `cannot retry job ${jobId}: step "${step}" is in doubt (it started and never recorded how it ended); ` +
        'settle it first (settleStep, or leasehold settle), or retry with force to let the next attempt decide');
}
//# sourceMappingURL=steps.js.map