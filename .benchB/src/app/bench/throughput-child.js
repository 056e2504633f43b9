/**
 * One worker process of the multi-process bench: a ProcessingWorker with a no-op handler on the
 * MySQL database named by argv[2]. Prints `ready` once connected, starts on the first line of
 * stdin, prints `{"completed":n}` every 25 ms while running, and on stdin's end stops and
 * prints `{"completed":n,"errors":n,"deadlocks":n,"final":true}`.
 *
 *   node --import tsx src/app/bench/throughput-child.ts <mysql-url> <concurrency> <prefetch>
 */
import { MysqlLeaseStore } from '../../adapters/mysql/index.js';
import { ProcessingWorker } from '../worker/processing-worker.js';
const [uri, concurrency, prefetch] = process.argv.slice(2);
const store = new MysqlLeaseStore({ uri: uri });
let completed = 0;
let errors = 0;
let deadlocks = 0;
const worker = new ProcessingWorker({
    store,
    handler: async () => undefined,
    maxConcurrentJobs: Number(concurrency),
    prefetch: Number(prefetch),
    batchCompletions: true,
    handleSignals: false,
    pollIntervalMs: 50,
});
worker.on('job:completed', () => void completed++);
worker.on('worker:error', ({ error }) => {
    errors++;
    if (/deadlock/i.test(error instanceof Error ? `${error.message} ${String(error.cause)}` : String(error)))
        deadlocks++;
});
const say = (line) => void process.stdout.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
await store.identity();
say('ready');
let ticker;
process.stdin.once('data', () => {
    void worker.start().then(() => {
        ticker = setInterval(() => say({ completed }), 25);
    });
});
process.stdin.on('end', () => {
    clearInterval(ticker);
    void worker
        .stop()
        .then(() => store.close())
        .then(() => {
        say({ completed, errors, deadlocks, final: true });
        process.exit(0);
    });
});
process.stdin.resume();
//# sourceMappingURL=throughput-child.js.map