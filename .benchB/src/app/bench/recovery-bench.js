/**
 * Kill-to-resume on real processes, with the default options (300 s lease, liveness 1 s /
 * 8 s, step deadline 10 s, clock margin 2 s): worker processes each claim one order job and
 * are SIGKILLed, either before their order step (no step open: the liveness target, within
 * 10 s) or inside the exchange call (the takeover then waits for the step's deadline plus the
 * margin); a replacement under another workerId (it cannot prove them dead, so this is the
 * slow path) resumes the jobs. Reported: the time from each kill to its job's next handler
 * start, p50 and max. Kills run in rounds of a few processes at once to keep the run short.
 */
import { startSimulatedExchange } from '../demo/simulated-exchange.js';
import { openBenchStore } from './bench-stores.js';
import { spawnWorkerChild } from './worker-child.js';
const PER_ROUND = 5;
/** The worker's defaults where the demo worker process has its own (a 2 s lease, a 250 ms poll). */
const DEFAULTS = { 'lease-seconds': 300, 'poll-ms': 5000 };
/** The recovery bench for one SQL store: `kills` real SIGKILLs at each kill point (20, or 5 with quick). */
export function recoveryBenchFor(name) {
    return async ({ quick }) => {
        const kills = quick ? PER_ROUND : 20;
        const rows = [];
        for (const point of ['no step open', 'inside the order step'])
            rows.push(...(await killToResume(name, point, kills)));
        return rows;
    };
}
async function killToResume(name, point, kills) {
    const made = await openBenchStore(name);
    const killedAt = new Map();
    const byWorker = new Map();
    const kill = (child, jobId) => {
        if (!child || killedAt.has(jobId))
            return;
        killedAt.set(jobId, Date.now());
        child.proc.kill('SIGKILL');
    };
    const exchange = await startSimulatedExchange({
        dedupe: false,
        onPlace: (req) => {
            if (point === 'inside the order step')
                kill(byWorker.get(String(req.placedBy)), String(req.jobId));
        },
    });
    const children = [];
    const resumeMs = [];
    try {
        for (let round = 0; round * PER_ROUND < kills; round++) {
            const victims = Array.from({ length: PER_ROUND }, (_, i) => {
                const workerId = `victim-${round}-${i}`;
                // Before the step: the handler waits 3 s first, and the kill comes as its attempt starts.
                const c = spawnWorkerChild(made.url, exchange.url, { ...DEFAULTS, 'worker-id': workerId, concurrency: 1, ...(point === 'no step open' ? { 'delay-ms': 3000 } : {}) });
                byWorker.set(workerId, c);
                children.push(c);
                if (point === 'no step open')
                    void c.waitFor((l) => l.event === 'job-started').then((l) => kill(c, l.jobId), () => undefined);
                return c;
            });
            await Promise.all(victims.map((c) => c.waitFor((l) => l.event === 'started')));
            const jobs = await made.store.enqueueMany(Array.from({ length: PER_ROUND }, (_, i) => ({ queue: 'orders', payload: { symbol: 'BTC', qty: i + 1 }, key: `recovery-${round}-${i}` })));
            await Promise.all(victims.map((c) => c.exited));
            const rescuer = spawnWorkerChild(made.url, exchange.url, { ...DEFAULTS, 'worker-id': `rescuer-${round}`, concurrency: PER_ROUND });
            children.push(rescuer);
            for (const { job } of jobs) {
                const started = await rescuer.waitFor((l) => l.event === 'job-started' && l.jobId === job.id);
                resumeMs.push(started.at - killedAt.get(job.id));
            }
            await Promise.all(jobs.map(({ job }) => rescuer.waitFor((l) => l.event === 'completed' && l.jobId === job.id)));
            rescuer.proc.kill('SIGKILL');
            await rescuer.exited;
        }
    }
    finally {
        for (const c of children)
            if (c.proc.exitCode === null && c.proc.signalCode === null)
                c.proc.kill('SIGKILL');
        await Promise.all(children.map((c) => c.exited));
        await exchange.close();
        await made.dispose();
    }
    const sorted = [...resumeMs].sort((a, b) => a - b);
    const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
    const max = sorted[sorted.length - 1];
    const orders = exchange.book.accepted.length;
    const target = point === 'no step open' ? 'target < 10000 ms' : 'held until the step deadline + margin: about 12000 ms from the step start';
    const note = `${sorted.length} SIGKILLs, ${point}, defaults; ${target}; ${orders} orders for ${sorted.length} jobs`;
    return [
        { store: name, scenario: `kill to resume p50 (${point})`, value: p50, unit: 'ms', note },
        { store: name, scenario: `kill to resume max (${point})`, value: max, unit: 'ms', note },
    ];
}
//# sourceMappingURL=recovery-bench.js.map