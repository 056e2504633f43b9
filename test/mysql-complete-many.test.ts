/**
 * completeMany with results whose sum is larger than one statement may be: the server refuses a
 * packet over max_allowed_packet (16 MiB on MariaDB 10.11, 64 MiB on MySQL 8), so the batch
 * must be split by bytes, and still complete every live lease and report every stale one.
 */
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import type { MysqlPoolLike } from '../src/adapters/mysql/mysql-driver.js';
import { LeaseLostError } from '../src/domain/errors.js';
import type { Lease } from '../src/domain/job.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../src/domain/validation.js';
import { adminPool, createTestDatabase, describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

/** Results at the size limit: plain ASCII, and quotes that JSON and then SQL escaping double twice. */
const plainResult = (i: number): string => `${i}`.padEnd(DEFAULT_MAX_PAYLOAD_BYTES - 2, 'x');
// JSON.stringify('"') is 4 bytes (`"\""`), so ~1 MiB of JSON text; mysql2 escapes \ and " again: ~2 MiB of SQL.
const quotedResult = (i: number): string => `${i}`.padEnd((DEFAULT_MAX_PAYLOAD_BYTES - 2) / 2 - 8, '"');

await describeMysql('mysql: completeMany of large results', () => {
  let store: MysqlLeaseStore;
  let dispose: () => Promise<void>;
  let packet: number;
  let count: number;
  afterAll(endAdminPool);
  beforeEach(async () => {
    ({ store, dispose } = await freshMysqlStore({ clock: new ManualClock(Date.UTC(2026, 0, 1)) }, 'cmany'));
    const [[row]] = (await adminPool().query('SELECT @@max_allowed_packet AS p')) as unknown as [[{ p: number | string }]];
    packet = Number(row.p);
    // Enough 1 MiB results that their sum is over the packet limit even without escaping.
    count = Math.ceil(packet / DEFAULT_MAX_PAYLOAD_BYTES) + 3;
  }, 30_000);
  afterEach(async () => {
    await dispose();
  });

  async function claimAll(): Promise<Lease[]> {
    await store.enqueueMany(Array.from({ length: count }, (_, i) => ({ queue: 'q', payload: i })));
    const leases = await store.acquire({ workerId: 'w', leaseMs: 60_000, limit: count });
    expect(leases).toHaveLength(count);
    return leases;
  }

  it('completes every lease when the results add up to more than max_allowed_packet', async () => {
    const leases = await claimAll();
    const results = leases.map((_, i) => (i % 3 === 1 ? quotedResult(i) : plainResult(i)));
    expect(results.reduce((n, r) => n + JSON.stringify(r).length, 0)).toBeGreaterThan(packet);
    const out = await store.completeMany(leases.map((lease, i) => ({ lease, result: results[i] })));
    expect(out.map((o) => o.ok)).toEqual(leases.map(() => true));
    const s = await store.stats();
    expect(s.byStatus).toMatchObject({ done: count, processing: 0 });
    for (const i of [0, 1, count - 1]) expect((await store.get(leases[i]!.job.id))?.result).toBe(results[i]);
  }, 60_000);

  it('with a stale lease in the batch, completes the live ones row by row, still split by bytes', async () => {
    const leases = await claimAll();
    const stale = Math.floor(count / 2);
    await store.complete(leases[stale]!, 'first');
    const out = await store.completeMany(leases.map((lease, i) => ({ lease, result: plainResult(i) })));
    expect(out.map((o) => o.ok)).toEqual(leases.map((_, i) => i !== stale));
    const lost = out[stale]!;
    expect(!lost.ok && lost.error).toBeInstanceOf(LeaseLostError);
    expect((await store.stats()).byStatus).toMatchObject({ done: count, processing: 0 });
    expect((await store.get(leases[stale]!.job.id))?.result).toBe('first');
    expect((await store.get(leases[count - 1]!.job.id))?.result).toBe(plainResult(count - 1));
  }, 60_000);

  it('a batch that fits one statement but not one query with its history still completes: the whole query is measured against the packet', async () => {
    // The smallest packet the default maxPayloadBytes accepts (4 x 1 MiB + 64 KiB), as the
    // store reads it; the server's own is larger, so only the store's budget is at stake.
    const small = 4 * DEFAULT_MAX_PAYLOAD_BYTES + 64 * 1024;
    const db = await createTestDatabase('cpacket');
    const pool = mysql.createPool({ uri: db.url, connectionLimit: 3, multipleStatements: true });
    const reported = (sql: string, result: unknown): unknown => {
      if (!sql.includes('@@max_allowed_packet AS maxPacket')) return result;
      const [rows, fields] = result as [Record<string, unknown>[], unknown];
      return [rows.map((r) => ({ ...r, maxPacket: small })), fields];
    };
    const wrapped: MysqlPoolLike = {
      query: async (sql, values) => reported(sql, await pool.query(sql, values)) as never,
      getConnection: async () => {
        const conn = await pool.getConnection();
        return {
          query: async (sql: string, values?: unknown[]) => reported(sql, await conn.query(sql, values)) as never,
          release: () => conn.release(),
          destroy: () => conn.destroy(),
          get threadId() {
            return conn.threadId;
          },
        };
      },
      end: () => pool.end(),
    };
    const own = new MysqlLeaseStore({ pool: wrapped, multipleStatements: true, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    try {
      await own.migrate();
      const n = 500; // the worker's batch of completions at most
      await own.enqueueMany(Array.from({ length: n }, (_, i) => ({ queue: 'q', payload: i })));
      const leases = await own.acquire({ workerId: 'w', leaseMs: 60_000, limit: n });
      expect(leases).toHaveLength(n);
      // Just under the 4 MiB a statement's values may carry: one chunk, but with the count and
      // the history beside it the query would be over the packet.
      const result = (i: number): string => `${i}`.padEnd(8_290, 'x');
      const out = await own.completeMany(leases.map((lease, i) => ({ lease, result: result(i) })));
      expect(out.filter((o) => !o.ok)).toEqual([]);
      expect((await own.stats()).byStatus).toMatchObject({ done: n, processing: 0 });
      expect((await own.get(leases[n - 1]!.job.id))?.result).toBe(result(n - 1));
      expect((await own.throughput({ since: 0 })).reduce((t, b) => t + b.completed, 0)).toBe(n);
    } finally {
      await own.close();
      await pool.end();
      await db.drop();
    }
  }, 60_000);
});
