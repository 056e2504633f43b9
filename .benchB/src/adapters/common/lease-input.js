import { ValidationError } from '../../domain/errors.js';
import { parseJobId, validateDuration, validateJson, validateKey } from '../../domain/validation.js';
/** The parts of a lease a fenced write needs, checked. `idNum` undefined: no store could have issued it. */
export function leaseInput(lease) {
    if (typeof lease !== 'object' || lease === null)
        throw new ValidationError('lease', 'must be a lease returned by acquire');
    const l = lease;
    if (typeof l.job !== 'object' || l.job === null)
        throw new ValidationError('lease.job', 'must be the job of a lease returned by acquire');
    const token = typeof l.token === 'string' && /^\d+$/.test(l.token) ? Number(l.token) : l.token;
    if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 1)
        throw new ValidationError('lease.token', 'must be a positive integer lease token');
    const idNum = parseJobId(l.job.id, 'lease.job.id');
    return { id: l.job.id, idNum, token };
}
export { validateDuration, validateJson, validateKey };
/** The lease a store hands out for a job it has just put in `processing` (the job is not copied). */
export function leaseOf(job) {
    return { job, token: job.leaseToken, workerId: job.lockedBy, expiresAt: job.lockedUntil };
}
//# sourceMappingURL=lease-input.js.map