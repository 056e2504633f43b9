import { LeaseholdError, StoreUnavailableError } from '../../domain/errors.js';

/** The result of a write statement, as better-sqlite3 reports it. */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** The subset of a better-sqlite3 `Statement` the store uses. */
export interface SqliteStatementLike {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays of column values (better-sqlite3's `raw`), not objects. */
  raw(toggle?: boolean): SqliteStatementLike;
}

/**
 * The subset of better-sqlite3's `Database` the store uses, typed structurally so nothing
 * outside `leasehold/sqlite` depends on the driver.
 * @example new SqliteLeaseStore({ database: new Database('jobs.db') })
 */
export interface SqliteDatabaseLike {
  readonly open: boolean;
  prepare(source: string): SqliteStatementLike;
  exec(source: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<T>(fn: () => T): { immediate(): T };
  function(name: string, options: { deterministic?: boolean }, fn: (...args: never[]) => unknown): unknown;
  close(): unknown;
}

/**
 * Turns anything the driver threw into a `StoreUnavailableError` (cause kept); leasehold's
 * own errors pass through. Default context: none.
 * @example catch (e) { throw translateSqliteError(e, 'acquire') }
 */
export function translateSqliteError(error: unknown, context: string): Error {
  if (error instanceof LeaseholdError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? ` (${(error as { code: string }).code})` : '';
  const message = error instanceof Error ? error.message : String(error);
  const hint = /no such table/.test(message) ? '; has store.migrate() run?' : '';
  return new StoreUnavailableError(`SQLite ${context} failed${code}: ${message}${hint}`, { cause: error });
}
