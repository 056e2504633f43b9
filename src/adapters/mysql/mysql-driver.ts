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

/** How transactions start and end, and whether statements may share a round trip. */
export interface TxOptions {
  /** Sent before `begin` when the session's isolation cannot be assumed; null when it can. */
  isolation: string | null;
  begin: string;
  commit: string;
  rollback: string;
  /**
   * The connection accepts several `;`-separated statements in one query (mysql2's
   * `multipleStatements`): BEGIN rides with the first statement and COMMIT with the last, so a
   * claim is two round trips instead of six. False for a pool the store was handed.
   */
  multiStatements: boolean;
  retry: TxRetryPolicy;
  random: () => number;
}

/**
 * One transaction on one connection. It begins lazily with the first statement and, when the
 * connection allows several statements per query, in the same round trip.
 */
export class MysqlTx {
  private begun = false;
  /** Set once COMMIT went out with a statement; the runner then sends none. */
  committed = false;

  constructor(
    private readonly conn: MysqlConnectionLike,
    private readonly opts: TxOptions,
  ) {}

  /** Whether a statement of this transaction reached the server (so it must end). */
  get started(): boolean {
    return this.begun;
  }

  /** Runs one statement inside the transaction. */
  async query(sql: string, values: unknown[] = []): Promise<MysqlQueryResult> {
    const [result] = await this.many([[sql, values]]);
    return [result, undefined];
  }

  /** Runs statements in order inside the transaction; one round trip when the connection allows. */
  async many(statements: [string, unknown[]][], commitAfter = false): Promise<unknown[]> {
    const all: [string, unknown[]][] = [];
    if (!this.begun) {
      if (this.opts.isolation) all.push([this.opts.isolation, []]);
      all.push([this.opts.begin, []]);
    }
    const skip = all.length;
    all.push(...statements);
    if (commitAfter) all.push([this.opts.commit, []]);
    this.begun = true;
    let results: unknown[];
    if (this.opts.multiStatements && all.length > 1) {
      const [res] = await this.conn.query(all.map(([sql]) => sql).join(';\n'), all.flatMap(([, v]) => v));
      results = res as unknown[];
    } else {
      results = [];
      for (const [sql, v] of all) results.push((await this.conn.query(sql, v))[0]);
    }
    if (commitAfter) this.committed = true;
    return results.slice(skip, skip + statements.length);
  }

  /** Runs the transaction's last statement and commits with it; returns the statement's result. */
  async queryAndCommit(sql: string, values: unknown[] = []): Promise<unknown> {
    const [result] = await this.many([[sql, values]], true);
    return result;
  }

  /** Rolls back what was done so far (nothing to undo once committed); the next statement begins a new transaction. */
  async restart(): Promise<void> {
    if (this.begun && !this.committed) await this.conn.query(this.opts.rollback);
    this.begun = false;
    this.committed = false;
  }
}

/**
 * Runs `work` in one transaction on one pooled connection. A deadlock (1213) or lock-wait
 * timeout (1205) rolls back and reruns the whole of `work`, up to `retry.attempts` times with a
 * short jittered backoff, then gives `StoreUnavailableError`. Any other failure rolls back and
 * is translated; a broken connection is destroyed so the pool never hands it out again.
 * `work` must be safe to rerun: it may not have effects outside the transaction.
 */
export async function inTransaction<T>(pool: MysqlPoolLike, operation: string, work: (tx: MysqlTx) => Promise<T>, opts: TxOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let conn: MysqlConnectionLike;
    try {
      conn = await pool.getConnection();
    } catch (e) {
      throw translateMysqlError(e, operation);
    }
    let broken = false;
    const tx = new MysqlTx(conn, opts);
    try {
      const out = await work(tx);
      if (tx.started && !tx.committed) await conn.query(opts.commit);
      return out;
    } catch (e) {
      broken = isConnectionBroken(e);
      // Explicit rollback: a lock-wait timeout rolls back only the statement, and a connection
      // returned to the pool must not carry an open transaction into someone else's work.
      if (!broken && tx.started) {
        try {
          await conn.query(opts.rollback);
        } catch {
          broken = true;
        }
      }
      // Only conflicts are rerun here: InnoDB rolled them back, so nothing was written. A broken
      // connection is not: the server may have committed (a lost COMMIT reply looks the same as
      // a connection that never got there), and the caller's retry of a worker write would then
      // meet the fence and report a lost lease for a write that landed. MysqlLeaseStore resolves
      // that for complete/completeMany (see `landed`); for fail, release, extend and steps it
      // surfaces as StoreUnavailableError, and the worker's retry may report lease:lost although
      // the outcome was recorded (harmless for no-double-orders: nothing runs again).
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
    let conn: MysqlConnectionLike;
    try {
      conn = await pool.getConnection();
    } catch (e) {
      throw translateMysqlError(e, operation);
    }
    let broken = false;
    try {
      return await work(conn);
    } catch (e) {
      // Its own connection, not pool.query: one the server closed (1153, a kill) is destroyed
      // here, where pool.query would hand it back to the pool and to the next caller.
      broken = isConnectionBroken(e);
      if (isRetryableConflict(e) && attempt < retry.attempts) {
        await realDelay(Math.floor(random() * retry.baseDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      if (isRetryableConflict(e)) throw new StoreUnavailableError(`mysql ${operation} kept conflicting (${attempt} attempts)`, { cause: e });
      throw translateMysqlError(e, operation);
    } finally {
      if (broken) conn.destroy();
      else conn.release();
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
