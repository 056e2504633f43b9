import { chargedAttempts } from './lifecycle.js';
/** The default backoff: 1 s, doubling, capped at 5 minutes, full jitter. */
export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 1000, factor: 2, maxMs: 300_000 });
/**
 * Delay before retry number `attempt` (1 = after the first failure), full jitter.
 * @example backoffDelay(3, DEFAULT_BACKOFF, () => 0.5) // 2000
 */
export function backoffDelay(attempt, policy, random) {
    const exp = Math.min(policy.maxMs, policy.baseMs * Math.pow(policy.factor, Math.max(0, attempt - 1)));
    const r = Math.min(Math.max(random(), 0), 1);
    return Math.floor(r * exp);
}
/**
 * Decide a failed attempt: `failed` when permanent or no charged attempt is left, else `retry` at
 * `retryAt` if given, otherwise after the backoff.
 */
export function decideFailure(job, opts) {
    // Handler failures only: attempts that ended in a lease expiry have their own budget.
    const charged = chargedAttempts({ attempts: job.attempts, leaseExpiries: job.leaseExpiries ?? 0 });
    if (opts.permanent || charged >= job.maxAttempts)
        return { status: 'failed' };
    const runAt = opts.retryAt ?? opts.now + backoffDelay(charged, opts.policy, opts.random);
    return { status: 'retry', runAt };
}
const MAX_ERROR_CHARS = 8192;
/**
 * The text recorded as `lastError`: the stack when there is one (it starts with the message),
 * capped, and made well-formed (a lone surrogate, from the error or from the cap cutting a pair,
 * becomes U+FFFD here, so every store keeps the same text).
 */
export function describeError(error) {
    let text;
    if (error instanceof Error)
        text = error.stack ?? `${error.name}: ${error.message}`;
    else if (typeof error === 'string')
        text = error;
    else {
        try {
            text = JSON.stringify(error) ?? String(error);
        }
        catch {
            text = String(error);
        }
    }
    return (text.length > MAX_ERROR_CHARS ? text.slice(0, MAX_ERROR_CHARS) : text).toWellFormed();
}
//# sourceMappingURL=retry-policy.js.map