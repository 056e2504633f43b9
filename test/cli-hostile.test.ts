/**
 * Issue 11 at the command line: times in exactly the forms the help names (case 5: `--run-at -5`
 * was the year 2001), and a payload nested 10,000 levels is a usage error, exit 2 (case 3: it
 * was exit 3, "store unavailable", from a RangeError).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTime } from '../src/app/cli/parse-args.js';
import { UsageError } from '../src/app/cli/exit-codes.js';
import { runCli } from './cli-support.js';

const NOW = Date.UTC(2026, 0, 1);

describe('CLI times', () => {
  it('accepts an ISO date, an ISO date and time with its zone, epoch ms and +DURATION', () => {
    expect(parseTime('2026-03-01', '--run-at', NOW)).toBe(Date.UTC(2026, 2, 1));
    expect(parseTime('2026-03-01T09:30Z', '--run-at', NOW)).toBe(Date.UTC(2026, 2, 1, 9, 30));
    expect(parseTime('2026-03-01T09:30:15.5Z', '--run-at', NOW)).toBe(Date.UTC(2026, 2, 1, 9, 30, 15, 500));
    expect(parseTime('2026-03-01T09:30:00+02:00', '--run-at', NOW)).toBe(Date.UTC(2026, 2, 1, 7, 30));
    expect(parseTime('2026-03-01T09:30:00-01:30', '--run-at', NOW)).toBe(Date.UTC(2026, 2, 1, 11, 0));
    expect(parseTime(' 1767225600000 ', '--run-at', NOW)).toBe(1767225600000);
    expect(parseTime('+1h30m', '--run-at', NOW)).toBe(NOW + 5_400_000);
  });

  it('refuses everything else with a usage error naming the option, instead of guessing', () => {
    const refused = [
      '-5', // Date.parse: 2001-05-01 local time
      '5.5',
      '1e12',
      '2026-02-31', // Date.parse: March 3rd
      '2026-13-01',
      '2026-01-01T25:00Z',
      '2026-01-01T09:60Z',
      '2026-01-01T09:30:00', // no zone: the machine's local time would be a guess
      '2026-01-01 09:30Z',
      '2026-01-01T09:30+24:00',
      'Jan 1 2026',
      'tomorrow',
      '+',
      '+-5m',
      '',
    ];
    for (const v of refused) {
      expect(() => parseTime(v, '--run-at', NOW), JSON.stringify(v)).toThrow(UsageError);
      expect(() => parseTime(v, '--run-at', NOW)).toThrow(/^--run-at: .* is not a (time|duration)/);
    }
  });
});

describe('leasehold CLI: hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-cli-hostile-'));
  const cli = (...args: string[]) => runCli(['--db', `sqlite:${join(dir, 'jobs.db')}`, ...args]);
  beforeAll(async () => {
    expect((await cli('migrate')).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--run-at -5 exits 2 and enqueues nothing', async () => {
    const r = await cli('enqueue', 'orders', '{}', '--run-at', '-5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^leasehold: --run-at: "-5" is not a time/);
    expect((await cli('--json', 'status')).json.total).toBe(0);
  });

  it('a payload nested 10,000 levels exits 2 with the path, and the store keeps working', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const r = await cli('--json', 'enqueue', 'orders', deep);
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toMatch(/^payload(\[0\]){256}: must be JSON nested at most 256 levels deep/);
    const ok = await cli('--json', 'enqueue', 'orders', '[[1]]');
    expect(ok.code).toBe(0);
    expect((await cli('--json', 'status')).json.total).toBe(1);
  });
});
