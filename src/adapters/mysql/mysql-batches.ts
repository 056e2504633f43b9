/**
 * Enqueue on MySQL: one job per autocommit INSERT, or a batch as multi-row INSERTs in one
 * transaction, each statement kept inside the packet budget.
 */
import type { EnqueueResult } from '../../domain/job.js';
import type { ValidatedNewJob } from '../../domain/validation.js';
import { copyJob, insertedJob, rowToJob, text, type SqlRow } from '../sql/sql-rows.js';
import { execute, selectRows, type MysqlOkPacket, type MysqlPoolLike, type MysqlTx } from './mysql-driver.js';
import { isDuplicateKey } from './mysql-errors.js';
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
 * Splits `items` into runs of at most INSERT_CHUNK_ROWS whose `bytes` add up to at most
 * INSERT_CHUNK_BYTES; an item larger than that on its own goes alone.
 */
export function statementChunks<T>(items: T[], bytes: (item: T) => number): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = bytes(item);
    if (chunk.length > 0 && (chunk.length >= INSERT_CHUNK_ROWS || size + n > INSERT_CHUNK_BYTES)) {
      out.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += n;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
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

/** Inserts one job, or returns the job that holds its key. */
export async function insertOne(db: Pick<MysqlPoolLike, 'query'>, q: MysqlQueries, v: ValidatedNewJob, now: number): Promise<EnqueueResult> {
  // A key can vanish (prune) between the failed INSERT and the SELECT: then insert again.
  for (;;) {
    try {
      const ok = await execute(db, q.insertJob, insertValues(v, now));
      return { job: insertedJob(Number(ok.insertId), v, now), created: true };
    } catch (e) {
      if (!isDuplicateKey(e) || v.key === null) throw e;
    }
    const [row] = await selectRows(db, q.selectByKey, [v.key]);
    if (row) return { job: rowToJob(row), created: false };
  }
}

/**
 * Inserts a batch in the caller's transaction: keys already in the table return their jobs,
 * a key repeated in the batch returns the first one's job, the rest go as multi-row INSERTs
 * (the last carries the COMMIT). `step` is auto_increment_increment: ids are insertId + i * step.
 */
export async function insertMany(conn: MysqlTx, q: MysqlQueries, valid: ValidatedNewJob[], now: number, step: number): Promise<EnqueueResult[]> {
  const out: (EnqueueResult | undefined)[] = new Array(valid.length);
  const keys = [...new Set(valid.flatMap((v) => (v.key === null ? [] : [v.key])))];
  const existing = new Map<string, SqlRow>();
  for (let i = 0; i < keys.length; i += INSERT_CHUNK_ROWS) {
    const chunk = keys.slice(i, i + INSERT_CHUNK_ROWS);
    for (const row of await selectRows(conn, q.selectByKeys(chunk.length), chunk)) existing.set(text(row.job_key), row);
  }
  const firstOfKey = new Map<string, number>();
  const toInsert: number[] = [];
  valid.forEach((v, i) => {
    if (v.key !== null) {
      const row = existing.get(v.key);
      if (row) return void (out[i] = { job: rowToJob(row), created: false });
      if (firstOfKey.has(v.key)) return;
      firstOfKey.set(v.key, i);
    }
    toInsert.push(i);
  });
  for (let start = 0; start < toInsert.length; ) {
    let end = start;
    let bytes = 0;
    while (end < toInsert.length && end - start < INSERT_CHUNK_ROWS && (end === start || bytes + valid[toInsert[end]!]!.payloadText.length <= INSERT_CHUNK_BYTES)) {
      bytes += valid[toInsert[end]!]!.payloadText.length;
      end++;
    }
    const chunk = toInsert.slice(start, end);
    // A concurrent enqueue of one of these keys makes this INSERT fail with 1062 (see MysqlEngine.insert).
    // The last chunk carries the COMMIT: a batch without keys is one round trip in all.
    const insert: [string, unknown[]] = [q.insertJobs(chunk.length), chunk.flatMap((i) => insertValues(valid[i]!, now))];
    const ok = (end === toInsert.length ? await conn.queryAndCommit(...insert) : (await conn.many([insert]))[0]) as MysqlOkPacket;
    const first = Number(ok.insertId);
    chunk.forEach((i, k) => (out[i] = { job: insertedJob(first + k * step, valid[i]!, now), created: true }));
    start = end;
  }
  valid.forEach((v, i) => {
    if (out[i] === undefined) out[i] = { job: copyJob(out[firstOfKey.get(v.key!)!]!.job), created: false };
  });
  return out as EnqueueResult[];
}
