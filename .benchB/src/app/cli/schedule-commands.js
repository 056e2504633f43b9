import { ScheduleNotFoundError } from '../../domain/errors.js';
import { MISSED_POLICIES } from '../../domain/schedule.js';
import { UsageError } from './exit-codes.js';
import { formatTime, table } from './format.js';
import { openStore } from './open-store.js';
import { parseDuration, parseInteger, parseJson } from './parse-args.js';
/** A scheduler on `store`, loaded on first use: every other command starts without croner. */
async function schedulerOn(store, options = {}) {
    const { Scheduler } = await import('../scheduler/scheduler.js');
    return new Scheduler({ store, ...options });
}
/** Adds `schedule add|list|pause|resume|remove|run` to the program. */
export function addScheduleCommands(program, run, runScheduler) {
    const schedule = program.command('schedule').description('recurring jobs: add, list, pause, resume, remove, run the scheduler');
    schedule
        .command('add')
        .description('declare a schedule (create it, or update its definition; an unchanged one changes nothing)')
        .argument('<name>', 'schedule name')
        .argument('<cron>', `cron expression, 5 fields or 6 with seconds first, e.g. '0 * * * *'`)
        .argument('<queue>', 'queue of its jobs')
        .option('--payload <json>', 'payload of every job (default null)')
        .option('--tz <zone>', 'IANA time zone the expression is read in (default UTC)')
        .option('--missed <policy>', `slots missed while no scheduler ran: ${MISSED_POLICIES.join(' | ')} (default skip)`)
        .option('--backfill <n>', 'with --missed backfill: at most n missed slots per run (default 10)')
        .option('--grace <duration>', 'a slot at most this old is on time, not missed (default 1m)')
        .option('--skip-if-running', 'enqueue nothing while the previous slot’s job has not finished')
        .option('--priority <n>', 'priority of its jobs (default 0)')
        .option('--max-attempts <n>', 'maxAttempts of its jobs (default 3)')
        .action((name, cron, queue, o, cmd) => {
        const def = { name, cron, queue };
        if (o.payload !== undefined)
            def.payload = parseJson(o.payload, 'payload');
        if (o.tz !== undefined)
            def.timeZone = o.tz;
        if (o.missed !== undefined) {
            if (!MISSED_POLICIES.includes(o.missed))
                throw new UsageError(`--missed: must be one of ${MISSED_POLICIES.join(', ')}`);
            def.missed = o.missed;
        }
        if (o.backfill !== undefined)
            def.backfillLimit = parseInteger(o.backfill, '--backfill', 1, 1000);
        if (o.grace !== undefined)
            def.graceMs = parseDuration(o.grace, '--grace');
        if (o.skipIfRunning)
            def.skipIfRunning = true;
        if (o.priority !== undefined)
            def.priority = parseInteger(o.priority, '--priority', -2147483648, 2147483647);
        if (o.maxAttempts !== undefined)
            def.maxAttempts = parseInteger(o.maxAttempts, '--max-attempts', 1, 1_000_000);
        return run(cmd, async (store) => (await schedulerOn(store)).declare(def), (r) => `${r.created ? 'created' : r.changed ? 'updated' : 'unchanged'} schedule ${r.schedule.name}; next run ${formatTime(r.schedule.nextRunAt)}`);
    });
    schedule
        .command('list')
        .description('every schedule with its next run')
        .action((_o, cmd) => run(cmd, async (store) => ({ schedules: await (await schedulerOn(store)).list() }), (r, now) => formatSchedules(r.schedules, now)));
    for (const [verb, text] of [
        ['pause', 'stop enqueueing its slots (those that pass while paused are dropped)'],
        ['resume', 'resume from the next slot (the pause is not backfilled)'],
    ]) {
        schedule
            .command(verb)
            .description(text)
            .argument('<name>', 'schedule name')
            .action((name, _o, cmd) => run(cmd, async (store) => ({ schedule: (await (await schedulerOn(store))[verb](name)) }), (r) => `schedule ${r.schedule.name} is ${r.schedule.paused ? 'paused' : `active; next run ${formatTime(r.schedule.nextRunAt)}`}`));
    }
    schedule
        .command('remove')
        .description('delete a schedule (the jobs it enqueued stay)')
        .argument('<name>', 'schedule name')
        .action((name, _o, cmd) => run(cmd, async (store) => {
        if (!(await (await schedulerOn(store)).remove(name)))
            throw new ScheduleNotFoundError(name);
        return { removed: name };
    }, (r) => `removed schedule ${r.removed}`));
    schedule
        .command('run')
        .description('run the scheduler: enqueue due slots until SIGINT/SIGTERM (any number of processes may run it)')
        .action((_o, cmd) => runScheduler(cmd));
}
/** Runs a scheduler on the store until SIGINT or SIGTERM. */
export async function scheduleRunCommand(db, out, json) {
    const store = await openStore(db, { create: false });
    const log = (event, fields, text) => {
        if (json)
            out.json({ event, at: Date.now(), ...fields });
        else
            out.out(`${new Date().toISOString()} ${text}`);
    };
    try {
        await store.listSchedules();
        const scheduler = await schedulerOn(store, {
            onError: (error) => log('scheduler:error', { error: String(error) }, `scheduler error: ${error instanceof Error ? error.message : String(error)}`),
            onRun: (r) => {
                for (const job of r.enqueued)
                    log('schedule:enqueued', { jobId: job.id, queue: job.queue, runAt: job.runAt }, `enqueued job ${job.id} on ${job.queue} for ${new Date(job.runAt).toISOString()}`);
            },
        });
        const stopped = new Promise((done) => {
            const stop = (signal) => {
                log('scheduler:stopping', { signal }, `${signal}: stopping`);
                void scheduler.stop().then(done, done);
            };
            process.once('SIGINT', () => stop('SIGINT'));
            process.once('SIGTERM', () => stop('SIGTERM'));
        });
        await scheduler.start();
        log('scheduler:started', {}, 'scheduler running; Ctrl-C to stop');
        await stopped;
    }
    finally {
        await store.close().catch(() => undefined);
    }
}
/** The schedules table of `schedule list` and `status`. */
export function formatSchedules(schedules, now) {
    if (schedules.length === 0)
        return 'no schedules';
    return table(['name', 'cron', 'zone', 'queue', 'missed', 'next run'], schedules.map((s) => [
        s.name,
        s.cron,
        s.timeZone,
        s.queue,
        s.missed === 'backfill' ? `backfill ${s.backfillLimit}` : s.missed,
        s.paused ? 'paused' : s.nextRun === null ? 'never' : `${formatTime(s.nextRun)}${s.nextRun <= now ? ' (due)' : ''}`,
    ]));
}
//# sourceMappingURL=schedule-commands.js.map