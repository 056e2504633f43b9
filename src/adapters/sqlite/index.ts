export { SqliteLeaseStore, type SqliteLeaseStoreOptions } from './sqlite-lease-store.js';
export type { SqliteDatabaseLike, SqliteStatementLike, SqliteRunResult } from './sqlite-database.js';
export { findMigrationsDir, loadMigrations, type SqliteMigration } from './sqlite-migrator.js';
export { ManualClock, SystemClock } from '../clocks/index.js';
