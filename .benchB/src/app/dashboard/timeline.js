import { isStepInDoubt } from '../../domain/steps.js';
import { html } from './html.js';
/**
 * A step nobody is known to be finishing: started by an attempt that no longer holds the job,
 * or whose lease ran out at `now` (its worker died or stalled; the next attempt will find the
 * step in doubt).
 */
export function isInDoubt(step, job, now) {
    if (isStepInDoubt(job, step))
        return true;
    // Still its holder's on paper, but the lease ran out: shown in doubt, not yet settleable.
    return step.state === 'started' && step.settledAt === null && job.lockedUntil !== null && job.lockedUntil <= now;
}
const COLORS = {
    running: '#2f6fde',
    completed: '#2e9d5b',
    retry: '#d99a1e',
    failed: '#c8423b',
    released: '#8a8f98',
    expired: '#a0522d',
};
const LANE = 54;
const LEFT = 170;
const WIDTH = 900;
/** The timeline as inline SVG, or a note when the job has not run yet. */
export function renderTimeline(job, steps, attempts, now) {
    if (attempts.length === 0)
        return html `<p class="muted">No attempt yet.</p>`;
    const t0 = Math.min(...attempts.map((a) => a.startedAt), ...steps.map((s) => s.startedAt));
    const t1 = Math.max(t0 + 1, ...attempts.map((a) => a.endedAt ?? now), ...steps.map((s) => s.finishedAt ?? s.startedAt), now > t0 && attempts.some((a) => a.endedAt === null) ? now : t0 + 1);
    const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - 20);
    const height = attempts.length * LANE + 40;
    const lanes = attempts.map((a, i) => {
        const y = 10 + i * LANE;
        const ranOut = a.endedAt === null && leaseRanOut(job, a, now);
        const end = a.endedAt ?? (ranOut ? job.lockedUntil : now);
        const own = steps.filter((s) => s.token === a.token);
        const w = Math.max(2, x(end) - x(a.startedAt));
        const takeover = (a.outcome === 'expired' && a.endedAt !== null) || ranOut
            ? html `<line x1="${x(end).toFixed(1)}" y1="${y - 4}" x2="${x(end).toFixed(1)}" y2="${y + LANE - 8}" stroke="#a0522d" stroke-width="2" stroke-dasharray="4 3"/><text x="${(x(end) + (x(end) > WIDTH - 200 ? -4 : 4)).toFixed(1)}" y="${y + LANE - 10}" font-size="11" fill="#a0522d" text-anchor="${x(end) > WIDTH - 200 ? 'end' : 'start'}">${ranOut ? 'lease ran out' : expiredLabel(attempts, i)}</text>`
            : null;
        const stepBars = own.map((s, k) => {
            const doubt = isInDoubt(s, job, now);
            const sEnd = s.finishedAt ?? (doubt ? end : now);
            const sy = y + 22 + (k % 2) * 9;
            return html `<g class="step" data-step="${s.name}"><rect x="${x(s.startedAt).toFixed(1)}" y="${sy}" width="${Math.max(3, x(sEnd) - x(s.startedAt)).toFixed(1)}" height="7" fill="${doubt ? '#fff' : '#3b3f46'}" stroke="${doubt ? '#c8423b' : '#3b3f46'}" stroke-dasharray="${doubt ? '3 2' : '0'}"/><title>step ${s.name}: ${doubt ? 'in doubt (started, never recorded)' : s.state}, started ${new Date(s.startedAt).toISOString()}${s.finishedAt === null ? '' : `, finished ${new Date(s.finishedAt).toISOString()}`}</title></g>`;
        });
        return html `<g class="attempt" data-token="${a.token}" data-outcome="${a.outcome}">
<text x="4" y="${y + 14}" font-size="12" fill="#222">#${a.token} ${a.workerId.length > 18 ? `${a.workerId.slice(0, 17)}…` : a.workerId}</text>
<text x="4" y="${y + 30}" font-size="11" fill="#666">${ranOut ? 'lease ran out' : a.outcome}</text>
<rect x="${x(a.startedAt).toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="14" rx="3" fill="${COLORS[ranOut ? 'expired' : a.outcome]}"><title>attempt ${a.token} by ${a.workerId}: ${a.outcome}, ${new Date(a.startedAt).toISOString()} to ${a.endedAt === null ? 'now' : new Date(a.endedAt).toISOString()}${a.error ? `: ${a.error.slice(0, 300)}` : ''}</title></rect>
${stepBars}${takeover}</g>`;
    });
    const axisY = height - 18;
    return html `<svg class="timeline" role="img" aria-label="attempts of job ${job.id}" viewBox="0 0 ${WIDTH} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">
<line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - 20}" y2="${axisY}" stroke="#999"/>
<text x="${LEFT}" y="${axisY + 14}" font-size="11" fill="#666">${new Date(t0).toISOString()}</text>
<text x="${WIDTH - 20}" y="${axisY + 14}" font-size="11" fill="#666" text-anchor="end">+${((t1 - t0) / 1000).toFixed(1)} s</text>
${lanes}</svg>`;
}
/** Whether `a` is the current holder's attempt and its lease ran out by `now` (nobody took it over yet). */
export function leaseRanOut(job, a, now) {
    return job.status === 'processing' && job.leaseToken === a.token && job.lockedUntil !== null && job.lockedUntil <= now;
}
/** What an expired attempt's end says: taken over when a later attempt exists. */
export function expiredLabel(attempts, i) {
    return i < attempts.length - 1 ? 'lease ran out, taken over' : 'lease ran out';
}
//# sourceMappingURL=timeline.js.map