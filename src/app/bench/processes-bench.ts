/**
 * Workload W on one MySQL database from several worker processes at once: does the total hold
 * up when MariaDB and the workers share the cores, or do claims collide (SKIP LOCKED misses,
 * deadlocks)? The same 20,000 no-op jobs, each process with concurrency 10 and prefetch `W_PREFETCH`;
 * one process and four, interleaved, medians of three. Timed from the start signal to the last
 * completion the processes report (they report every 25 ms).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { openBenchStore } from './bench-stores.js';
import type { BenchRow, StoreBench } from './bench-types.js';
import { fill, W_PREFETCH } from './bench-util.js';

// Compiled under `npm run bench` (its child too); TypeScript through tsx under `npx tsx`.
const COMPILED = import.meta.url.endsWith('.js');
const CHILD = resolve(import.meta.dirname, `throughput-child.${COMPILED ? 'js' : 'ts'}`);

interface Totals {
  rate: number;
  errors: number;
  deadlocks: number;
  stuck: number;
}

/** Runs `processes` children on a fresh database holding `n` jobs; jobs/s over all of them. */
export async function processesRate(processes: number, n: number): Promise<Totals> {
  const opened = await openBenchStore('mysql');
  try {
    await fill(opened.store, n, 'w', 1000);
    const children = Array.from({ length: processes }, () => {
      const proc = spawn(process.execPath, [...(COMPILED ? [] : ['--import', 'tsx']), CHILD, opened.url!, '10', String(W_PREFETCH)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const state = { completed: 0, errors: 0, deadlocks: 0, ready: false, final: false };
      const listeners: (() => void)[] = [];
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        if (line === 'ready') state.ready = true;
        else {
          const m = JSON.parse(line) as { completed: number; errors?: number; deadlocks?: number; final?: boolean };
          state.completed = m.completed;
          if (m.final) Object.assign(state, { errors: m.errors ?? 0, deadlocks: m.deadlocks ?? 0, final: true });
        }
        for (const l of listeners) l();
      });
      return { proc, state, listeners };
    });
    const until = (pred: () => boolean): Promise<void> =>
      new Promise((done) => {
        const check = (): void => {
          if (pred()) done();
        };
        for (const c of children) c.listeners.push(check);
        check();
      });
    await until(() => children.every((c) => c.state.ready));
    const t0 = performance.now();
    for (const c of children) c.proc.stdin!.write('go\n');
    await until(() => children.reduce((s, c) => s + c.state.completed, 0) >= n);
    const ms = performance.now() - t0;
    for (const c of children) c.proc.stdin!.end();
    await until(() => children.every((c) => c.state.final));
    const stuck = n - (await opened.store.stats()).byStatus.done;
    return {
      rate: (n / ms) * 1000,
      errors: children.reduce((s, c) => s + c.state.errors, 0),
      deadlocks: children.reduce((s, c) => s + c.state.deadlocks, 0),
      stuck,
    };
  } finally {
    await opened.dispose();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The rows: one process, four, and four against one (target: >= 1.0, no collapse).
 * @example const rows = await runProcessesBench({ quick: true });
 */
export const runProcessesBench: StoreBench = async ({ quick }) => {
  const n = quick ? 2_000 : 20_000;
  const rounds = quick ? 1 : 3;
  const one: Totals[] = [];
  const four: Totals[] = [];
  const loads: string[] = [];
  for (let i = 0; i < rounds; i++) {
    one.push(await processesRate(1, n));
    four.push(await processesRate(4, n));
    loads.push(loadavg()[0]!.toFixed(2));
  }
  const sum = (list: Totals[], k: 'errors' | 'deadlocks' | 'stuck'): number => list.reduce((s, t) => s + t[k], 0);
  const note = (list: Totals[]): string =>
    `median of ${list.map((t) => Math.round(t.rate)).join(', ')}; ${sum(list, 'errors')} errors escaped (${sum(list, 'deadlocks')} deadlocks), ${sum(list, 'stuck')} jobs not done; load ${loads.join(', ')}`;
  const a = median(one.map((t) => t.rate));
  const b = median(four.map((t) => t.rate));
  const rows: BenchRow[] = [
    { store: 'mysql', scenario: `W: 1 worker process, concurrency 10, prefetch ${W_PREFETCH}`, value: a, unit: 'jobs/s', note: note(one) },
    { store: 'mysql', scenario: `W: 4 worker processes on one database, each concurrency 10, prefetch ${W_PREFETCH}`, value: b, unit: 'jobs/s', note: note(four) },
    { store: 'mysql', scenario: 'W: 4 processes / 1 process', value: b / a, unit: 'ratio', note: `target >= 1.0 (no contention collapse): ${b / a >= 1 ? 'met' : 'not met'}` },
  ];
  return rows;
};
