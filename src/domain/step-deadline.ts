/**
 * A step's deadline, as the store receives it with the step's intent: an absolute instant
 * (epoch ms, the store's clock) after which no request of the step is valid.
 */
import { ValidationError } from './errors.js';
import type { StepIntent } from './job.js';

/** The store's refusal of a deadline later than the lease it would be written under. */
export function deadlineAfterLease(deadlineAt: number): ValidationError {
  return new ValidationError('deadlineAt', `${deadlineAt} is later than the lease it would be written under; extend the lease first`);
}

/** The intent's `deadlineAt`, checked (a safe integer of epoch ms), or null when the intent has none. */
export function validateStepDeadline(intent: StepIntent | undefined): number | null {
  if (intent === undefined) return null;
  if (typeof intent !== 'object' || intent === null || Array.isArray(intent)) throw new ValidationError('intent', 'must be an object');
  const d = intent.deadlineAt;
  if (d === undefined) return null;
  if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
    throw new ValidationError('deadlineAt', `must be a whole number of epoch milliseconds, got ${typeof d === 'number' ? d : typeof d}`);
  }
  return d;
}
