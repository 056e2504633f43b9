/**
 * A worker write that the server commits but whose reply never arrives (the connection drops
 * in between). The retry of such a write meets the fence, because the write itself moved the
 * job out of `processing`. complete can tell its own commit from a lost lease (done, with this
 * lease's token, at this call's time); fail cannot cheaply, and says so (see the comments in
 * MysqlLeaseStore.fail and inTransaction).
 */
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { MysqlLeaseStore, type MysqlPoolLike } from '../src/adapters/mysql/index.js';
import { LeaseLostError, StoreUnavailableError } from '../src/domain/errors.js';
import { createTestDatabase, describeMysql, endAdminPool, type TestDatabase } from './support/mysql.js';

/** mysql2's error when the server closes the connection under a query. */
const lost = (): Error => Object.assign(new Error('Connection lost: The server closed the connection.'), { fatal: true, code: 'PROTOCOL_CONNECTION_LOST' });


/** `real`, except that a statement matching `pattern()` runs on the server, then fails as if its reply were lost (`dropped()` is told). */
function droppingPool(real: mysql.Pool, pattern: () => RegExp | undefined, dropped: () => void): MysqlPoolLike {
  const run = async (sql: string, out: unknown): Promise<[unknown, unknown]> => {
    if (pattern()?.test(sql)) {
      dropped();
      throw lost();
    }
    return out as [unknown, unknown];
  };
  return {
    getConnection: async () => {
      const conn = await real.getConnection();
      return {
        threadId: conn.threadId,
        release: () => conn.release(),
        destroy: () => conn.destroy(),
        query: async (sql: string, values?: unknown[]) => run(sql, await conn.query(sql, values)),
      };
    },
    query: async (sql: string, values?: unknown[]) => run(sql, await real.query(sql, values)),
    end: () => real.end(),
  };
}

await describeMysql('mysql: a committed write whose reply is lost', () => {
  let db: TestDatabase;
  let real: mysql.Pool;
  let store: MysqlLeaseStore;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  /** Statements matching this run on the server, then fail as if the reply were lost (once). */
  let dropReplyOf: RegExp | undefined;

  afterAll(endAdminPool);
  beforeEach(async () => {
    db = await createTestDatabase('lostreply');
    real = mysql.createPool({ uri: db.url, connectionLimit: 2 });
    const pool = droppingPool(real, () => dropReplyOf, () => void (dropReplyOf = undefined));
    store = new MysqlLeaseStore({ pool, clock });
    await store.migrate();
  });
  afterEach(async () => {
    dropReplyOf = undefined;
    await store.close();
    await real.end();
    await db.drop();
  });

  it('complete: its own commit is recognised and reported as done, not as a lost lease', async () => {
    const { job } = await store.enqueue({ queue: 'orders', payload: { order: 7 } });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
    dropReplyOf = /SET status = 'done'/;
    const done = await store.complete(lease!, { placed: true });
    expect(dropReplyOf).toBeUndefined();
    expect(done).toMatchObject({ id: job.id, status: 'done', result: { placed: true }, finishedAt: clock.now() });
    expect(await store.get(job.id)).toEqual(done);
    // The fence still holds: a second complete of the same lease is a lost lease.
    await expect(store.complete(lease!)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('complete with statements sent together: its own commit is recognised, and its history is written once', async () => {
    const multi = mysql.createPool({ uri: db.url, connectionLimit: 2, multipleStatements: true });
    const together = new MysqlLeaseStore({ pool: droppingPool(multi, () => dropReplyOf, () => void (dropReplyOf = undefined)), clock, multipleStatements: true });
    try {
      const { job } = await together.enqueue({ queue: 'orders', payload: { order: 8 } });
      const [lease] = await together.acquire({ workerId: 'w', leaseMs: 10_000 });
      // The UPDATE, its history and COMMIT go in one query: the reply of all of it is lost.
      dropReplyOf = /SET status = 'done'[\s\S]*COMMIT$/;
      const done = await together.complete(lease!, { placed: true });
      expect(dropReplyOf).toBeUndefined();
      expect(done).toMatchObject({ id: job.id, status: 'done', result: { placed: true }, finishedAt: clock.now() });
      expect(await together.getAttempts(job.id)).toMatchObject([{ token: lease!.token, outcome: 'completed', endedAt: clock.now() }]);
      expect((await together.throughput({ since: 0 })).map((b) => b.completed)).toEqual([1]);
      await expect(together.complete(lease!)).rejects.toBeInstanceOf(LeaseLostError);
      expect((await together.throughput({ since: 0 })).map((b) => b.completed)).toEqual([1]);
    } finally {
      await together.close();
      await multi.end();
    }
  });

  it('complete: a repeat of the same lease in the same millisecond whose reply is lost counts nothing more', async () => {
    const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
    await store.complete(lease!, 'once');
    // The repeat meets the fence; its reply is lost, and the row looks like this call's.
    dropReplyOf = /SET status = 'done'/;
    await store.complete(lease!, 'once');
    expect(dropReplyOf).toBeUndefined();
    expect(await store.getAttempts(job.id)).toMatchObject([{ token: lease!.token, outcome: 'completed' }]);
    expect((await store.throughput({ since: 0 })).map((b) => b.completed)).toEqual([1]);
  });

  it('complete: a lost connection on a write that did not land stays a store outage', async () => {
    const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
    clock.advance(10_000);
    const [other] = await store.acquire({ workerId: 'w2', leaseMs: 10_000 });
    dropReplyOf = /SET status = 'done'/;
    // Fenced out (taken over): the statement changed nothing, then the reply was lost.
    await expect(store.complete(lease!)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get(job.id)).toMatchObject({ status: 'processing', leaseToken: other!.token });
  });

  it('completeMany: a committed batch gives its outcomes, the stale entry still lost', async () => {
    await store.enqueueMany([1, 2, 3].map((n) => ({ queue: 'orders', payload: n })));
    const leases = await store.acquire({ workerId: 'w', leaseMs: 10_000, limit: 3 });
    clock.advance(5);
    await store.complete(leases[1]!, 'earlier');
    clock.advance(5);
    dropReplyOf = /^COMMIT$/;
    const out = await store.completeMany(leases.map((lease, i) => ({ lease, result: i })));
    expect(dropReplyOf).toBeUndefined();
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect(out[1]?.ok === false && out[1].error).toBeInstanceOf(LeaseLostError);
    expect(out[0]).toMatchObject({ ok: true, job: { status: 'done', result: 0, finishedAt: clock.now() } });
    expect(out[0]?.ok && out[0].job).toEqual(await store.get(leases[0]!.job.id));
    expect((await store.get(leases[2]!.job.id))?.result).toBe(2);
  });

  it('completeMany: a batch that did not commit stays a store outage, even when a row looks completed at the same instant', async () => {
    await store.enqueueMany([1, 2].map((n) => ({ queue: 'orders', payload: n })));
    const leases = await store.acquire({ workerId: 'w', leaseMs: 10_000, limit: 2 });
    // Same clock reading: leases[0]'s row is done with its token at exactly this call's time.
    await store.complete(leases[0]!, 'earlier');
    dropReplyOf = /SET status = 'done'/;
    await expect(store.completeMany(leases.map((lease) => ({ lease, result: 'batch' })))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get(leases[1]!.job.id)).toMatchObject({ status: 'processing', leaseToken: leases[1]!.token });
  });

  it('fail: the retry of a committed fail meets the fence (documented limit)', async () => {
    const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
    const [lease] = await store.acquire({ workerId: 'w', leaseMs: 10_000 });
    dropReplyOf = /^COMMIT$/;
    await expect(store.fail(lease!, 'exchange down')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.get(job.id)).toMatchObject({ status: 'retry', lastError: 'exchange down' });
    await expect(store.fail(lease!, 'exchange down')).rejects.toBeInstanceOf(LeaseLostError);
  });
});
