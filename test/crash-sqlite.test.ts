/**
 * Real processes on SQLite: three worker processes place 60 orders on the simulated
 * exchange while the harness SIGKILLs them (mostly inside the exchange call, after the order
 * is booked) and starts replacements. Replay a run with LEASEHOLD_CRASH_SEED=<seed>.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { expectOneOrderPerJob } from './support/crash-harness.js';

describe('crash: real worker processes killed at random on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const dedupe of [true, false]) {
    it(`${dedupe ? 'deduping exchange, no reconcile hook, batched completions' : 'exchange without dedupe, reconcile hook'}: every job done, one order each`, { timeout: 60_000 }, async () => {
      const file = join(dir, `jobs-${dedupe}.db`);
      const store = new SqliteLeaseStore({ filename: file });
      await store.migrate();
      try {
        await expectOneOrderPerJob('sqlite', { store, storeUrl: `sqlite:${file}`, dedupe });
      } finally {
        await store.close();
      }
    });
  }
});
