import { describe, expect, it } from 'vitest';
import { statusCommand } from '../src/app/cli/status.js';
import { formatStatus } from '../src/app/cli/format.js';
import { formatWorkers, releaseWorkerCommand, workersCommand } from '../src/app/cli/workers.js';
import { setup, T0 } from './support/worker-fixtures.js';

const reg = (workerId: string, pid: number) => ({ workerId, incarnation: `inc-${workerId}`, host: 'host-a', pid, bootId: 'b', livenessTimeoutMs: 8000 });

describe('CLI: workers, release-worker, and status by process', () => {
  it('status tells a live holder from a gone one, with its last sign of life; workers lists both; a dead one is released, a live one only with force', async () => {
    const { clock, store } = setup();
    await store.registerWorker(reg('bot-1', 11));
    await store.registerWorker(reg('bot-2', 22));
    const a = (await store.enqueue({ queue: 'q', payload: 1 })).job;
    const b = (await store.enqueue({ queue: 'q', payload: 2 })).job;
    await store.acquire({ workerId: 'bot-1', leaseMs: 300_000 });
    await store.acquire({ workerId: 'bot-2', leaseMs: 300_000 });
    clock.advance(6000);
    await store.renewWorker('bot-2', 'inc-bot-2');
    clock.advance(3000); // bot-1 last seen 9 s ago: gone; bot-2 3 s ago
    const status = await statusCommand(store, clock.now());
    expect(status.activeLeases.map((l) => [l.id, l.holder, l.holderLastSeenAt])).toEqual([
      [a.id, 'gone', T0],
      [b.id, 'alive', T0 + 6000],
    ]);
    expect(formatStatus(status)).toMatch(/bot-1\s+GONE, seen 9\.0s ago/);
    const { workers } = await workersCommand(store);
    expect(workers.map((w) => [w.workerId, w.pid, w.alive, w.jobsHeld])).toEqual([['bot-1', 11, false, 1], ['bot-2', 22, true, 1]]);
    expect(formatWorkers(workers, clock.now())).toMatch(/bot-1\s+host-a\s+11\s+\S+\s+9\.0s ago\s+gone\s+1/);
    expect(await releaseWorkerCommand(store, 'bot-1')).toEqual({ workerId: 'bot-1', released: 1 });
    expect(await store.get(a.id)).toMatchObject({ status: 'retry', leaseExpiries: 1 });
    await expect(releaseWorkerCommand(store, 'bot-2')).rejects.toMatchObject({ code: 'WORKER_ALIVE' });
    expect(await store.get(b.id)).toMatchObject({ status: 'processing', lockedBy: 'bot-2' });
    expect(await releaseWorkerCommand(store, 'bot-2', { force: true })).toEqual({ workerId: 'bot-2', released: 1 });
  });
});
