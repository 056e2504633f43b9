/**
 * MysqlClock, the MySQL store's default lease clock: the server's UTC time anchored on the
 * monotonic clock, no reading trusted whose round trip was too long, and no time (so no lease
 * decision) before the first reading. A fake pool stands in for the server; the last test
 * reads a real one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlClock, MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { SERVER_TIME } from '../src/adapters/mysql/mysql-queries.js';
import { StoreUnavailableError } from '../src/domain/errors.js';
import { adminPool, describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

/**
 * A server whose clock reads `server`, answering after `rtt()` ms of the fake monotonic clock;
 * it reads its clock `readAt` of the way through the trip (default half-way).
 */
function fakeServer(t: { mono: number; server: number; rtt: () => number; readAt?: number }) {
  const queries: string[] = [];
  const pool = {
    getConnection: async () => ({}),
    end: async () => undefined,
    query: async (sql: string) => {
      queries.push(sql);
      const rtt = t.rtt();
      const ms = t.server + rtt * (t.readAt ?? 0.5);
      t.mono += rtt;
      t.server += rtt;
      return [[{ ms: String(ms) }], []];
    },
  };
  return { pool, queries };
}

describe('MysqlClock', () => {
  it('reads the server in UTC, and gives no time before its first reading', async () => {
    const t = { mono: 1000, server: 1_800_000_000_000, rtt: () => 10 };
    const { pool, queries } = fakeServer(t);
    const clock = new MysqlClock({ pool: pool as never, monotonicNow: () => t.mono });
    expect(() => clock.now()).toThrow(StoreUnavailableError);
    await clock.start();
    expect(queries).toEqual([SERVER_TIME]);
    expect(SERVER_TIME).toContain('UTC_TIMESTAMP(6)');
    expect(clock.now()).toBe(1_800_000_000_010);
    await clock.stop();
  });

  it('is anchored on the monotonic clock: a step of the host\'s wall clock does not move it', async () => {
    const t = { mono: 0, server: 1_800_000_000_000, rtt: () => 4 };
    let host = 1_800_000_000_000;
    const { pool } = fakeServer(t);
    const clock = await new MysqlClock({ pool: pool as never, monotonicNow: () => t.mono, hostNow: () => host }).start();
    const before = clock.now();
    host += 3_600_000; // NTP steps the host an hour ahead
    t.mono += 500;
    expect(clock.now()).toBe(before + 500);
    expect(clock.offset).toBe(504 - 3_600_000); // a diagnostic only
    await clock.stop();
  });

  it('ignores a reading whose round trip was too long (an 8 s one is not trusted), and fails to start when every reading is', async () => {
    const t: { mono: number; server: number; rtt: () => number; readAt?: number } = { mono: 0, server: 1_800_000_000_000, rtt: () => 8000 };
    const { pool, queries } = fakeServer(t);
    const clock = new MysqlClock({ pool: pool as never, monotonicNow: () => t.mono });
    await expect(clock.start()).rejects.toThrow(/took 8000 ms, more than maxRoundTripMs \(1000\)/);
    expect(queries.length).toBe(5);
    expect(() => clock.now()).toThrow(StoreUnavailableError);
    // One slow reading among good ones: the good one anchors, the slow one is left out.
    let n = 0;
    t.rtt = () => (n++ === 0 ? 8000 : 20);
    await clock.start();
    const anchored = clock.now();
    // A slow reading whose server read its clock at the very start of the trip: trusted, its
    // midpoint would put the time 4 s behind the truth.
    t.rtt = () => 8000;
    t.readAt = 0;
    await expect(clock.measure()).rejects.toThrow(/more than maxRoundTripMs/);
    expect(clock.now()).toBe(anchored + 8000); // only the monotonic time that passed
    expect(clock.now()).toBe(t.server);
    await clock.stop();
  });

  it('a store makes no lease decision before the first reading: its operations wait for it', async () => {
    let answer: (() => void) | undefined;
    const pool = {
      getConnection: async () => { throw new Error('reached the store before the clock'); },
      end: async () => undefined,
      query: (sql: string) => (sql === SERVER_TIME ? new Promise((r) => (answer = () => r([[{ ms: '1800000000000' }], []]))) : Promise.reject(new Error('reached the store before the clock'))),
    };
    const store = new MysqlLeaseStore({ pool: pool as never });
    let settled = false;
    const stats = store.stats().then(() => 'ok', (e: Error) => e.message).finally(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(answer).toBeDefined();
    answer!();
    expect(await stats).toMatch(/reached the store before the clock/); // only after the reading
    await store.close();
  });
});

await describeMysql('MysqlClock on the server', () => {
  afterAll(endAdminPool);
  it('the store\'s default clock is the server\'s UTC time', async () => {
    const { store, dispose } = await freshMysqlStore({}, 'clock');
    try {
      const { job } = await store.enqueue({ queue: 'q', payload: null });
      const [[row]] = (await adminPool().query(SERVER_TIME)) as unknown as [[{ ms: string }]];
      expect(Math.abs(job.createdAt - Number(row.ms))).toBeLessThan(2000);
    } finally {
      await dispose();
    }
  });
});
