/**
 * The history rows (attempts, per-minute counters) a change of one job leaves, as statements
 * for the transaction that makes the change. The rule is the domain's (`attemptEnd`,
 * `throughputField`), applied to the job before and after, as the in-memory store does.
 */
import { attemptEnd, minuteOf, throughputField } from '../../domain/history.js';
/** The statements recording what changing `prev` into `next` at `now` ends, starts and counts. */
export function historyStatements(q, prev, next, now) {
    const out = [];
    const end = attemptEnd(prev, next);
    if (end)
        out.push([q.endAttempt, [now, end, end === 'completed' || end === 'released' ? null : next.lastError, Number(next.id), prev.leaseToken]]);
    if (next.status === 'processing' && next.leaseToken !== prev.leaseToken)
        out.push([q.startAttempts(1), [Number(next.id), next.leaseToken, next.lockedBy ?? '', now]]);
    const field = throughputField(prev, next);
    if (field)
        out.push([q.count, [minuteOf(now), next.queue, Number(field === 'completed'), Number(field === 'failed'), Number(field === 'retried')]]);
    return out;
}
/** The job a decided write makes of `prev` (the result column aside, which history never reads). */
export function applied(prev, w) {
    const next = { ...prev };
    w.fields.forEach((f, i) => {
        if (f !== 'result')
            next[f] = w.values[i];
    });
    return next;
}
//# sourceMappingURL=mysql-history.js.map