import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError, ValidationError } from '../src/domain/errors.js';
import { ManualClock } from '../src/testing/index.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';

describe('sqlite: connection, pragmas and errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-conn-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets WAL, synchronous=FULL and a 5 s busy timeout by default', async () => {
    const db = new Database(join(dir, 'jobs.db'));
    const store = new SqliteLeaseStore({ database: db });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    await store.close();
    db.close();
  });

  it('takes synchronous NORMAL and another busy timeout', async () => {
    const db = new Database(join(dir, 'jobs.db'));
    const store = new SqliteLeaseStore({ database: db, synchronous: 'NORMAL', busyTimeoutMs: 1234 });
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    await store.close();
    db.close();
  });

  it('closes the database it opened, never one it was handed, and refuses work once closed', async () => {
    const db = new Database(join(dir, 'handed.db'));
    const handed = new SqliteLeaseStore({ database: db });
    await handed.migrate();
    await handed.close();
    expect(db.open).toBe(true);
    await expect(handed.get('1')).rejects.toBeInstanceOf(StoreUnavailableError);
    db.close();

    const filename = join(dir, 'owned.db');
    const owned = new SqliteLeaseStore({ filename });
    await owned.migrate();
    await owned.enqueue({ queue: 'q', payload: 1 });
    await owned.close();
    await owned.close();
    await expect(owned.acquire({ workerId: 'w', leaseMs: 1000 })).rejects.toBeInstanceOf(StoreUnavailableError);
    // Really closed: the last connection to a WAL database checkpoints it and deletes the WAL.
    expect(existsSync(`${filename}-wal`)).toBe(false);
    const check = new Database(filename, { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS n FROM processing_jobs').get()).toEqual({ n: 1 });
    check.close();
  });

  it('names the file it cannot open, with the driver error as cause', () => {
    const missing = join(dir, 'no-such-dir', 'jobs.db');
    const err = (() => {
      try {
        return new SqliteLeaseStore({ filename: missing });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toContain(missing);
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it('says so when the file is not a database', () => {
    const filename = join(dir, 'notes.txt');
    writeFileSync(filename, 'these are my notes, not a database; '.repeat(100));
    const err = (() => {
      try {
        return new SqliteLeaseStore({ filename });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/SQLITE_NOTADB.*not a database/);
    expect(((err as Error).cause as { code?: string }).code).toBe('SQLITE_NOTADB');
  });

  it('tells a caller who forgot migrate() what to do', async () => {
    const store = new SqliteLeaseStore({ filename: join(dir, 'jobs.db') });
    const err = await store.enqueue({ queue: 'q', payload: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toContain('migrate()');
    await store.close();
  });

  it('rejects bad options naming the field', () => {
    const db = new Database(':memory:');
    const cases: [unknown, string][] = [
      [{}, 'filename'],
      [{ filename: join(dir, 'a.db'), database: db }, 'filename'],
      [{ filename: '' }, 'filename'],
      [{ filename: join(dir, 'a.db'), synchronous: 'OFF' }, 'synchronous'],
      [{ filename: join(dir, 'a.db'), busyTimeoutMs: -1 }, 'busyTimeoutMs'],
      [{ filename: join(dir, 'a.db'), clock: {} }, 'clock'],
      [{ database: { prepare: () => undefined } }, 'database'],
    ];
    for (const [options, field] of cases) {
      const err = (() => {
        try {
          return new SqliteLeaseStore(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(err, field).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe(field);
    }
    db.close();
  });

  it('turns a write lock held too long by another process into StoreUnavailableError, losing nothing', async () => {
    const filename = join(dir, 'jobs.db');
    const clock = new ManualClock();
    const store = new SqliteLeaseStore({ filename, clock, busyTimeoutMs: 0 });
    await store.migrate();
    await store.enqueue({ queue: 'q', payload: 1 });
    const other = new Database(filename);
    other.exec('BEGIN IMMEDIATE');
    const err = await store.acquire({ workerId: 'w', leaseMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(((err as Error).cause as { code?: string }).code).toBe('SQLITE_BUSY');
    other.exec('ROLLBACK');
    other.close();
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 1000 });
    expect(lease?.job).toMatchObject({ attempts: 1, leaseToken: 1 });
    await store.close();
  });

  it('reports a malformed completeMany entry as that entry’s ValidationError, completing the rest', async () => {
    const store = new SqliteLeaseStore({ filename: join(dir, 'jobs.db') });
    await store.migrate();
    await store.enqueue({ queue: 'q', payload: 1 });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 1000 });
    const out = await store.completeMany([null as never, { lease: lease! }]);
    expect(out[0]).toMatchObject({ ok: false, error: { field: 'lease' } });
    expect(out[0]!.ok === false && out[0]!.error).toBeInstanceOf(ValidationError);
    expect(out[1]).toMatchObject({ ok: true, job: { status: 'done' } });
    await store.close();
  });
});
