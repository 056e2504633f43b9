/**
 * The contract suite is only worth what it catches. Each store here is the in-memory store
 * with one deliberate bug; the model-based suite must reject every one of them.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../../src/adapters/memory/in-memory-lease-store.js';
import { LeaseLostError } from '../../src/domain/errors.js';
import type { AcquireRequest, EnqueueResult, HeldLease, Job, Json, JsonCompatible, Lease, NewJob } from '../../src/domain/job.js';
import type { StoreFactory } from '../../src/testing/contract/harness.js';
import { checkAgainstModel } from '../../src/testing/contract/lease-store-model.js';

class IgnoresQueueFilter extends InMemoryLeaseStore {
  override acquire(req: AcquireRequest): Promise<Lease[]> {
    return super.acquire({ ...req, queues: undefined });
  }
}

class AcceptsStaleComplete extends InMemoryLeaseStore {
  override async complete(lease: Lease, result?: Json): Promise<Job> {
    try {
      return await super.complete(lease, result);
    } catch (e) {
      if (e instanceof LeaseLostError) return (await this.get(lease.job.id))!;
      throw e;
    }
  }
}

class NeverReaps extends InMemoryLeaseStore {
  override async reapExpired(): Promise<number> {
    return 0;
  }
}

class HandsOutTwiceAfterRelease extends InMemoryLeaseStore {
  private readonly released: Lease[] = [];
  override async release(lease: Lease): Promise<Job> {
    this.released.push(lease);
    return super.release(lease);
  }
  override async acquire(req: AcquireRequest): Promise<Lease[]> {
    const got = await super.acquire(req);
    const again = this.released.shift();
    return again && got.length < (req.limit ?? 1) ? [...got, again] : got;
  }
}

/** Holds takeovers back, but reports no held lease: a worker would never hear of a hold. */
class HidesHeldLeases extends InMemoryLeaseStore {
  override async getHeldLeases(): Promise<HeldLease[]> {
    return [];
  }
}

/** What the SQL stores did with a lone surrogate in a key: kept U+FFFD instead (issue 11). */
class KeepsReplacementCharacters extends InMemoryLeaseStore {
  override enqueue<P = Json>(job: NewJob<P & JsonCompatible<P>>): Promise<EnqueueResult<P>> {
    return super.enqueue<P>(typeof job.key === 'string' ? { ...job, key: job.key.toWellFormed() } : job);
  }
}

/** Blocks jobs of a full concurrency key, but never frees them: the key's backlog waits forever. */
class NeverFreesBlockedJobs extends InMemoryLeaseStore {
  constructor(o: ConstructorParameters<typeof InMemoryLeaseStore>[0]) {
    super(o);
    (this as unknown as { wake: () => void }).wake = () => {};
  }
}

/** Stores and lists rate limits, but claims as if there were none. */
class IgnoresRateLimits extends InMemoryLeaseStore {
  override async acquire(req: AcquireRequest): Promise<Lease[]> {
    const limits = (this as unknown as { limits: Map<string, unknown> }).limits;
    const kept = new Map(limits);
    limits.clear();
    try {
      return await super.acquire(req);
    } finally {
      for (const [q, l] of kept) limits.set(q, l);
    }
  }
}

const flowMutants: [string, new (o: ConstructorParameters<typeof InMemoryLeaseStore>[0]) => InMemoryLeaseStore][] = [
  ['never frees the jobs a concurrency key holds back', NeverFreesBlockedJobs],
  ['claims past a rate limit', IgnoresRateLimits],
];

const mutants: [string, new (o: ConstructorParameters<typeof InMemoryLeaseStore>[0]) => InMemoryLeaseStore][] = [
  ['ignores the queue filter', IgnoresQueueFilter],
  ['lets a stale token complete', AcceptsStaleComplete],
  ['never reaps expired leases', NeverReaps],
  ['hands a released lease out again', HandsOutTwiceAfterRelease],
  ['keeps another key than it was given', KeepsReplacementCharacters],
  ['reports no lease its step deadline holds back', HidesHeldLeases],
];

describe('the model-based contract catches broken adapters', () => {
  it.each(mutants)('rejects a store that %s', async (_name, Store) => {
    const factory: StoreFactory = async (options) => {
      const store = new Store(options);
      return { store, dispose: () => store.close() };
    };
    await expect(checkAgainstModel(factory, { numRuns: 600, seed: 42 })).rejects.toThrow(/Property failed/);
  });
  it.each(flowMutants)('rejects a store that %s (flow-control commands)', async (_name, Store) => {
    const factory: StoreFactory = async (options) => {
      const store = new Store(options);
      return { store, dispose: () => store.close() };
    };
    await expect(checkAgainstModel(factory, { numRuns: 300, seed: 42, flowControl: true })).rejects.toThrow(/Property failed/);
  });
});
