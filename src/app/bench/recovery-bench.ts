/**
 * Kill-to-resume on real processes, with the default options (300 s lease, liveness 1 s /
 * 8 s): worker processes each claim one order job and are SIGKILLed inside the exchange
 * call; a replacement under another workerId (it cannot prove them dead, so this is the
 * slow path) resumes the jobs. Reported: the time from each kill to its job's next handler
 * start, p50 and max. Kills run in rounds of a few processes at once to keep the run short.
 */
import { startSimulatedExchange } from '../demo/simulated-exchange.js';
import type { BenchRow, StoreBench } from './bench-types.js';
import { openBenchStore, type BenchStoreName } from './bench-stores.js';
import { spawnWorkerChild, type WorkerChild } from './worker-child.js';

const PER_ROUND = 5;

/** The recovery bench for one SQL store: `kills` real SIGKILLs (20, or 5 with quick). */
export function recoveryBenchFor(name: Exclude<BenchStoreName, 'memory'>): StoreBench {
  return async ({ quick }) => {
    const kills = quick ? PER_ROUND : 20;
    const made = await openBenchStore(name);
    const killedAt = new Map<string, number>();
    const byWorker = new Map<string, WorkerChild>();
    const exchange = await startSimulatedExchange({
      dedupe: false,
      onPlace: (req) => {
        const child = byWorker.get(String(req.placedBy));
        if (!child || killedAt.has(String(req.jobId))) return;
        killedAt.set(String(req.jobId), Date.now());
        child.proc.kill('SIGKILL');
      },
    });
    const children: WorkerChild[] = [];
    const resumeMs: number[] = [];
    try {
      for (let round = 0; round * PER_ROUND < kills; round++) {
        const victims = Array.from({ length: PER_ROUND }, (_, i) => {
          const workerId = `victim-${round}-${i}`;
          const c = spawnWorkerChild(made.url!, exchange.url, { 'worker-id': workerId, concurrency: 1, 'poll-ms': 250 });
          byWorker.set(workerId, c);
          children.push(c);
          return c;
        });
        await Promise.all(victims.map((c) => c.waitFor((l) => l.event === 'started')));
        const jobs = await made.store.enqueueMany(
          Array.from({ length: PER_ROUND }, (_, i) => ({ queue: 'orders', payload: { symbol: 'BTC', qty: i + 1 }, key: `recovery-${round}-${i}` })),
        );
        await Promise.all(victims.map((c) => c.exited));
        const rescuer = spawnWorkerChild(made.url!, exchange.url, { 'worker-id': `rescuer-${round}`, concurrency: PER_ROUND });
        children.push(rescuer);
        for (const { job } of jobs) {
          const started = await rescuer.waitFor((l) => l.event === 'job-started' && l.jobId === job.id);
          resumeMs.push(started.at! - killedAt.get(job.id)!);
        }
        await Promise.all(jobs.map(({ job }) => rescuer.waitFor((l) => l.event === 'completed' && l.jobId === job.id)));
        rescuer.proc.kill('SIGKILL');
        await rescuer.exited;
      }
    } finally {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await exchange.close();
      await made.dispose();
    }
    const sorted = [...resumeMs].sort((a, b) => a - b);
    const p50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const max = sorted[sorted.length - 1]!;
    const orders = exchange.book.accepted.length;
    const note = `${sorted.length} SIGKILLs in the order step, defaults; target <= 10000 ms; ${orders} orders for ${sorted.length} jobs`;
    const rows: BenchRow[] = [
      { store: name, scenario: 'kill to resume p50', value: p50, unit: 'ms', note },
      { store: name, scenario: 'kill to resume max', value: max, unit: 'ms', note },
    ];
    return rows;
  };
}
