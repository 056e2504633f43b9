import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchemaTooNewError } from '../src/domain/errors.js';
import { findMigrationsDir, loadMigrations, SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { migrateSqlite } from '../src/adapters/sqlite/sqlite-migrator.js';
import { runChildrenTogether } from './fixtures/sqlite-children.js';

const ROOT = join(import.meta.dirname, '..');

/** Everything the schema holds, to prove a refused migration changed nothing. */
function schemaOf(filename: string): unknown {
  const db = new Database(filename, { readonly: true });
  try {
    return {
      objects: db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all(),
      versions: db.prepare('SELECT version, name FROM leasehold_schema_migrations ORDER BY version').all(),
    };
  } finally {
    db.close();
  }
}

describe('sqlite: migrations', () => {
  let dir: string;
  let filename: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-migrate-'));
    filename = join(dir, 'jobs.db');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds migrations/sqlite from src/ and from dist/src/', () => {
    const expected = join(ROOT, 'migrations', 'sqlite');
    expect(findMigrationsDir()).toBe(expected);
    expect(findMigrationsDir(join(ROOT, 'dist', 'src', 'adapters', 'sqlite'))).toBe(expected);
    expect(loadMigrations()[0]).toMatchObject({ version: 1, name: '001-initial.sql' });
  });

  it('orders migrations by number, not by name, and ignores other files', () => {
    const custom = join(dir, 'custom');
    mkdirSync(custom);
    writeFileSync(join(custom, '10-later.sql'), 'SELECT 10;');
    writeFileSync(join(custom, '9-earlier.sql'), 'SELECT 9;');
    writeFileSync(join(custom, 'notes.md'), '# not a migration');
    expect(loadMigrations(custom)).toEqual([
      { version: 9, name: '9-earlier.sql', sql: 'SELECT 9;' },
      { version: 10, name: '10-later.sql', sql: 'SELECT 10;' },
    ]);
  });

  it('is idempotent: a second migrate applies nothing and keeps the data', async () => {
    const store = new SqliteLeaseStore({ filename });
    await store.migrate();
    const { job } = await store.enqueue({ queue: 'q', payload: 1 });
    const before = schemaOf(filename);
    await store.migrate();
    expect(schemaOf(filename)).toEqual(before);
    expect((before as { versions: unknown[] }).versions).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
    expect(await store.get(job.id)).toEqual(job);
    await store.close();
  });

  it('refuses a database migrated by a newer leasehold, changing nothing', async () => {
    const store = new SqliteLeaseStore({ filename });
    await store.migrate();
    const known = Math.max(...loadMigrations().map((m) => m.version));
    const other = new Database(filename);
    other.prepare('INSERT INTO leasehold_schema_migrations (version, name, applied_at) VALUES (?, ?, 0)').run(known + 1, 'from-the-future.sql');
    other.close();
    const before = schemaOf(filename);
    const err = await store.migrate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaTooNewError);
    expect((err as SchemaTooNewError).message).toContain(`version ${known + 1}`);
    expect(schemaOf(filename)).toEqual(before);
    await store.close();
  });

  it('refuses a newer schema before creating any table of its own', async () => {
    const other = new Database(filename);
    other.exec('CREATE TABLE leasehold_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    other.exec("INSERT INTO leasehold_schema_migrations VALUES (999, 'future.sql', 0)");
    other.close();
    const store = new SqliteLeaseStore({ filename });
    await expect(store.migrate()).rejects.toBeInstanceOf(SchemaTooNewError);
    const tables = (schemaOf(filename) as { objects: { name: string }[] }).objects.map((o) => o.name);
    expect(tables).toEqual(['leasehold_schema_migrations']);
    await store.close();
  });

  it('is safe when several processes migrate the same new file at once', { timeout: 60_000 }, async () => {
    const results = await runChildrenTogether(Array.from({ length: 4 }, () => ['migrate', filename]));
    for (const r of results) expect(r).toEqual({ code: 0, output: { migrated: true }, stderr: '' });
    expect((schemaOf(filename) as { versions: unknown[] }).versions).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
  });

  it('applies a new migration once when several processes upgrade the same file at once', { timeout: 60_000 }, async () => {
    const store = new SqliteLeaseStore({ filename });
    await store.migrate();
    await store.close();
    // A later version of the schema: every migration shipped, plus one slow enough (it writes
    // 20,000 rows) that the processes' attempts overlap.
    const dirNext = join(dir, 'next');
    mkdirSync(dirNext);
    for (const m of loadMigrations()) copyFileSync(join(findMigrationsDir(), m.name), join(dirNext, m.name));
    const version = Math.max(...loadMigrations().map((m) => m.version)) + 1;
    writeFileSync(
      join(dirNext, `${String(version).padStart(3, '0')}-upgrade.sql`),
      `CREATE TABLE upgrade_log (n INTEGER NOT NULL);
       WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 20000) INSERT INTO upgrade_log SELECT n FROM c;`,
    );
    const results = await runChildrenTogether(Array.from({ length: 4 }, () => ['migrate-from', filename, dirNext]));
    for (const r of results) expect(r).toEqual({ code: 0, output: { migrated: true }, stderr: '' });
    const db = new Database(filename, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM upgrade_log').get()).toEqual({ n: 20000 });
    expect(db.prepare('SELECT version FROM leasehold_schema_migrations ORDER BY version').pluck().all()).toEqual([...loadMigrations().map((m) => m.version), version]);
    db.close();
  });

  it('upgrading a database of schema 1: every job gets a uid, every key a row, the database an identity', async () => {
    const db = new Database(filename);
    migrateSqlite(db, loadMigrations().filter((m) => m.version === 1), 0);
    const insert = db.prepare(`INSERT INTO processing_jobs (queue, job_key, payload, status, run_at, created_at, updated_at) VALUES ('q', ?, '1', 'pending', 0, 0, 0)`);
    insert.run('order-1');
    insert.run(null);
    db.prepare(`INSERT INTO processing_job_steps (job_id, name, state, token, started_at) VALUES (1, 'place', 'started', 1, 0)`).run();
    db.close();
    const store = new SqliteLeaseStore({ filename });
    try {
      await store.migrate();
      const [a, b] = await store.list();
      expect(a!.uid).toMatch(/^[0-9a-f]{32}$/);
      expect(b!.uid).toMatch(/^[0-9a-f]{32}$/);
      expect(a!.uid).not.toBe(b!.uid);
      expect(a!.idempotencyKeyFormat).toBe('alnum');
      expect(await store.identity()).toMatch(/^[0-9a-f]{32}$/);
      // The old key is live in the keys table: a second enqueue dedupes onto its job.
      expect(await store.enqueue({ queue: 'q', payload: 2, key: 'order-1' })).toMatchObject({ created: false, job: { id: a!.id } });
      // A step begun before the upgrade has no recorded key (the worker keeps that version's key for it).
      expect(await store.getStepRecords(a!.id)).toEqual([expect.objectContaining({ name: 'place', key: null, settledAt: null })]);
    } finally {
      await store.close();
    }
  });

  it('applies a migration that landed after a higher one was applied', () => {
    const m = (version: number) => ({ version, name: `${version}-t.sql`, sql: `CREATE TABLE t${version} (x INTEGER);` });
    const db = new Database(filename);
    try {
      migrateSqlite(db, [m(1), m(3)], 0);
      migrateSqlite(db, [m(1), m(2), m(3)], 0);
      expect((db.prepare('SELECT version FROM leasehold_schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version)).toEqual([1, 2, 3]);
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 't2'`).get()).toBeDefined();
    } finally {
      db.close();
    }
  });
});
