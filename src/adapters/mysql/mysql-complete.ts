/**
 * Complete on MySQL: fenced statements that complete many leases at once, and the recovery of
 * a COMMIT whose reply was lost (the job is done, but the connection broke before we heard).
 */
import type { Job } from '../../domain/job.js';
import { holdsLease } from '../../domain/lease-rules.js';
import { StoreUnavailableError } from '../../domain/errors.js';
import type { CompleteRow } from '../sql/sql-engine.js';
import { completedFromLease, rowToJob, type SqlRow } from '../sql/sql-rows.js';
import { execute, inTransaction, selectRows, type MysqlOkPacket, type MysqlTx } from './mysql-driver.js';
import type { MysqlEngine } from './mysql-engine.js';
import { isConnectionBroken } from './mysql-errors.js';
import { sqlTextBytes, statementChunks } from './mysql-batches.js';

/** Completes distinct (id, token) leases; per row the job as written, or undefined when lost. */
export async function completeHeld(e: MysqlEngine, rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
  try {
    if (rows.length === 1) {
      const r = rows[0]!;
      const ok: MysqlOkPacket = await e.autocommit('complete', (db) => execute(db, e.q.completeFenced(1), [r.id, r.resultText, now, now, r.id, r.id, r.token]));
      return [ok.affectedRows === 1 ? completedFromLease(r.job, now, r.resultText) : undefined];
    }
    return await inTransaction(e.pool, 'completeMany', (conn) => completeInTx(e, conn, rows, now), e.tx());
  } catch (error) {
    // The connection broke under the statement: the server may have committed it and only the
    // reply was lost. A retry would then meet the fence (the job is done) and report a lost
    // lease for a job this very call completed. Cheap to tell apart here (see `landed`).
    const found = await landed(e, error, rows, now);
    if (!found) throw error;
    return found;
  }
}

async function completeInTx(e: MysqlEngine, conn: MysqlTx, rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
  if (new Set(rows.map((r) => r.id)).size === rows.length) {
    // One fenced statement per chunk that fits in a packet, all in this transaction.
    let held = 0;
    for (const chunk of statementChunks(rows, (r) => sqlTextBytes(r.resultText))) {
      const values: unknown[] = [];
      for (const r of chunk) values.push(r.id, r.resultText);
      values.push(now, now, ...chunk.map((r) => r.id));
      for (const r of chunk) values.push(r.id, r.token);
      const ok = await execute(conn, e.q.completeFenced(chunk.length), values);
      if (ok.affectedRows !== chunk.length) break;
      held += chunk.length;
    }
    if (held === rows.length) return rows.map((r) => completedFromLease(r.job, now, r.resultText));
    // Some lease is stale and one statement cannot say which: undo, then decide row by row.
    await conn.restart();
  }
  return completeLocked(e, conn, rows, now);
}

/** Row by row under locks: like the model's loop, an entry behind an earlier one for the same job finds it done. */
async function completeLocked(e: MysqlEngine, conn: MysqlTx, rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
  const ids = [...new Set(rows.map((r) => r.id))];
  const current = new Map<number, Job>();
  for (const row of await selectRows(conn, e.q.selectByIdsForUpdate(ids.length), ids)) current.set(Number(row.id), rowToJob(row));
  const winners = new Map<number, string | null>();
  const out = rows.map((r) => {
    const job = current.get(r.id);
    if (!job || winners.has(r.id) || !holdsLease(job, r.token)) return undefined;
    winners.set(r.id, r.resultText);
    return completedFromLease(job, now, r.resultText);
  });
  for (const chunk of statementChunks([...winners], ([, t]) => sqlTextBytes(t))) {
    const values: unknown[] = [];
    for (const [id, t] of chunk) values.push(id, t);
    values.push(now, now, ...chunk.map(([id]) => id));
    await execute(conn, e.q.completeJobs(chunk.length), values);
  }
  return out;
}

/**
 * After a complete at `now` failed with `error`: when the connection broke, reads the rows back
 * and, if the write committed with only its reply lost, returns the outcomes it had. Only that
 * write sets status 'done' with these lease tokens and this call's time as finished_at, so a
 * match is proof; a transaction commits whole, so one match (and no lease still held) means
 * every entry that was not matched lost its lease. Undefined otherwise: the error stands, and
 * the caller's retry may meet the fence and report a lost lease for a job that is done. That
 * remains possible when this read fails too, or runs before a statement the server had already
 * received commits. Other writes (fail, release, extend, steps) keep the job in a state a
 * reaper could also produce (retry/failed, same token), so they are not told apart: see the
 * comment in `inTransaction`.
 */
async function landed(e: MysqlEngine, error: unknown, rows: CompleteRow[], now: number): Promise<(Job | undefined)[] | undefined> {
  if (!(error instanceof StoreUnavailableError && isConnectionBroken(error.cause))) return undefined;
  const ids = [...new Set(rows.map((r) => r.id))];
  let found: SqlRow[];
  try {
    found = await e.autocommit('complete', (db) => selectRows(db, e.q.selectByIds(ids.length), ids));
  } catch {
    return undefined;
  }
  const byId = new Map(found.map((r) => [Number(r.id), r]));
  // A lease still held means the transaction did not commit (it would have completed that job).
  const held = (r: CompleteRow): boolean => {
    const row = byId.get(r.id);
    return row !== undefined && String(row.status) === 'processing' && Number(row.lease_token) === r.token;
  };
  if (rows.some(held)) return undefined;
  const won = new Set<number>();
  const out = rows.map((r): Job | undefined => {
    const row = byId.get(r.id);
    if (won.has(r.id) || !row || String(row.status) !== 'done' || Number(row.lease_token) !== r.token || Number(row.finished_at) !== now) return undefined;
    won.add(r.id);
    return completedFromLease(r.job, now, r.resultText);
  });
  return won.size > 0 ? out : undefined;
}
