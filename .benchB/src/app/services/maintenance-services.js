/**
 * Every `intervalMs`, `reapExpired()`; `onReaped(n)` is told when it put jobs back (the claimer
 * wakes for them instead of waiting for its poll). Not run at start: the worker reaps once
 * before its first claim.
 */
export function reaper(store, intervalMs, onReaped) {
    return {
        name: 'reaper',
        intervalMs,
        runAtStart: false,
        async run() {
            const n = await store.reapExpired();
            if (n > 0)
                onReaped(n);
        },
    };
}
/** Every `intervalMs` (and once at start), `store.prune(prune)`; `onPruned(n)` is told how many went. */
export function retention(store, intervalMs, prune, onPruned) {
    return {
        name: 'retention',
        intervalMs,
        async run() {
            const n = await store.prune(prune);
            if (n > 0)
                onPruned(n);
        },
    };
}
//# sourceMappingURL=maintenance-services.js.map