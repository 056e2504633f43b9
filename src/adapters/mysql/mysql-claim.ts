/**
 * The MySQL claim and reap: the two places where the dialect keeps logic of its own. MySQL
 * cannot select inside an UPDATE, so a claim is SELECT ... FOR UPDATE SKIP LOCKED, then an
 * UPDATE of the rows just locked, in one READ COMMITTED transaction.
 */
import type { Job } from '../../domain/job.js';
import { compareClaimOrder, isPoisoned } from '../../domain/lease-rules.js';
import { applyAcquire, applyExpire, applyUndecodable } from '../../domain/lifecycle.js';
import { writeOf, type ClaimQuery } from '../sql/sql-engine.js';
import { rowToJob, undecodableReason, type SqlRow } from '../sql/sql-rows.js';
import { inTransaction, selectRows, type MysqlTx } from './mysql-driver.js';
import type { MysqlEngine } from './mysql-engine.js';

/**
 * Mirrors the in-memory store's acquire (`isEligible`, `compareClaimOrder`, `applyAcquire`,
 * and `isPoisoned` with `applyExpire` for the poison rule): waiting rows of each status and
 * expired leases are read in claim order and merged here, exactly as the model walks its
 * heaps; a poisoned row met on the way fails and does not count towards `limit`.
 */
export async function claimJobs(e: MysqlEngine, conn: MysqlTx, c: ClaimQuery): Promise<Job[]> {
  const { now, queues } = c;
  const out: Job[] = [];
  for (;;) {
    const need = c.limit - out.length;
    const [pending, retry, expiredIds] = (await conn.many([
      selectWaiting(e, 'pending', queues, now, need),
      selectWaiting(e, 'retry', queues, now, need),
      [e.q.findExpired(queues?.length ?? 0), [now, c.deadlineCutoff, ...(queues ?? []), need]],
    ])) as SqlRow[][];
    const expired = (await lockExpired(e, conn, expiredIds!, now, c.deadlineCutoff)).map(rowToJob).sort(compareClaimOrder);
    // A list that came back full may hide more rows; the expired one counts as full when its
    // unlocked read did, even if another claimer took some of them since.
    const sources = [
      { jobs: pending!.map(rowToJob), next: 0, truncated: pending!.length === need },
      { jobs: retry!.map(rowToJob), next: 0, truncated: retry!.length === need },
      { jobs: expired, next: 0, truncated: expiredIds!.length === need },
    ];
    const claimed: Job[] = [];
    let poisoned = 0;
    let cutShort = false;
    while (claimed.length < need) {
      let best: (typeof sources)[number] | undefined;
      for (const s of sources) {
        const head = s.jobs[s.next];
        if (head && (!best || compareClaimOrder(head, best.jobs[best.next]!) < 0)) best = s;
      }
      if (!best) break;
      const job = best.jobs[best.next++]!;
      const reason = undecodableReason(job);
      if (reason !== undefined) {
        // A row that cannot be decoded is failed under its lock and skipped, like a poisoned one:
        // it never blocks the queue, nor fails the claim.
        await e.writeLocked(conn, job, writeOf('expire', applyUndecodable(job, now, reason)));
        poisoned++;
      } else if (isPoisoned(job, now)) {
        await e.writeLocked(conn, job, writeOf('expire', applyExpire(job, now)));
        poisoned++;
      } else {
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
    if (fresh.length > 0) {
      const mark: [string, unknown[]] = [e.q.markClaimed(fresh.length), [c.workerId, c.lockedUntil, now, ...fresh]];
      // Each fresh claim starts an attempt (takeovers started theirs in writeLocked): one more
      // statement in the same round trip.
      const started: [string, unknown[]] = [e.q.startAttempts(fresh.length), fresh.flatMap((id) => {
        const next = out.find((j) => Number(j.id) === id)!;
        return [id, next.leaseToken, c.workerId, now];
      })];
      await conn.many([mark, started], last);
    }
    if (last) return out;
  }
}

/** Mirrors `applyExpire` on every expired lease, row by row under its lock; returns how many. */
export function reapExpired(e: MysqlEngine, now: number, deadlineCutoff: number): Promise<number> {
  return inTransaction(
    e.pool,
    'reapExpired',
    async (conn) => {
      const rows = await lockExpired(e, conn, await selectRows(conn, e.q.findAllExpired, [now, deadlineCutoff]), now, deadlineCutoff);
      for (const row of rows) {
        const job = rowToJob(row);
        await e.writeLocked(conn, job, writeOf('expire', applyExpire(job, now)));
      }
      return rows.length;
    },
    e.tx(),
  );
}

/** Locks the expired rows found without locks, skipping any another claimer holds. */
async function lockExpired(e: MysqlEngine, conn: MysqlTx, found: SqlRow[], now: number, deadlineCutoff: number): Promise<SqlRow[]> {
  if (found.length === 0) return [];
  const ids = found.map((r) => Number(r.id));
  return selectRows(conn, e.q.lockExpired(ids.length), [...ids, now, deadlineCutoff]);
}

function selectWaiting(e: MysqlEngine, status: 'pending' | 'retry', queues: string[] | null, now: number, limit: number): [string, unknown[]] {
  if (queues === null) return [e.q.claimWaiting, [status, now, limit]];
  if (queues.length === 1) return [e.q.claimWaitingInQueue, [queues[0], status, now, limit]];
  return [e.q.claimWaitingInQueues(queues.length), [status, now, ...queues, limit]];
}
