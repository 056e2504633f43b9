/**
 * How the CLI shows results to people: aligned tables and short durations. Scripts use
 * `--json`, which prints the command's result object as is; nothing here is parsed back.
 */
import { JOB_STATUSES } from '../../domain/job.js';
import { legacyIdempotencyKey } from '../idempotency-key.js';
import { STATUS_SAMPLE } from './status.js';
/**
 * Renders rows as a left-aligned text table under a header row.
 * @example table(['id', 'status'], [['1', 'done']])
 */
export function table(header, rows) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
    return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
/**
 * A duration for people: `850ms`, `12.3s`, `4m 05s`, `3h 20m`, `2d 4h`. Negative reads "ago".
 * @example formatDuration(125_000) // '2m 05s'
 */
export function formatDuration(ms) {
    if (ms < 0)
        return `${formatDuration(-ms)} ago`;
    if (ms < 1000)
        return `${Math.round(ms)}ms`;
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1)}s`;
    const s = Math.floor(ms / 1000);
    if (s < 3600)
        return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
    if (s < 86_400)
        return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
    return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
/** An epoch-ms time as ISO-8601 UTC, or `-`. */
export function formatTime(ms) {
    return ms === null ? '-' : new Date(ms).toISOString();
}
/** The first line of an error text (its message; the stack follows), cut to `max` characters. */
export function firstLine(text, max = 80) {
    if (text === null)
        return '-';
    const line = text.split('\n', 1)[0] ?? '';
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
/** Jobs as a table, one row each. */
export function formatJobs(jobs, now) {
    if (jobs.length === 0)
        return 'no jobs match';
    return table(['id', 'queue', 'status', 'attempts', 'priority', 'run at', 'key', 'last error'], jobs.map((j) => [
        j.id,
        j.queue,
        j.status,
        `${j.attempts}/${j.maxAttempts}`,
        String(j.priority),
        j.status === 'pending' || j.status === 'retry' ? relative(j.runAt, now) : '-',
        j.key ?? '-',
        firstLine(j.lastError, 60),
    ]));
}
/** One job in full, then its steps (those in doubt marked, with what a person can do about them). */
export function formatJob(job, steps, now) {
    const fields = [
        ['id', job.id],
        ['queue', job.queue],
        ['status', job.status],
        ['key', job.key ?? '-'],
        ['uid', job.uid],
        ['priority', String(job.priority)],
        ['attempts', `${job.attempts} (handler failures allowed: ${job.maxAttempts})`],
        ['lease expiries', `${job.leaseExpiries}/${job.maxLeaseExpiries}`],
        ['run at', `${formatTime(job.runAt)} (${relative(job.runAt, now)})`],
        ['locked by', job.lockedBy ?? '-'],
        ['locked until', job.lockedUntil === null ? '-' : `${formatTime(job.lockedUntil)} (${relative(job.lockedUntil, now)})`],
        ['lease token', String(job.leaseToken)],
        ['created', formatTime(job.createdAt)],
        ['updated', formatTime(job.updatedAt)],
        ['finished', formatTime(job.finishedAt)],
        ['payload', JSON.stringify(job.payload)],
        ['result', job.result === null ? '-' : JSON.stringify(job.result)],
        ['last error', job.lastError ?? '-'],
    ];
    const w = Math.max(...fields.map(([k]) => k.length));
    const head = fields.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
    const stepText = steps.length === 0
        ? 'steps: none'
        : `steps:\n${table(['step', 'state', 'token', 'key', 'started', 'took', 'result'], steps.map((s) => [
            s.name,
            stepState(s),
            String(s.token),
            s.key ?? '-',
            formatTime(s.startedAt),
            s.finishedAt === null ? '-' : formatDuration(s.finishedAt - s.startedAt),
            s.result === null ? '-' : JSON.stringify(s.result),
        ]))}`;
    const doubts = steps.filter((s) => s.inDoubt);
    const advice = doubts.map((s) => `step ${s.name} is IN DOUBT: it started (token ${s.token}) and never recorded how it ended, so its effect may or may not have happened. ` +
        `Look it up by its key ${s.key ?? `${legacyIdempotencyKey(job.id, s.name)} (not recorded: begun by an older leasehold, this is the key it derived with the default namespace)`}, then: leasehold settle ${job.id} ${s.name} --result '<json>' if it happened, ` +
        `or --not-happened if nothing reached the other side.`);
    return [`${head}\n\n${stepText}`, ...advice].join('\n\n');
}
function stepState(s) {
    if (s.inDoubt)
        return 'IN DOUBT';
    if (s.settledAt !== null)
        return s.state === 'done' ? 'done (settled by hand)' : 'settled: not happened';
    return s.state;
}
/** The status report for people. */
export function formatStatus(r) {
    const out = [];
    const queues = Object.keys(r.byQueue).sort();
    const counts = (c) => JOB_STATUSES.map((s) => String(c[s] ?? 0));
    out.push(table(['queue', ...JOB_STATUSES, 'total'], [
        ...queues.map((q) => [q, ...counts(r.byQueue[q]), String(sum(r.byQueue[q]))]),
        ['(all)', ...counts(r.byStatus), String(r.total)],
    ]));
    out.push('');
    out.push(`active leases: ${r.activeLeases.length}`);
    if (r.activeLeases.length > 0)
        out.push(leaseTable(r.activeLeases, 'expires in', r.now));
    out.push(`expired leases: ${r.expiredLeases.length}${r.expiredLeases.length > 0 ? ' (a worker died or stalled; the next acquire or `leasehold reap` takes them over)' : ''}`);
    if (r.expiredLeases.length > 0)
        out.push(leaseTable(r.expiredLeases, 'expired', r.now));
    const waiting = r.byStatus.pending + r.byStatus.retry;
    const scope = r.oldestWaitingExact ? '' : ` (among the ${STATUS_SAMPLE} lowest-id waiting jobs of ${waiting})`;
    out.push(r.oldestWaiting === null
        ? `oldest waiting job: none due${scope}`
        : `oldest waiting job: ${r.oldestWaiting.id} (${r.oldestWaiting.queue}, ${r.oldestWaiting.status}), due for ${formatDuration(r.oldestWaiting.waitingMs)}${scope}`);
    out.push(`failed jobs: ${r.byStatus.failed}${r.failed.length < r.byStatus.failed ? ` (newest ${r.failed.length} shown)` : ''}`);
    if (r.failed.length > 0) {
        out.push(table(['id', 'queue', 'attempts', 'finished', 'last error'], r.failed.map((f) => [f.id, f.queue, String(f.attempts), f.finishedAt === null ? '-' : formatDuration(f.finishedAt - r.now), firstLine(f.lastError)])));
    }
    out.push(`schedules: ${r.schedules.length}`);
    if (r.schedules.length > 0) {
        out.push(table(['schedule', 'cron', 'zone', 'queue', 'next run'], r.schedules.map((s) => [s.name, s.cron, s.timeZone, s.queue, s.paused ? 'paused' : s.nextRun === null ? 'never' : `${formatTime(s.nextRun)} (${relative(s.nextRun, r.now)})`])));
    }
    return out.join('\n');
}
function leaseTable(leases, col, now) {
    return table(['id', 'queue', 'worker', 'process', 'token', 'attempts', col], leases.map((l) => [
        l.id,
        l.queue,
        l.lockedBy ?? '-',
        l.holder === 'unknown' ? '-' : `${l.holder === 'alive' ? 'alive' : 'GONE'}, seen ${formatDuration(now - l.holderLastSeenAt)} ago`,
        String(l.leaseToken),
        `${l.attempts}/${l.maxAttempts}`,
        l.msLeft === null ? '-' : formatDuration(Math.abs(l.msLeft)),
    ]));
}
function relative(at, now) {
    return at <= now ? `due ${formatDuration(now - at)} ago` : `in ${formatDuration(at - now)}`;
}
function sum(c) {
    return Object.values(c).reduce((a, b) => a + b, 0);
}
//# sourceMappingURL=format.js.map