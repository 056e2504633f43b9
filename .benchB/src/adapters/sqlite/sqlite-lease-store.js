import { loadDriver } from '../common/load-driver.js';
import { ValidationError } from '../../domain/errors.js';
import { leaseExpiredMessage } from '../../domain/lifecycle.js';
import { validateInteger } from '../../domain/validation.js';
import { resolveStoreOptions } from '../common/store-options.js';
import { SqlLeaseStore } from '../sql/sql-lease-store.js';
import { translateSqliteError } from './sqlite-database.js';
import { SqliteEngine } from './sqlite-engine.js';
import * as Q from './sqlite-queries.js';
const Database = loadDriver('better-sqlite3', 'better-sqlite3', 'leasehold/sqlite');
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/**
 * A LeaseStore in a SQLite file, shared safely by several processes on one host.
 * Defaults: WAL, synchronous=FULL, busy timeout 5000 ms, the system clock.
 * @example
 * const store = new SqliteLeaseStore({ filename: 'jobs.db' });
 * await store.migrate();
 * await store.enqueue({ queue: 'orders', payload: { orderId: 1 }, key: 'order-1' });
 */
export class SqliteLeaseStore extends SqlLeaseStore {
    constructor(options) {
        if (typeof options !== 'object' || options === null)
            throw new ValidationError('options', 'must be an object with filename or database');
        const opts = resolveStoreOptions(options, 'SqliteLeaseStore', ['filename', 'database', 'synchronous', 'busyTimeoutMs']);
        const synchronous = options.synchronous ?? 'FULL';
        if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
            throw new ValidationError('synchronous', `must be 'FULL' or 'NORMAL', got ${String(synchronous)}`);
        const busyTimeoutMs = options.busyTimeoutMs === undefined ? DEFAULT_BUSY_TIMEOUT_MS : validateInteger(options.busyTimeoutMs, 'busyTimeoutMs', 0, 2 ** 31 - 1);
        if ((options.filename === undefined) === (options.database === undefined)) {
            throw new ValidationError('filename', 'give exactly one of filename or database');
        }
        if (options.filename !== undefined && (typeof options.filename !== 'string' || options.filename === '')) {
            throw new ValidationError('filename', 'must be a non-empty path (or ":memory:")');
        }
        if (options.database !== undefined && !isDatabaseLike(options.database)) {
            throw new ValidationError('database', 'must be an open better-sqlite3 Database (prepare, exec, pragma, transaction, function, close)');
        }
        const ownsDatabase = options.database === undefined;
        const db = options.database ?? openDatabase(options.filename, busyTimeoutMs);
        try {
            // Reading journal_mode is also the first read of the file: a non-database fails here.
            db.pragma(Q.PRAGMA_WAL);
            db.pragma(Q.pragmaSynchronous(synchronous));
            db.pragma(Q.pragmaBusyTimeout(busyTimeoutMs));
            // The domain words the lease-expired message; SQL statements call it through this function.
            db.function(Q.LEASE_EXPIRED_MESSAGE_FN, { deterministic: true }, (attempts, expiries, maxExpiries) => leaseExpiredMessage(attempts, expiries, maxExpiries));
        }
        catch (e) {
            if (ownsDatabase)
                db.close();
            throw translateSqliteError(e, `open of ${options.filename ?? 'the given database'}`);
        }
        super(new SqliteEngine(db, ownsDatabase), opts);
    }
}
function isDatabaseLike(db) {
    if (typeof db !== 'object' || db === null)
        return false;
    const d = db;
    return ['prepare', 'exec', 'pragma', 'transaction', 'function', 'close'].every((m) => typeof d[m] === 'function');
}
function openDatabase(filename, busyTimeoutMs) {
    try {
        return new Database(filename, { timeout: busyTimeoutMs });
    }
    catch (e) {
        throw translateSqliteError(e, `open of ${filename}`);
    }
}
//# sourceMappingURL=sqlite-lease-store.js.map