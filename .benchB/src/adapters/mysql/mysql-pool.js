import { loadDriver } from '../common/load-driver.js';
import { ValidationError } from '../../domain/errors.js';
import { READ_COMMITTED_SESSION } from './mysql-queries.js';
const mysql = loadDriver('mysql2/promise', 'mysql2', 'leasehold/mysql');
const URI_FORM = 'expected mysql://user:password@host:3306/database';
/**
 * Checks the `uri` | `pool` choice of the store's and the clock's options: exactly one of them,
 * a uri mysql2 can parse (mysql: or mariadb: scheme), or an object with `getConnection`. Every
 * failure is a ValidationError naming the field; the uri itself is never echoed (it may carry a
 * password).
 */
export function validateMysqlSource(options) {
    const { uri, pool } = options;
    if (uri !== undefined && pool !== undefined)
        throw new ValidationError('uri', 'give either a uri or a pool, not both');
    if (pool !== undefined) {
        if (typeof pool !== 'object' || pool === null || typeof pool.getConnection !== 'function') {
            throw new ValidationError('pool', 'must be a mysql2/promise Pool (an object with getConnection, query and end)');
        }
        return { pool: pool };
    }
    if (uri === undefined)
        throw new ValidationError('uri', `give a mysql:// uri or a pool (${URI_FORM})`);
    if (typeof uri !== 'string' || uri.length === 0)
        throw new ValidationError('uri', `must be a non-empty string (${URI_FORM})`);
    let url;
    try {
        url = new URL(uri);
    }
    catch {
        throw new ValidationError('uri', `is not a valid URL (${URI_FORM})`);
    }
    if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:')
        throw new ValidationError('uri', `must use the mysql: scheme, got ${url.protocol} (${URI_FORM})`);
    try {
        // mysql2 decodes these parts with decodeURIComponent, which throws on a stray %.
        for (const part of [url.hostname, url.username, url.password, url.pathname])
            decodeURIComponent(part);
    }
    catch {
        throw new ValidationError('uri', `has a malformed %-escape in its host, user, password or database (${URI_FORM})`);
    }
    return { uri };
}
/**
 * Opens a pool for the store or the clock. Every connection starts at READ COMMITTED, may
 * carry several `;`-separated statements per query (the store sends its own statements
 * together; every value still travels as a `?` parameter), and has an 'error' listener:
 * mysql2 drops a failed idle connection from the pool on its first error, and a later error
 * with no listener would crash the process. The failure itself surfaces on the next query.
 */
export function openMysqlPool(uri, connectionLimit) {
    let pool;
    try {
        pool = createPool(uri, connectionLimit);
    }
    catch (e) {
        // Anything validateMysqlSource let through that mysql2 still refuses at parse time.
        throw new ValidationError('uri', `was refused by mysql2 (${e instanceof Error ? e.name : 'error'}; ${URI_FORM})`);
    }
    pool.on('connection', (conn) => {
        const core = conn;
        core.on('error', () => undefined);
        // Queued before any caller's query on this new connection; if it fails, the connection is
        // broken and the caller's first query fails too.
        core.query(READ_COMMITTED_SESSION, () => undefined);
    });
    return pool;
}
function createPool(uri, connectionLimit) {
    return mysql.createPool({
        uri,
        connectionLimit,
        waitForConnections: true,
        enableKeepAlive: true,
        supportBigNumbers: true,
        bigNumberStrings: false,
        multipleStatements: true,
        // No stack captured per query for the driver's own errors: it was 5% of the worker's CPU
        // on MySQL, and every error the store raises is its own, made (with its stack) where the
        // store was called, the driver's error kept as its cause.
        trace: false,
    });
}
//# sourceMappingURL=mysql-pool.js.map