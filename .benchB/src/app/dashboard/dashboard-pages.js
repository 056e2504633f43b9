/**
 * The dashboard's pages, rendered on the server from plain data. Every value from a job
 * goes through the escaping template tag; the only script is the small auto-refresh below,
 * allowed by a per-response nonce.
 */
import { JOB_STATUSES } from '../../domain/job.js';
import { formatDuration } from '../cli/format.js';
import { clip, html, raw } from './html.js';
import { DEFAULT_CLOCK_MARGIN_MS } from '../../domain/lease-rules.js';
import { settleRefusal } from '../../domain/steps.js';
import { expiredLabel, isInDoubt, leaseRanOut, renderTimeline } from './timeline.js';
const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f2430;color:#eee;padding:8px 16px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header a{color:#cfe0ff;text-decoration:none}header a:hover{text-decoration:underline}
header .db{margin-left:auto;color:#aab;font-family:monospace}
main{padding:12px 16px;max-width:1200px}
table{border-collapse:collapse;background:#fff;margin:6px 0 16px}
th,td{border:1px solid #dde;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#fff;border:1px solid #dde;padding:8px;max-height:360px;overflow:auto;white-space:pre-wrap;word-break:break-all}
.muted{color:#777}.bad{color:#b3261e}.ok{color:#1e7a44}.warn{color:#9a6700}
.notice{background:#e6f4ea;border:1px solid #a8d5b5;padding:6px 10px}
.s-failed{color:#b3261e}.s-done{color:#1e7a44}.s-processing{color:#2f6fde}.s-retry{color:#9a6700}
form.inline{display:inline}button{cursor:pointer}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:22px}
.filters input,.filters select{margin-right:6px}
`;
// Refreshes <main> in place from the same URL, unless the viewer is using a form. The
// server answers a refresh with <main>'s content alone (a whole parsed document would trip
// the style policy in Chromium even though it is never shown).
const REFRESH = `
(function(){var s=Number(document.body.dataset.refresh||0);if(!s)return;
function busy(){var a=document.activeElement;return !!(a&&a.closest&&a.closest('form'));}
setInterval(function(){if(busy())return;
fetch(location.href,{credentials:'same-origin',headers:{'x-leasehold-refresh':'1'}}).then(function(r){return r.ok?r.text():null}).then(function(t){
var cur=document.querySelector('main');if(t===null||!cur||busy())return;cur.innerHTML=t;document.body.dataset.refreshed=String(Date.now());}).catch(function(){});},s*1000);})();
`;
/** The content of a page's <main> (what a refresh request gets). */
export function mainOf(page) {
    const start = page.indexOf('<main>');
    const end = page.lastIndexOf('</main>');
    return start === -1 || end === -1 ? page : page.slice(start + '<main>'.length, end);
}
/** The page around a body: header, navigation, style, refresh. */
export function layout(ctx, title, body) {
    const mode = ctx.actionsEnabled ? (ctx.actionSecret ? 'actions enabled' : 'actions need the token') : 'read-only';
    return html `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · leasehold</title><link rel="icon" href="data:,"><style nonce="${ctx.nonce}">${raw(STYLE)}</style></head>
<body data-refresh="${ctx.refreshSeconds}">
<header><strong>leasehold</strong>
<a href="${ctx.base}/">Overview</a><a href="${ctx.base}/jobs">Jobs</a><a href="${ctx.base}/problems">Failed &amp; in doubt</a><a href="${ctx.base}/metrics">Metrics</a>
<span class="db">${ctx.dbLabel} · ${mode}</span></header>
<main>${ctx.notice ? html `<p class="notice" role="status">${ctx.notice}</p>` : null}${body}</main>
<script nonce="${ctx.nonce}">${raw(REFRESH)}</script></body></html>`.text;
}
function statusCell(status) {
    return html `<span class="s-${status}">${status}</span>`;
}
function time(ms) {
    return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
function jobLink(ctx, id) {
    return html `<a href="${ctx.base}/jobs/${encodeURIComponent(id)}">${id}</a>`;
}
/** The per-minute chart of the last hour: completed above the axis, failed below. */
export function renderThroughput(buckets, now) {
    const end = Math.floor(now / 60_000) * 60_000;
    const minutes = Array.from({ length: 60 }, (_, i) => end - (59 - i) * 60_000);
    const done = new Map();
    const failed = new Map();
    for (const b of buckets) {
        done.set(b.minute, (done.get(b.minute) ?? 0) + b.completed);
        failed.set(b.minute, (failed.get(b.minute) ?? 0) + b.failed);
    }
    const max = Math.max(1, ...minutes.map((m) => Math.max(done.get(m) ?? 0, failed.get(m) ?? 0)));
    const W = 12;
    const H = 70;
    const bars = minutes.map((m, i) => {
        const d = done.get(m) ?? 0;
        const f = failed.get(m) ?? 0;
        const dh = (d / max) * H;
        const fh = (f / max) * H;
        return html `<g><rect x="${40 + i * W}" y="${(10 + H - dh).toFixed(1)}" width="${W - 2}" height="${dh.toFixed(1)}" fill="#2e9d5b"/><rect x="${40 + i * W}" y="${10 + H + 2}" width="${W - 2}" height="${fh.toFixed(1)}" fill="#c8423b"/><title>${time(m)}: ${d} done, ${f} failed</title></g>`;
    });
    const total = (map) => minutes.reduce((n, m) => n + (map.get(m) ?? 0), 0);
    return html `<svg class="throughput" role="img" aria-label="jobs done and failed per minute, last hour" viewBox="0 0 ${40 + 60 * W + 10} ${2 * H + 30}" width="100%" xmlns="http://www.w3.org/2000/svg">
<text x="0" y="20" font-size="11" fill="#666">${max}/min</text><line x1="38" y1="${10 + H + 1}" x2="${40 + 60 * W}" y2="${10 + H + 1}" stroke="#999"/>
${bars}<text x="40" y="${2 * H + 26}" font-size="11" fill="#666">-60 min</text><text x="${40 + 60 * W}" y="${2 * H + 26}" font-size="11" fill="#666" text-anchor="end">now</text></svg>
<p class="muted">Last hour: <span class="ok">${total(done)} done</span>, <span class="bad">${total(failed)} failed</span>.</p>`;
}
/** Overview: counts by queue and status, lag, leases, throughput. */
export function overviewPage(ctx, snap, throughput) {
    const s = snap.status;
    const lag = s.oldestWaiting ? formatDuration(s.oldestWaiting.waitingMs) : 'none due';
    const leaseRows = (rows) => rows.slice(0, 50).map((l) => html `<tr><td>${jobLink(ctx, l.id)}</td><td>${l.queue}</td><td>${l.lockedBy ?? '-'}</td><td class="n">${l.leaseToken}</td><td class="n">${l.attempts}/${l.maxAttempts}</td><td>${l.msLeft === null ? '-' : formatDuration(l.msLeft)}</td></tr>`);
    const leaseTable = (rows, empty) => rows.length === 0
        ? html `<p class="muted">${empty}</p>`
        : html `<table><tr><th>job</th><th>queue</th><th>worker</th><th>token</th><th>attempts</th><th>lease left</th></tr>${leaseRows(rows)}</table>${rows.length > 50 ? html `<p class="muted">and ${rows.length - 50} more</p>` : null}`;
    return layout(ctx, 'Overview', html `
<h1>Overview</h1>
<div class="cards">
<div class="card">jobs<b id="total">${s.total}</b></div>
<div class="card">waiting<b>${s.byStatus.pending + s.byStatus.retry}</b></div>
<div class="card">queue lag<b id="lag">${lag}</b>${s.oldestWaitingExact ? null : html `<span class="muted">from the 1,000 lowest ids</span>`}</div>
<div class="card">active leases<b>${s.activeLeases.length}</b></div>
<div class="card">expired leases<b class="${s.expiredLeases.length > 0 ? 'bad' : ''}">${s.expiredLeases.length}</b></div>
<div class="card">workers holding leases<b>${snap.workersHoldingLeases}</b></div>
<div class="card">failed<b class="${s.byStatus.failed > 0 ? 'bad' : ''}">${s.byStatus.failed}</b></div>
</div>
<h2>By queue and status</h2>
<table id="counts"><tr><th>queue</th>${JOB_STATUSES.map((st) => html `<th>${st}</th>`)}<th>lag</th><th>active</th><th>expired</th></tr>
${snap.queues.map((q) => html `<tr><td><a href="${ctx.base}/jobs?queue=${encodeURIComponent(q.queue)}">${q.queue}</a></td>${JOB_STATUSES.map((st) => html `<td class="n"><a href="${ctx.base}/jobs?queue=${encodeURIComponent(q.queue)}&amp;status=${st}">${q.counts[st]}</a></td>`)}<td>${q.lagMs === null ? '-' : formatDuration(q.lagMs)}</td><td class="n">${q.activeLeases}</td><td class="n">${q.expiredLeases}</td></tr>`)}
<tr><th>all</th>${JOB_STATUSES.map((st) => html `<th class="n">${s.byStatus[st]}</th>`)}<th></th><th class="n">${s.activeLeases.length}</th><th class="n">${s.expiredLeases.length}</th></tr></table>
<h2>Done and failed per minute</h2>
${renderThroughput(throughput, ctx.now)}
<h2>Active leases</h2>${leaseTable(s.activeLeases, 'No job is running.')}
<h2>Expired leases</h2>${leaseTable(s.expiredLeases, 'None: no worker died or stalled past its lease.')}
<h2>Newest failed</h2>${failedTable(ctx, s.failed.map((f) => ({ id: f.id, queue: f.queue, attempts: f.attempts, at: f.finishedAt, error: f.lastError })))}
`);
}
function failedTable(ctx, rows) {
    if (rows.length === 0)
        return html `<p class="muted">No failed job.</p>`;
    return html `<table><tr><th>job</th><th>queue</th><th>attempts</th><th>finished</th><th>last error</th><th></th></tr>
${rows.map((r) => html `<tr><td>${jobLink(ctx, r.id)}</td><td>${r.queue}</td><td class="n">${r.attempts}</td><td>${time(r.at)}</td><td class="bad">${clip(r.error)}</td><td>${actionForms(ctx, r.id, 'failed')}</td></tr>`)}</table>`;
}
/** Jobs: filters, search by id or key, newest first, a link to the next page. */
export function jobsPage(ctx, filter, jobs, next, queues) {
    const qs = (extra) => {
        const p = new URLSearchParams();
        for (const [k, v] of Object.entries({ queue: filter.queue, status: filter.status, key: filter.key, ...extra }))
            if (v)
                p.set(k, v);
        const t = p.toString();
        return t === '' ? '' : `?${t}`;
    };
    return layout(ctx, 'Jobs', html `
<h1>Jobs</h1>
<form class="filters" method="get" action="${ctx.base}/jobs">
<select name="queue" aria-label="queue"><option value="">every queue</option>${queues.map((q) => html `<option${q === filter.queue ? raw(' selected') : null}>${q}</option>`)}</select>
<select name="status" aria-label="status"><option value="">every status</option>${JOB_STATUSES.map((st) => html `<option${st === filter.status ? raw(' selected') : null}>${st}</option>`)}</select>
<input name="key" placeholder="key" value="${filter.key ?? ''}" aria-label="key">
<button type="submit">Filter</button></form>
<form class="filters" method="get" action="${ctx.base}/jobs"><input name="q" placeholder="job id or key" value="${filter.q ?? ''}" aria-label="search"><button type="submit">Find</button></form>
${jobs.length === 0 ? html `<p class="muted">No job matches.</p>` : html `<table id="jobs"><tr><th>id</th><th>queue</th><th>status</th><th>key</th><th>attempts</th><th>run at</th><th>updated</th><th>last error</th></tr>
${jobs.map((j) => html `<tr><td>${jobLink(ctx, j.id)}</td><td>${j.queue}</td><td>${statusCell(j.status)}</td><td>${clip(j.key, 60)}</td><td class="n">${j.attempts}/${j.maxAttempts}</td><td>${time(j.runAt)}</td><td>${time(j.updatedAt)}</td><td class="bad">${clip(j.lastError, 80)}</td></tr>`)}</table>`}
${next === null ? null : html `<p><a id="next" href="${ctx.base}/jobs${qs({ before: next })}">Older jobs →</a></p>`}
`);
}
/** One job: its fields, payload, result, last error, the timeline, the steps, its actions. */
export function jobPage(ctx, job, steps, attempts) {
    const doubt = steps.filter((s) => isInDoubt(s, job, ctx.now));
    const json = (v) => JSON.stringify(v, null, 2) ?? 'null';
    return layout(ctx, `Job ${job.id}`, html `
<h1>Job ${job.id} <small>${statusCell(job.status)}</small></h1>
<p>${actionForms(ctx, job.id, job.status)}</p>
<table class="fields">
<tr><th>queue</th><td>${job.queue}</td><th>key</th><td>${job.key ?? '-'}</td></tr>
<tr><th>attempts</th><td>${job.attempts} (handler failures allowed: ${job.maxAttempts})</td><th>lease token</th><td>${job.leaseToken}</td></tr>
<tr><th>lease expiries</th><td>${job.leaseExpiries}/${job.maxLeaseExpiries}</td><th></th><td></td></tr>
<tr><th>priority</th><td>${job.priority}</td><th>run at</th><td>${time(job.runAt)}</td></tr>
<tr><th>held by</th><td>${job.lockedBy ?? '-'}</td><th>lease until</th><td>${time(job.lockedUntil)}</td></tr>
<tr><th>created</th><td>${time(job.createdAt)}</td><th>finished</th><td>${time(job.finishedAt)}</td></tr>
</table>
<h2>Timeline</h2>
${renderTimeline(job, steps, attempts, ctx.now)}
${attempts.length === 0 ? null : html `<table id="attempts"><tr><th>attempt</th><th>worker</th><th>started</th><th>ended</th><th>outcome</th><th>error</th></tr>
${attempts.map((a, i) => html `<tr><td class="n">${a.token}</td><td>${a.workerId}</td><td>${time(a.startedAt)}</td><td>${a.endedAt === null ? (leaseRanOut(job, a, ctx.now) ? `lease ran out ${time(job.lockedUntil)}` : 'running') : time(a.endedAt)}</td><td>${a.outcome === 'expired' ? expiredLabel(attempts, i) : a.outcome}</td><td class="bad">${clip(a.error, 100)}</td></tr>`)}</table>`}
<h2>Steps</h2>
${steps.length === 0 ? html `<p class="muted">No durable step.</p>` : html `<table id="steps"><tr><th>step</th><th>state</th><th>attempt</th><th>started</th><th>finished</th><th>result</th><th></th></tr>
${steps.map((s) => html `<tr><td>${s.name}</td><td>${isInDoubt(s, job, ctx.now) ? html `<span class="bad">in doubt</span>` : s.settledAt !== null ? `${s.state}, settled by hand` : s.state}</td><td class="n">${s.token}</td><td>${time(s.startedAt)}</td><td>${time(s.finishedAt)}</td><td><code>${clip(s.result === null ? null : JSON.stringify(s.result), 100)}</code></td><td>${settleForms(ctx, job, s)}</td></tr>`)}</table>`}
${doubt.length > 0 ? html `<p class="bad">${doubt.length} step${doubt.length === 1 ? '' : 's'} in doubt: started by an attempt that no longer holds the job (or whose lease ran out) and never recorded whether its effect happened. Check the exchange before retrying.</p>` : null}
<h2>Last error</h2>${job.lastError === null ? html `<p class="muted">none</p>` : html `<pre id="last-error">${job.lastError}</pre>`}
<h2>Payload</h2><pre id="payload">${json(job.payload)}</pre>
<h2>Result</h2>${job.result === null ? html `<p class="muted">none</p>` : html `<pre id="result">${json(job.result)}</pre>`}
`);
}
/** Failed jobs, and jobs with a step in doubt, with their actions. */
export function problemsPage(ctx, failed, inDoubt, inDoubtNote) {
    return layout(ctx, 'Failed & in doubt', html `
<h1>Failed &amp; in doubt</h1>
<h2>Failed</h2>${failedTable(ctx, failed.map((j) => ({ id: j.id, queue: j.queue, attempts: j.attempts, at: j.finishedAt, error: j.lastError })))}
<h2>Steps in doubt</h2><p class="muted">${inDoubtNote}</p>
${inDoubt.length === 0 ? html `<p class="muted">None.</p>` : html `<table id="in-doubt"><tr><th>job</th><th>queue</th><th>status</th><th>steps in doubt</th><th></th></tr>
${inDoubt.map(({ job, steps }) => html `<tr><td>${jobLink(ctx, job.id)}</td><td>${job.queue}</td><td>${statusCell(job.status)}</td><td>${steps.join(', ')}</td><td>${actionForms(ctx, job.id, job.status)}</td></tr>`)}</table>`}
`);
}
/** The retry/cancel buttons the job's status allows, when this viewer may act. */
function actionForms(ctx, id, status) {
    if (!ctx.actionSecret)
        return null;
    const form = (action, label) => html `<form class="inline" method="post" action="${ctx.base}/jobs/${encodeURIComponent(id)}/${action}"><input type="hidden" name="csrf" value="${ctx.actionSecret}"><button type="submit" data-action="${action}">${label}</button></form> `;
    const out = [];
    if (status === 'failed' || status === 'cancelled')
        out.push(form('retry', 'Retry'));
    if (status === 'pending' || status === 'retry')
        out.push(form('cancel', 'Cancel'));
    return out.length === 0 ? null : html `${out}`;
}
/**
 * A person's answer for a step in doubt, when the store would take it now (the job is not
 * processing): it happened, with the result the exchange shows, or it did not.
 */
function settleForms(ctx, job, step) {
    // The store decides with its own margin; the page offers the forms by the default one.
    if (!ctx.actionSecret || settleRefusal(job, step, ctx.now, DEFAULT_CLOCK_MARGIN_MS) !== null)
        return null;
    const action = `${ctx.base}/jobs/${encodeURIComponent(job.id)}/steps/${encodeURIComponent(step.name)}/settle`;
    return html `<form class="inline" method="post" action="${action}"><input type="hidden" name="csrf" value="${ctx.actionSecret}"><input type="hidden" name="happened" value="yes"><input name="result" value="null" aria-label="result of ${step.name} (JSON)"><button type="submit" data-action="settle-happened">It happened</button></form> <form class="inline" method="post" action="${action}"><input type="hidden" name="csrf" value="${ctx.actionSecret}"><input type="hidden" name="happened" value="no"><button type="submit" data-action="settle-not-happened">It did not happen</button></form>`;
}
/** A short page for errors (not found, refused). */
export function messagePage(ctx, title, message) {
    return layout({ ...ctx, refreshSeconds: 0 }, title, html `<h1>${title}</h1><p>${message}</p>`);
}
//# sourceMappingURL=dashboard-pages.js.map