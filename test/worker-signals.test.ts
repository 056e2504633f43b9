import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { ProcessSignals, processSignals } from '../src/app/worker/process-signals.js';
import { ProcessingWorker } from '../src/app/worker/processing-worker.js';
import { runUntil } from '../src/app/testing.js';
import { setup } from './support/worker-fixtures.js';

/** A stand-in for `process`: listeners, and the signals it would have been sent. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const killed: string[] = [];
  return {
    proc: {
      pid: 4242,
      on: (s: string, fn: () => void) => emitter.on(s, fn),
      off: (s: string, fn: () => void) => emitter.off(s, fn),
      listenerCount: (s: string) => emitter.listenerCount(s),
      kill: (_pid: number, s?: string | number) => void killed.push(String(s)),
    } as unknown as ConstructorParameters<typeof ProcessSignals>[0],
    emitter,
    killed,
  };
}

describe('signals', () => {
  it('eleven workers in one process share one listener per signal: no MaxListenersExceededWarning', async () => {
    const { clock, store } = setup();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const workers = Array.from({ length: 11 }, (_, i) => new ProcessingWorker({ store, clock, workerId: `w${i}`, liveness: false, handler: async () => null }));
    try {
      for (const w of workers) await w.start();
      expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
      expect(processSignals.size).toBe(11);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      for (const w of workers) await w.stop();
      process.off('warning', onWarning);
    }
    // Stopped without a signal: the listeners go and nothing is raised.
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(processSignals.size).toBe(0);
  });

  it('eleven workers with every default (signals, liveness, sweeper) run jobs in one process without a MaxListenersExceededWarning', async () => {
    const { clock, store } = setup();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const done = new Set<string>();
    // Defaults throughout: handleSignals and liveness on, one store and one clock shared by all.
    const workers = Array.from({ length: 11 }, (_, i) =>
      new ProcessingWorker({ store, clock, workerId: `w${i}`, random: () => 0.5, handler: async (job) => void done.add(job.id) }),
    );
    try {
      for (const w of workers) await w.start();
      expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
      expect((await store.listWorkers()).map((w) => w.alive)).toEqual(Array(11).fill(true));
      await store.enqueueMany(Array.from({ length: 33 }, (_, i) => ({ queue: 'q', payload: i })));
      await runUntil(clock, () => done.size === 33);
      // Several liveness intervals: renewals, sweeps and polls on every worker.
      await runUntil(clock, () => false, { until: clock.now() + 12_000 });
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      for (const w of workers) await w.stop();
      process.off('warning', onWarning);
    }
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(await store.listWorkers()).toEqual([]);
  });

  it('a signal stops every worker; when the last one has stopped the signal is raised again so the process exits as it would have', async () => {
    const { proc, emitter, killed } = fakeProcess();
    const registry = new ProcessSignals(proc);
    const stops: boolean[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 3; i++) {
      releases.push(registry.add({ stop: async (now) => void stops.push(now), handlesExit: false, onError: () => {} }));
    }
    expect(emitter.listenerCount('SIGTERM')).toBe(1);
    emitter.emit('SIGTERM');
    emitter.emit('SIGTERM'); // a second signal: stop at once
    expect(stops).toEqual([false, false, false, true, true, true]);
    releases[0]!();
    releases[1]!();
    expect(killed).toEqual([]);
    releases[2]!();
    expect(emitter.listenerCount('SIGTERM')).toBe(0);
    expect(killed).toEqual(['SIGTERM']);
  });

  it('does not raise the signal again when the application handles exit, or has a listener of its own', async () => {
    for (const mode of ['handlesExit', 'ownListener'] as const) {
      const { proc, emitter, killed } = fakeProcess();
      const registry = new ProcessSignals(proc);
      if (mode === 'ownListener') emitter.on('SIGINT', () => {});
      const release = registry.add({ stop: async () => {}, handlesExit: mode === 'handlesExit', onError: () => {} });
      emitter.emit('SIGINT');
      release();
      expect(killed, mode).toEqual([]);
    }
  });
});
