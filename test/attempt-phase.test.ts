import { describe, expect, it } from 'vitest';
import { ATTEMPT_PHASES, HOLDS_SLOT, PHASE_MOVES, assertMove, canMove, type AttemptPhase } from '../src/app/worker/attempt-phase.js';

describe('the attempt phases table', () => {
  it('names only known phases, and every phase but done can reach done', () => {
    for (const [from, tos] of Object.entries(PHASE_MOVES)) {
      expect(ATTEMPT_PHASES).toContain(from);
      for (const to of tos) expect(ATTEMPT_PHASES).toContain(to);
    }
    const reachesDone = (p: AttemptPhase, seen = new Set<AttemptPhase>()): boolean =>
      p === 'done' || (!seen.has(p) && PHASE_MOVES[p].some((q) => reachesDone(q, new Set([...seen, p]))));
    for (const p of ATTEMPT_PHASES) expect(reachesDone(p)).toBe(true);
    expect(PHASE_MOVES.done).toEqual([]);
  });

  it('has no way back: once settling, the attempt never waits for a step or runs again', () => {
    expect(canMove('running', 'waiting')).toBe(true);
    expect(canMove('waiting', 'settling')).toBe(true);
    expect(canMove('settling', 'waiting')).toBe(false);
    expect(canMove('settling', 'running')).toBe(false);
    expect(canMove('settling', 'handingBack')).toBe(false); // a final write's reply decides, not a hand-back
    expect(canMove('ranOut', 'settling')).toBe(false);
    expect(canMove('done', 'running')).toBe(false);
  });

  it('assertMove throws on a move the table forbids and passes one it allows', () => {
    expect(() => assertMove('done', 'settling')).toThrow(/cannot move from done to settling/);
    expect(() => assertMove('waiting', 'handingBack')).not.toThrow();
  });

  it('says for every phase whether it takes a slot: yes while user code may act, never once only a write is out', () => {
    expect(Object.keys(HOLDS_SLOT).sort()).toEqual([...ATTEMPT_PHASES].sort());
    expect(ATTEMPT_PHASES.filter((p) => HOLDS_SLOT[p])).toEqual(['running', 'waiting', 'handingBack']);
    // No phase that frees its slot can lead back to one that takes it.
    for (const p of ATTEMPT_PHASES) if (!HOLDS_SLOT[p]) for (const q of PHASE_MOVES[p]) expect(HOLDS_SLOT[q], `${p} -> ${q}`).toBe(false);
  });
});
