import type { StepRecord } from './job.js';

/** Steps in the order they started, then by name (code-unit order, the same in every adapter). */
export function sortSteps(steps: StepRecord[]): StepRecord[] {
  return steps.sort((a, b) => a.startedAt - b.startedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
