/**
 * The phases of one attempt, as data: the lease holder moves through this table and asserts
 * each move, so an attempt is always in one named phase (what `getStatus()` shows) instead
 * of a combination of flags.
 *
 * ```
 * running --handler ended or aborted, a step fn still out--> waiting --fn settled or step deadline passed--> settling
 * running --handler ended--> settling --final write answered--> done
 * settling --lease ran out during the write--> ranOut --write answered--> done
 * running|waiting --lease given up locally, fn settled--> handingBack --fenced release answered--> done
 * ```
 * A lost lease is not a phase of its own: it is a fact (with its reason) that can arise in
 * any phase before `done`, and the attempt still waits for a step fn that is out.
 */
/** Every phase of an attempt. */
export const ATTEMPT_PHASES = ['running', 'waiting', 'settling', 'ranOut', 'handingBack', 'done'];
/** For each phase, the phases it may move to. */
export const PHASE_MOVES = {
    running: ['waiting', 'settling', 'handingBack', 'done'],
    waiting: ['settling', 'handingBack', 'done'],
    settling: ['ranOut', 'done'],
    ranOut: ['done'],
    handingBack: ['done'],
    done: [],
};
/**
 * Whether an attempt in the phase takes one of the worker's `maxConcurrentJobs` slots: while
 * the handler or a step's fn may still act, or a lease given up is being handed back, yes;
 * once only the outcome's write is out, no, so the next job starts while completions are
 * written together.
 */
export const HOLDS_SLOT = {
    running: true,
    waiting: true,
    handingBack: true,
    settling: false,
    ranOut: false,
    done: false,
};
/** Whether the table allows moving from `from` to `to`. */
export function canMove(from, to) {
    return PHASE_MOVES[from].includes(to);
}
/** Throws when the table forbids the move: only a bug in the worker can get there. */
export function assertMove(from, to) {
    if (!canMove(from, to))
        throw new Error(`leasehold internal error: an attempt cannot move from ${from} to ${to}`);
}
//# sourceMappingURL=attempt-phase.js.map