/**
 * A demo worker process (src/app/demo/worker-process.ts) run as a child, for the real-process
 * liveness tests and the kill-to-resume bench: its JSON lines as events one can wait for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
// `npm run bench` runs the compiled bench, whose children are compiled too; tests and
// `npx tsx` run the TypeScript through tsx.
const COMPILED = import.meta.url.endsWith('.js');
const ENTRY = resolve(ROOT, `src/app/demo/worker-process.${COMPILED ? 'js' : 'ts'}`);

/** One line a worker child printed, with when this process read it (epoch ms). */
export interface ChildLine {
  event: string;
  jobId?: string;
  attempt?: number;
  workerId?: string;
  at?: number;
  message?: string;
  readAt: number;
}

/** A running worker child. */
export interface WorkerChild {
  proc: ChildProcess;
  lines: ChildLine[];
  /** Resolves with the first line (seen or to come) that matches. Rejects if the child exits first. */
  waitFor(pred: (l: ChildLine) => boolean): Promise<ChildLine>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a worker child on `store` (sqlite:<file> | mysql://...) placing orders on `exchange`; `args` are more `--name value` settings. */
export function spawnWorkerChild(store: string, exchange: string, args: Record<string, string | number> = {}): WorkerChild {
  const argv = [...(COMPILED ? [] : ['--import', 'tsx']), ENTRY, '--store', store, '--exchange', exchange];
  for (const [k, v] of Object.entries(args)) argv.push(`--${k}`, String(v));
  const proc = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: ChildLine[] = [];
  const waiters: { pred: (l: ChildLine) => boolean; resolve: (l: ChildLine) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    let line: ChildLine;
    try {
      line = { ...(JSON.parse(text) as Omit<ChildLine, 'readAt'>), readAt: Date.now() };
    } catch {
      return;
    }
    lines.push(line);
    if (line.event === 'fatal') console.error('worker child fatal:', line.message);
    for (const w of [...waiters]) if (w.pred(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return {
    proc,
    lines,
    exited,
    waitFor(pred) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise<ChildLine>((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`worker child exited (code ${code}, signal ${signal}) before the line came`)));
      });
    },
  };
}
