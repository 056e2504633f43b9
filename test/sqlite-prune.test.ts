/**
 * Issue 11, case 5: SQLite prune of 1,000,000 rows was one 3 s write transaction that stalled
 * every other writer. It now deletes in bounded chunks, each its own transaction, and another
 * writer gets in between them. Shown by behaviour, not by timing: a second store on the same
 * file enqueues while the prune is still under way, and the prune still deletes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { PRUNE_CHUNK } from '../src/adapters/sqlite/sqlite-engine.js';
import { T0 } from './support/worker-fixtures.js';

describe('sqlite prune', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-prune-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes in chunks, and another writer gets in between them', async () => {
    const filename = join(dir, 'jobs.db');
    const clock = new ManualClock(T0);
    const pruner = new SqliteLeaseStore({ filename, clock, synchronous: 'NORMAL' });
    // busyTimeoutMs 0: a writer that found the lock taken would fail at once instead of waiting.
    const other = new SqliteLeaseStore({ filename, clock, synchronous: 'NORMAL', busyTimeoutMs: 0 });
    await pruner.migrate();
    const total = PRUNE_CHUNK * 3 + 17;
    await pruner.enqueueMany(Array.from({ length: total }, (_, i) => ({ queue: 'orders', payload: i, key: `k${i}` })));
    const leases = await pruner.acquire({ workerId: 'w', leaseMs: 10_000, limit: total });
    for (const lease of leases.slice(0, 10)) await pruner.saveStep(lease, 'place', 1);
    await pruner.completeMany(leases.map((lease) => ({ lease })));
    clock.advance(60_000);

    let pruned: number | undefined;
    const pruning = pruner.prune({ olderThanMs: 30_000 }).then((n) => (pruned = n));
    // The prune's first chunk is done; the rest are not: the other store writes in between.
    const { job, created } = await other.enqueue({ queue: 'orders', payload: 'between chunks' });
    expect(created).toBe(true);
    expect(pruned).toBeUndefined();
    // Exactly one chunk is gone: each transaction deletes a bounded number of jobs.
    expect((await other.stats()).byStatus.done).toBe(total - PRUNE_CHUNK);

    expect(await pruning).toBe(total);
    expect((await other.stats()).total).toBe(1);
    expect((await other.get(job.id))?.payload).toBe('between chunks');
    expect(await other.getStepRecords(leases[0]!.job.id)).toEqual([]);
    // Keys of pruned jobs stay retired, every chunk's: reuseKey runs one again.
    for (const key of ['k0', `k${total - 1}`]) await expect(other.enqueue({ queue: 'orders', payload: 1, key })).rejects.toMatchObject({ code: 'KEY_RETIRED', key });
    expect((await other.enqueue({ queue: 'orders', payload: 1, key: 'k0', reuseKey: true })).created).toBe(true);
    await pruner.close();
    await other.close();
  });
});
