/**
 * Values the MySQL engine sends for a row: the parameters of an insert and of a write to a
 * locked row. Rows coming back are decoded by the shared `rowToJob` (sql-rows.ts), which already
 * accepts what mysql2 returns (VARBINARY names as Buffers, numbers as strings).
 */
import type { Job } from '../../domain/job.js';
import type { InsertJob, JobWrite } from '../sql/sql-engine.js';

/** Parameters of one row of `insertJob`/`insertJobs` (uid and format as decided for the row). */
export function insertValues(v: InsertJob, now: number): unknown[] {
  return [v.uid, v.queue, v.key, v.idempotencyKeyFormat, v.payloadText, v.priority, v.runAt, v.maxAttempts, v.maxLeaseExpiries, now, now, v.concurrencyKey, v.concurrencyLimit];
}

/** Parameters of `writeLocked`: the decided values, then the guard (the row as it was read). */
export function lockedWriteValues(w: JobWrite, prev: Pick<Job, 'id' | 'status' | 'leaseToken'>): unknown[] {
  return [...w.values, Number(prev.id), prev.status, prev.leaseToken];
}
