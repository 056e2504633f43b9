/**
 * The subset of mysql2's promise API the adapter uses, typed structurally so nothing outside
 * `leasehold/mysql` depends on the driver, plus the transaction runner (isolation, retry of
 * deadlocks and lock-wait timeouts, explicit rollback, broken connections destroyed).
 */
import { StoreUnavailableError } from '../../domain/errors.js';
import { isConnectionBroken, isRetryableConflict, translateMysqlError } from './mysql-errors.js';

/** What a mysql2 `query` resolves to: rows (or an OkPacket-like result) and field metadata. */
export type MysqlQueryResult = [unknown, unknown];

/** The subset of mysql2's promise `PoolConnection` the adapter uses. */
export interface MysqlConnectionLike {
  query(sql: string, values?: unknown[]): Promise<MysqlQueryResult>;
  release(): void;
  destroy(): void;
  /** Server connection id (for KILL in tests and monitoring). */
  readonly threadId: number | null;
}

/**
 * The subset of mysql2's promise `Pool` the adapter uses; a `mysql2/promise` pool fits it.
 * @example const pool: MysqlPoolLike = mysql.createPool({ uri: 'mysql://root@127.0.0.1/app' });
 */
export interface MysqlPoolLike {
  getConnection(): Promise<MysqlConnectionLike>;
  query(sql: string, values?: unknown[]): Promise<MysqlQueryResult>;
  end(): Promise<void>;
}

/** What INSERT, UPDATE and DELETE resolve to. */
export interface MysqlOkPacket {
  affectedRows: number;
  insertId: number | string;
}

/** Rows of a SELECT. */
export type MysqlRow = Record<string, unknown>;

/** Runs one query and returns its rows. */
export async function selectRows(db: Pick<MysqlConnectionLike, 'query'>, sql: string, values?: unknown[]): Promise<MysqlRow[]> {
  const [rows] = await db.query(sql, values);
  return rows as MysqlRow[];
}

/** Runs one statement and returns its OK packet. */
export async function execute(db: Pick<MysqlConnectionLike, 'query'>, sql: string, values?: unknown[]): Promise<MysqlOkPacket> {
  const [ok] = await db.query(sql, values);
  return ok as MysqlOkPacket;
}

/** How the transaction runner retries conflicts. */
export interface TxRetryPolicy {
  /** Attempts in all, first included. Default 5. */
  attempts: number;
  /** Backoff cap of the first retry in ms, doubled each time, full jitter. Default 5. */
  baseDelayMs: number;
}

/** Default retry policy of deadlocks and lock-wait timeouts. */
export const DEFAULT_TX_RETRY: Readonly<TxRetryPolicy> = Object.freeze({ attempts: 5, baseDelayMs: 5 });

/**
 * Runs `work` in one transaction on one pooled connection. A deadlock (1213) or lock-wait
 * timeout (1205) rolls back and reruns the whole of `work`, up to `retry.attempts` times with a
 * short jittered backoff, then gives `StoreUnavailableError`. Any other failure rolls back and
 * is translated; a broken connection is destroyed so the pool never hands it out again.
 * `work` must be safe to rerun: it may not have effects outside the transaction.
 */
export async function inTransaction<T>(
  pool: MysqlPoolLike,
  operation: string,
  work: (conn: MysqlConnectionLike) => Promise<T>,
  opts: { isolation: string | null; begin: string; commit: string; rollback: string; retry: TxRetryPolicy; random: () => number },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let conn: MysqlConnectionLike;
    try {
      conn = await pool.getConnection();
    } catch (e) {
      throw translateMysqlError(e, operation);
    }
    let broken = false;
    try {
      if (opts.isolation) await conn.query(opts.isolation);
      await conn.query(opts.begin);
      const out = await work(conn);
      await conn.query(opts.commit);
      return out;
    } catch (e) {
      broken = isConnectionBroken(e);
      // Explicit rollback: a lock-wait timeout rolls back only the statement, and a connection
      // returned to the pool must not carry an open transaction into someone else's work.
      if (!broken) {
        try {
          await conn.query(opts.rollback);
        } catch {
          broken = true;
        }
      }
      if (isRetryableConflict(e)) {
        if (attempt < opts.retry.attempts) {
          await realDelay(Math.floor(opts.random() * opts.retry.baseDelayMs * 2 ** (attempt - 1)));
          continue;
        }
        throw new StoreUnavailableError(`mysql ${operation} kept conflicting with other transactions (${attempt} attempts)`, { cause: e });
      }
      throw translateMysqlError(e, operation);
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }
}

/**
 * Runs one autocommit statement on the pool, translating driver errors. A statement on its
 * own is its own transaction, so conflicts are retried the same way.
 */
export async function autocommit<T>(
  pool: MysqlPoolLike,
  operation: string,
  work: (db: Pick<MysqlPoolLike, 'query'>) => Promise<T>,
  retry: TxRetryPolicy,
  random: () => number,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(pool);
    } catch (e) {
      if (isRetryableConflict(e) && attempt < retry.attempts) {
        await realDelay(Math.floor(random() * retry.baseDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      if (isRetryableConflict(e)) throw new StoreUnavailableError(`mysql ${operation} kept conflicting (${attempt} attempts)`, { cause: e });
      throw translateMysqlError(e, operation);
    }
  }
}

/**
 * Conflict backoff uses real time, not the store's Clock: it waits for another transaction to
 * let go of a lock, which happens in real time even when a test drives the Clock by hand.
 */
function realDelay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
