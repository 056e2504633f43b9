/** `leasehold/sqlite`: the SQLite store. Loading this subpath is what loads better-sqlite3. */
export { SqliteLeaseStore } from './sqlite-lease-store.js';
export { findMigrationsDir, loadMigrations } from './sqlite-migrator.js';
//# sourceMappingURL=index.js.map