/**
 * Complete on MySQL: fenced statements that complete many leases at once, and the recovery of
 * a COMMIT whose reply was lost (the job is done, but the connection broke before we heard).
 */
import type { Job } from '../../domain/job.js';
import { minuteOf } from '../../domain/history.js';
import { holdsLease } from '../../domain/lease-rules.js';
import { StoreUnavailableError } from '../../domain/errors.js';
import type { CompleteRow } from '../sql/sql-engine.js';
import { completedFromHeld, rowToJob, type SqlRow } from '../sql/sql-rows.js';
import { execute, inTransaction, selectRows, type MysqlOkPacket, type MysqlTx } from './mysql-driver.js';
import type { MysqlEngine } from './mysql-engine.js';
import { isConnectionBroken } from './mysql-errors.js';
import { sqlTextBytes, statementChunks } from './mysql-batches.js';

/** Completes distinct (id, token) leases; per row the job as written, or undefined when lost. */
export async function completeHeld(e: MysqlEngine, rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
  try {
    if (rows.length === 1 && e.tx().multiStatements) {
      // Where statements may be sent together: the fenced UPDATE and its history, written only
      // if that UPDATE matched (`keepCompleted`), in one round trip and one commit. A lost
      // reply is told apart like a batch's (see `landed`): they commit together or not at all.
      const r = rows[0]!;
      const statements: [string, unknown[]][] = [
        [e.q.completeFenced(1), [r.id, r.resultText, now, now, r.id, r.id, r.token]],
        [e.q.keepCompleted, []],
        [e.q.endKeptAttempt, [now, r.id, r.token]],
        [e.q.countKeptCompleted, [minuteOf(now), r.job.queue]],
      ];
      const [ok] = (await inTransaction(e.pool, 'complete', (conn) => conn.many(statements, true), e.tx())) as [MysqlOkPacket];
      return ok.affectedRows === 1 ? [completedFromHeld(r.job, now, r.resultText)] : [undefined];
    }
    if (rows.length === 1) {
      const r = rows[0]!;
      // Statement by statement (a handed pool without multipleStatements): one autocommit
      // statement, which lost-reply recovery recognises; its history follows once it has
      // landed, in statements of its own (a transaction would add two round trips). The job is
      // done from here on, so a history write that fails (or a crash before it) leaves that
      // attempt open and that completion uncounted, and is not the caller's failure: reporting
      // one would make its retry meet the fence and call a job this call completed a lost lease.
      const ok: MysqlOkPacket = await e.autocommit('complete', (db) => execute(db, e.q.completeFenced(1), [r.id, r.resultText, now, now, r.id, r.id, r.token]));
      if (ok.affectedRows !== 1) return [undefined];
      await writeCompletedHistory(e, heldHistory(e, rows, now)).catch(() => undefined);
      return [completedFromHeld(r.job, now, r.resultText)];
    }
    return await inTransaction(e.pool, 'completeMany', (conn) => completeInTx(e, conn, rows, now), e.tx());
  } catch (error) {
    // The connection broke under the statement: the server may have committed it and only the
    // reply was lost. A retry would then meet the fence (the job is done) and report a lost
    // lease for a job this very call completed. Cheap to tell apart here (see `landed`).
    const found = await landed(e, error, rows, now);
    if (!found) throw error;
    // A batch's history committed with it, as did a single completion's sent together with it;
    // one sent statement by statement is written after it landed.
    if (rows.length === 1 && !e.tx().multiStatements) await recoverHistory(e, rows, now).catch(() => undefined);
    return found;
  }
}

async function completeInTx(e: MysqlEngine, conn: MysqlTx, rows: CompleteRow[], now: number): Promise<(Job | undefined)[]> {
  if (new Set(rows.map((r) => r.id)).size === rows.length) {
    const chunks = statementChunks(rows, (r) => sqlTextBytes(r.resultText), e.chunkBytes);
    const whole = chunks.length === 1 && e.tx().multiStatements ? sentWhole(e, rows, now) : undefined;
    // The count and the history travel with the UPDATE: the chunk's budget counts only the
    // UPDATE, so the whole query is measured against the packet again.
    if (whole !== undefined && e.fitsOneQuery(whole)) {
      // Sent whole: the leases counted and locked, the fenced UPDATE and its history written
      // only if every one is held, and COMMIT, in one round trip instead of two. The locks
      // make it all or nothing (the UPDATE matches all n rows or none).
      const [, ok] = (await conn.many(whole, true)) as [unknown, MysqlOkPacket];
      if (ok.affectedRows === rows.length) return rows.map((r) => completedFromHeld(r.job, now, r.resultText));
      // Some lease is stale and nothing was written: decide row by row, in a new transaction.
      await conn.restart();
      return completeLocked(e, conn, rows, now);
    }
    // One fenced statement per chunk that fits in a packet, all in this transaction.
    let held = 0;
    for (const chunk of chunks) {
      const values: unknown[] = [];
      for (const r of chunk) values.push(r.id, r.resultText);
      values.push(now, now, ...chunk.map((r) => r.id));
      for (const r of chunk) values.push(r.id, r.token);
      const ok = await execute(conn, e.q.completeFenced(chunk.length), values);
      if (ok.affectedRows !== chunk.length) break;
      held += chunk.length;
    }
    if (held === rows.length) {
      // The COMMIT rides with the history: one round trip fewer than a COMMIT of its own.
      await conn.many(heldHistory(e, rows, now), true);
      return rows.map((r) => completedFromHeld(r.job, now, r.resultText));
    }
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
    return completedFromHeld(job, now, r.resultText);
  });
  for (const chunk of statementChunks([...winners], ([, t]) => sqlTextBytes(t), e.chunkBytes)) {
    const values: unknown[] = [];
    for (const [id, t] of chunk) values.push(id, t);
    values.push(now, now, ...chunk.map(([id]) => id));
    await execute(conn, e.q.completeJobs(chunk.length), values);
  }
  const won = rows.filter((r, i) => out[i] !== undefined);
  if (won.length > 0) await conn.many(heldHistory(e, won, now), true);
  return out;
}

/**
 * A batch of distinct leases as one query (see `countHeld`): each statement after the count
 * writes only when all of them are held. The second statement is the fenced UPDATE.
 */
function sentWhole(e: MysqlEngine, rows: CompleteRow[], now: number): [string, unknown[]][] {
  const n = rows.length;
  const pairs = rows.flatMap((r) => [r.id, r.token]);
  const fenced: unknown[] = [];
  for (const r of rows) fenced.push(r.id, r.resultText);
  fenced.push(now, now, ...rows.map((r) => r.id), ...pairs);
  const queueCounts = completionsPerQueue(rows, now);
  return [
    [e.q.countHeld(n), [...rows.map((r) => r.id), ...pairs]],
    [e.q.allHeld(e.q.completeFenced(n), n), fenced],
    [e.q.allHeld(e.q.endHeldAttempts(n), n), [now, ...pairs]],
    [e.q.countHeldPerQueue(queueCounts.length / 3, n), queueCounts],
  ];
}

/**
 * The history of a single complete sent statement by statement whose reply was lost, as
 * autocommit statements: the count only if this closed the attempt. The row may be done by an
 * earlier complete of the same lease in the same millisecond, which `landed` cannot tell from
 * this one; that one closed the attempt and counted already.
 */
async function recoverHistory(e: MysqlEngine, rows: CompleteRow[], now: number): Promise<void> {
  const [[endSql, endValues], [countSql, countValues]] = completedHistory(e, rows, now) as [[string, unknown[]], [string, unknown[]]];
  const closed = await e.autocommit('complete', (db) => execute(db, endSql, endValues));
  if (closed.affectedRows === 1) await e.autocommit('complete', (db) => execute(db, countSql, countValues));
}

/** The history of a single complete sent statement by statement: autocommit statements of its own. */
async function writeCompletedHistory(e: MysqlEngine, statements: [string, unknown[]][]): Promise<void> {
  for (const [sql, values] of statements) await e.autocommit('complete', (db) => execute(db, sql, values));
}

/**
 * The history of completions known to have been written (each fenced row matched its token, so
 * those jobs are done by these leases): the attempts closed by key and the counters computed
 * here, per queue, with no read of the job rows. Most of a batch's cost on the server was the
 * joins the conditioned form needs.
 */
function heldHistory(e: MysqlEngine, rows: CompleteRow[], now: number): [string, unknown[]][] {
  const queues = completionsPerQueue(rows, now);
  return [
    [e.q.endHeldAttempts(rows.length), [now, ...rows.flatMap((r) => [r.id, r.token])]],
    [e.q.countCompletedPerQueue(queues.length / 3), queues],
  ];
}

/** (minute, queue, completions) per queue of these rows, flat, in byte order of the queue: the order InnoDB keeps the counter rows in, so two batches lock shared rows alike. */
function completionsPerQueue(rows: CompleteRow[], now: number): unknown[] {
  const perQueue = new Map<string, number>();
  for (const r of rows) perQueue.set(r.job.queue, (perQueue.get(r.job.queue) ?? 0) + 1);
  const minute = minuteOf(now);
  const queues = [...perQueue].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return queues.flatMap(([queue, n]) => [minute, queue, n]);
}

/**
 * The attempts completions end and the counters they bump, for rows completed at `now`. Both
 * statements check the job rows are done with those tokens at that time, so an entry whose
 * lease was lost records nothing.
 */
function completedHistory(e: MysqlEngine, rows: { id: number; token: number }[], now: number): [string, unknown[]][] {
  const pairs = rows.flatMap((r) => [r.id, r.token]);
  return [
    [e.q.endCompletedAttempts(rows.length), [now, now, ...pairs]],
    [e.q.countCompleted(rows.length), [minuteOf(now), now, ...pairs]],
  ];
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
    return completedFromHeld(r.job, now, r.resultText);
  });
  return won.size > 0 ? out : undefined;
}
