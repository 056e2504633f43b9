/**
 * `npm run bench` as a smoke test: the runner prints one JSON document with a row per figure
 * for the stores asked for. Only the shape is checked; timing belongs to the bench itself.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('npm run bench', () => {
  it('--quick --json --only memory prints the memory rows', { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/app/bench/bench.ts'), '--quick', '--json', '--only', 'memory'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.quick).toBe(true);
    // Rows without a unit are notes (a part that cannot run on this branch or host).
    const measured = out.rows.filter((r: { unit: string }) => r.unit !== '');
    expect(measured.length).toBeGreaterThanOrEqual(5);
    for (const row of measured) {
      expect(row).toEqual(expect.objectContaining({ store: 'memory', scenario: expect.any(String), unit: expect.any(String) }));
      expect(Number.isFinite(row.value), `${row.scenario}: ${row.note}`).toBe(true);
    }
    expect(out.rows.map((r: { scenario: string }) => r.scenario)).toEqual(expect.arrayContaining([expect.stringMatching(/claim\+complete batch 100/), expect.stringMatching(/claim cost at 1k/)]));
  });

  it('--quick --json --only peer measures graphile-worker on PostgreSQL beside the MySQL worker, with the ratio', { timeout: 180_000 }, async (ctx) => {
    const { peerProblem } = await import('../src/app/bench/peer-bench.js');
    const problem = await peerProblem();
    // In CI both servers run: the peer is measured, never skipped.
    if (problem !== undefined && process.env.CI !== 'true') return ctx.skip(`PostgreSQL not reachable: ${problem}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/app/bench/bench.ts'), '--quick', '--json', '--only', 'peer'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).rows as { store: string; scenario: string; value: number; unit: string; note?: string }[];
    expect(rows.map((row) => [row.store, row.unit])).toEqual([
      ['peer', 'jobs/s'],
      ['peer', 'jobs/s'],
      ['peer', 'ratio'],
    ]);
    for (const row of rows) expect(row.value, `${row.scenario}: ${row.note}`).toBeGreaterThan(0);
    expect(rows[2]!.value).toBeCloseTo(rows[1]!.value / rows[0]!.value, 6);
    expect(rows[0]!.note).toMatch(/load \d/);
  });

  it('rejects an unknown store with exit 2', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/app/bench/bench.ts'), '--only', 'postgres'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown store postgres');
  });
});
