import { describe, expect, it } from 'vitest';
import { runSqliteBench } from '../src/app/bench/sqlite-bench.js';

describe('sqlite bench (quick smoke run)', () => {
  it('measures every scenario and reports finite figures', { timeout: 60_000 }, async () => {
    const rows = await runSqliteBench({ quick: true });
    expect(rows.map((r) => r.scenario)).toEqual([
      'raw UPDATE ceiling, synchronous=FULL',
      'claim+complete one at a time, synchronous=FULL',
      'claim+complete batch 10 (completeMany), synchronous=FULL',
      'claim+complete batch 100 (completeMany), synchronous=FULL',
      'raw UPDATE ceiling, synchronous=NORMAL',
      'claim+complete one at a time, synchronous=NORMAL',
      'claim+complete batch 10 (completeMany), synchronous=NORMAL',
      'claim+complete batch 100 (completeMany), synchronous=NORMAL',
      'claim latency p50, no history, synchronous=FULL',
      'claim latency p50, 50,000 done rows, synchronous=FULL',
      'claim latency p99, no history, synchronous=FULL',
      'claim latency p99, 50,000 done rows, synchronous=FULL',
      'claim latency p50, no history, synchronous=NORMAL',
      'claim latency p50, 50,000 done rows, synchronous=NORMAL',
      'claim latency p99, no history, synchronous=NORMAL',
      'claim latency p99, 50,000 done rows, synchronous=NORMAL',
    ]);
    for (const row of rows) {
      expect(row.store).toBe('sqlite');
      expect(Number.isFinite(row.value) && row.value > 0, `${row.scenario}: ${row.value}`).toBe(true);
    }
  });
});
