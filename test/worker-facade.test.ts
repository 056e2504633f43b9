import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../src/adapters/memory/in-memory-lease-store.js';
import { ValidationError } from '../src/domain/errors.js';
import { createLeasehold } from '../src/app/facade.js';
import { createLeaseholdContainer, TOKENS } from '../src/app/container.js';
import { runUntilIdle } from '../src/app/testing.js';

const SRC = resolve(import.meta.dirname, '../src');

/** Every module reachable from `file` through runtime static imports (`import type` is erased; dynamic `import()` is not followed). */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) staticImports(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('facade and container', () => {
  it('createLeasehold wires store, clock and defaults into workers; close stops them and closes the store', async () => {
    const clock = new ManualClock(0);
    const lh = await createLeasehold({ store: ({ clock: c }) => new InMemoryLeaseStore({ clock: c }), clock, handleSignals: false, pollIntervalMs: 1000 });
    expect(lh.clock).toBe(clock);
    const { job } = await lh.enqueue({ queue: 'orders', payload: { n: 2 }, key: 'o-1' });
    expect((await lh.enqueue({ queue: 'orders', payload: { n: 2 }, key: 'o-1' })).created).toBe(false);
    const worker = lh.worker({ queues: ['orders'], handler: async (j) => (j.payload as { n: number }).n * 10 });
    await worker.start();
    await runUntilIdle(lh.store, clock);
    expect((await lh.store.get(job.id))?.result).toBe(20);
    expect((await lh.stats()).byStatus.done).toBe(1);
    await lh.close();
    expect(worker.getStatus().state).toBe('stopped');
    await expect(lh.store.stats()).rejects.toThrow();
    expect(() => lh.worker({ handler: async () => null })).toThrow(ValidationError);
  });

  it('each instance has its own child container: two instances never share a store', () => {
    const a = new InMemoryLeaseStore();
    const b = new InMemoryLeaseStore();
    const ca = createLeaseholdContainer({ store: a, clock: new ManualClock(0), defaults: {} });
    const cb = createLeaseholdContainer({ store: b, clock: new ManualClock(0), defaults: {} });
    expect(ca.resolve(TOKENS.Store)).toBe(a);
    expect(cb.resolve(TOKENS.Store)).toBe(b);
  });

  it('validates its options, naming the field', async () => {
    await expect(createLeasehold({ store: {} as never })).rejects.toMatchObject({ field: 'store' });
    await expect(createLeasehold({ store: new InMemoryLeaseStore(), pollIntervalMs: -1, handleSignals: false }).then((lh) => lh.worker({ handler: async () => null })))
      .rejects.toMatchObject({ field: 'pollIntervalMs' });
  });

  it('the root entry never loads tsyringe, and container.ts is the only file that imports it', () => {
    const reachable = staticImports(join(SRC, 'index.ts'));
    expect([...reachable].filter((s) => s === 'tsyringe' || s === 'reflect-metadata')).toEqual([]);
    expect(reachable.has(join(SRC, 'app/worker/processing-worker.ts'))).toBe(true);
    const importers = (readdirSync(SRC, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from 'tsyringe'|import 'reflect-metadata'/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(importers).toEqual([join('app', 'container.ts')]);
  });
});
