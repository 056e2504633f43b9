/**
 * `leasehold/mysql`: the MySQL 8 / MariaDB 10.6+ store and the server-time clock. Loading this
 * subpath is what loads mysql2.
 */
export { MysqlLeaseStore } from './mysql-lease-store.js';
export { MysqlClock } from './mysql-clock.js';
//# sourceMappingURL=index.js.map