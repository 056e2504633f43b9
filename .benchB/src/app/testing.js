/** Lets every promise, timer-free callback and in-memory store call that is ready run. */
export async function flush(rounds = 20) {
    for (let i = 0; i < rounds; i++)
        await new Promise((resolve) => setImmediate(resolve));
}
/**
 * Runs until `done()` holds: flush pending work, and when nothing is ready, advance the
 * clock to its next sleeper (poll, heartbeat, backoff, timeout). Returns the steps taken.
 * @example await runUntil(clock, async () => (await store.get(id))?.status === 'done');
 */
export async function runUntil(clock, done, opts = {}) {
    const maxSteps = opts.maxSteps ?? 10_000;
    for (let steps = 0;; steps++) {
        await flush();
        if (await done())
            return steps;
        let next = clock.nextWakeAt();
        if (next === undefined && (await clock.whenSleeping(opts.ioWaitMs ?? 10_000))) {
            // Something came back from real I/O: it may have made the condition true.
            await flush();
            if (await done())
                return steps;
            next = clock.nextWakeAt();
        }
        if (next === undefined)
            throw new Error('runUntil: nothing sleeps on the clock and the condition does not hold (is the worker started?)');
        if (opts.until !== undefined && next > opts.until) {
            clock.set(Math.max(clock.now(), opts.until));
            await flush();
            return steps;
        }
        if (steps >= maxSteps)
            throw new Error(`runUntil: condition still false after ${maxSteps} clock advances`);
        clock.set(Math.max(clock.now(), next));
    }
}
/**
 * Runs until the store has nothing left to do: no job pending, retrying or processing
 * (every job is done, failed or cancelled). Returns the steps taken.
 * @example
 * const clock = new ManualClock(); const store = new InMemoryLeaseStore({ clock });
 * const worker = new ProcessingWorker({ store, clock, handler, handleSignals: false });
 * await store.enqueue({ queue: 'orders', payload: {} }); await worker.start();
 * await runUntilIdle(store, clock); await worker.stop();
 */
export async function runUntilIdle(store, clock, opts = {}) {
    return runUntil(clock, async () => {
        const { byStatus } = await store.stats();
        return byStatus.pending + byStatus.retry + byStatus.processing === 0;
    }, opts);
}
//# sourceMappingURL=testing.js.map