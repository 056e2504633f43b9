/**
 * Runs the real `leasehold` command in a child process (node + tsx on src/app/cli/main.ts),
 * the way a user runs it, and collects its exit code and output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..');
const MAIN = resolve(ROOT, 'src/app/cli/main.ts');

/** What one run of the command produced. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs); undefined when it is not JSON. */
  json: any;
}

/** Spawns the command without waiting for it (for `work`). */
export function spawnCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  // A developer's own LEASEHOLD_DB must not leak into the tests.
  if (!opts.env?.LEASEHOLD_DB) delete env.LEASEHOLD_DB;
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the command to completion. */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
  });
}

/**
 * Collects a running child's stdout; `until(re)` resolves once everything printed so far
 * matches `re` (event-driven: no sleeping), and rejects if the child exits first.
 */
export function watchOutput(child: ChildProcess): { text(): string; until(re: RegExp): Promise<void> } {
  let out = '';
  const waiters: { re: RegExp; done: () => void; fail: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) if (w.re.test(out)) (waiters.splice(waiters.indexOf(w), 1), w.done());
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.once('exit', (code) => {
    for (const w of waiters.splice(0)) w.fail(new Error(`exited with ${code} before printing ${w.re}; output:\n${out}`));
  });
  return {
    text: () => out,
    until: (re) =>
      new Promise<void>((done, fail) => {
        waiters.push({ re, done, fail });
        check();
      }),
  };
}
