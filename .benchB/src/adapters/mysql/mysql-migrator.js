/**
 * Applies `migrations/mysql/NNNN_name.sql` in order, once each, recording every version in
 * `<table>_schema`. Serialised across processes with GET_LOCK, so many workers may call
 * `migrate()` at start-up at once; refuses a database a newer leasehold migrated.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaTooNewError, StoreUnavailableError } from '../../domain/errors.js';
import { execute, selectRows } from './mysql-driver.js';
import { translateMysqlError } from './mysql-errors.js';
/** Whether a DDL error means the statement had already been applied (a run cut short after it committed). */
function isAlreadyApplied(e, sql) {
    const errno = e?.errno;
    // 1060 duplicate column, 1061 duplicate key: an ADD that committed.
    if (errno === 1060 || errno === 1061)
        return true;
    // 1091 no such key: a DROP that committed (MySQL 8 has no DROP INDEX IF EXISTS either), but
    // only for a statement that does nothing else. An ALTER that also adds columns failing on a
    // missing index means the schema is not what the migration expects: that must stop the run.
    return errno === 1091 && LONE_DROP_INDEX.test(sql);
}
/** An ALTER TABLE whose one clause drops one index. */
const LONE_DROP_INDEX = /^\s*ALTER\s+TABLE\s+`[^`]+`\s+DROP\s+INDEX\s+\w+\s*;?\s*$/i;
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Finds `migrations/mysql` by walking up from this module (src/ under tsx, dist/src/ when built). */
export function migrationsDir() {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
        const candidate = join(dir, 'migrations', 'mysql');
        if (existsSync(candidate))
            return candidate;
        dir = dirname(dir);
    }
    throw new StoreUnavailableError('leasehold: migrations/mysql not found next to the package');
}
/**
 * Reads the migration files and substitutes `{{table}}` with the (already validated) table name.
 * Files hold plain DDL separated by `;` at line end: no procedures, no `;` inside literals.
 */
export function loadMysqlMigrations(table, dir = migrationsDir()) {
    return readdirSync(dir)
        .filter((f) => FILE.test(f))
        .sort()
        .map((f) => {
        const [, v, name] = FILE.exec(f);
        const text = readFileSync(join(dir, f), 'utf8')
            .split('\n')
            .filter((line) => !line.trimStart().startsWith('--'))
            .join('\n')
            .replaceAll('{{table}}', table);
        const statements = text
            .split(/;\s*$/m)
            .map((s) => s.trim())
            .filter((s) => s.length > 0);
        return { version: Number(v), name: name, statements };
    });
}
/**
 * Brings the schema up to date: takes the migration lock, refuses a newer schema, applies the
 * missing versions in order, records each one, releases the lock.
 */
export async function migrateMysql(opts) {
    const { pool, table, queries: q } = opts;
    const migrations = opts.migrations ?? loadMysqlMigrations(table);
    const known = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    let conn;
    try {
        conn = await pool.getConnection();
    }
    catch (e) {
        throw translateMysqlError(e, 'migrate');
    }
    let lockName;
    try {
        const [dbRow] = await selectRows(conn, q.currentDatabase);
        const db = dbRow?.db;
        if (typeof db !== 'string')
            throw new StoreUnavailableError('mysql migrate: the connection has no database selected (add it to the uri)');
        // MySQL 8 refuses lock names over 64 characters; a hash keeps database + table within it.
        lockName = `leasehold_migrate_${createHash('sha1').update(`${db}.${table}`).digest('hex')}`;
        const [lock] = await selectRows(conn, q.getLock, [lockName, opts.lockTimeoutSeconds ?? 60]);
        if (Number(lock?.got) !== 1) {
            lockName = undefined;
            throw new StoreUnavailableError(`mysql migrate: timed out waiting for another process's migration of ${table}`);
        }
        const applied = new Set();
        const [exists] = await selectRows(conn, q.schemaTableExists, [`${table}_schema`]);
        if (Number(exists?.n) > 0) {
            for (const row of await selectRows(conn, q.schemaVersions))
                applied.add(Number(row.version));
        }
        const newest = Math.max(0, ...applied);
        if (newest > known)
            throw new SchemaTooNewError(newest, known);
        await execute(conn, q.createSchemaTable);
        for (const m of migrations) {
            if (applied.has(m.version))
                continue;
            // DDL commits implicitly in MySQL and MariaDB, so a migration cannot be one transaction:
            // each statement is idempotent (IF NOT EXISTS) and the version is recorded last, so a
            // migration interrupted halfway is simply run again.
            for (const sql of m.statements) {
                try {
                    await execute(conn, sql);
                }
                catch (e) {
                    // MySQL 8 has no ADD COLUMN/INDEX IF NOT EXISTS: an ALTER that committed before the
                    // run was cut short finds its columns there on the next run, which means it is done.
                    if (!isAlreadyApplied(e, sql))
                        throw e;
                }
            }
            await execute(conn, q.recordVersion, [m.version, m.name, opts.now()]);
        }
    }
    catch (e) {
        throw translateMysqlError(e, 'migrate');
    }
    finally {
        if (lockName !== undefined)
            await conn.query(q.releaseLock, [lockName]).catch(() => undefined);
        conn.release();
    }
}
//# sourceMappingURL=mysql-migrator.js.map