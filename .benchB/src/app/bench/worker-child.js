/**
 * A demo worker process (src/app/demo/worker-process.ts) run as a child, for the real-process
 * liveness tests and the kill-to-resume bench: its JSON lines as events one can wait for.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
const ROOT = resolve(import.meta.dirname, '../../..');
// `npm run bench` runs the compiled bench, whose children are compiled too; tests and
// `npx tsx` run the TypeScript through tsx.
const COMPILED = import.meta.url.endsWith('.js');
const ENTRY = resolve(ROOT, `src/app/demo/worker-process.${COMPILED ? 'js' : 'ts'}`);
/** Starts a worker child on `store` (sqlite:<file> | mysql://...) placing orders on `exchange`; `args` are more `--name value` settings. */
export function spawnWorkerChild(store, exchange, args = {}) {
    const argv = [...(COMPILED ? [] : ['--import', 'tsx']), ENTRY, '--store', store, '--exchange', exchange];
    for (const [k, v] of Object.entries(args))
        argv.push(`--${k}`, String(v));
    const proc = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = [];
    const waiters = [];
    createInterface({ input: proc.stdout }).on('line', (text) => {
        let line;
        try {
            line = { ...JSON.parse(text), readAt: Date.now() };
        }
        catch {
            return;
        }
        lines.push(line);
        if (line.event === 'fatal')
            console.error('worker child fatal:', line.message);
        for (const w of [...waiters])
            if (w.pred(line))
                (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    });
    const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    return {
        proc,
        lines,
        exited,
        waitFor(pred) {
            const seen = lines.find(pred);
            if (seen)
                return Promise.resolve(seen);
            return new Promise((resolve, reject) => {
                waiters.push({ pred, resolve });
                void exited.then(({ code, signal }) => reject(new Error(`worker child exited (code ${code}, signal ${signal}) before the line came`)));
            });
        },
    };
}
//# sourceMappingURL=worker-child.js.map