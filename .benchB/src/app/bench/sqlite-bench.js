/**
 * The SQLite bench: claim+complete throughput one at a time and in batches, with
 * synchronous FULL and NORMAL, next to the raw commit ceiling of the same kind of file
 * measured in the same run; and claim latency with no history vs 1,000,000 done rows.
 * Run alone: `npx tsx src/app/bench/sqlite-bench.ts [--quick]`.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SqliteLeaseStore } from '../../adapters/sqlite/index.js';
import { PRAGMA_WAL, pragmaSynchronous } from '../../adapters/sqlite/sqlite-queries.js';
import { BENCH_BUMP_COUNTER, BENCH_CREATE_COUNTER, BENCH_INSERT_DONE_JOB, BENCH_SEED_COUNTER } from './sqlite-bench-queries.js';
const LEASE_MS = 60_000;
const ENQUEUE_CHUNK = 1000;
/** Workload sizes at full scale; `quick` divides each by 20. */
const SIZES = {
    rawCommits: { FULL: 20_000, NORMAL: 100_000 },
    jobs: { FULL: { 1: 10_000, 10: 40_000, 100: 100_000 }, NORMAL: { 1: 40_000, 10: 100_000, 100: 200_000 } },
    latencyClaims: 2_000,
    doneRows: 1_000_000,
};
const TARGETS = { FULL: 10_000, NORMAL: 50_000 };
/**
 * Runs every SQLite scenario in a fresh temp folder and returns one row per figure.
 * @example const rows = await runSqliteBench({ quick: true });
 */
export const runSqliteBench = async ({ quick }) => {
    const scale = (n) => Math.max(1, Math.round(quick ? n / 20 : n));
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-bench-'));
    const rows = [];
    try {
        for (const sync of ['FULL', 'NORMAL']) {
            const ceiling = rawCommitCeiling(join(dir, `raw-${sync}.db`), sync, scale(SIZES.rawCommits[sync]));
            rows.push({ store: 'sqlite', scenario: `raw UPDATE ceiling, synchronous=${sync}`, value: round(ceiling), unit: 'commits/s', note: 'one single-row UPDATE per transaction' });
            for (const batch of [1, 10, 100]) {
                const jobs = scale(SIZES.jobs[sync][batch]);
                const rate = await claimCompleteRate(join(dir, `jobs-${sync}-${batch}.db`), sync, batch, jobs);
                // Jobs per raw commit compares runs across machines: one at a time costs two commits
                // (claim, complete), so it stays under 0.5; batches share their commits.
                const perCommit = `${(rate / ceiling).toFixed(2)} jobs per raw commit`;
                const note = batch === 1 ? `${perCommit} (two commits per job)` : `target >= ${TARGETS[sync]}; ${perCommit}`;
                const label = batch === 1 ? 'one at a time' : `batch ${batch} (completeMany)`;
                rows.push({ store: 'sqlite', scenario: `claim+complete ${label}, synchronous=${sync}`, value: round(rate), unit: 'jobs/s', note });
            }
        }
        const claims = scale(SIZES.latencyClaims);
        const doneRows = scale(SIZES.doneRows);
        const history = `${doneRows.toLocaleString('en-US')} done rows`;
        // FULL is what users get; NORMAL takes the fsync out, leaving the cost of the query itself.
        for (const sync of ['FULL', 'NORMAL']) {
            const { empty, full } = await claimLatencies(dir, sync, doneRows, claims);
            for (const [p, e, f] of [['p50', empty.p50, full.p50], ['p99', empty.p99, full.p99]]) {
                rows.push({ store: 'sqlite', scenario: `claim latency ${p}, no history, synchronous=${sync}`, value: round3(e), unit: 'ms', note: 'commit included' });
                rows.push({ store: 'sqlite', scenario: `claim latency ${p}, ${history}, synchronous=${sync}`, value: round3(f), unit: 'ms', note: `${(f / e).toFixed(2)}x no history (target <= 2x)` });
            }
        }
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
    return rows;
};
/** Single-row UPDATE transactions per second: the most a durable one-commit-per-job design can reach. */
function rawCommitCeiling(filename, sync, commits) {
    const db = new Database(filename);
    try {
        db.pragma(PRAGMA_WAL);
        db.pragma(pragmaSynchronous(sync));
        db.exec(BENCH_CREATE_COUNTER);
        db.exec(BENCH_SEED_COUNTER);
        const bump = db.prepare(BENCH_BUMP_COUNTER);
        const start = performance.now();
        for (let i = 0; i < commits; i++)
            bump.run();
        return commits / ((performance.now() - start) / 1000);
    }
    finally {
        db.close();
    }
}
async function freshStore(filename, sync) {
    const store = new SqliteLeaseStore({ filename, synchronous: sync });
    await store.migrate();
    return store;
}
async function enqueueJobs(store, count) {
    for (let i = 0; i < count; i += ENQUEUE_CHUNK) {
        const n = Math.min(ENQUEUE_CHUNK, count - i);
        await store.enqueueMany(Array.from({ length: n }, (_, k) => ({ queue: 'bench', payload: { order: i + k, symbol: 'BTC-USD', qty: 1 } })));
    }
}
/** Jobs claimed and completed per second by one process, `batch` at a time. */
async function claimCompleteRate(filename, sync, batch, jobs) {
    const store = await freshStore(filename, sync);
    try {
        await enqueueJobs(store, jobs);
        let done = 0;
        const start = performance.now();
        while (done < jobs) {
            const leases = await store.acquire({ workerId: 'bench', leaseMs: LEASE_MS, limit: batch, queues: ['bench'] });
            if (leases.length === 0)
                throw new Error(`bench: ran out of jobs after ${done} of ${jobs}`);
            if (batch === 1)
                await store.complete(leases[0], { ok: true });
            else
                await store.completeMany(leases.map((lease) => ({ lease, result: { ok: true } })));
            done += leases.length;
        }
        return done / ((performance.now() - start) / 1000);
    }
    finally {
        await store.close();
    }
}
/**
 * p50 and p99 of one claim (acquire of one job, commit included) on a table with no history
 * and on one with `history` done rows. The two stores take turns claim by claim, so a busy
 * disk or CPU weighs on both alike.
 */
async function claimLatencies(dir, sync, history, claims) {
    const empty = await freshStore(join(dir, `latency-empty-${sync}.db`), sync);
    const fullFile = join(dir, `latency-history-${sync}.db`);
    const full = await freshStore(fullFile, sync);
    try {
        insertDoneRows(fullFile, history);
        await enqueueJobs(empty, claims);
        await enqueueJobs(full, claims);
        const samples = { empty: [], full: [] };
        for (let i = 0; i < claims; i++) {
            const turns = i % 2 === 0 ? ['empty', 'full'] : ['full', 'empty'];
            for (const which of turns) {
                const store = which === 'empty' ? empty : full;
                const start = performance.now();
                const [lease] = await store.acquire({ workerId: 'bench', leaseMs: LEASE_MS, queues: ['bench'] });
                samples[which].push(performance.now() - start);
                if (!lease)
                    throw new Error('bench: no job to claim');
                await store.complete(lease);
            }
        }
        return { empty: percentiles(samples.empty), full: percentiles(samples.full) };
    }
    finally {
        await empty.close();
        await full.close();
    }
}
function percentiles(samples) {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return { p50: at(0.5), p99: at(0.99) };
}
/** Fills the table with finished jobs in one transaction, bypassing enqueue (history, not work). */
function insertDoneRows(filename, count) {
    const db = new Database(filename);
    try {
        db.pragma(PRAGMA_WAL);
        const insert = db.prepare(BENCH_INSERT_DONE_JOB);
        const now = Date.now();
        db.transaction(() => {
            for (let i = 0; i < count; i++)
                insert.run('bench', '{"order":0}', now - 1000, now - 1000, now - 500, now - 500);
        })();
    }
    finally {
        db.close();
    }
}
function round(n) {
    return Math.round(n);
}
function round3(n) {
    return Math.round(n * 1000) / 1000;
}
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const rows = await runSqliteBench({ quick: process.argv.includes('--quick') });
    console.table(rows);
}
//# sourceMappingURL=sqlite-bench.js.map