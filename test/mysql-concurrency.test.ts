/**
 * Real concurrency: separate stores (separate pools, so separate connections and transactions)
 * claim from one table while jobs keep arriving. No job may be claimed twice or lost, and no
 * deadlock may escape the adapter.
 */
import mysql from 'mysql2/promise';
import { afterAll, expect, it } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import type { Lease } from '../src/domain/job.js';
import { adminPool, createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';

const WORKERS = 8;
const JOBS = 2000;
const BATCH = 10;

/**
 * A store on a fresh database and a second connection (`blocker`) that plays another
 * transaction holding row locks; the blocker lets go first when the test ends, so a store call
 * stuck behind its lock does not hold up the store's close.
 */
async function withBlocker(tag: string, body: (store: MysqlLeaseStore, blocker: mysql.Connection) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(tag);
  const store = new MysqlLeaseStore({ uri: db.url });
  const blocker = await mysql.createConnection({ uri: db.url });
  try {
    await store.migrate();
    await body(store, blocker);
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
    await blocker.end();
    await store.close();
    await db.drop();
  }
}

await describeMysql('mysql: concurrent claimers', () => {
  afterAll(endAdminPool);

  it('a claim walks past the head row another transaction holds, in claim order, and takes it once it is let go', { timeout: 60_000 }, async () => {
    await withBlocker('walk', async (store, blocker) => {
      const jobs = await store.enqueueMany([1, 2, 3, 4, 5].map((n) => ({ queue: 'q', payload: n, priority: n === 5 ? -1 : 0 })));
      const ids = jobs.map((r) => r.job.id);
      // Claim order: 5 (priority -1), then 1, 2, 3, 4. Another claim in flight holds 5.
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM processing_jobs WHERE id = ? FOR UPDATE', [Number(ids[4])]);
      const first = await store.acquire({ workerId: 'w1', leaseMs: 60_000, limit: 2 });
      expect(first.map((l) => l.job.id)).toEqual([ids[0], ids[1]]);
      await blocker.query('ROLLBACK');
      const rest = await store.acquire({ workerId: 'w1', leaseMs: 60_000, limit: 5 });
      expect(rest.map((l) => l.job.id)).toEqual([ids[4], ids[2], ids[3]]);
    });
  });

  it("releasing one worker's leases does not wait on another worker's rows locked in flight", { timeout: 20_000 }, async () => {
    await withBlocker('release', async (store, blocker) => {
      await store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 2 }]);
      const [mine] = await store.acquire({ workerId: 'w1', leaseMs: 60_000 });
      const [theirs] = await store.acquire({ workerId: 'w2', leaseMs: 60_000 });
      // w2's extend or complete in flight: its row is locked by an open transaction.
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM processing_jobs WHERE id = ? FOR UPDATE', [Number(theirs!.job.id)]);
      const released = store.releaseWorkerLeases('w1', { force: true });
      // Either the release answers, or the server shows it waiting for a lock (what a locking
      // read of every processing row did before it could tell whose they were).
      let settled = false;
      void released.finally(() => (settled = true)).catch(() => undefined);
      const waited = (async (): Promise<boolean> => {
        for (;;) {
          if (settled) return false;
          const [rows] = await adminPool().query("SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'");
          if (Number((rows as { n: number }[])[0]!.n) > 0) return true;
          await new Promise((r) => setImmediate(r));
        }
      })();
      expect(await waited).toBe(false);
      expect(await released).toBe(1);
      expect((await store.get(mine!.job.id))?.status).toBe('retry');
      await blocker.query('COMMIT');
      expect((await store.get(theirs!.job.id))?.status).toBe('processing');
    });
  });

  it('stores enqueueing the same keys at once make one job per key, and all agree which', { timeout: 60_000 }, async () => {
    const db = await createTestDatabase('dedupe');
    const stores = Array.from({ length: WORKERS }, () => new MysqlLeaseStore({ uri: db.url, connectionLimit: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const keys = Array.from({ length: 40 }, (_, i) => `order-${i}`);
      // Half the stores enqueue key by key, half in one batch, all racing for the same keys.
      const results = await Promise.all(
        stores.map((s, w) =>
          w % 2 === 0
            ? Promise.all(keys.map((key) => s.enqueue({ queue: 'orders', payload: { w }, key })))
            : s.enqueueMany(keys.map((key) => ({ queue: 'orders', payload: { w }, key }))),
        ),
      );
      for (let k = 0; k < keys.length; k++) {
        const ids = new Set(results.map((r) => r[k]!.job.id));
        expect(ids.size, keys[k]).toBe(1);
        expect(results.filter((r) => r[k]!.created).length, keys[k]).toBe(1);
      }
      expect((await stores[0]!.stats()).total).toBe(keys.length);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });

  it(`${WORKERS} stores claim ${JOBS} jobs in batches of ${BATCH} while enqueues continue: none twice, none lost`, { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('conc');
    const stores = Array.from({ length: WORKERS + 1 }, () => new MysqlLeaseStore({ uri: db.url, connectionLimit: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const producer = stores[WORKERS]!;
      // Half the jobs are there before the claimers start; the rest arrive while they run.
      await producer.enqueueMany(Array.from({ length: JOBS / 2 }, (_, i) => ({ queue: 'orders', payload: { orderId: i } })));
      let produced = JOBS / 2;
      const producing = (async () => {
        while (produced < JOBS) {
          if (produced % 100 === 0) {
            await producer.enqueueMany(Array.from({ length: 50 }, (_, k) => ({ queue: 'orders', payload: { orderId: produced + k } })));
            produced += 50;
          } else {
            await producer.enqueue({ queue: 'orders', payload: { orderId: produced }, key: `order-${produced}` });
            produced += 1;
          }
        }
      })();

      const claims = new Map<string, string[]>();
      const deadline = Date.now() + 100_000;
      const claimer = async (store: MysqlLeaseStore, workerId: string): Promise<number> => {
        let done = 0;
        while (Date.now() < deadline) {
          const leases: Lease[] = await store.acquire({ workerId, leaseMs: 300_000, limit: BATCH });
          if (leases.length === 0) {
            if (produced >= JOBS && (await store.stats()).byStatus.pending === 0) return done;
            continue;
          }
          for (const l of leases) claims.set(l.job.id, [...(claims.get(l.job.id) ?? []), workerId]);
          const out = await store.completeMany(leases.map((lease) => ({ lease, result: { by: workerId } })));
          expect(out.every((o) => o.ok)).toBe(true);
          done += leases.length;
        }
        throw new Error(`${workerId} did not finish in time`);
      };
      const counts = await Promise.all(stores.slice(0, WORKERS).map((s, i) => claimer(s, `w${i}`)));
      await producing;

      const twice = [...claims].filter(([, by]) => by.length > 1);
      expect(twice).toEqual([]);
      expect(claims.size).toBe(JOBS);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(JOBS);
      const stats = await producer.stats();
      expect(stats.total).toBe(JOBS);
      expect(stats.byStatus.done).toBe(JOBS);
      // Work was actually shared, not done by one lucky connection.
      expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });
});
