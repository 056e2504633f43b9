/**
 * The `leasehold` CLI's edges, store aside: usage errors exit 2 with one line, a missing
 * store exits 3, `--verbose` adds the stack, LEASEHOLD_DB is read, and a database password
 * is never printed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-support.js';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-cli-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = `sqlite:${join(dir, 'jobs.db')}`;
const cli = (...args: string[]) => runCli(['--db', db, ...args]);

describe('leasehold CLI: usage, errors and redaction', () => {
  beforeAll(async () => {
    expect((await cli('migrate')).code).toBe(0);
  });

  it('refuses to open a database that does not exist (exit 3) and does not create it', async () => {
    const missing = join(dir, 'nope.db');
    const r = await runCli(['--db', `sqlite:${missing}`, 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('run `leasehold migrate` first')]);
    expect(existsSync(missing)).toBe(false);
  });

  it('bad usage exits 2 with a one-line error and no stack', async () => {
    const cases: string[][] = [
      ['bogus'],
      ['enqueue', 'orders'],
      ['enqueue', 'orders', '{not json'],
      ['enqueue', '', '{}'],
      ['enqueue', 'orders', '{}', '--priority', 'high'],
      ['enqueue', 'orders', '{}', '--max-attempts', '0'],
      ['list', '--status', 'finished'],
      ['list', '--limit', '-1'],
      ['prune'],
      ['prune', '--older-than', 'a week'],
      ['status', '--frobnicate'],
    ];
    const runs = await Promise.all(cases.map((args) => cli(...args)));
    for (const [i, args] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    const empty = await cli('enqueue', '', '{}');
    expect(empty.stderr).toBe('leasehold: queue: must not be empty\n');
  });

  it('with --json, usage errors (commander\'s own too) are one JSON line with code USAGE, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--json', 'bogus'], /unknown command 'bogus'/],
      [['--json', 'status', '--frobnicate'], /unknown option '--frobnicate'/],
      [['status', '--frobnicate', '--json'], /unknown option '--frobnicate'/],
      [['--json', 'enqueue', 'orders'], /missing required argument 'json'/],
      [['--json', 'prune'], /required option '--older-than <duration>' not specified/],
      [['--json', 'list', '--limit'], /option '--limit <n>' argument missing/],
      [['--json', 'list', '--limit', '-1'], /--limit/],
      [['--json', 'work', '--queue', 'q', '--handler', 'h.mjs', '--retention', 'a week'], /--retention: "a week" is not a duration/],
      [['--json', 'work', '--queue', 'q', '--handler', 'h.mjs', '--reap-interval', '5'], /--reap-interval: "5" is not a duration/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = runs[i]!;
      const what = `${args.join(' ')}: ${r.stderr}`;
      expect(r.code, what).toBe(2);
      expect(r.stdout, what).toBe('');
      expect(r.stderr.endsWith('\n') && r.stderr.indexOf('\n') === r.stderr.length - 1, what).toBe(true);
      const parsed = JSON.parse(r.stderr);
      expect(parsed, what).toEqual({ error: { code: 'USAGE', message: expect.stringMatching(message) } });
      expect(parsed.error.message, what).not.toMatch(/^error: /);
    }
    // Without --json, commander's text stays as it was.
    const text = await cli('bogus');
    expect(text.stderr).toMatch(/^error: unknown command 'bogus'/);
  });

  it('--help and --version exit 0; help documents the exit codes', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0\s+ok\n\s+1\s+operation failed.*\n\s+2\s+usage error.*\n\s+3\s+store unavailable/);
    expect(help.stdout).toContain('mysql://USER:***@HOST:3306/DB');
    expect(help.stdout).toContain('With --json, errors (usage errors too) are one line on stderr');
    const workHelp = await runCli(['work', '--help']);
    expect(workHelp.stdout.replace(/\s+/g, ' ')).toMatch(/`handlers` map .*exit 1 if it cannot be imported, 2 if it exports no handler/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('work: a handler module that cannot be imported exits 1, one that exports no handler exits 2', async () => {
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, 'throw new Error("bad module");\n');
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const nothing = 1;\n');
    const [a, b, c] = await Promise.all([
      cli('work', '--queue', 'q', '--handler', broken),
      cli('work', '--queue', 'q', '--handler', join(dir, 'missing.mjs')),
      cli('work', '--queue', 'q', '--handler', empty),
    ]);
    expect(a.code, a.stderr).toBe(1);
    expect(a.stderr).toContain('cannot load the module: bad module');
    expect(b.code, b.stderr).toBe(1);
    expect(c.code, c.stderr).toBe(2);
    expect(c.stderr).toContain('exports no `handler` function, `handlers` map or default function');
  });

  it('--verbose adds the stack', async () => {
    const r = await cli('--verbose', 'show', '999999');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/JobNotFoundError: job 999999 not found\n\s+at /);
  });

  it('LEASEHOLD_DB names the store when --db is absent', async () => {
    const { json } = await cli('--json', 'enqueue', 'env-q', '{}');
    const r = await runCli(['--json', 'list', '--queue', 'env-q'], { env: { LEASEHOLD_DB: db } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.jobs.map((j: { id: string }) => j.id)).toEqual([json.job.id]);
  });

  it('never prints a database password, even when the store is unreachable (exit 3; work fails fast too)', async () => {
    const handler = join(dir, 'noop.mjs');
    writeFileSync(handler, 'export default async () => null;\n');
    for (const args of [['status'], ['--json', 'status'], ['--verbose', 'reap'], ['work', '--queue', 'q', '--handler', handler]]) {
      const r = await runCli(['--db', 'mysql://leasehold:hunter2-secret@127.0.0.1:1/leasehold', ...args]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
    }
    const usage = await runCli(['--db', 'postgres://u:hunter2-secret@h/db', 'status']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('postgres://u:***@h/db');
    expect(usage.stderr).not.toContain('hunter2-secret');
  });

});

