/**
 * The pools the adapter opens itself (from a `uri`): the only place mysql2 is constructed.
 */
import mysql from 'mysql2/promise';
import type { MysqlPoolLike } from './mysql-driver.js';
import { READ_COMMITTED_SESSION } from './mysql-queries.js';

/**
 * Opens a pool for the store or the clock. Every connection starts at READ COMMITTED, may
 * carry several `;`-separated statements per query (the store sends its own statements
 * together; every value still travels as a `?` parameter), and has an 'error' listener:
 * mysql2 drops a failed idle connection from the pool on its first error, and a later error
 * with no listener would crash the process. The failure itself surfaces on the next query.
 */
export function openMysqlPool(uri: string, connectionLimit: number): MysqlPoolLike {
  const pool = mysql.createPool({
    uri,
    connectionLimit,
    waitForConnections: true,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    multipleStatements: true,
  });
  pool.on('connection', (conn) => {
    const core = conn as unknown as { on(event: 'error', l: (e: unknown) => void): void; query(sql: string, cb: (e: unknown) => void): void };
    core.on('error', () => undefined);
    // Queued before any caller's query on this new connection; if it fails, the connection is
    // broken and the caller's first query fails too.
    core.query(READ_COMMITTED_SESSION, () => undefined);
  });
  return pool;
}
