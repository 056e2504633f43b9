/**
 * A step's deadline, as the store receives it with the step's intent: an absolute instant
 * (epoch ms, the store's clock) after which no request of the step is valid.
 */
import { ValidationError } from './errors.js';
/** The store's refusal of a deadline later than the lease it would be written under. */
export function deadlineAfterLease(deadlineAt) {
    return new ValidationError('deadlineAt', `${deadlineAt} is later than the lease it would be written under; extend the lease first`);
}
//# sourceMappingURL=step-deadline.js.map