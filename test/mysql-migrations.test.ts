/**
 * Migrations (idempotent, concurrent, refusing a newer schema), the table option, and the
 * claim queries' plans: each must walk an index in claim order, with no filesort, so that
 * FOR UPDATE SKIP LOCKED locks only the rows it claims.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { loadMysqlMigrations } from '../src/adapters/mysql/mysql-migrator.js';
import { mysqlQueries } from '../src/adapters/mysql/mysql-queries.js';
import { SchemaTooNewError, ValidationError } from '../src/domain/errors.js';
import { adminPool, createTestDatabase, describeMysql, endAdminPool, type TestDatabase } from './support/mysql.js';

/** Every version in migrations/mysql, in order. */
const VERSIONS = readdirSync(resolve(import.meta.dirname, '../migrations/mysql')).flatMap((f) => /^(\d{4})_/.exec(f) ?? []).filter((_, i) => i % 2 === 1).map(Number).sort((a, b) => a - b);

async function tables(db: string): Promise<string[]> {
  const [rows] = await adminPool().query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [db]);
  return (rows as { t: string }[]).map((r) => r.t);
}

async function versions(db: string, table = 'processing_jobs'): Promise<number[]> {
  const [rows] = await adminPool().query(`SELECT version FROM \`${db}\`.\`${table}_schema\` ORDER BY version`);
  return (rows as { version: number }[]).map((r) => r.version);
}

/** Every migration version the package ships, in order. */
const ALL_VERSIONS = loadMysqlMigrations('processing_jobs').map((m) => m.version);

/** One row of EXPLAIN. */
interface Plan {
  key: string;
  type: string;
  key_len: string;
  Extra: string | null;
}

/**
 * A migrated store holding 200 waiting jobs in two queues and three priorities, the queries,
 * a connection of its own, and EXPLAIN of a query on it.
 */
async function withPlans(
  db: TestDatabase,
  body: (q: ReturnType<typeof mysqlQueries>, conn: mysql.Connection, explain: (sql: string, values: unknown[]) => Promise<Plan[]>) => Promise<void>,
): Promise<void> {
  const store = new MysqlLeaseStore({ uri: db.url, connectionLimit: 1 });
  try {
    await store.migrate();
    await store.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ queue: i % 2 ? 'a' : 'b', payload: i, priority: i % 3 })));
    const conn = await mysql.createConnection(db.url);
    try {
      await body(mysqlQueries('processing_jobs'), conn, async (sql, values) => (await conn.query(`EXPLAIN ${sql}`, values))[0] as Plan[]);
    } finally {
      await conn.end();
    }
  } finally {
    await store.close();
  }
}

await describeMysql('mysql: migrations and schema', () => {
  let db: TestDatabase;
  afterAll(endAdminPool);
  beforeEach(async () => {
    db = await createTestDatabase('mig');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('creates the tables once and records the version; running again changes nothing', async () => {
    const store = new MysqlLeaseStore({ uri: db.url, connectionLimit: 1 });
    try {
      await store.migrate();
      const { job } = await store.enqueue({ queue: 'q', payload: 1 });
      await store.migrate();
      expect(await tables(db.name)).toEqual(['processing_jobs', 'processing_jobs_attempts', 'processing_jobs_counts', 'processing_jobs_identity', 'processing_jobs_keys', 'processing_jobs_rate_limits', 'processing_jobs_schedules', 'processing_jobs_schema', 'processing_jobs_semaphores', 'processing_jobs_steps', 'processing_jobs_workers']);
      expect(await versions(db.name)).toEqual(ALL_VERSIONS);
      expect(await store.get(job.id)).toEqual(job);
    } finally {
      await store.close();
    }
  });

  it('several processes migrating at once apply each version exactly once', async () => {
    const stores = Array.from({ length: 4 }, () => new MysqlLeaseStore({ uri: db.url, connectionLimit: 1 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      expect(await versions(db.name)).toEqual(ALL_VERSIONS);
      await stores[0]!.enqueue({ queue: 'q', payload: 1 });
      expect((await stores[3]!.stats()).total).toBe(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('upgrading a database of schema 1: jobs get uids, keys their rows, the database an identity; a repeated 0003 is harmless', async () => {
    const pool = adminPool();
    const q = mysqlQueries('processing_jobs');
    const all = loadMysqlMigrations('processing_jobs');
    const { migrateMysql } = await import('../src/adapters/mysql/mysql-migrator.js');
    const conn = mysql.createPool({ uri: db.url, connectionLimit: 1 });
    try {
      await migrateMysql({ pool: conn as never, table: 'processing_jobs', queries: q, now: () => 0, migrations: all.filter((m) => m.version === 1) });
      await pool.query(`INSERT INTO \`${db.name}\`.processing_jobs (queue, job_key, payload, status, run_at, created_at, updated_at) VALUES ('q', 'order-1', '1', 'pending', 0, 0, 0), ('q', NULL, '1', 'pending', 0, 0, 0)`);
      // Half a run of 0003 (its first ALTER committed, the version not recorded), then the whole.
      const v3 = all.find((m) => m.version === 3)!;
      const alter = v3.statements.find((sql) => sql.startsWith('ALTER TABLE `processing_jobs`'))!;
      await migrateMysql({ pool: conn as never, table: 'processing_jobs', queries: q, now: () => 0, migrations: [{ ...v3, statements: [alter] }] });
      await pool.query(`DELETE FROM \`${db.name}\`.processing_jobs_schema WHERE version = 3`);
    } finally {
      await conn.end();
    }
    const store = new MysqlLeaseStore({ uri: db.url, connectionLimit: 1 });
    try {
      await store.migrate();
      expect(await versions(db.name)).toEqual(ALL_VERSIONS);
      const [a, b] = await store.list();
      expect(a!.uid).toMatch(/^[0-9a-f]{32}$/);
      expect(b!.uid).toMatch(/^[0-9a-f]{32}$/);
      expect(a!.uid).not.toBe(b!.uid);
      expect(await store.identity()).toMatch(/^[0-9a-f]{32}$/);
      expect(await store.enqueue({ queue: 'q', payload: 2, key: 'order-1' })).toMatchObject({ created: false, job: { id: a!.id } });
    } finally {
      await store.close();
    }
  });

  it('a drop of an index that committed before its version was recorded counts as done; a drift that breaks a bigger ALTER stops the run', async () => {
    const q = mysqlQueries('processing_jobs');
    const all = loadMysqlMigrations('processing_jobs');
    const { migrateMysql } = await import('../src/adapters/mysql/mysql-migrator.js');
    const pool = adminPool();
    const conn = mysql.createPool({ uri: db.url, connectionLimit: 1 });
    try {
      // Schema 10's DROP INDEX committed, its version not recorded: the next run completes it.
      await migrateMysql({ pool: conn as never, table: 'processing_jobs', queries: q, now: () => 0, migrations: all });
      await pool.query(`DELETE FROM \`${db.name}\`.processing_jobs_schema WHERE version = 10`);
      await migrateMysql({ pool: conn as never, table: 'processing_jobs', queries: q, now: () => 0, migrations: all });
      expect(await versions(db.name)).toEqual(ALL_VERSIONS);
      const [ix] = await pool.query(`SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = ? AND table_name = 'processing_jobs' AND index_name = 'ix_locked_by'`, [db.name]);
      expect(Number((ix as { n: number }[])[0]!.n)).toBe(0);
    } finally {
      await conn.end();
    }
    // A database at schema 7 whose ix_queue_claim went missing: 0008 (one ALTER that adds the
    // concurrency columns and drops and re-adds that index) fails, and nothing past 7 is recorded.
    const other = await createTestDatabase('mig_drift');
    const conn2 = mysql.createPool({ uri: other.url, connectionLimit: 1 });
    try {
      await migrateMysql({ pool: conn2 as never, table: 'processing_jobs', queries: q, now: () => 0, migrations: all.filter((m) => m.version <= 7) });
      await pool.query(`ALTER TABLE \`${other.name}\`.processing_jobs DROP INDEX ix_queue_claim`);
      await expect(migrateMysql({ pool: conn2 as never, table: 'processing_jobs', queries: q, now: () => 0, migrations: all })).rejects.toThrow(/ix_queue_claim/);
      expect(await versions(other.name)).toEqual(ALL_VERSIONS.filter((v) => v <= 7));
    } finally {
      await conn2.end();
      await other.drop();
    }
  });

  it('refuses a schema migrated by a newer leasehold, changing nothing', async () => {
    const pool = adminPool();
    await pool.query(`CREATE TABLE \`${db.name}\`.processing_jobs_schema (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL)`);
    await pool.query(`INSERT INTO \`${db.name}\`.processing_jobs_schema VALUES (1, 'create_jobs', 0), (99, 'from_the_future', 0)`);
    const store = new MysqlLeaseStore({ uri: db.url, connectionLimit: 1 });
    try {
      const err = await store.migrate().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaTooNewError);
      expect((err as SchemaTooNewError).code).toBe('SCHEMA_TOO_NEW');
      expect(await tables(db.name)).toEqual(['processing_jobs_schema']);
    } finally {
      await store.close();
    }
  });

  it('uses the table option for every table, and rejects names that are not plain identifiers', async () => {
    const store = new MysqlLeaseStore({ uri: db.url, table: 'bot_jobs', connectionLimit: 1 });
    try {
      await store.migrate();
      await store.enqueue({ queue: 'q', payload: 1 });
      const [lease] = await store.acquire({ workerId: 'w', leaseMs: 1000 });
      await store.saveStep(lease!, 'place', { ok: true });
      expect(await tables(db.name)).toEqual(['bot_jobs', 'bot_jobs_attempts', 'bot_jobs_counts', 'bot_jobs_identity', 'bot_jobs_keys', 'bot_jobs_rate_limits', 'bot_jobs_schedules', 'bot_jobs_schema', 'bot_jobs_semaphores', 'bot_jobs_steps', 'bot_jobs_workers']);
    } finally {
      await store.close();
    }
    for (const table of ['bad-name', 'jobs; DROP TABLE x', '', '1jobs', 'x'.repeat(49), 'jobs`', 42]) {
      const err = (() => {
        try {
          new MysqlLeaseStore({ uri: db.url, table: table as string });
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(err, String(table)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('table');
    }
  });

  it('claim queries walk an index in claim order: no filesort, so SKIP LOCKED locks only what it claims', async () => {
    await withPlans(db, async (q, _conn, plans) => {
      const explain = async (sql: string, values: unknown[]) => (await plans(sql, values))[0];
      const waiting = await explain(q.claimWaiting, ['pending', Date.now(), 10]);
      expect(waiting?.key).toBe('ix_claim');
      expect(waiting?.Extra ?? '').not.toContain('filesort');
      const inQueue = await explain(q.claimWaitingInQueue, ['a', 'pending', Date.now(), 10]);
      expect(inQueue?.key).toBe('ix_queue_claim');
      expect(inQueue?.Extra ?? '').not.toContain('filesort');
      // Concurrency keys: the wake step frees a key's first blocked jobs walking ix_blocked in
      // claim order, counts a key's leases on ix_lease_key, and finds keys with blocked jobs by index.
      const unblock = await explain(q.selectBlocked, ['account:1', 2]);
      expect(unblock?.key).toBe('ix_blocked');
      expect(unblock?.Extra ?? '').not.toContain('filesort');
      const holders = await explain(q.countHolders(2), ['account:1', 'account:2']);
      expect(holders?.key).toBe('ix_lease_key');
      expect(holders?.Extra ?? '').not.toContain('filesort');
      const sems = await explain(q.wakeSemaphores, []);
      expect(sems?.key).toBe('ix_semaphores_blocked');
    });
  });

  it('the history of completions finds its attempts and jobs by primary key, for one pair as for many: no scan', async () => {
    await withPlans(db, async (q, conn, plans) => {
      // 200 attempts to scan: every waiting job claimed once.
      const now = Date.now();
      await conn.query(`UPDATE processing_jobs SET status = 'processing', lease_token = 1, attempts = 1, locked_by = 'w', locked_until = ?`, [now + 60_000]);
      await conn.query(`INSERT INTO processing_jobs_attempts (job_id, token, worker_id, started_at, outcome) SELECT id, 1, 'w', ?, 'running' FROM processing_jobs`, [now]);
      for (const n of [1, 2, 5]) {
        const pairs = Array.from({ length: n }, (_, i) => [i + 1, 1]).flat();
        const statements: [string, unknown[]][] = [
          [q.endHeldAttempts(n), [now, ...pairs]],
          [q.endCompletedAttempts(n), [now, now, ...pairs]],
          [q.countCompleted(n), [0, now, ...pairs]],
        ];
        // The hot path (a batch or a single complete known to have landed): n rows of the primary key.
        const [held] = (await plans(q.endHeldAttempts(n), [now, ...pairs])) as (Plan & { rows: string })[];
        expect({ n, key: held?.key, rows: Number(held?.rows) }).toEqual({ n, key: 'PRIMARY', rows: n });
        // A single complete sent with its history: the attempt by key once its UPDATE matched.
        await conn.query(q.keepCompleted.replace('ROW_COUNT()', '1'));
        const [kept] = (await plans(q.endKeptAttempt, [now, 1, 1])) as (Plan & { rows: string })[];
        expect({ key: kept?.key, rows: Number(kept?.rows) }).toEqual({ key: 'PRIMARY', rows: 1 });
        for (const [sql, values] of statements) {
          // MariaDB plans an UPDATE with a one-element row IN list as a scan of the whole index.
          for (const plan of await plans(sql, values)) expect({ n, sql: sql.slice(0, 40), type: plan.type }).not.toMatchObject({ type: expect.stringMatching(/^(ALL|index)$/) });
        }
      }
    });
  });

  it("the locking walk from a head is ranges of the claim index in claim order, for every queue filter: no filesort", async () => {
    await withPlans(db, async (q, conn, explain) => {
      const now = Date.now();
      // The head as a claim keeps it: the first waiting row's (priority, run_at, id), in this session.
      await conn.query(q.clearHeads);
      await conn.query(q.intoHead(q.claimWaiting, 'pending'), ['pending', now, 1]);
      // Every key part in the range (status 16+2, blocked 1, priority 4, run_at 8, id 8 bytes;
      // the queue 384+2 before them in ix_queue_claim): a bound on fewer parts would walk the
      // delete-marked entries again.
      for (const [sql, values, key, keyLen] of [
        [q.claimWaitingFrom('pending', null), ['pending', now, 10], 'ix_claim', '39'],
        [q.claimWaitingFrom('pending', 'one'), ['a', 'pending', now, 10], 'ix_queue_claim', '425'],
        [q.claimWaitingFrom('pending', 'in', 2), ['pending', now, 'a', 'b', 10], 'ix_claim', '39'],
        [q.claimWaitingFrom('pending', 'notIn', 1), ['pending', now, 'a', 10], 'ix_claim', '39'],
      ] as [string, unknown[], string, string][]) {
        const plan = await explain(sql, values);
        expect(plan, sql).toHaveLength(1);
        expect(plan[0]?.key, sql).toBe(key);
        expect(plan[0]?.type, sql).toBe('range');
        expect(plan[0]?.key_len, sql).toBe(keyLen);
        expect(plan[0]?.Extra ?? '', sql).not.toContain('filesort');
      }
      // A status with nothing waiting leaves no head, and its walk reads nothing at all.
      await conn.query(q.intoHead(q.claimWaiting, 'retry'), ['retry', now, 1]);
      const none = await explain(q.claimWaitingFrom('retry', null), ['retry', now, 10]);
      expect(none[0]?.Extra).toMatch(/Impossible WHERE/);
    });
  });
});
