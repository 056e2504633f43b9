/** The SQL column of each writable field (the same in every dialect). */
export const JOB_COLUMN = {
    status: 'status',
    runAt: 'run_at',
    attempts: 'attempts',
    leaseExpiries: 'lease_expiries',
    leaseToken: 'lease_token',
    lockedBy: 'locked_by',
    lockedUntil: 'locked_until',
    lastError: 'last_error',
    result: 'result',
    updatedAt: 'updated_at',
    finishedAt: 'finished_at',
};
/** The fields each decided write sets: fixed per operation, so an engine prepares one statement per list. */
export const WRITES = {
    extend: ['lockedUntil', 'updatedAt'],
    complete: ['status', 'result', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
    fail: ['status', 'lastError', 'runAt', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
    release: ['status', 'attempts', 'runAt', 'lastError', 'lockedBy', 'lockedUntil', 'updatedAt'],
    cancel: ['status', 'updatedAt', 'finishedAt'],
    retry: ['status', 'attempts', 'leaseExpiries', 'runAt', 'updatedAt', 'finishedAt'],
    // Used by dialects whose claim or reap writes rows one by one (MySQL).
    acquire: ['status', 'attempts', 'leaseExpiries', 'leaseToken', 'lockedBy', 'lockedUntil', 'lastError', 'updatedAt'],
    expire: ['status', 'leaseExpiries', 'lastError', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
    // A holder giving up a lease it let run out (expireLease): an expiry with a retry time.
    expireHeld: ['status', 'leaseExpiries', 'lastError', 'runAt', 'lockedBy', 'lockedUntil', 'updatedAt', 'finishedAt'],
};
/** The decided write of `next` for operation `name`; `resultText` is the result column's JSON text. */
export function writeOf(name, next, resultText = null) {
    const fields = WRITES[name];
    return { name, fields, values: fields.map((f) => (f === 'result' ? resultText : next[f])) };
}
//# sourceMappingURL=sql-engine.js.map