/**
 * The MySQL store: many worker processes on many hosts share one MySQL 8 (or MariaDB 10.6+)
 * database, the only coordinator. The shared SQL core (`SqlLeaseStore`) over `MysqlEngine`;
 * the contract suite holds it to the in-memory model.
 */
import { ValidationError } from '../../domain/errors.js';
import { validateInteger, validateTableName } from '../../domain/validation.js';
import { resolveStoreOptions, validateOptionObject } from '../common/store-options.js';
import { SqlLeaseStore } from '../sql/sql-lease-store.js';
import { DEFAULT_TX_RETRY } from './mysql-driver.js';
import { MysqlEngine } from './mysql-engine.js';
import { openMysqlPool, validateMysqlSource } from './mysql-pool.js';
import { MysqlClock } from './mysql-clock.js';
import { mysqlQueries } from './mysql-queries.js';
/**
 * A LeaseStore on MySQL 8 or MariaDB 10.6+ through mysql2.
 * Default table `processing_jobs`, default pool of 10 connections when given a `uri`, and
 * leases judged by the server's clock (a {@link MysqlClock} over the store's pool) unless you
 * pass `clock`.
 * @example
 * const store = new MysqlLeaseStore({ uri: 'mysql://app@db:3306/app', clock: await new MysqlClock({ uri }).start() });
 * await store.migrate();
 * await store.enqueue({ queue: 'orders', payload: { orderId: 1 }, key: 'order-1' });
 */
export class MysqlLeaseStore extends SqlLeaseStore {
    constructor(options) {
        if (typeof options !== 'object' || options === null)
            throw new ValidationError('options', 'must be an object with uri or pool');
        const opts = resolveStoreOptions(options, 'MysqlLeaseStore', ['uri', 'pool', 'table', 'connectionLimit', 'conflictRetry', 'multipleStatements']);
        validateOptionObject(options.conflictRetry, 'conflictRetry', ['attempts', 'baseDelayMs']);
        const ownClock = options.clock === undefined;
        const table = validateTableName(options.table ?? 'processing_jobs', 'table');
        const conflictRetry = {
            attempts: options.conflictRetry?.attempts === undefined ? DEFAULT_TX_RETRY.attempts : validateInteger(options.conflictRetry.attempts, 'conflictRetry.attempts', 1, 100),
            baseDelayMs: options.conflictRetry?.baseDelayMs === undefined ? DEFAULT_TX_RETRY.baseDelayMs : validateInteger(options.conflictRetry.baseDelayMs, 'conflictRetry.baseDelayMs', 0, 10_000),
        };
        if (options.multipleStatements !== undefined && typeof options.multipleStatements !== 'boolean')
            throw new ValidationError('multipleStatements', 'must be a boolean');
        const source = validateMysqlSource(options);
        const ownsPool = source.pool === undefined;
        const pool = source.pool ??
            openMysqlPool(source.uri, options.connectionLimit === undefined ? 10 : validateInteger(options.connectionLimit, 'connectionLimit', 1, 1000));
        const multiStatements = options.multipleStatements ?? ownsPool;
        // Leases are judged by the server's time unless the caller gives a clock: one time for
        // every host, whatever their own clocks say.
        const clock = ownClock ? new MysqlClock({ pool }) : undefined;
        super(new MysqlEngine({ pool, source: ownsPool ? 'uri' : 'pool', maxPayloadBytes: opts.maxPayloadBytes, ownsPool, table, q: mysqlQueries(table), conflictRetry, multiStatements }), clock ? { ...opts, clock } : opts);
        this.ownClock = clock;
    }
    ownClock;
    /** Closes the pool the store opened, and stops the refreshes of the clock it made. */
    async close() {
        await this.ownClock?.stop();
        await super.close();
    }
}
//# sourceMappingURL=mysql-lease-store.js.map