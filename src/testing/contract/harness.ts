import { afterEach, beforeEach } from 'vitest';
import { ManualClock } from '../../adapters/clocks/manual-clock.js';
import type { CommonStoreOptions } from '../../adapters/common/store-options.js';
import type { LeaseStore } from '../../ports/lease-store.js';

/** A store made for one test (or one property run), and how to throw it away. */
export interface MadeStore {
  store: LeaseStore;
  /** Closes the store and drops whatever the factory created (file, database). */
  dispose(): Promise<void>;
}

/**
 * What an adapter's test file hands the contract suite: build a fresh, migrated, empty store
 * with these options (always a ManualClock and a fixed random source, so the suite drives time).
 */
export type StoreFactory = (options: CommonStoreOptions & { clock: ManualClock }) => Promise<MadeStore>;

/** A fresh store on a fresh ManualClock at a fixed start, with jitter fixed at 0.5. */
export async function freshStore(factory: StoreFactory): Promise<MadeStore & { clock: ManualClock }> {
  const clock = new ManualClock(START);
  const made = await factory({ clock, random: () => 0.5 });
  return { ...made, clock };
}

/**
 * Gives each test of the enclosing describe a fresh store (handed to `use` before the test)
 * and disposes of it after.
 * @example
 * let store: LeaseStore; let clock: ManualClock;
 * useFreshStore(factory, (made) => ({ store, clock } = made));
 */
export function useFreshStore(factory: StoreFactory, use: (made: { store: LeaseStore; clock: ManualClock }) => void): void {
  let dispose: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const made = await freshStore(factory);
    dispose = made.dispose;
    use(made);
  });
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });
}

/** Where every contract test's clock starts: 2026-01-01T00:00:00Z. */
export const START = Date.UTC(2026, 0, 1);
