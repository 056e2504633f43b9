import { afterEach, beforeEach } from 'vitest';
import { ManualClock } from '../../adapters/clocks/manual-clock.js';
/** A fresh store on a fresh ManualClock at a fixed start, with jitter fixed at 0.5. */
export async function freshStore(factory) {
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
export function useFreshStore(factory, use) {
    let dispose;
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
//# sourceMappingURL=harness.js.map