/**
 * What the MySQL test files share: where the server is (LEASEHOLD_MYSQL_URL, default
 * mysql://root@127.0.0.1:3306), whether it answers (checked once per file), and databases with
 * unique names that each test creates and drops, since other suites share the server.
 */
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, it } from 'vitest';
import { MysqlLeaseStore, type MysqlLeaseStoreOptions } from '../../src/adapters/mysql/index.js';
import type { CommonStoreOptions } from '../../src/adapters/common/store-options.js';

/** Server URL without a database. */
export const MYSQL_URL = process.env.LEASEHOLD_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

let reachable: Promise<string | undefined> | undefined;

/** Resolves to undefined when the server answers, else to the reason it does not. */
export function mysqlProblem(): Promise<string | undefined> {
  reachable ??= (async () => {
    try {
      const conn = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3000 });
      await conn.query('SELECT 1');
      await conn.end();
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  })();
  return reachable;
}

/**
 * `describe` for a MySQL suite. Server down: with CI=true a failing test says so; otherwise the
 * suite is skipped and one line (for the whole run, not per file) tells why.
 */
export async function describeMysql(name: string, body: () => void): Promise<void> {
  const problem = await mysqlProblem();
  if (problem === undefined) return void describe(name, body);
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs a reachable MySQL (CI=true)', () => {
        throw new Error(`MySQL not reachable at ${MYSQL_URL} (${problem}); CI=true requires it`);
      });
    });
    return;
  }
  if (firstInRun()) console.warn(`MySQL not reachable at ${MYSQL_URL}; skipping MySQL suites`);
  describe.skip(name, body);
}

/** True for the first test file of this vitest run to ask (the workers share a parent). */
function firstInRun(): boolean {
  try {
    closeSync(openSync(join(tmpdir(), `leasehold-mysql-skip-${process.ppid}`), 'wx'));
    return true;
  } catch {
    return false;
  }
}

/** URL of a database on the test server. */
export function databaseUrl(db: string): string {
  const u = new URL(MYSQL_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

let admin: mysql.Pool | undefined;

/** A small pool without a database, for CREATE/DROP DATABASE and KILL. */
export function adminPool(): mysql.Pool {
  admin ??= mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
  return admin;
}

/** Ends the admin pool (call in afterAll). */
export async function endAdminPool(): Promise<void> {
  const a = admin;
  admin = undefined;
  await a?.end();
}

/** A database made for one test: its name, URL, and how to drop it. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a database with a name no concurrent suite can pick. */
export async function createTestDatabase(tag = 't'): Promise<TestDatabase> {
  const name = `lh_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminPool().query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  return { name, url: databaseUrl(name), drop: async () => void (await adminPool().query(`DROP DATABASE IF EXISTS \`${name}\``)) };
}

/** A migrated store in a fresh database, and its disposal (close, then drop). */
export async function freshMysqlStore(
  options: CommonStoreOptions & Partial<Pick<MysqlLeaseStoreOptions, 'table' | 'connectionLimit'>> = {},
  tag = 't',
): Promise<{ store: MysqlLeaseStore; db: TestDatabase; dispose(): Promise<void> }> {
  const db = await createTestDatabase(tag);
  const store = new MysqlLeaseStore({ connectionLimit: 3, ...options, uri: db.url });
  await store.migrate();
  return {
    store,
    db,
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
}

/**
 * Stores on databases that are emptied and reused instead of dropped: every call still gets an
 * empty, migrated store (AUTO_INCREMENT back at 1), without the file work of CREATE and DROP
 * DATABASE. For the model-based suite's hundreds of runs. Call `dropAll` in afterAll.
 */
export function recycledMysqlStores(tag: string): {
  factory(options: CommonStoreOptions): Promise<{ store: MysqlLeaseStore; dispose(): Promise<void> }>;
  dropAll(): Promise<void>;
} {
  const all: TestDatabase[] = [];
  const free: TestDatabase[] = [];
  return {
    async factory(options) {
      let db = free.pop();
      if (!db) {
        db = await createTestDatabase(tag);
        all.push(db);
      }
      const store = new MysqlLeaseStore({ connectionLimit: 2, ...options, uri: db.url });
      await store.migrate();
      const taken = db;
      return {
        store,
        dispose: async () => {
          await store.close();
          const pool = adminPool();
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_steps`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_keys`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_workers`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_attempts`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_counts`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_schedules`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_semaphores`);
          await pool.query(`DELETE FROM \`${taken.name}\`.processing_jobs_rate_limits`);
          await pool.query(`ALTER TABLE \`${taken.name}\`.processing_jobs AUTO_INCREMENT = 1`);
          free.push(taken);
        },
      };
    },
    async dropAll() {
      for (const db of all.splice(0)) await db.drop();
      free.length = 0;
    },
  };
}
