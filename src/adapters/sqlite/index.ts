/** `leasehold/sqlite`: the SQLite store. Loading this subpath is what loads better-sqlite3. */
export { SqliteLeaseStore, type SqliteLeaseStoreOptions } from './sqlite-lease-store.js';
export type { SqliteDatabaseLike, SqliteStatementLike, SqliteRunResult } from './sqlite-database.js';
export { findMigrationsDir, loadMigrations, type SqliteMigration } from './sqlite-migrator.js';
