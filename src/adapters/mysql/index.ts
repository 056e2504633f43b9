/**
 * `leasehold/mysql`: the MySQL 8 / MariaDB 10.6+ store and the server-time clock. Loading this
 * subpath is what loads mysql2.
 */
export { MysqlLeaseStore, type MysqlLeaseStoreOptions } from './mysql-lease-store.js';
export { MysqlClock, type MysqlClockOptions } from './mysql-clock.js';
export type { MysqlPoolLike, MysqlConnectionLike, TxRetryPolicy } from './mysql-driver.js';
