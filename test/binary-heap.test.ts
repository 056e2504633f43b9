/**
 * The in-memory store's heap: whatever is pushed and popped, in any interleaving, each pop
 * returns the least entry left, as a sorted list would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryHeap } from '../src/adapters/memory/binary-heap.js';

describe('BinaryHeap', () => {
  it('pops the least entry left, for any interleaving of pushes and pops', () => {
    const op = fc.oneof(fc.record({ push: fc.integer({ min: -50, max: 50 }) }), fc.constant({ pop: true as const }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const heap = new BinaryHeap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const o of ops) {
          if ('push' in o) {
            heap.push(o.push);
            model.push(o.push);
            model.sort((a, b) => a - b);
          } else expect(heap.pop()).toBe(model.shift());
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
