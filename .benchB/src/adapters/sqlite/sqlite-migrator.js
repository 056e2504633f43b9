import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaTooNewError } from '../../domain/errors.js';
import { CREATE_SCHEMA_TABLE, INSERT_SCHEMA_VERSION, SELECT_SCHEMA_VERSIONS } from './sqlite-queries.js';
const MIGRATION_FILE = /^(\d+)-[A-Za-z0-9_-]+\.sql$/;
/**
 * The folder that holds the SQLite migrations, found by walking up from this module (it sits
 * in src/ under tsx and in dist/src/ after a build; the package ships `migrations` at its root).
 * @example findMigrationsDir() // '/app/node_modules/leasehold/migrations/sqlite'
 */
export function findMigrationsDir(from = dirname(fileURLToPath(import.meta.url))) {
    for (let dir = from;; dir = dirname(dir)) {
        const candidate = join(dir, 'migrations', 'sqlite');
        if (existsSync(candidate))
            return candidate;
        if (dirname(dir) === dir)
            throw new Error(`leasehold: no migrations/sqlite folder above ${from}`);
    }
}
/**
 * Reads the migration files of a folder, in version order.
 * @example loadMigrations(findMigrationsDir()) // [{ version: 1, name: '001-initial.sql', sql }]
 */
export function loadMigrations(dir = findMigrationsDir()) {
    return readdirSync(dir)
        .flatMap((name) => {
        const m = MIGRATION_FILE.exec(name);
        return m ? [{ version: Number(m[1]), name, sql: readFileSync(join(dir, name), 'utf8') }] : [];
    })
        .sort((a, b) => a.version - b.version);
}
/**
 * Applies the migrations the database lacks, in one `BEGIN IMMEDIATE` transaction, so two
 * processes migrating the same file at once serialise and the second finds nothing to do.
 * Refuses with `SchemaTooNewError`, changing nothing, a database migrated by a newer leasehold.
 * `now` (epoch ms, no default) is recorded as each migration's applied_at.
 * @example migrateSqlite(db, loadMigrations(), clock.now())
 */
export function migrateSqlite(db, migrations, now) {
    const known = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    db.transaction(() => {
        db.exec(CREATE_SCHEMA_TABLE);
        // Every version is checked on its own, not against the highest: migrations written apart may
        // land out of order (4 before 3), and a database migrated in between still needs 3.
        const applied = new Set(db.prepare(SELECT_SCHEMA_VERSIONS).all().map((r) => r.version));
        const current = Math.max(0, ...applied);
        if (current > known)
            throw new SchemaTooNewError(current, known);
        const record = db.prepare(INSERT_SCHEMA_VERSION);
        for (const m of migrations) {
            if (applied.has(m.version))
                continue;
            db.exec(m.sql);
            record.run(m.version, m.name, now);
        }
    }).immediate();
}
//# sourceMappingURL=sqlite-migrator.js.map