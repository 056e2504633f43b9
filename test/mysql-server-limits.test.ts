/**
 * Issue 11 on MySQL: the server's own limits, checked before anything is sent.
 * - Case 2 (charset): a `charset=latin1` uri corrupted payloads; the store now reads
 *   character_set_client, _connection and _results at start (a handed-in pool too) and refuses
 *   anything but utf8mb4.
 * - Case 4 (max_allowed_packet): a value over the server's packet size failed with 1153, which was
 *   retried as transient, and the next call got the connection the server had closed. The store
 *   now reads max_allowed_packet at start, refuses a maxPayloadBytes the server cannot carry,
 *   sizes batches to it, and treats 1153 as permanent (a ValidationError) on a connection it
 *   destroys. Packet tests run on a private mariadbd: SET GLOBAL is not for the shared server.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { SERVER_TIME } from '../src/adapters/mysql/mysql-queries.js';
import { ValidationError } from '../src/domain/errors.js';
import { createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';
import { privateMariadbProblem, startPrivateMariadb, type PrivateMariadb } from './support/private-mariadb.js';

async function refusal(p: Promise<unknown>): Promise<ValidationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

/**
 * A pool whose first data statement meets the reply a server gives a statement over its
 * max_allowed_packet (1153); then, like the real server, that connection is closed: any later
 * query on it fails with ECONNRESET.
 */
function packetRefusingPool() {
  const conns: { id: number; destroyed: boolean; released: number }[] = [];
  let refused = false;
  const pool = {
    async getConnection() {
      const c = { id: conns.length + 1, destroyed: false, released: 0 };
      conns.push(c);
      let closed = false;
      return {
        threadId: c.id,
        async query(sql: string): Promise<[unknown, unknown]> {
          if (closed) throw Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET', errno: -104, fatal: true });
          if (sql.includes('@@character_set_client')) return [[{ client: 'utf8mb4', connection: 'utf8mb4', results: 'utf8mb4', maxPacket: 64 * 1024 * 1024 }], []];
          if (!refused && sql.startsWith('INSERT')) {
            refused = true;
            closed = true;
            throw Object.assign(new Error("Got a packet bigger than 'max_allowed_packet' bytes"), { code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153 });
          }
          if (sql.startsWith('INSERT')) return [{ affectedRows: 1, insertId: 7 }, []];
          return [[], []];
        },
        release: () => void c.released++,
        destroy: () => void (c.destroyed = true),
      };
    },
    async query(sql: string): Promise<[unknown, unknown]> {
      // The store's default clock reads the server's time on the pool; nothing else does.
      if (sql === SERVER_TIME) return [[{ ms: String(Date.now()) }], []];
      throw new Error('the store runs every statement on a connection of its own');
    },
    async end() {},
  };
  return { pool, conns };
}

describe('mysql: error 1153', () => {
  it('is a ValidationError of the value (permanent, not "worth retrying"), and the closed connection is destroyed, never reused', async () => {
    const { pool, conns } = packetRefusingPool();
    const store = new MysqlLeaseStore({ pool: pool as never });
    const err = await refusal(store.enqueue({ queue: 'q', payload: 'x'.repeat(1000) }));
    expect(err.field).toBe('payload');
    expect(err.message).toMatch(/too large for this server/);
    const refusedOn = conns.at(-1)!;
    expect(refusedOn.destroyed).toBe(true);
    expect(refusedOn.released).toBe(0);
    // The next call gets a new connection and succeeds.
    const { job } = await store.enqueue({ queue: 'q', payload: 1 });
    expect(job.id).toBe('7');
    expect(conns.at(-1)).not.toBe(refusedOn);
    await store.close();
  });
});

await describeMysql('mysql: connection character sets', () => {
  afterAll(endAdminPool);

  it('refuses a latin1 connection from a uri or a handed-in pool before writing anything', async () => {
    const db = await createTestDatabase('charset');
    try {
      const byUri = new MysqlLeaseStore({ uri: `${db.url}?charset=latin1` });
      const err = await refusal(byUri.migrate());
      expect(err.field).toBe('uri');
      expect(err.message).toMatch(/character_set_client is latin1; leasehold needs utf8mb4/);
      expect((await refusal(byUri.enqueue({ queue: 'q', payload: 'é' }))).field).toBe('uri');
      await byUri.close();

      const pool = mysql.createPool({ uri: db.url, charset: 'latin1_swedish_ci', connectionLimit: 1 });
      const handed = new MysqlLeaseStore({ pool });
      expect((await refusal(handed.migrate())).field).toBe('pool');
      await handed.close();
      await pool.end();

      // Nothing was created: the schema does not exist.
      const check = await mysql.createConnection({ uri: db.url });
      const [tables] = await check.query('SHOW TABLES');
      expect(tables).toEqual([]);
      await check.end();

      // The same database with the default (utf8mb4) connection works.
      const good = new MysqlLeaseStore({ uri: db.url });
      await good.migrate();
      const { job } = await good.enqueue({ queue: 'q', payload: 'é😀' });
      expect((await good.get(job.id))?.payload).toBe('é😀');
      await good.close();
    } finally {
      await db.drop();
    }
  });
});

const noServer = privateMariadbProblem();
describe.skipIf(noServer !== undefined && process.env.CI !== 'true')('mysql: max_allowed_packet (private mariadbd)', () => {
  let server: PrivateMariadb;
  let admin: mysql.Connection;
  let n = 0;
  const database = async (): Promise<string> => {
    const name = `lh_packet_${++n}`;
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    return `${server.url}/${name}`;
  };

  beforeAll(async () => {
    server = await startPrivateMariadb(['--max-allowed-packet=4M']);
    admin = await mysql.createConnection({ uri: server.url });
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('refuses at start a maxPayloadBytes the server cannot carry, naming the largest it can', async () => {
    const store = new MysqlLeaseStore({ uri: await database(), maxPayloadBytes: 2 * 1024 * 1024 });
    const err = await refusal(store.migrate());
    expect(err.field).toBe('maxPayloadBytes');
    expect(err.message).toMatch(/max_allowed_packet of 4194304 bytes .* at most 1032192/);
    await store.close();
  });

  it('sizes batches to the server: escaped text counts twice, so a batch of quote-heavy payloads still fits', { timeout: 120_000 }, async () => {
    const store = new MysqlLeaseStore({ uri: await database(), maxPayloadBytes: 1_000_000 });
    await store.migrate();
    // 880,002 characters of JSON, about 1.76 MB once SQL escapes every backslash and quote.
    const payload = '"'.repeat(440_000);
    const out = await store.enqueueMany(Array.from({ length: 3 }, () => ({ queue: 'q', payload })));
    expect(out.every((o) => o.created)).toBe(true);
    expect((await store.get(out[2]!.job.id))?.payload).toBe(payload);
    const leases = await store.acquire({ workerId: 'w', leaseMs: 60_000, limit: 3 });
    const done = await store.completeMany(leases.map((lease) => ({ lease, result: payload })));
    expect(done.every((o) => o.ok)).toBe(true);
    // A step result travels twice in its statement: it fits too.
    const [again] = await store.enqueueMany([{ queue: 'q', payload: 1 }]);
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 60_000 });
    await store.saveStep(lease!, 'place', payload);
    expect(await store.getSteps(again!.job.id)).toEqual({ place: payload });
    await store.close();
  });
});
