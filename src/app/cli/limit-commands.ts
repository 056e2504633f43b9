/**
 * `leasehold limit ...`: the rate limits stored with the jobs, shared by every worker of the
 * database (the same calls as `store.setRateLimit` and `store.listRateLimits`).
 */
import type { Command } from 'commander';
import type { RateLimitInfo } from '../../domain/rate-limit.js';
import type { LeaseStore } from '../../ports/lease-store.js';
import { formatTime, table } from './format.js';
import { parseDuration, parseInteger } from './parse-args.js';

/** Runs one command on an opened store and prints its result (the program's `run`). */
type Run = <T>(cmd: Command, fn: (store: LeaseStore, now: number) => Promise<T>, text: (r: T, now: number) => string) => Promise<void>;

/** Adds `limit set|list|remove` to the program. */
export function addLimitCommands(program: Command, run: Run): void {
  const limit = program.command('limit').description('rate limits per queue, enforced by the store for every worker: set, list, remove');

  limit
    .command('set')
    .description('at most <max> claims of the queue’s jobs in any <per> (e.g. 10 per 1s); replaces its limit')
    .argument('<queue>', 'queue name')
    .argument('<max>', 'claims allowed per interval')
    .argument('<per>', 'the interval, e.g. 1s, 500ms, 1m')
    .action((queue: string, maxText: string, per: string, _o, cmd: Command) => {
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
    .action((_o, cmd: Command) => run(cmd, async (store) => ({ limits: await store.listRateLimits() }), (r) => formatLimits(r.limits)));

  limit
    .command('remove')
    .description('remove a queue’s rate limit')
    .argument('<queue>', 'queue name')
    .action((queue: string, _o, cmd: Command) =>
      run(cmd, async (store) => {
        await store.setRateLimit(queue, null);
        return { removed: queue };
      }, (r) => `removed the rate limit of ${r.removed}`),
    );
}

function formatLimits(limits: RateLimitInfo[]): string {
  if (limits.length === 0) return 'no rate limits';
  return table(
    ['queue', 'max', 'per ms', 'room'],
    // The store's own figure: its clock (MySQL's server time) may not be this process's.
    limits.map((l) => [l.queue, String(l.max), String(l.perMs), l.room > 0 ? `${l.room} now` : `from ${formatTime(l.nextRoomAt)}`]),
  );
}
