import { compareClaimOrder, isPoisoned } from '../../domain/lease-rules.js';
import { applyAcquire, applyExpire, applyUndecodable } from '../../domain/lifecycle.js';
import { writeOf } from '../sql/sql-engine.js';
import { rowToJob, rowToRateLimit, text, undecodableReason } from '../sql/sql-rows.js';
import { isConcurrencyBlocked, slotsFree } from '../../domain/concurrency.js';
import { rateRoom, recordClaims } from '../../domain/rate-limit.js';
import { inTransaction, selectRows } from './mysql-driver.js';
/**
 * Mirrors the in-memory store's acquire (`isEligible`, `compareClaimOrder`, `applyAcquire`,
 * and `isPoisoned` with `applyExpire` for the poison rule): waiting rows of each status and
 * expired leases are read in claim order and merged here, exactly as the model walks its
 * heaps; a poisoned row met on the way fails and does not count towards `limit`.
 */
export async function claimJobs(e, conn, c) {
    const { now, queues } = c;
    const out = [];
    // Leases per concurrency key, counted under the key's lock (taken in this transaction).
    const holders = new Map();
    // Rate limits of the queues in play, locked; room left per queue; queues out of room.
    let limits = [];
    const room = new Map();
    const full = new Set();
    let woken = false;
    for (;;) {
        const need = c.limit - out.length;
        const open = queues === null ? null : queues.filter((q) => !full.has(q));
        if (open !== null && open.length === 0)
            break;
        const filter = open === null ? (full.size === 0 ? null : { notIn: [...full] }) : { in: open };
        const reads = (await conn.many([
            // The wake step and the rate limits ride along with the first reads: no round trip of their own.
            ...(woken ? [] : [[e.q.wakeSemaphores, []], [e.q.lockRateLimits(queues?.length ?? 0), queues ?? []]]),
            // Each status's head, unlocked, then its locking walk from there: one round trip.
            [e.q.clearHeads, []],
            headOf(e, 'pending', filter, now),
            headOf(e, 'retry', filter, now),
            selectWaitingFrom(e, 'pending', filter, now, need),
            selectWaitingFrom(e, 'retry', filter, now, need),
            findExpired(e, filter, now, c.deadlineCutoff, need),
        ]));
        if (!woken) {
            woken = true;
            const sems = reads.shift();
            limits = reads.shift().map(rowToRateLimit);
            for (const l of limits) {
                room.set(l.queue, rateRoom(l, now));
                if (room.get(l.queue) === 0)
                    full.add(l.queue);
            }
            // Read again when the wake freed jobs (they may sort before the rows just read, which
            // this transaction keeps locked, so the next read finds them again) or a queue is out of
            // room (its jobs leave the reads).
            if ((await wake(e, conn, sems, holders)) > 0 || full.size > 0)
                continue;
        }
        const [, , , pending, retry, expiredIds] = reads;
        await countKeys(e, conn, [...pending, ...retry].map(rowToJob), holders);
        const expired = (await lockExpired(e, conn, expiredIds, now, c.deadlineCutoff)).map(rowToJob).sort(compareClaimOrder);
        // A list that came back full may hide more rows; the expired one counts as full when its
        // unlocked read did, even if another claimer took some of them since.
        const sources = [
            { jobs: pending.map(rowToJob), next: 0, truncated: pending.length === need },
            { jobs: retry.map(rowToJob), next: 0, truncated: retry.length === need },
            { jobs: expired, next: 0, truncated: expiredIds.length === need },
        ];
        const claimed = [];
        const blocked = [];
        let poisoned = 0;
        let cutShort = false;
        while (claimed.length < need) {
            let best;
            for (const s of sources) {
                const head = s.jobs[s.next];
                if (head && (!best || compareClaimOrder(head, best.jobs[best.next]) < 0))
                    best = s;
            }
            if (!best)
                break;
            const job = best.jobs[best.next++];
            const reason = undecodableReason(job);
            const left = room.get(job.queue);
            if (left === 0) {
                // Its queue ran out of room in this claim: the model's walk no longer meets it.
                poisoned++;
            }
            else if (reason !== undefined) {
                // A row that cannot be decoded is failed under its lock and skipped, like a poisoned one:
                // it never blocks the queue, nor fails the claim.
                await e.writeLocked(conn, job, writeOf('expire', applyUndecodable(job, now, reason)));
                poisoned++;
            }
            else if (isPoisoned(job, now)) {
                await e.writeLocked(conn, job, writeOf('expire', applyExpire(job, now)));
                const key = job.concurrencyKey;
                // A key not counted yet is counted later, and then sees this write.
                if (key !== undefined && holders.has(key))
                    holders.set(key, holders.get(key) - 1);
                poisoned++;
            }
            else if (job.concurrencyKey !== undefined && isConcurrencyBlocked(job, holders.get(job.concurrencyKey))) {
                // Held back, uncharged: the job only leaves the claim's index range.
                blocked.push(job);
                poisoned++;
            }
            else {
                const key = job.concurrencyKey;
                if (key !== undefined && job.status !== 'processing')
                    holders.set(key, holders.get(key) + 1);
                if (left !== undefined) {
                    room.set(job.queue, left - 1);
                    if (left === 1)
                        full.add(job.queue);
                }
                claimed.push(job);
            }
            // A list that came back full and is used up may hide rows that sort before the others'.
            if (best.truncated && best.next === best.jobs.length && claimed.length < need) {
                cutShort = true;
                break;
            }
        }
        // Fresh claims share every written value, so one UPDATE marks them all; a takeover also
        // records why the lease changed hands, a message that differs per row (rare: crashes only).
        const last = !cutShort || (claimed.length === 0 && poisoned === 0);
        const leaseMs = c.lockedUntil - now;
        for (const job of claimed) {
            const next = applyAcquire(job, c.workerId, now, leaseMs);
            if (job.status === 'processing') {
                await e.writeLocked(conn, job, writeOf('acquire', next));
                await conn.many([[e.q.clearStepDeadline, [Number(job.id)]]]);
            }
            out.push(next);
        }
        const fresh = claimed.filter((j) => j.status !== 'processing').map((j) => Number(j.id));
        // The claim times of the queues that claimed, so far in this claim: one write per queue.
        const rated = new Set(claimed.map((j) => j.queue).filter((q) => room.has(q)));
        const recent = limits
            .filter((l) => rated.has(l.queue))
            .map((l) => [e.q.writeRateRecent, [JSON.stringify(recordClaims(l, now, rateRoom(l, now) - room.get(l.queue)).recent), l.queue]]);
        if (blocked.length > 0 || recent.length > 0) {
            const ids = blocked.map((j) => Number(j.id));
            const blocks = ids.length === 0 ? [] : [[e.q.blockJobs(ids.length), ids], ...blocked.map((j) => [e.q.markSemaphore, [j.concurrencyLimit, j.concurrencyKey]])];
            await conn.many([...blocks, ...recent], last && fresh.length === 0);
        }
        if (fresh.length > 0) {
            const mark = [e.q.markClaimed(fresh.length), [c.workerId, c.lockedUntil, now, ...fresh]];
            // Each fresh claim starts an attempt (takeovers started theirs in writeLocked): one more
            // statement in the same round trip.
            const started = [e.q.startAttempts(fresh.length), fresh.flatMap((id) => {
                    const next = out.find((j) => Number(j.id) === id);
                    return [id, next.leaseToken, c.workerId, now];
                })];
            await conn.many([mark, started], last);
        }
        if (last)
            return out;
    }
    return out;
}
/**
 * The wake step (src/domain/concurrency.ts) over the keys `wakeSemaphores` locked: frees each
 * key's first blocked jobs up to its limit. Returns how many jobs it freed.
 */
async function wake(e, conn, sems, holders) {
    if (sems.length === 0)
        return 0;
    await count(e, conn, sems.map((r) => text(r.concurrency_key)), holders);
    let freed = 0;
    for (const sem of sems) {
        const key = text(sem.concurrency_key);
        const free = slotsFree(Number(sem.concurrency_limit), holders.get(key));
        if (free === 0)
            continue;
        const [rows] = (await conn.many([[e.q.selectBlocked, [key, free]]]));
        const ids = rows.map((r) => Number(r.id));
        const writes = ids.length > 0 ? [[e.q.unblockJobs(ids.length), ids]] : [];
        if (ids.length < free)
            writes.push([e.q.clearSemaphore, [key]]);
        if (writes.length > 0)
            await conn.many(writes);
        freed += ids.length;
    }
    return freed;
}
/** Locks and counts the keys of these waiting jobs not counted yet in this transaction. */
async function countKeys(e, conn, jobs, holders) {
    const keys = [...new Set(jobs.map((j) => j.concurrencyKey).filter((k) => k !== undefined && !holders.has(k)))];
    if (keys.length === 0)
        return;
    // In byte order, the order InnoDB keeps the rows in: two claimers lock shared keys alike.
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    await count(e, conn, keys, holders, [[e.q.lockSemaphores(keys.length), keys]]);
}
/** Counts the leases of keys this transaction holds the locks of (or takes with `lock`, in the same round trip). */
async function count(e, conn, keys, holders, lock = []) {
    const results = (await conn.many([...lock, [e.q.countHolders(keys.length), keys]]));
    const rows = results[results.length - 1];
    for (const k of keys)
        holders.set(k, 0);
    for (const r of rows)
        holders.set(text(r.lease_key), Number(r.n));
}
/** Mirrors `applyExpire` on every expired lease, row by row under its lock; returns how many. */
export function reapExpired(e, now, deadlineCutoff) {
    return inTransaction(e.pool, 'reapExpired', async (conn) => {
        const rows = await lockExpired(e, conn, await selectRows(conn, e.q.findAllExpired, [now, deadlineCutoff]), now, deadlineCutoff);
        for (const row of rows) {
            const job = rowToJob(row);
            await e.writeLocked(conn, job, writeOf('expire', applyExpire(job, now)));
        }
        return rows.length;
    }, e.tx());
}
/** Locks the expired rows found without locks, skipping any another claimer holds. */
async function lockExpired(e, conn, found, now, deadlineCutoff) {
    if (found.length === 0)
        return [];
    const ids = found.map((r) => Number(r.id));
    return selectRows(conn, e.q.lockExpired(ids.length), [...ids, now, deadlineCutoff]);
}
/** The unlocked read of the first waiting row of a status, kept in its session variables. */
function headOf(e, status, f, now) {
    const [sql, values] = waitingRead(e, status, f, now, 1);
    return [e.q.intoHead(sql, status), values];
}
function waitingRead(e, status, f, now, limit) {
    if (f === null)
        return [e.q.claimWaiting, [status, now, limit]];
    if ('notIn' in f)
        return [e.q.claimWaitingNotInQueues(f.notIn.length), [status, now, ...f.notIn, limit]];
    if (f.in.length === 1)
        return [e.q.claimWaitingInQueue, [f.in[0], status, now, limit]];
    return [e.q.claimWaitingInQueues(f.in.length), [status, now, ...f.in, limit]];
}
/** The locking walk of a status's waiting rows in claim order, from the head `headOf` kept. */
function selectWaitingFrom(e, status, f, now, limit) {
    if (f === null)
        return [e.q.claimWaitingFrom(status, null), [status, now, limit]];
    if ('notIn' in f)
        return [e.q.claimWaitingFrom(status, 'notIn', f.notIn.length), [status, now, ...f.notIn, limit]];
    if (f.in.length === 1)
        return [e.q.claimWaitingFrom(status, 'one'), [f.in[0], status, now, limit]];
    return [e.q.claimWaitingFrom(status, 'in', f.in.length), [status, now, ...f.in, limit]];
}
function findExpired(e, f, now, cutoff, limit) {
    const list = f === null ? [] : 'notIn' in f ? f.notIn : f.in;
    return [e.q.findExpired(list.length, f !== null && 'notIn' in f), [now, cutoff, ...list, limit]];
}
//# sourceMappingURL=mysql-claim.js.map