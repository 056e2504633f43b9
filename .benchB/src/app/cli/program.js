/**
 * The `leasehold` command line: commander wiring from argv to the command functions, and
 * from their results or errors to output and an exit code. Everything runs through
 * {@link runCli}, which returns the exit code instead of exiting, so tests can call it too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { cancelCommand, enqueueCommand, listCommand, migrateCommand, pruneCommand, reapCommand, retryCommand, settleCommand, showCommand, } from './commands.js';
import { ExitCode, errorCodeFor, exitCodeFor, UsageError } from './exit-codes.js';
import { formatDuration, formatJob, formatJobs, formatStatus } from './format.js';
import { DEFAULT_DB, describeDb, openStore, parseDbSpec } from './open-store.js';
import { Output } from './output.js';
import { parseDuration, parseInteger, parseJson, parseStatuses, parseTime } from './parse-args.js';
import { addScheduleCommands, scheduleRunCommand } from './schedule-commands.js';
import { addLimitCommands } from './limit-commands.js';
import { statusCommand } from './status.js';
import { formatWorkers, releaseWorkerCommand, workersCommand } from './workers.js';
import { workCommand } from './work.js';
import { dashboardCommand, metricsText } from './dashboard-command.js';
const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  operation failed (job not found, transition not allowed, handler module cannot be imported)
  2  usage error (bad command, option or argument; invalid job fields; handler module exports no handler)
  3  store unavailable (cannot open or reach the database, schema missing or too new)

With --json, errors (usage errors too) are one line on stderr: {"error":{"code":"...","message":"..."}}.

Store: --db sqlite:./leasehold.db (default) | mysql://USER:PASSWORD@HOST:3306/DB, or env LEASEHOLD_DB.`;
// Help passes through the password redaction like all output, so the MySQL placeholders above
// print as mysql://USER:***@HOST/DB: read as "password here", which is what they mean.
/**
 * Runs the CLI on `argv` (without node and script) and resolves to the exit code.
 * @example process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(argv, io) {
    const out = new Output(io);
    // Read from argv, not from the parsed options: commander's own errors (unknown option or
    // command, missing argument) come before any option is parsed, and must be JSON too.
    const end = argv.indexOf('--');
    const json = (end === -1 ? argv : argv.slice(0, end)).includes('--json');
    const program = buildProgram(out, io, json);
    try {
        await program.parseAsync(argv, { from: 'user' });
        return ExitCode.OK;
    }
    catch (error) {
        if (error instanceof CommanderError) {
            // Help and version exit 0; every other commander error is a usage mistake, which commander
            // printed itself unless --json asked for the JSON line instead.
            if (error.exitCode === 0)
                return ExitCode.OK;
            if (json)
                out.err(JSON.stringify({ error: { code: 'USAGE', message: error.message.replace(/^error: /, '') } }));
            return ExitCode.USAGE;
        }
        const opts = program.opts();
        reportError(out, error, opts);
        return exitCodeFor(error);
    }
}
function reportError(out, error, opts) {
    let message = error instanceof Error ? error.message : String(error);
    // A database that exists but was never migrated: say what to do, not only what failed.
    if (/ER_NO_SUCH_TABLE|no such table/i.test(message) && !/migrate/.test(message))
        message += '; run `leasehold migrate` first';
    if (opts.json)
        out.err(JSON.stringify({ error: { code: errorCodeFor(error), message } }));
    else
        out.err(`leasehold: ${message}`);
    if (opts.verbose && error instanceof Error) {
        out.err(error.stack ?? message);
        if (error.cause instanceof Error)
            out.err(`caused by: ${error.cause.stack ?? error.cause.message}`);
    }
}
function buildProgram(out, io, json) {
    const program = new Command('leasehold')
        .description('Durable, lease-based job processing: inspect and operate a leasehold store.')
        .version(packageVersion(), '-V, --version')
        .addOption(new Option('--db <url>', `store: sqlite:PATH or mysql://USER:PASSWORD@HOST/DB (env LEASEHOLD_DB; default ${DEFAULT_DB})`))
        .option('--json', 'print results as JSON (for scripts)')
        .option('-v, --verbose', 'print stack traces with errors')
        .addHelpText('after', EXIT_CODES_HELP)
        .showHelpAfterError(json ? false : '(run with --help for usage)')
        // With --json, runCli prints commander's errors as one JSON line; help still goes to stdout.
        .configureOutput({ writeOut: out.rawOut, writeErr: out.rawErr, ...(json ? { outputError: () => undefined } : {}) })
        .exitOverride();
    /** Opens the store for one command, runs it, prints the result, and always closes the store. */
    const run = (cmd, create, fn, text) => (async () => {
        const g = cmd.optsWithGlobals();
        const db = parseDbSpec(g.db ?? io.env.LEASEHOLD_DB ?? DEFAULT_DB);
        const store = await openStore(db, { create });
        try {
            const now = Date.now();
            const result = await fn(store, now, db);
            if (g.json)
                out.json(result);
            else
                out.out(text(result, now));
        }
        finally {
            await store.close().catch(() => undefined);
        }
    })();
    program
        .command('migrate')
        .description('create or upgrade the schema (idempotent; creates the SQLite file)')
        .action((_o, cmd) => run(cmd, true, async (store, _now, db) => ({ ...(await migrateCommand(store)), db: describeDb(db) }), (r) => `migrated ${r.db}`));
    program
        .command('enqueue')
        .description('add a job (a job whose --key exists is returned, not duplicated)')
        .argument('<queue>', 'queue name')
        .argument('<json>', `payload as JSON, e.g. '{"orderId":1}'`)
        .option('--key <key>', 'unique key: one job per key, ever (a pruned job\'s key stays retired: exit 1, KEY_RETIRED)')
        .option('--reuse-key', 'enqueue a retired key anyway: the new job derives the same idempotency keys as the pruned one')
        .option('--key-format <format>', 'spelling of the job\'s idempotency keys: alnum (default, 32 chars) or uuid')
        .option('--priority <n>', 'lower runs first (default 0)')
        .option('--run-at <time>', 'earliest start: ISO date (2026-01-01, or 2026-01-01T09:30:00Z with Z or an offset), epoch ms (digits), or +DURATION (e.g. +10m)')
        .option('--max-attempts <n>', 'handler failures allowed before the job fails (default 3)')
        .option('--max-lease-expiries <n>', 'lease expiries (crash, pause, outage) allowed before the job fails (default 10)')
        .action((queue, json, o, cmd) => {
        const job = { queue, payload: parseJson(json, 'payload') };
        if (o.key !== undefined)
            job.key = o.key;
        if (o.reuseKey)
            job.reuseKey = true;
        if (o.keyFormat !== undefined) {
            if (o.keyFormat !== 'alnum' && o.keyFormat !== 'uuid')
                throw new UsageError(`--key-format: must be alnum or uuid, got ${JSON.stringify(o.keyFormat)}`);
            job.idempotencyKeyFormat = o.keyFormat;
        }
        if (o.priority !== undefined)
            job.priority = parseInteger(o.priority, '--priority', -2147483648, 2147483647);
        if (o.runAt !== undefined)
            job.runAt = parseTime(o.runAt, '--run-at', Date.now());
        if (o.maxAttempts !== undefined)
            job.maxAttempts = parseInteger(o.maxAttempts, '--max-attempts', 1, 1_000_000);
        if (o.maxLeaseExpiries !== undefined)
            job.maxLeaseExpiries = parseInteger(o.maxLeaseExpiries, '--max-lease-expiries', 0, 1_000_000);
        return run(cmd, false, (store) => enqueueCommand(store, job), (r) => `${r.created ? 'enqueued' : 'exists (key)'} job ${r.job.id} on ${r.job.queue} (${r.job.status})`);
    });
    program
        .command('status')
        .description('counts by queue and status, leases, the waiting job due longest, the newest failed jobs')
        .action((_o, cmd) => run(cmd, false, (store, now) => statusCommand(store, now), (r) => formatStatus(r)));
    program
        .command('list')
        .description('list jobs in id order')
        .option('--status <statuses>', 'only these statuses, comma-separated (e.g. failed,cancelled)')
        .option('--queue <queue>', 'only this queue')
        .option('--limit <n>', 'at most n jobs (default 100)')
        .option('--in-doubt', 'only jobs with a step in doubt (started, never finished, its attempt over, not settled)')
        .action((o, cmd) => {
        const input = {};
        if (o.inDoubt)
            input.inDoubt = true;
        if (o.status !== undefined)
            input.status = parseStatuses(o.status, '--status');
        if (o.queue !== undefined)
            input.queue = o.queue;
        if (o.limit !== undefined)
            input.limit = parseInteger(o.limit, '--limit', 1, 1_000_000);
        return run(cmd, false, (store) => listCommand(store, input), (r, now) => formatJobs(r.jobs, now));
    });
    program
        .command('show')
        .description('one job in full, with its durable steps (steps in doubt marked, with how to settle them)')
        .argument('<id>', 'job id')
        .action((id, _o, cmd) => run(cmd, false, (store) => showCommand(store, id), (r, now) => formatJob(r.job, r.steps, now)));
    program
        .command('retry')
        .description('put a failed or cancelled job back to pending, attempts reset (refused while a step is in doubt: settle it, or --force)')
        .argument('<id>', 'job id')
        .option('--force', 'retry although a step is in doubt: its next attempt asks reconcile, or the worker\'s inDoubt policy, again')
        .action((id, o, cmd) => run(cmd, false, (store) => retryCommand(store, id, { force: o.force === true }), (r) => `job ${r.job.id} is ${r.job.status}`));
    program
        .command('settle')
        .description('settle a step in doubt by hand: it happened (record its result) or it did not (the next attempt runs it, under the same key)')
        .argument('<id>', 'job id')
        .argument('<step>', 'step name')
        .option('--result <json>', 'it happened, and this is its result (what the step would have returned), e.g. \'{"orderId":"X1"}\'')
        .option('--not-happened', 'nothing reached the other side: run the step again')
        .action((id, step, o, cmd) => {
        if ((o.result === undefined) === (o.notHappened !== true))
            throw new UsageError('settle: give exactly one of --result <json> or --not-happened');
        const outcome = o.result === undefined ? { happened: false } : { happened: true, result: parseJson(o.result, '--result') };
        return run(cmd, false, (store) => settleCommand(store, id, step, outcome), (r) => r.step.state === 'done'
            ? `step ${r.step.name} of job ${id} settled: happened, result ${JSON.stringify(r.step.result)}`
            : `step ${r.step.name} of job ${id} settled: did not happen; its next attempt runs it under key ${r.step.key ?? '(none recorded)'}`);
    });
    program
        .command('cancel')
        .description('cancel a pending or retry job')
        .argument('<id>', 'job id')
        .action((id, _o, cmd) => run(cmd, false, (store) => cancelCommand(store, id), (r) => `job ${r.job.id} is ${r.job.status}`));
    program
        .command('reap')
        .description("move expired leases to retry (or failed once the job's lease-expiry budget is used up)")
        .action((_o, cmd) => run(cmd, false, (store) => reapCommand(store), (r) => `reaped ${r.reaped} expired lease${r.reaped === 1 ? '' : 's'}`));
    program
        .command('workers')
        .description('worker processes the store knows: id, host, pid, started, last sign of life, jobs held')
        .action((_o, cmd) => run(cmd, false, (store) => workersCommand(store), (r, now) => formatWorkers(r.workers, now)));
    program
        .command('release-worker')
        .description("release a dead worker's leases now (fenced; its jobs go to retry, counted as lease expiries, not before an open step's deadline plus the clock margin)")
        .argument('<workerId>', 'the worker id (its leases\' lockedBy)')
        .option('--force', 'release even though the process shows a fresh sign of life')
        .action((workerId, o, cmd) => run(cmd, false, (store) => releaseWorkerCommand(store, workerId, { force: o.force === true }), (r) => `released ${r.released} lease${r.released === 1 ? '' : 's'} of worker ${r.workerId}`));
    program
        .command('prune')
        .description('delete finished jobs (and their steps) older than a duration; their keys stay retired')
        .requiredOption('--older-than <duration>', 'finished more than this long ago, e.g. 7d, 12h')
        .option('--status <statuses>', 'only these final statuses (default done,failed,cancelled)')
        .option('--forget-keys-older-than <duration>', 'also forget retired keys retired longer ago than that (default: keep them, so a replayed key is refused forever)')
        .action((o, cmd) => {
        const olderThanMs = parseDuration(o.olderThan, '--older-than');
        const input = { olderThanMs };
        if (o.status !== undefined)
            input.statuses = parseStatuses(o.status, '--status');
        if (o.forgetKeysOlderThan !== undefined)
            input.forgetKeysOlderThanMs = parseDuration(o.forgetKeysOlderThan, '--forget-keys-older-than');
        return run(cmd, false, (store) => pruneCommand(store, input), (r) => `pruned ${r.pruned} job${r.pruned === 1 ? '' : 's'} finished more than ${formatDuration(olderThanMs)} ago`);
    });
    program
        .command('work')
        .description('run a worker: load a handler module and process jobs until SIGINT/SIGTERM')
        .requiredOption('--queue <queues>', 'queue(s) to serve, comma-separated')
        .requiredOption('--handler <module>', 'module exporting `handler` (or a default function) or a `handlers` map { queue: handler | { handle, reconcile } }, optionally `reconcile`; exit 1 if it cannot be imported, 2 if it exports no handler')
        .option('--concurrency <n>', 'jobs processed at once (default 1)')
        .option('--lease <duration>', 'lease duration (default 5m)')
        .option('--retention <age>', 'prune done, failed and cancelled jobs finished more than this long ago, hourly and at start (default: keep them)')
        .option('--reap-interval <duration>', 'how often to put jobs of leases that ran out back in line (default 1m)')
        .action((o, cmd) => {
        const g = cmd.optsWithGlobals();
        const queues = o.queue.split(',').map((q) => q.trim()).filter((q) => q !== '');
        if (queues.length === 0)
            throw new UsageError('--queue: name at least one queue');
        const concurrency = o.concurrency === undefined ? 1 : parseInteger(o.concurrency, '--concurrency', 1, 1000);
        const leaseMs = o.lease === undefined ? undefined : parseDuration(o.lease, '--lease');
        const db = parseDbSpec(g.db ?? io.env.LEASEHOLD_DB ?? DEFAULT_DB);
        const retentionMs = o.retention === undefined ? undefined : parseDuration(o.retention, '--retention');
        const reapIntervalMs = o.reapInterval === undefined ? undefined : parseDuration(o.reapInterval, '--reap-interval');
        return workCommand({ db, queues, handlerPath: o.handler, concurrency, leaseMs, retentionMs, reapIntervalMs, json: g.json === true, out, cwd: io.cwd ?? process.cwd() });
    });
    program
        .command('dashboard')
        .description('serve the web dashboard (read-only unless --actions) until SIGINT/SIGTERM')
        .option('--port <n>', 'port (default 4000)')
        .option('--host <address>', 'address to bind (default 127.0.0.1); beyond loopback every page needs the token')
        .option('--actions', 'allow retry and cancel from the pages (they need the token)')
        .option('--token <token>', 'access token, at least 16 characters (env LEASEHOLD_DASHBOARD_TOKEN); generated and printed when needed')
        .action((o, cmd) => {
        const g = cmd.optsWithGlobals();
        const db = parseDbSpec(g.db ?? io.env.LEASEHOLD_DB ?? DEFAULT_DB);
        const port = o.port === undefined ? 4000 : parseInteger(o.port, '--port', 0, 65535);
        const token = o.token ?? io.env.LEASEHOLD_DASHBOARD_TOKEN;
        if (token !== undefined && token.length < 16)
            throw new UsageError('--token: use at least 16 characters');
        return dashboardCommand({ db, port, host: o.host ?? '127.0.0.1', actions: o.actions === true, token, metricsOnly: false, json: g.json === true, out });
    });
    program
        .command('metrics')
        .description('print the store metrics in the Prometheus text format; with --port, serve them at /metrics')
        .option('--port <n>', 'serve GET /metrics on this port until SIGINT/SIGTERM')
        .option('--host <address>', 'address to bind with --port (default 127.0.0.1)')
        .action((o, cmd) => {
        const g = cmd.optsWithGlobals();
        if (o.port === undefined)
            return run(cmd, false, (store) => metricsText(store), (text) => text.trimEnd());
        const db = parseDbSpec(g.db ?? io.env.LEASEHOLD_DB ?? DEFAULT_DB);
        const port = parseInteger(o.port, '--port', 0, 65535);
        return dashboardCommand({ db, port, host: o.host ?? '127.0.0.1', actions: false, token: undefined, metricsOnly: true, json: g.json === true, out });
    });
    addLimitCommands(program, (cmd, fn, text) => run(cmd, false, fn, text));
    addScheduleCommands(program, (cmd, fn, text) => run(cmd, false, fn, text), (cmd) => {
        const g = cmd.optsWithGlobals();
        return scheduleRunCommand(parseDbSpec(g.db ?? io.env.LEASEHOLD_DB ?? DEFAULT_DB), out, g.json === true);
    });
    return program;
}
/** leasehold's version, from the package.json above this file (src/ when run with tsx, dist/src/ when built). */
function packageVersion() {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
        const file = join(dir, 'package.json');
        if (existsSync(file)) {
            const pkg = JSON.parse(readFileSync(file, 'utf8'));
            if (pkg.name === 'leasehold' && pkg.version)
                return pkg.version;
        }
        dir = dirname(dir);
    }
    return 'unknown';
}
//# sourceMappingURL=program.js.map