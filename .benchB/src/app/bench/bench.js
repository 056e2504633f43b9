/**
 * `npm run bench`: one table for every store. Each store runs its own bench module, then
 * workload W through the real ProcessingWorker; MySQL shows one note row when it is
 * unreachable. Modules load on demand, so `--only memory` never loads a database driver.
 *
 *   npm run bench -- [--quick] [--json] [--only memory,sqlite,mysql,recovery,peer]
 *
 * `recovery` SIGKILLs real worker processes on SQLite and MySQL and reports kill-to-resume.
 * MySQL also runs workload W from one worker process and from four on one database.
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { redact } from '../cli/redact.js';
import { table } from '../cli/format.js';
/**
 * The stores the runner knows, in table order; `recovery` (kill-to-resume on real processes,
 * SQLite and MySQL); and `peer`: graphile-worker on PostgreSQL beside leasehold's MySQL worker
 * in the same run (needs both servers).
 */
export const BENCH_STORES = ['memory', 'sqlite', 'mysql', 'recovery', 'peer'];
const PARTS = {
    memory: [
        { label: 'store', load: async () => (await import('./memory-bench.js')).runMemoryBench },
        { label: 'worker W', load: async (before) => workerBench('memory', before) },
    ],
    sqlite: [
        { label: 'store', load: async () => (await import('./sqlite-bench.js')).runSqliteBench },
        { label: 'worker W', load: async (before) => workerBench('sqlite', before) },
    ],
    mysql: [
        { label: 'store', load: async () => (await import('./mysql-bench.js')).runMysqlBench },
        { label: 'worker W', load: async (before) => workerBench('mysql', before) },
        { label: 'worker W, 1 and 4 processes', load: async () => (await import('./processes-bench.js')).runProcessesBench },
    ],
    // Kill-to-resume on real processes, on each SQL store (`--only recovery`).
    recovery: [
        { label: 'sqlite kill-to-resume', load: async () => (await import('./recovery-bench.js')).recoveryBenchFor('sqlite') },
        { label: 'mysql kill-to-resume', load: async () => (await import('./recovery-bench.js')).recoveryBenchFor('mysql') },
    ],
    peer: [{ label: 'graphile-worker vs leasehold MySQL', load: async () => (await import('./peer-bench.js')).runPeerBench }],
};
async function workerBench(store, before) {
    const { workerBenchFor } = await import('./worker-bench.js');
    // The store module's first commit ceiling is measured with the store's default durability.
    const ceiling = before.find((r) => r.store === store && r.unit === 'commits/s')?.value;
    const skipEnqueue = before.some((r) => r.store === store && /^enqueue/i.test(r.scenario));
    return workerBenchFor(store, { skipEnqueue, ...(ceiling === undefined ? {} : { ceilingCommitsPerSec: ceiling }) });
}
async function mysqlUnreachable() {
    try {
        const { mysqlProblem, BENCH_MYSQL_URL } = await import('./bench-stores.js');
        const problem = await mysqlProblem();
        return problem === undefined ? undefined : `MySQL not reachable at ${BENCH_MYSQL_URL} (${problem}); set LEASEHOLD_MYSQL_URL`;
    }
    catch (error) {
        return `MySQL bench unavailable: ${firstLine(error)}`;
    }
}
async function peerUnreachable() {
    try {
        const { peerProblem, BENCH_PG_URL } = await import('./peer-bench.js');
        const problem = await peerProblem();
        return problem === undefined ? undefined : `PostgreSQL or graphile-worker not available at ${BENCH_PG_URL} (${problem}); set PG_URL`;
    }
    catch (error) {
        return `peer bench unavailable: ${firstLine(error)}`;
    }
}
/** Runs the selected stores' benches and returns every row, skips included as note rows. */
export async function runBench(opts) {
    const rows = [];
    for (const store of opts.only) {
        if (store === 'peer') {
            const problem = (await mysqlUnreachable()) ?? (await peerUnreachable());
            if (problem !== undefined) {
                rows.push({ store, scenario: '(all)', value: NaN, unit: '', note: redact(`not measured: ${problem}`) });
                continue;
            }
        }
        if (store === 'mysql') {
            const problem = await mysqlUnreachable();
            if (problem !== undefined) {
                rows.push({ store, scenario: '(all)', value: NaN, unit: '', note: redact(`not measured: ${problem}`) });
                continue;
            }
        }
        for (const part of PARTS[store]) {
            opts.progress(`${store}: ${part.label}`);
            const t0 = performance.now();
            try {
                const bench = await part.load(rows);
                rows.push(...(await bench({ quick: opts.quick })));
            }
            catch (error) {
                rows.push({ store, scenario: `(${part.label})`, value: NaN, unit: '', note: redact(`not measured: failed: ${firstLine(error)}`) });
            }
            opts.progress(`${store}: ${part.label} took ${((performance.now() - t0) / 1000).toFixed(1)}s`);
        }
    }
    return rows;
}
/** Rows as the table people read. */
export function formatBench(rows) {
    return table(['store', 'scenario', 'value', 'unit', 'note'], rows.map((r) => [r.store, r.scenario, formatValue(r.value), r.unit, r.note ?? '']));
}
function formatValue(v) {
    if (!Number.isFinite(v))
        return '-';
    if (Math.abs(v) >= 100)
        return Math.round(v).toLocaleString('en-US');
    return v.toPrecision(3);
}
function firstLine(error) {
    return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
async function main(argv) {
    const program = new Command('bench')
        .option('--quick', 'small workloads (a smoke run, not a measurement)')
        .option('--json', 'print the rows as JSON')
        .option('--only <stores>', `comma-separated subset of ${BENCH_STORES.join(',')}`)
        .exitOverride();
    try {
        program.parse(argv, { from: 'user' });
    }
    catch {
        return 2;
    }
    const o = program.opts();
    const only = (o.only ?? BENCH_STORES.join(',')).split(',').map((s) => s.trim());
    const unknown = only.filter((s) => !BENCH_STORES.includes(s));
    if (unknown.length > 0) {
        process.stderr.write(`bench: unknown store ${unknown.join(', ')}; use ${BENCH_STORES.join(',')}\n`);
        return 2;
    }
    const tty = process.stderr.isTTY === true;
    const started = performance.now();
    const progress = (text) => {
        const line = `bench [${((performance.now() - started) / 1000).toFixed(0)}s] ${text}`;
        // A TTY gets one rewritten line; a log gets plain lines.
        process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    };
    const rows = await runBench({ quick: o.quick === true, only, progress });
    if (tty)
        process.stderr.write('\r\x1b[K');
    if (o.json)
        process.stdout.write(`${JSON.stringify({ quick: o.quick === true, node: process.version, rows })}\n`);
    else
        process.stdout.write(`${formatBench(rows)}\n`);
    return 0;
}
process.exitCode = await main(process.argv.slice(2));
//# sourceMappingURL=bench.js.map