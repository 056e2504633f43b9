/**
 * Faults: a claiming connection killed mid-transaction, a server that is not there, a server
 * that goes away and comes back (through a TCP proxy this test starts and stops, so the shared
 * MariaDB is never touched), and conflicts that must be retried or reported, never leaked.
 */
import { createServer, type AddressInfo, type Server, type Socket, connect } from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { MysqlClock, MysqlLeaseStore, type MysqlConnectionLike, type MysqlPoolLike } from '../src/adapters/mysql/index.js';
import { inTransaction } from '../src/adapters/mysql/mysql-driver.js';
import { LeaseholdError, StoreUnavailableError } from '../src/domain/errors.js';
import { adminPool, createTestDatabase, describeMysql, endAdminPool, MYSQL_URL, type TestDatabase } from './support/mysql.js';

/** `real` with every statement (on a connection or the pool) passed through `on`, which runs it with `run()`. */
function intercepting(real: mysql.Pool, on: (sql: string, run: () => Promise<[unknown, unknown]>) => Promise<[unknown, unknown]>): MysqlPoolLike {
  return {
    getConnection: async () => {
      const conn = (await real.getConnection()) as unknown as MysqlConnectionLike;
      return {
        get threadId() {
          return conn.threadId;
        },
        query: (sql: string, values?: unknown[]) => on(sql, () => conn.query(sql, values)),
        release: () => conn.release(),
        destroy: () => conn.destroy(),
      };
    },
    query: (sql, values) => on(sql, () => real.query(sql, values as never) as never),
    end: () => real.end(),
  };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP proxy on 127.0.0.1 to the test server that can be cut (every socket dropped) and restored. */
class Proxy {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}

const target = (() => {
  const u = new URL(MYSQL_URL);
  return { host: u.hostname, port: Number(u.port || 3306) };
})();

function urlVia(port: number, db: string): string {
  const u = new URL(MYSQL_URL);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  u.pathname = `/${db}`;
  u.searchParams.set('connectTimeout', '2000');
  return u.toString();
}

describe('mysql: transaction runner (no server needed)', () => {
  /** A pool whose every connection runs `script` for non-transaction-control statements. */
  function fakePool(script: (sql: string) => unknown): { pool: MysqlPoolLike; log: string[] } {
    const log: string[] = [];
    const conn: MysqlConnectionLike = {
      threadId: 1,
      query: async (sql: string) => {
        log.push(sql);
        if (/^(SET TRANSACTION|START|COMMIT|ROLLBACK)/.test(sql)) return [{ affectedRows: 0, insertId: 0 }, []];
        return [script(sql), []];
      },
      release: () => log.push('release'),
      destroy: () => log.push('destroy'),
    };
    return { pool: { getConnection: async () => conn, query: conn.query, end: async () => undefined }, log };
  }
  const opts = { isolation: 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED', begin: 'START TRANSACTION', commit: 'COMMIT', rollback: 'ROLLBACK', multiStatements: false, retry: { attempts: 4, baseDelayMs: 0 }, random: () => 0 };
  const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });

  it('reruns the whole transaction after a deadlock, rolling back each failed try', async () => {
    let failures = 2;
    const { pool, log } = fakePool(() => {
      if (failures-- > 0) throw deadlock;
      return [{ ok: 1 }];
    });
    await expect(inTransaction(pool, 'test', async (c) => (await c.query('SELECT 1'))[0], opts)).resolves.toEqual([{ ok: 1 }]);
    expect(log.filter((s) => s === 'ROLLBACK')).toHaveLength(2);
    expect(log.filter((s) => s === 'COMMIT')).toHaveLength(1);
    expect(log.filter((s) => s === 'release')).toHaveLength(3);
  });

  it('gives StoreUnavailableError (cause kept) when conflicts go on, and translates other driver errors', async () => {
    const { pool, log } = fakePool(() => {
      throw deadlock;
    });
    const err = await inTransaction(pool, 'test', (c) => c.query('SELECT 1'), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).cause).toBe(deadlock);
    expect(log.filter((s) => s === 'START TRANSACTION')).toHaveLength(4);
    const syntax = Object.assign(new Error('You have an error in your SQL syntax'), { errno: 1064, code: 'ER_PARSE_ERROR' });
    const other = await inTransaction(fakePool(() => { throw syntax; }).pool, 'test', (c) => c.query('SELECT 1'), opts).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(LeaseholdError);
    expect((other as Error).cause).toBe(syntax);
  });

  it('destroys a connection that broke instead of handing it back to the pool', async () => {
    const lost = Object.assign(new Error('Connection lost: The server closed the connection.'), { fatal: true, code: 'PROTOCOL_CONNECTION_LOST' });
    const { pool, log } = fakePool(() => {
      throw lost;
    });
    await expect(inTransaction(pool, 'test', (c) => c.query('SELECT 1'), opts)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(log).toContain('destroy');
    expect(log).not.toContain('release');
    expect(log).not.toContain('ROLLBACK');
  });
});

await describeMysql('mysql: faults', () => {
  let db: TestDatabase;
  afterAll(endAdminPool);
  beforeEach(async () => {
    db = await createTestDatabase('fault');
  });
  afterEach(async () => {
    await db.drop();
  });

  it.each([
    ['one statement per round trip', false],
    ['UPDATE and COMMIT sent together', true],
  ])('a claim whose connection is killed before COMMIT leaves the job as it was, and claimable (%s)', async (_label, multipleStatements) => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const real = mysql.createPool({ uri: db.url, connectionLimit: 2, multipleStatements });
    let killed: number | null = null;
    const sent: string[] = [];
    // A pool that kills its own connection from another connection just before the claim's
    // COMMIT: the SELECT ... FOR UPDATE and the UPDATE have run, nothing is committed yet.
    const killing: MysqlPoolLike = {
      getConnection: async () => {
        const conn = (await real.getConnection()) as unknown as MysqlConnectionLike;
        return {
          get threadId() {
            return conn.threadId;
          },
          query: async (sql: string, values?: unknown[]) => {
            sent.push(sql);
            if (/(^|;\s*)COMMIT$/.test(sql) && killed === null) {
              killed = conn.threadId;
              await adminPool().query(`KILL ${Number(conn.threadId)}`);
            }
            return conn.query(sql, values);
          },
          release: () => conn.release(),
          destroy: () => conn.destroy(),
        };
      },
      query: (sql, values) => real.query(sql, values as never) as never,
      end: () => real.end(),
    };
    const store = new MysqlLeaseStore({ uri: db.url, clock, connectionLimit: 2 });
    const victim = new MysqlLeaseStore({ pool: killing, clock, multipleStatements });
    try {
      await store.migrate();
      const { job } = await store.enqueue({ queue: 'orders', payload: { orderId: 1 } });
      const err = await victim.acquire({ workerId: 'doomed', leaseMs: 60_000 }).catch((e: unknown) => e);
      expect(killed).not.toBeNull();
      expect(sent.some((sql) => sql.includes('FOR UPDATE SKIP LOCKED'))).toBe(true);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(await store.get(job.id)).toEqual(job);
      const [lease] = await store.acquire({ workerId: 'survivor', leaseMs: 60_000 });
      expect(lease?.job).toMatchObject({ id: job.id, attempts: 1, leaseToken: 1, lockedBy: 'survivor' });
    } finally {
      await victim.close();
      await store.close();
      await real.end();
    }
  });

  it.each([
    ['one statement per round trip', false, 3],
    ['statements sent together', true, 1],
  ])('a single complete records its attempt and count in as few round trips as the pool allows (%s)', async (_label, multipleStatements, trips) => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const real = mysql.createPool({ uri: db.url, connectionLimit: 2, multipleStatements });
    const sent: string[] = [];
    const counting = intercepting(real, (sql, run) => {
      sent.push(sql);
      return run();
    });
    const store = new MysqlLeaseStore({ pool: counting, clock, multipleStatements });
    try {
      await store.migrate();
      const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
      const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
      sent.length = 0;
      expect(await store.complete(lease!, { placed: true })).toMatchObject({ status: 'done', result: { placed: true } });
      // Sent together: the fenced UPDATE and its history in one transaction, one round trip.
      // Statement by statement: the UPDATE commits on its own, its history follows.
      expect(sent).toHaveLength(trips);
      expect(sent[0]).toMatch(multipleStatements ? /START TRANSACTION[\s\S]*SET status = 'done'[\s\S]*_attempts[\s\S]*_counts[\s\S]*;\s*COMMIT$/ : /SET status = 'done'/);
      expect(await store.getAttempts(job.id)).toMatchObject([{ token: lease!.token, outcome: 'completed', endedAt: clock.now() }]);
      expect((await store.throughput({ since: 0 })).map((b) => [b.queue, b.completed])).toEqual([['orders', 1]]);
    } finally {
      await store.close();
      await real.end();
    }
  });

  it('a single complete whose history write fails still reports the job done, not a failure its retry would call a lost lease', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const real = mysql.createPool({ uri: db.url, connectionLimit: 2 });
    let failCounts = false;
    const failing = intercepting(real, (sql, run) =>
      failCounts && sql.includes('_counts') ? Promise.reject(Object.assign(new Error("Table 'counts' is marked as crashed"), { code: 'ER_CRASHED_ON_USAGE', errno: 145 })) : run(),
    );
    const store = new MysqlLeaseStore({ pool: failing, clock });
    try {
      await store.migrate();
      const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
      const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
      failCounts = true;
      const done = await store.complete(lease!, { placed: true });
      expect(done).toMatchObject({ id: job.id, status: 'done', result: { placed: true } });
      failCounts = false;
      expect(await store.get(job.id)).toEqual(done);
      // What the failed write would have recorded is missing; nothing recorded is wrong.
      expect((await store.throughput({ since: 0 })).map((b) => b.completed)).toEqual([]);
    } finally {
      await store.close();
      await real.end();
    }
  });

  it('a write that changes nothing still counts as found on a pool without CLIENT_FOUND_ROWS', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const pool = mysql.createPool({ uri: db.url, connectionLimit: 1, flags: ['-FOUND_ROWS'] });
    const store = new MysqlLeaseStore({ pool, clock });
    try {
      await store.migrate();
      await store.enqueue({ queue: 'orders', payload: 1 });
      const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
      // Same time, same duration: the second extend writes the values the row already has.
      const once = await store.extend(lease!, 5_000);
      const twice = await store.extend(once, 5_000);
      expect(twice).toEqual(once);
      expect((await store.complete(twice)).status).toBe('done');
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('a store pointed at a closed port gives StoreUnavailableError, never an unhandled rejection', async () => {
    const port = await closedPort();
    const store = new MysqlLeaseStore({ uri: urlVia(port, db.name) });
    try {
      await expect(store.migrate()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.enqueue({ queue: 'q', payload: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.acquire({ workerId: 'w', leaseMs: 1000 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.get('1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(new MysqlClock({ uri: urlVia(port, db.name) }).start()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  it('a store that loses the server reports StoreUnavailableError and works again when it returns', async () => {
    const proxy = new Proxy(target);
    await proxy.start();
    const store = new MysqlLeaseStore({ uri: urlVia(proxy.port, db.name), connectionLimit: 2 });
    try {
      await store.migrate();
      const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
      await proxy.stop();
      await expect(store.acquire({ workerId: 'w', leaseMs: 60_000 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.enqueue({ queue: 'orders', payload: 2 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await proxy.start();
      const [lease] = await store.acquire({ workerId: 'w', leaseMs: 60_000 });
      expect(lease?.job.id).toBe(job.id);
      expect((await store.complete(lease!)).status).toBe('done');
      expect((await store.stats()).total).toBe(1);
    } finally {
      await store.close();
      await proxy.stop();
    }
  });

  it('MysqlClock follows the server: a host clock an hour ahead is corrected', async () => {
    const hostAhead = () => Date.now() + 3_600_000;
    const clock = await new MysqlClock({ uri: db.url, hostNow: hostAhead }).start();
    try {
      const [[row]] = (await adminPool().query('SELECT UNIX_TIMESTAMP(NOW(3)) * 1000 AS ms')) as unknown as [[{ ms: string }]];
      expect(Math.abs(clock.offset + 3_600_000)).toBeLessThan(1_000 + Math.abs(Number(row.ms) - Date.now()));
      expect(Math.abs(clock.now() - Number(row.ms))).toBeLessThan(1_000);
      expect(clock.monotonic()).toBeGreaterThan(0);
    } finally {
      await clock.stop();
    }
  });
});
