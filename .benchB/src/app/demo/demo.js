/**
 * `npm run demo`: the crash test a trading-bot user would run by hand, automated.
 *
 * It enqueues 200 orders, runs 3 worker processes that place them on a simulated exchange
 * (through `ctx.step` with `ctx.idempotencyKey` as the client order id), SIGKILLs workers in
 * the middle of orders, starts replacements, and reports: jobs done, orders the exchange
 * accepted, duplicate orders (must be 0), leases taken over, placement calls, elapsed time.
 * Exits 1 when an order was duplicated or a job was lost, 2 on bad options or a `--db` it refuses.
 *
 * The exchange does not dedupe by client order id unless `--exchange <mode>` says otherwise
 * (`--exchange-dedupe` is `--exchange dedupe`): the hard case, where only leasehold (durable
 * steps, the fence, and `reconcile`) stands between a crash and a second order. That is
 * enough against SIGKILL, the fault this demo injects; a paused or skewed worker needs an
 * exchange that dedupes or enforces the step's deadline (see EXCHANGE_COVERAGE).
 *
 * Its store is its own SQLite file, `./.leasehold/demo.db`, recreated each run; LEASEHOLD_DB is
 * not read (that is the user's database). An explicit `--db sqlite:PATH` is never deleted: a new
 * file is created, an existing one is used only when it is a leasehold database whose jobs are
 * all the demo's (queues `demo-orders-*`), and anything else is refused (exit 2). On MySQL the
 * demo only adds jobs on a queue of its own and deletes nothing.
 *
 *   npm run demo -- [--db sqlite:PATH | mysql://USER:PASSWORD@HOST/DB] [--jobs 200] [--workers 3]
 *                   [--kills 3] [--concurrency 4] [--exchange none|dedupe|dedupe-open|deadline] [--json]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describeDb, openStore, parseDbSpec } from '../cli/open-store.js';
import { redact } from '../cli/redact.js';
import { EXCHANGE_MODES, formatExchangeCoverage, startSimulatedExchange } from './simulated-exchange.js';
const HERE = dirname(fileURLToPath(import.meta.url));
/** The demo's worker process entry: one ProcessingWorker placing orders, killable at any moment. */
const WORKER_PROCESS = resolve(HERE, 'worker-process.ts');
/**
 * The default store, and the only file the demo deletes: a SQLite file in ./.leasehold
 * (git-ignored), recreated each run and kept for `leasehold status` afterwards.
 */
export const DEMO_DB = 'sqlite:./.leasehold/demo.db';
/** Every demo run enqueues on a queue named this plus a run id; other queues are not the demo's. */
export const DEMO_QUEUE_PREFIX = 'demo-orders-';
/** The demo will not run on this `--db`: it would change a database that is not its own. Exits 2. */
export class DemoDbRefusedError extends Error {
    constructor(message) {
        super(message);
        this.name = 'DemoDbRefusedError';
    }
}
/**
 * Makes a SQLite file ready for the demo without ever losing a user's data. A missing file is
 * created. An existing file is inspected read-only first and must be a leasehold database whose
 * jobs all sit on demo queues; otherwise {@link DemoDbRefusedError}. Only the demo's own default
 * file (`./.leasehold/demo.db`) is then deleted and recreated; any other file is kept and the
 * run adds its jobs on a new queue.
 */
async function prepareSqliteFile(filename) {
    const path = resolve(filename);
    const own = path === resolve(DEMO_DB.slice('sqlite:'.length));
    if (existsSync(path)) {
        const queues = await queuesIn(path);
        const foreign = queues.filter((q) => !q.startsWith(DEMO_QUEUE_PREFIX));
        if (foreign.length > 0) {
            const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : '');
            throw new DemoDbRefusedError(`${filename} holds jobs that are not the demo's (queues ${shown}); the demo runs only on its own database: omit --db, or pass a new file`);
        }
        if (!own)
            return;
        // Its own file holding only demo jobs: start fresh, so the file does not grow run after run.
        for (const suffix of ['', '-wal', '-shm'])
            rmSync(`${path}${suffix}`, { force: true });
    }
    mkdirSync(dirname(path), { recursive: true });
}
/** The queues of the jobs in an existing SQLite file, read through a read-only connection. */
async function queuesIn(path) {
    const { default: Database } = await import('better-sqlite3');
    const { SqliteLeaseStore } = await import('../../adapters/sqlite/index.js');
    let db;
    try {
        db = new Database(path, { readonly: true, fileMustExist: true });
        const store = new SqliteLeaseStore({ database: db });
        try {
            return Object.keys((await store.stats()).byQueue);
        }
        finally {
            await store.close();
        }
    }
    catch (error) {
        throw new DemoDbRefusedError(`${path} exists and is not a leasehold database the demo can read (${error instanceof Error ? error.message : String(error)}); the demo runs only on its own database: omit --db, or pass a new file`);
    }
    finally {
        db?.close();
    }
}
/**
 * Runs the demo and returns its report. `log` gets event lines; `progress` the live counter.
 * Throws {@link DemoDbRefusedError} before touching a SQLite file that is not the demo's.
 * @example const report = await runDemo({ ...DEMO_DEFAULTS, jobs: 20, workers: 2, kills: 1 }, console.log, () => {});
 */
export async function runDemo(o, log, progress) {
    const spec = parseDbSpec(o.db);
    if (spec.kind === 'sqlite')
        await prepareSqliteFile(spec.filename);
    // A queue of its own per run: the report counts this run's orders only, and the demo also
    // runs on a shared MySQL database or on a file a previous demo run left.
    const queue = `${DEMO_QUEUE_PREFIX}${Date.now().toString(36)}`;
    const store = await openStore(spec, { create: true });
    await store.migrate();
    const t0 = performance.now();
    const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
    const workers = new Map();
    let started = 0;
    let killed = 0;
    const kill = (w, why) => {
        if (!w.alive)
            return;
        w.alive = false;
        w.child.kill('SIGKILL');
        killed++;
        log(`[${elapsed()}] SIGKILL ${w.id} (pid ${w.child.pid}) ${why}`);
        startWorker();
    };
    // Kills are triggered by placements, not by a timer, so each one lands mid-order and the
    // demo behaves the same at any speed: the k-th kill fires at placement thresholds[k].
    const thresholds = Array.from({ length: o.kills }, (_, k) => Math.max(1, Math.floor((o.jobs * (k + 1)) / (o.kills + 1))));
    let placements = 0;
    let scheduled = 0;
    const exchange = await startSimulatedExchange({
        mode: o.exchangeMode,
        // Called after the exchange booked an order and before it answers.
        onPlace: (req) => {
            placements++;
            if (scheduled >= o.kills || placements < thresholds[scheduled])
                return;
            const w = workers.get(String(req.placedBy));
            if (!w?.alive)
                return; // its placer is already gone: the next placement takes this kill
            const n = scheduled++;
            if (n % 2 === 1) {
                // The one moment no checkpoint can cover: the order exists, the worker never hears of it.
                kill(w, `right after the exchange accepted its order for job ${String(req.jobId)}, before the reply reached it`);
            }
            else {
                // Mid-job with the order placed: the worker holds the lease and is finishing the job.
                setTimeout(() => kill(w, `in the middle of job ${String(req.jobId)} (order placed, job not finished)`), Math.max(1, o.delayMs / 2));
            }
        },
    });
    const startWorker = () => {
        const id = `demo-w${++started}`;
        const child = spawn(process.execPath, [
            ...process.execArgv,
            WORKER_PROCESS,
            '--store', o.db,
            '--exchange', exchange.url,
            '--queue', queue,
            '--worker-id', id,
            '--concurrency', String(o.concurrency),
            '--lease-seconds', String(o.leaseSeconds),
            '--delay-ms', String(o.delayMs),
            '--poll-ms', '100',
        ], { stdio: ['ignore', 'pipe', 'pipe'] });
        const w = { id, child, alive: true };
        workers.set(id, w);
        let err = '';
        child.stderr.on('data', (d) => (err += d.toString()));
        child.stdout.on('data', (d) => {
            for (const line of d.toString().split('\n')) {
                if (line.includes('"fatal"') || line.includes('"error"'))
                    log(`[${elapsed()}] ${id}: ${redact(line)}`);
            }
        });
        child.on('exit', (code, signal) => {
            if (w.alive) {
                w.alive = false;
                log(`[${elapsed()}] ${id} exited on its own (code ${code}, signal ${signal})${err ? `: ${redact(err.trim().split('\n').slice(-3).join(' | '))}` : ''}`);
            }
        });
        if (started > o.workers)
            log(`[${elapsed()}] started ${id} to replace it`);
    };
    try {
        await store.enqueueMany(Array.from({ length: o.jobs }, (_, i) => ({
            queue,
            key: `${queue}-${i + 1}`,
            payload: { symbol: i % 2 ? 'ETH-USD' : 'BTC-USD', side: i % 3 ? 'buy' : 'sell', qty: 1 + (i % 5) },
            // Several kills can hit one job; it must not run out of attempts in the demo.
            maxAttempts: 10,
        })));
        log(`[${elapsed()}] enqueued ${o.jobs} orders on ${describeDb(spec)}; starting ${o.workers} workers`);
        for (let i = 0; i < o.workers; i++)
            startWorker();
        const deadline = performance.now() + o.timeoutMs;
        let finished = 0;
        for (;;) {
            const s = (await store.stats()).byQueue[queue];
            const done = s?.done ?? 0;
            finished = done + (s?.failed ?? 0) + (s?.cancelled ?? 0);
            const alive = [...workers.values()].filter((w) => w.alive).length;
            progress(`[${elapsed()}] done ${done}/${o.jobs}  orders ${exchange.book.accepted.length}  placements ${sum(exchange.book.placementCalls)}  workers ${alive}  killed ${killed}/${o.kills}`);
            if (finished >= o.jobs || performance.now() > deadline)
                break;
            await new Promise((r) => setTimeout(r, 100));
        }
        return await buildReport(store, exchange, queue, o, { killed, started, elapsedMs: performance.now() - t0, store: describeDb(spec) });
    }
    finally {
        for (const w of workers.values())
            if (w.alive)
                (w.alive = false), w.child.kill('SIGKILL');
        await exchange.close();
        await store.close();
    }
}
async function buildReport(store, exchange, queue, o, run) {
    const jobs = await store.list({ queue, limit: o.jobs });
    const ids = new Set(jobs.map((j) => j.id));
    const perJob = exchange.book.acceptedPerJob();
    let ordersAccepted = 0;
    let duplicateOrders = 0;
    for (const [jobId, n] of perJob) {
        if (!ids.has(jobId))
            continue;
        ordersAccepted += n;
        duplicateOrders += n - 1;
    }
    const done = jobs.filter((j) => j.status === 'done');
    const jobsFailed = jobs.filter((j) => j.status === 'failed').length;
    const jobsLost = o.jobs - done.length - jobsFailed - jobs.filter((j) => j.status === 'cancelled').length;
    const jobsWithoutOrder = done.filter((j) => !perJob.has(j.id)).length;
    const report = {
        ok: false,
        store: run.store,
        jobs: o.jobs,
        jobsDone: done.length,
        jobsFailed,
        jobsLost,
        ordersAccepted,
        duplicateOrders,
        jobsWithoutOrder,
        placementCalls: sum(exchange.book.placementCalls),
        leasesTakenOver: jobs.reduce((n, j) => n + Math.max(0, j.attempts - 1), 0),
        workersKilled: run.killed,
        workersStarted: run.started,
        elapsedMs: Math.round(run.elapsedMs),
    };
    report.ok = duplicateOrders === 0 && jobsLost === 0 && jobsFailed === 0 && jobsWithoutOrder === 0 && ordersAccepted === o.jobs;
    return report;
}
/** The report as people read it. */
export function formatDemoReport(r, o) {
    const rows = [
        ['store', r.store],
        ['exchange', o.exchangeMode, o.exchangeMode === 'none' ? 'no dedupe, no deadline: the hard case, only leasehold prevents duplicates' : undefined],
        ['jobs enqueued', r.jobs],
        ['jobs done', r.jobsDone],
        ['jobs failed', r.jobsFailed],
        ['jobs lost', r.jobsLost, 'must be 0'],
        ['orders accepted', r.ordersAccepted, `one per job: ${r.jobs}`],
        ['duplicate orders', r.duplicateOrders, 'must be 0'],
        ['done jobs without an order', r.jobsWithoutOrder, 'must be 0'],
        [
            'placement calls',
            r.placementCalls,
            r.placementCalls > r.ordersAccepted
                ? `${r.placementCalls - r.ordersAccepted} repeated after a crash (at-least-once), refused by the exchange`
                : 'one per order: placements cut off by a kill were settled by reconcile, not repeated',
        ],
        ['leases taken over', r.leasesTakenOver, 'jobs a killed worker held, resumed by another'],
        ['workers killed (SIGKILL)', r.workersKilled],
        ['worker processes started', r.workersStarted],
        ['elapsed', `${(r.elapsedMs / 1000).toFixed(1)}s`],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    const lines = rows.map(([k, v, note]) => `  ${k.padEnd(w)}  ${String(v).padStart(6)}${note ? `   (${note})` : ''}`);
    const verdict = r.ok
        ? `OK: ${r.jobs} jobs, ${r.ordersAccepted} orders, no duplicates, nothing lost, across ${r.workersKilled} SIGKILLs`
        : 'FAILED: an order was duplicated or a job was lost (see above)';
    const inspect = r.store.startsWith('sqlite:') ? [`inspect it: npm run leasehold -- --db ${r.store} status`] : [];
    const coverage = ['', `This run injects crashes only. Which exchange behaviour covers which fault (this one: ${o.exchangeMode}):`, formatExchangeCoverage()];
    return ['', 'leasehold demo report', ...lines, '', verdict, ...inspect, ...coverage].join('\n');
}
/** Default settings: 200 orders, 3 workers, 3 kills, about 10 s on a laptop. */
export const DEMO_DEFAULTS = {
    db: DEMO_DB,
    jobs: 200,
    workers: 3,
    kills: 3,
    concurrency: 4,
    leaseSeconds: 2,
    delayMs: 30,
    exchangeMode: 'none',
    timeoutMs: 90_000,
};
function sum(m) {
    let n = 0;
    for (const v of m.values())
        n += v;
    return n;
}
async function main(argv) {
    const int = (name, min) => (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min)
            throw new Error(`${name} must be an integer >= ${min}, got ${v}`);
        return n;
    };
    const program = new Command('demo')
        .description('crash test: place orders from worker processes that get SIGKILLed, and count duplicates')
        // Never LEASEHOLD_DB: that names the user's own database, which the demo must not touch.
        .option('--db <url>', 'store: sqlite:PATH (created if missing; an existing file must hold demo jobs only) or mysql://USER:PASSWORD@HOST/DB (a queue of its own)', DEMO_DEFAULTS.db)
        .option('--jobs <n>', 'orders to place', int('--jobs', 1), DEMO_DEFAULTS.jobs)
        .option('--workers <n>', 'worker processes', int('--workers', 1), DEMO_DEFAULTS.workers)
        .option('--kills <n>', 'SIGKILLs during the run', int('--kills', 0), DEMO_DEFAULTS.kills)
        .option('--concurrency <n>', 'jobs per worker at once', int('--concurrency', 1), DEMO_DEFAULTS.concurrency)
        .option('--exchange <mode>', `how the exchange treats repeats and late requests: ${EXCHANGE_MODES.join(', ')}`, (v) => {
        if (!EXCHANGE_MODES.includes(v))
            throw new Error(`--exchange must be one of ${EXCHANGE_MODES.join(', ')}, got ${v}`);
        return v;
    }, DEMO_DEFAULTS.exchangeMode)
        .option('--exchange-dedupe', 'the same as --exchange dedupe (the easy case)', false)
        .option('--json', 'print the report as JSON')
        .configureOutput({ writeErr: (s) => process.stderr.write(redact(s)) })
        .exitOverride();
    try {
        program.parse(argv, { from: 'user' });
    }
    catch (error) {
        return error.exitCode === 0 ? 0 : 2;
    }
    const a = program.opts();
    const exchangeMode = a.exchangeDedupe ? 'dedupe' : a.exchange;
    const o = { ...DEMO_DEFAULTS, db: a.db, jobs: a.jobs, workers: a.workers, kills: a.kills, concurrency: a.concurrency, exchangeMode };
    const tty = process.stderr.isTTY === true;
    let pending = false;
    let lastPlain = 0;
    const progress = (line) => {
        if (tty) {
            process.stderr.write(`\r\x1b[K${line}`);
            pending = true;
        }
        else if (performance.now() - lastPlain >= 1000) {
            // A log gets a plain line a second, not one per poll.
            lastPlain = performance.now();
            process.stderr.write(`${line}\n`);
        }
    };
    const log = (line) => {
        if (pending)
            process.stderr.write('\r\x1b[K');
        pending = false;
        process.stderr.write(`${line}\n`);
    };
    log(`leasehold demo: ${o.jobs} orders, ${o.workers} worker processes, ${o.kills} SIGKILLs`);
    try {
        const report = await runDemo(o, log, progress);
        if (pending)
            process.stderr.write('\n');
        process.stdout.write(`${a.json ? JSON.stringify(report) : formatDemoReport(report, o)}\n`);
        return report.ok ? 0 : 1;
    }
    catch (error) {
        if (pending)
            process.stderr.write('\n');
        process.stderr.write(`demo: ${redact(error instanceof Error ? error.message : String(error))}\n`);
        return error instanceof DemoDbRefusedError ? 2 : 1;
    }
}
process.exitCode = await main(process.argv.slice(2));
//# sourceMappingURL=demo.js.map