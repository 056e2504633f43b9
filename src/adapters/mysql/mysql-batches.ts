/**
 * Enqueue on MySQL: one job per autocommit INSERT, or a batch as multi-row INSERTs in one
 * transaction, each statement kept inside the packet budget.
 */
import { KeyRetiredError } from '../../domain/errors.js';
import { chunksBySize } from '../common/chunks.js';
import type { EnqueueResult } from '../../domain/job.js';
import type { InsertJob } from '../sql/sql-engine.js';
import { copyJob, insertedJob, rowToJob, text, type SqlRow } from '../sql/sql-rows.js';
import { execute, selectRows, type MysqlOkPacket, type MysqlPoolLike, type MysqlTx } from './mysql-driver.js';
import type { MysqlQueries } from './mysql-queries.js';
import { insertValues } from './mysql-row-codec.js';

/**
 * Rows per multi-row INSERT or batched UPDATE, and bytes of JSON text per statement. A statement
 * must fit in max_allowed_packet (default 16 MiB on MariaDB 10.2+, 64 MiB on MySQL 8; a
 * statement over it fails with ER_NET_PACKET_TOO_LARGE and changes nothing), so batches are
 * split well below the smaller default.
 */
export const INSERT_CHUNK_ROWS = 1000;
export const INSERT_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Bytes a statement may carry besides its large values: the SQL text, names (a key is at most
 * 765 bytes), numbers, and a lastError of 8,192 characters escaped (at most 48 KiB).
 */
export const STATEMENT_OVERHEAD_BYTES = 64 * 1024;

/**
 * Bytes of values one batched statement may carry on a server with this max_allowed_packet:
 * INSERT_CHUNK_BYTES, or less on a server whose packets are smaller.
 */
export function chunkBudget(maxPacketBytes: number): number {
  return Math.max(1, Math.min(INSERT_CHUNK_BYTES, maxPacketBytes - STATEMENT_OVERHEAD_BYTES));
}

/**
 * Splits `items` into runs of at most INSERT_CHUNK_ROWS whose `bytes` add up to at most
 * `budget` (INSERT_CHUNK_BYTES unless the server's packets are smaller); an item larger than
 * that on its own goes alone.
 */
export function statementChunks<T>(items: T[], bytes: (item: T) => number, budget = INSERT_CHUNK_BYTES): T[][] {
  return chunksBySize(items, bytes, budget, INSERT_CHUNK_ROWS);
}

/**
 * Bytes a text value takes inside a statement: its UTF-8 length plus one backslash for each
 * character mysql2 escapes in a string literal (NUL, \b, \t, \n, \r, \x1a, quotes, backslash).
 * JSON text full of escaped quotes or backslashes is twice its size on the wire.
 */
export function sqlTextBytes(value: string | null): number {
  if (value === null) return 4;
  let escapes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x27 || c === 0x5c || c === 0 || c === 8 || c === 9 || c === 10 || c === 13 || c === 0x1a) escapes++;
  }
  return Buffer.byteLength(value, 'utf8') + escapes + 2;
}

/** Inserts one job without a key: one autocommit INSERT. */
export async function insertOne(db: Pick<MysqlPoolLike, 'query'>, q: MysqlQueries, v: InsertJob, now: number): Promise<EnqueueResult> {
  const ok = await execute(db, q.insertJob, insertValues(v, now));
  return { job: insertedJob(Number(ok.insertId), v, now), created: true };
}

/**
 * Inserts a batch in the caller's transaction, through the keys table (its rows locked first):
 * a live key returns its job, a key repeated in the batch returns the first one's job, a
 * retired key throws `KeyRetiredError` (the transaction rolls back: nothing is written) unless
 * `reuseKey`, which gives the new job the key's uid and format. The rest go as multi-row
 * INSERTs, then the new and revived key rows; the last statement carries the COMMIT.
 * `step` is auto_increment_increment: ids are insertId + i * step. With `commit` false the
 * caller's transaction goes on (and commits) after it.
 */
export async function insertMany(conn: MysqlTx, q: MysqlQueries, valid: InsertJob[], now: number, step: number, commit = true, budget = INSERT_CHUNK_BYTES): Promise<EnqueueResult[]> {
  const out: (EnqueueResult | undefined)[] = new Array(valid.length);
  const keys = [...new Set(valid.flatMap((v) => (v.key === null ? [] : [v.key])))];
  const known = new Map<string, SqlRow>();
  for (let i = 0; i < keys.length; i += INSERT_CHUNK_ROWS) {
    const chunk = keys.slice(i, i + INSERT_CHUNK_ROWS);
    for (const row of await selectRows(conn, q.selectKeysForUpdate(chunk.length), chunk)) known.set(text(row.job_key), row);
  }
  const liveIds = [...known.values()].filter((r) => r.job_id !== null).map((r) => Number(r.job_id));
  const live = new Map<number, SqlRow>();
  for (let i = 0; i < liveIds.length; i += INSERT_CHUNK_ROWS) {
    const chunk = liveIds.slice(i, i + INSERT_CHUNK_ROWS);
    for (const row of await selectRows(conn, q.selectByIds(chunk.length), chunk)) live.set(Number(row.id), row);
  }
  const firstOfKey = new Map<string, number>();
  const rows: InsertJob[] = [...valid];
  const toInsert: number[] = [];
  const revived: string[] = [];
  valid.forEach((v, i) => {
    if (v.key !== null) {
      const k = known.get(v.key);
      if (k && k.job_id !== null) return void (out[i] = { job: rowToJob(live.get(Number(k.job_id))!), created: false });
      if (firstOfKey.has(v.key)) return;
      if (k && !v.reuseKey) throw new KeyRetiredError(v.key, Number(k.retired_at));
      if (k) {
        rows[i] = { ...v, uid: String(k.job_uid), idempotencyKeyFormat: String(k.idempotency_key_format) as InsertJob['idempotencyKeyFormat'] };
        revived.push(v.key);
      }
      firstOfKey.set(v.key, i);
    }
    toInsert.push(i);
  });
  const newKeys = toInsert.filter((i) => rows[i]!.key !== null && !known.has(rows[i]!.key!));
  const keyWrites = newKeys.length + revived.length;
  for (const chunk of statementChunks(toInsert, (i) => sqlTextBytes(rows[i]!.payloadText), budget)) {
    // A concurrent enqueue of one of these keys makes this INSERT fail with 1062 (see MysqlEngine.insert).
    // Without key rows to write the last chunk carries the COMMIT: a batch without keys is one round trip in all.
    const insert: [string, unknown[]] = [q.insertJobs(chunk.length), chunk.flatMap((i) => insertValues(rows[i]!, now))];
    const last = chunk[chunk.length - 1] === toInsert[toInsert.length - 1];
    const ok = (commit && last && keyWrites === 0 ? await conn.queryAndCommit(...insert) : (await conn.many([insert]))[0]) as MysqlOkPacket;
    const first = Number(ok.insertId);
    chunk.forEach((i, k) => (out[i] = { job: insertedJob(first + k * step, rows[i]!, now), created: true }));
  }
  const writes: [string, unknown[]][] = [];
  for (let i = 0; i < newKeys.length; i += INSERT_CHUNK_ROWS) {
    const chunk = newKeys.slice(i, i + INSERT_CHUNK_ROWS);
    writes.push([q.insertKeys(chunk.length), chunk.flatMap((j) => [rows[j]!.key, rows[j]!.uid, rows[j]!.idempotencyKeyFormat, Number(out[j]!.job.id), now])]);
  }
  for (const key of revived) writes.push([q.reviveKey, [Number(out[firstOfKey.get(key)!]!.job.id), key]]);
  if (writes.length > 0) {
    if (commit) {
      if (writes.length > 1) await conn.many(writes.slice(0, -1));
      await conn.queryAndCommit(...writes[writes.length - 1]!);
    } else await conn.many(writes);
  }
  valid.forEach((v, i) => {
    if (out[i] === undefined) out[i] = { job: copyJob(out[firstOfKey.get(v.key!)!]!.job), created: false };
  });
  return out as EnqueueResult[];
}
