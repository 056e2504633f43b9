/**
 * The promise the bot is bought for, on MySQL with real processes: worker processes place
 * orders on an exchange that does NOT dedupe, and each time a chosen order is booked the
 * process that placed it is killed (SIGKILL) before it hears the answer -- the one moment no
 * checkpoint can cover. Replacements take the jobs over. Every job must end done with exactly
 * one order on the exchange.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { startSimulatedExchange } from '../src/app/demo/simulated-exchange.js';
import { createTestDatabase, describeMysql, endAdminPool } from './support/mysql.js';

const ROOT = resolve(import.meta.dirname, '..');
const JOBS = 60;
const WORKERS = 3;
const KILLS = 4;

await describeMysql('mysql: crashing worker processes', () => {
  afterAll(endAdminPool);

  it(`${WORKERS} processes, ${KILLS} killed right after their order is booked: ${JOBS} jobs done, one order each`, { timeout: 90_000 }, async () => {
    const db = await createTestDatabase('crash');
    const store = new MysqlLeaseStore({ uri: db.url, connectionLimit: 2 });
    const children = new Map<string, ChildProcess>();
    const all: ChildProcess[] = [];
    let kills = 0;
    let placements = 0;
    const exchange = await startSimulatedExchange({
      dedupe: false,
      onPlace: (req) => {
        placements++;
        // Every 7th placement, while kills remain: the order is booked, the placer dies unanswered.
        if (kills < KILLS && placements % 7 === 3) {
          const victim = children.get(String(req.placedBy));
          if (victim) {
            kills++;
            children.delete(String(req.placedBy));
            victim.kill('SIGKILL');
            startWorker();
          }
        }
      },
    });
    const startWorker = (): void => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/app/demo/worker-process.ts', '--store', db.url, '--exchange', exchange.url, '--lease-seconds', '1', '--poll-ms', '50', '--concurrency', '3'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      all.push(child);
      createInterface({ input: child.stdout! }).on('line', (text) => {
        const event = JSON.parse(text) as { event: string; workerId?: string };
        if (event.event === 'started' && event.workerId) children.set(event.workerId, child);
      });
    };
    try {
      await store.migrate();
      await store.enqueueMany(Array.from({ length: JOBS }, (_, i) => ({ queue: 'orders', payload: { orderId: i }, key: `order-${i}` })));
      for (let i = 0; i < WORKERS; i++) startWorker();

      const deadline = Date.now() + 80_000;
      while ((await store.stats()).byStatus.done < JOBS) {
        if (Date.now() > deadline) throw new Error(`not done in time: ${JSON.stringify((await store.stats()).byStatus)}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      expect(kills).toBe(KILLS);
      const jobs = await store.list({ limit: JOBS });
      expect(jobs.every((j) => j.status === 'done')).toBe(true);
      const perJob = exchange.book.acceptedPerJob();
      expect(perJob.size).toBe(JOBS);
      expect([...perJob.values()].every((n) => n === 1)).toBe(true);
      expect(exchange.book.accepted.length).toBe(JOBS);
      // The kills landed mid-job: those jobs needed a second attempt, and it did not re-place.
      expect(jobs.filter((j) => j.attempts > 1).length).toBeGreaterThanOrEqual(KILLS);
    } finally {
      for (const c of all) c.kill('SIGKILL');
      await exchange.close();
      await store.close();
      await db.drop();
    }
  });
});
