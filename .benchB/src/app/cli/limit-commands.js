import { formatTime, table } from './format.js';
import { parseDuration, parseInteger } from './parse-args.js';
/** Adds `limit set|list|remove` to the program. */
export function addLimitCommands(program, run) {
    const limit = program.command('limit').description('rate limits per queue, enforced by the store for every worker: set, list, remove');
    limit
        .command('set')
        .description('at most <max> claims of the queue’s jobs in any <per> (e.g. 10 per 1s); replaces its limit')
        .argument('<queue>', 'queue name')
        .argument('<max>', 'claims allowed per interval')
        .argument('<per>', 'the interval, e.g. 1s, 500ms, 1m')
        .action((queue, maxText, per, _o, cmd) => {
        const max = parseInteger(maxText, '<max>', 1, 10_000);
        const perMs = parseDuration(per, '<per>');
        return run(cmd, async (store) => {
            await store.setRateLimit(queue, { max, perMs });
            return { queue, max, perMs };
        }, (r) => `queue ${r.queue}: at most ${r.max} claims per ${r.perMs} ms`);
    });
    limit
        .command('list')
        .description('every rate limit, with when its queue next has room')
        .action((_o, cmd) => run(cmd, async (store) => ({ limits: await store.listRateLimits() }), (r) => formatLimits(r.limits)));
    limit
        .command('remove')
        .description('remove a queue’s rate limit')
        .argument('<queue>', 'queue name')
        .action((queue, _o, cmd) => run(cmd, async (store) => {
        await store.setRateLimit(queue, null);
        return { removed: queue };
    }, (r) => `removed the rate limit of ${r.removed}`));
}
function formatLimits(limits) {
    if (limits.length === 0)
        return 'no rate limits';
    return table(['queue', 'max', 'per ms', 'room'], 
    // The store's own figure: its clock (MySQL's server time) may not be this process's.
    limits.map((l) => [l.queue, String(l.max), String(l.perMs), l.room > 0 ? `${l.room} now` : `from ${formatTime(l.nextRoomAt)}`]));
}
//# sourceMappingURL=limit-commands.js.map