/**
 * The worker's completion batcher: a group commit. A lone completion is a plain complete;
 * what arrives while writes are out goes together in the next completeMany (behind a batch
 * out, until that batch has been out its stuck bound); one write that never answers does not
 * hold up the others; each entry gets its own outcome.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeaseLostError, ValidationError } from '../src/domain/errors.js';
import type { CompleteEntry, CompleteOutcome, Lease } from '../src/domain/job.js';
import { CompletionBatcher } from '../src/app/worker/completion-batcher.js';
import { flush } from '../src/app/testing.js';
import { setup } from './support/worker-fixtures.js';

/** A store whose complete and completeMany wait for a gate each; `calls` records each write as it goes out. */
async function gatedStore(n: number) {
  const { store } = setup();
  await store.enqueueMany(Array.from({ length: n }, (_, i) => ({ queue: 'q', payload: i })));
  const leases = await store.acquire({ workerId: 'w', leaseMs: 10_000, limit: n });
  const calls: string[] = [];
  const gates: (() => void)[] = [];
  const held = <T>(name: string, size: number, run: () => Promise<T>): Promise<T> => {
    calls.push(`${name}(${size})`);
    return new Promise<void>((r) => gates.push(r)).then(run);
  };
  const inner = { complete: store.complete.bind(store), completeMany: store.completeMany.bind(store) };
  store.complete = (lease: Lease, result?: never) => held('complete', 1, () => inner.complete(lease, result));
  store.completeMany = (entries: CompleteEntry[]): Promise<CompleteOutcome[]> => held('completeMany', entries.length, () => inner.completeMany(entries));
  return { store, leases, calls, gates };
}

describe('CompletionBatcher', () => {
  it('writes a lone completion with complete, and what arrives during writes together with completeMany', async () => {
    const { store, leases, calls, gates } = await gatedStore(6);
    const batcher = new CompletionBatcher(store);
    const done = [batcher.complete(leases[0]!, 0)];
    await flush();
    done.push(batcher.complete(leases[1]!, 1));
    await flush();
    // Two writes out: the next three wait, then go together.
    done.push(batcher.complete(leases[2]!, 2), batcher.complete(leases[3]!, 3), batcher.complete(leases[4]!, 4));
    await flush();
    expect(calls).toEqual(['complete(1)', 'complete(1)']);
    // The first write never answers; the second does, and the waiting three go in one.
    gates[1]!();
    await flush();
    expect(calls).toEqual(['complete(1)', 'complete(1)', 'completeMany(3)']);
    gates[2]!();
    await Promise.all(done.slice(1));
    expect((await store.list({ status: 'done' })).map((j) => j.payload)).toEqual([1, 2, 3, 4]);
    gates[0]!();
    await done[0];
    expect((await store.get(leases[0]!.job.id))?.status).toBe('done');
  });

  afterEach(() => void vi.useRealTimers());

  it('beside a batch out, what arrives waits for it and goes in one write (not two half batches)', async () => {
    const { store, leases, calls, gates } = await gatedStore(6);
    // A stuck bound no pause of this process can reach: the order here is events only.
    const batcher = new CompletionBatcher(store, 500, 60_000);
    const done = [batcher.complete(leases[0]!, 0), batcher.complete(leases[1]!, 1)];
    await flush();
    expect(calls).toEqual(['completeMany(2)']);
    done.push(batcher.complete(leases[2]!, 2));
    await flush();
    done.push(batcher.complete(leases[3]!, 3), batcher.complete(leases[4]!, 4));
    await flush();
    // A lone write would have gone beside the batch; these wait for it instead.
    expect(calls).toEqual(['completeMany(2)']);
    gates[0]!();
    await flush();
    expect(calls).toEqual(['completeMany(2)', 'completeMany(3)']);
    gates[1]!();
    await Promise.all(done);
    expect((await store.list({ status: 'done' })).map((j) => j.payload)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a batch out longer than the stuck bound does not hold up the next write', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { store, leases, calls, gates } = await gatedStore(4);
    const batcher = new CompletionBatcher(store, 500, 100);
    const done = [batcher.complete(leases[0]!, 0), batcher.complete(leases[1]!, 1)];
    await flush();
    done.push(batcher.complete(leases[2]!, 2), batcher.complete(leases[3]!, 3));
    await flush();
    vi.advanceTimersByTime(99);
    await flush();
    expect(calls).toEqual(['completeMany(2)']);
    vi.advanceTimersByTime(1);
    await flush();
    // The first batch never answers; the second goes beside it and lands.
    expect(calls).toEqual(['completeMany(2)', 'completeMany(2)']);
    gates[1]!();
    await Promise.all(done.slice(2));
    expect((await store.list({ status: 'done' })).map((j) => j.payload)).toEqual([2, 3]);
    gates[0]!();
    await Promise.all(done);
  });

  it('gives each entry its own outcome: a lost lease rejects only its own completion', async () => {
    const { store, clock } = setup();
    await store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 2 }]);
    const [a, b] = await store.acquire({ workerId: 'w', leaseMs: 1_000, limit: 2 });
    clock.advance(2_000);
    await store.acquire({ workerId: 'other', leaseMs: 10_000, limit: 1 }); // takes a over
    await store.extend(b!, 10_000).then((l) => Object.assign(b!, l));
    const batcher = new CompletionBatcher(store);
    const [ra, rb] = await Promise.allSettled([batcher.complete(a!, 'a'), batcher.complete(b!, 'b')]);
    expect(ra.status === 'rejected' && ra.reason).toBeInstanceOf(LeaseLostError);
    expect(rb).toMatchObject({ status: 'fulfilled', value: { status: 'done', result: 'b' } });
  });

  it('a batch refused as a whole is written again in halves: only a result the store cannot take fails', async () => {
    const { store } = setup();
    await store.enqueueMany([{ queue: 'q', payload: 1 }, { queue: 'q', payload: 2 }, { queue: 'q', payload: 3 }]);
    const leases = await store.acquire({ workerId: 'w', leaseMs: 10_000, limit: 3 });
    // A server that refuses a whole statement holding the huge result (too large for it), as
    // MySQL's packet limit does: nothing of that batch is written.
    const calls: string[] = [];
    const inner = { complete: store.complete.bind(store), completeMany: store.completeMany.bind(store) };
    const tooLarge = () => new ValidationError('result', 'is too large for this server');
    store.completeMany = (entries: CompleteEntry[]) => {
      calls.push(`completeMany(${entries.map((e) => e.result).join()})`);
      return entries.some((e) => e.result === 'huge') ? Promise.reject(tooLarge()) : inner.completeMany(entries);
    };
    store.complete = (lease: Lease, result?: never) => {
      calls.push(`complete(${result})`);
      if ((result as unknown) === 'huge') throw tooLarge(); // thrown, not rejected: still settled
      return inner.complete(lease, result);
    };
    const batcher = new CompletionBatcher(store);
    const settled = await Promise.allSettled([batcher.complete(leases[0]!, 'a'), batcher.complete(leases[1]!, 'huge'), batcher.complete(leases[2]!, 'c')]);
    expect(calls).toEqual(['completeMany(a,huge,c)', 'completeMany(a,huge)', 'complete(a)', 'complete(huge)', 'complete(c)']);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { status: 'done', result: 'a' } });
    expect(settled[1].status === 'rejected' && settled[1].reason).toBeInstanceOf(ValidationError);
    expect(settled[2]).toMatchObject({ status: 'fulfilled', value: { status: 'done', result: 'c' } });
    expect((await store.get(leases[1]!.job.id))?.status).toBe('processing');
    // The batcher goes on batching after it.
    await store.enqueueMany([{ queue: 'q', payload: 4 }, { queue: 'q', payload: 5 }]);
    const next = await store.acquire({ workerId: 'w', leaseMs: 10_000, limit: 2 });
    await Promise.all(next.map((l, i) => batcher.complete(l, `n${i}`)));
    expect(calls.slice(5)).toEqual(['completeMany(n0,n1)']);
  });
});
