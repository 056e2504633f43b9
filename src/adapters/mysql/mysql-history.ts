/**
 * The history rows (attempts, per-minute counters) a change of one job leaves, as statements
 * for the transaction that makes the change. The rule is the domain's (`attemptEnd`,
 * `throughputField`), applied to the job before and after, as the in-memory store does.
 */
import { attemptEnd, minuteOf, throughputField } from '../../domain/history.js';
import type { Job } from '../../domain/job.js';
import type { JobWrite } from '../sql/sql-engine.js';
import type { MysqlQueries } from './mysql-queries.js';

/** What the history needs of the job before the change. */
export type PriorJob = Pick<Job, 'status' | 'leaseToken'>;

/** The statements recording what changing `prev` into `next` at `now` ends, starts and counts. */
export function historyStatements(q: MysqlQueries, prev: PriorJob, next: Job, now: number): [string, unknown[]][] {
  const out: [string, unknown[]][] = [];
  const end = attemptEnd(prev as Job, next);
  if (end) out.push([q.endAttempt, [now, end, end === 'completed' || end === 'released' ? null : next.lastError, Number(next.id), prev.leaseToken]]);
  if (next.status === 'processing' && next.leaseToken !== prev.leaseToken) out.push([q.startAttempts(1), [Number(next.id), next.leaseToken, next.lockedBy ?? '', now]]);
  const field = throughputField(prev as Job, next);
  if (field) out.push([q.count, [minuteOf(now), next.queue, Number(field === 'completed'), Number(field === 'failed'), Number(field === 'retried')]]);
  return out;
}

/** The job a decided write makes of `prev` (the result column aside, which history never reads). */
export function applied(prev: Job, w: JobWrite): Job {
  const next = { ...prev } as Record<string, unknown>;
  w.fields.forEach((f, i) => {
    if (f !== 'result') next[f] = w.values[i];
  });
  return next as unknown as Job;
}
