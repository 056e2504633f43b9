/** Parameters of one row of `insertJob`/`insertJobs` (uid and format as decided for the row). */
export function insertValues(v, now) {
    return [v.uid, v.queue, v.key, v.idempotencyKeyFormat, v.payloadText, v.priority, v.runAt, v.maxAttempts, v.maxLeaseExpiries, now, now, v.concurrencyKey, v.concurrencyLimit];
}
/** Parameters of `writeLocked`: the decided values, then the guard (the row as it was read). */
export function lockedWriteValues(w, prev) {
    return [...w.values, Number(prev.id), prev.status, prev.leaseToken];
}
//# sourceMappingURL=mysql-row-codec.js.map