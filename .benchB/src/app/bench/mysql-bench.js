/**
 * The MySQL bench (workload W): enqueue one by one and in batches, claim + complete at
 * concurrency 1 and 10, the server's raw autocommit ceiling on the same machine, and claim
 * latency with an empty table and with 1,000,000 done rows. Runs in a database of its own,
 * dropped at the end. `npx tsx src/app/bench/mysql-bench.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { MysqlLeaseStore } from '../../adapters/mysql/index.js';
const URL_ENV = 'LEASEHOLD_MYSQL_URL';
const DEFAULT_URL = 'mysql://root@127.0.0.1:3306';
/** Jobs per claim and per completeMany in the processing scenarios. */
const CLAIM_BATCH = 50;
/**
 * Runs workload W against the server at LEASEHOLD_MYSQL_URL (default mysql://root@127.0.0.1:3306).
 * Returns a single note row when the server is unreachable. `quick` shrinks every workload ~20x.
 * @example const rows = await runMysqlBench({ quick: true });
 */
export const runMysqlBench = async ({ quick }) => {
    const base = process.env[URL_ENV] ?? DEFAULT_URL;
    let admin;
    try {
        admin = mysql.createPool({ uri: base, connectionLimit: 2, connectTimeout: 3000 });
        await admin.query('SELECT 1');
    }
    catch (e) {
        return [{ store: 'mysql', scenario: 'unavailable', value: 0, unit: '-', note: `MySQL not reachable at ${base}: ${e.message}` }];
    }
    const scale = quick ? 20 : 1;
    const jobs = 20_000 / scale;
    const doneRows = 1_000_000 / scale;
    const rows = [];
    const row = (scenario, value, unit, note) => {
        const r = { store: 'mysql', scenario, value: Math.round(value * 10) / 10, unit, ...(note ? { note } : {}) };
        rows.push(r);
        if (isMain)
            console.log(`${scenario.padEnd(44)} ${String(r.value).padStart(10)} ${unit.padEnd(10)} ${note ?? ''}`);
    };
    const dbName = `lh_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE \`${dbName}\``);
    const u = new URL(base);
    u.pathname = `/${dbName}`;
    const uri = u.toString();
    const store = new MysqlLeaseStore({ uri, connectionLimit: 12 });
    try {
        await store.migrate();
        // The ceiling: what this server commits per second, one single-row UPDATE per commit.
        const ceiling1 = await rawUpdateCeiling(uri, 1, 5000 / scale);
        row('raw autocommit UPDATE c=1', ceiling1, 'commits/s', 'ceiling of one connection');
        const ceiling10 = await rawUpdateCeiling(uri, 10, 20_000 / scale);
        row('raw autocommit UPDATE c=10', ceiling10, 'commits/s', 'ceiling of ten connections');
        let t = performance.now();
        for (let i = 0; i < jobs; i++)
            await store.enqueue({ queue: 'orders', payload: { orderId: i } });
        const one = jobs / ((performance.now() - t) / 1000);
        row('enqueue one by one', one, 'jobs/s', `target >= c=1 ceiling; ${pct(one, ceiling1)} of it`);
        t = performance.now();
        for (let i = 0; i < jobs; i += 500) {
            await store.enqueueMany(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ queue: 'orders', payload: { orderId: jobs + i + k } })));
        }
        const many = jobs / ((performance.now() - t) / 1000);
        row('enqueueMany batches of 500', many, 'jobs/s', 'target >= 100000');
        // 2 * jobs are pending now: the first half goes at concurrency 1, the rest at 10.
        const c1 = await processJobs(store, 1, jobs);
        row(`claim+completeMany c=1 batch ${CLAIM_BATCH}`, c1.rate, 'jobs/s', `${pct(c1.rate, ceiling1)} of c=1 commit ceiling`);
        const c10 = await processJobs(store, 10, jobs);
        row(`claim+completeMany c=10 batch ${CLAIM_BATCH}`, c10.rate, 'jobs/s', `target >= 13500; ${pct(c10.rate, ceiling10)} of c=10 commit ceiling`);
        const stats = await store.stats();
        const stuck = stats.total - stats.byStatus.done;
        row('jobs not done after processing', stuck, 'jobs', `escaped errors: ${c1.errors + c10.errors}`);
        const empty = await claimLatency(store, quick ? 200 : 1000);
        row('claim latency p50, 0 done rows', empty.p50, 'ms');
        row('claim latency p99, 0 done rows', empty.p99, 'ms');
        t = performance.now();
        await bulkInsertDone(uri, doneRows);
        row(`bulk insert of ${doneRows} done rows`, doneRows / ((performance.now() - t) / 1000), 'rows/s', 'multi-row INSERT, setup only');
        const full = await claimLatency(store, quick ? 200 : 1000);
        row(`claim latency p50, ${doneRows} done rows`, full.p50, 'ms', `target within 2x of empty: ${(full.p50 / empty.p50).toFixed(2)}x`);
        row(`claim latency p99, ${doneRows} done rows`, full.p99, 'ms', `${(full.p99 / empty.p99).toFixed(2)}x of empty`);
    }
    finally {
        await store.close();
        await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
        await admin.end();
    }
    return rows;
};
function pct(value, of) {
    return `${Math.round((value / of) * 100)}%`;
}
async function rawUpdateCeiling(uri, concurrency, total) {
    const pool = mysql.createPool({ uri, connectionLimit: concurrency });
    try {
        await pool.query('CREATE TABLE IF NOT EXISTS bench_counter (id INT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB');
        await pool.query(`INSERT IGNORE INTO bench_counter VALUES ${Array.from({ length: concurrency }, (_, i) => `(${i}, 0)`).join(', ')}`);
        const per = Math.ceil(total / concurrency);
        const t = performance.now();
        await Promise.all(Array.from({ length: concurrency }, async (_, c) => {
            const conn = await pool.getConnection();
            try {
                for (let i = 0; i < per; i++)
                    await conn.query('UPDATE bench_counter SET n = n + 1 WHERE id = ?', [c]);
            }
            finally {
                conn.release();
            }
        }));
        return (per * concurrency) / ((performance.now() - t) / 1000);
    }
    finally {
        await pool.end();
    }
}
/** `concurrency` claim loops share the store (its pool) until `count` jobs are done. */
async function processJobs(store, concurrency, count) {
    let remaining = count;
    let errors = 0;
    const t = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
        while (remaining > 0) {
            const want = Math.min(CLAIM_BATCH, remaining);
            remaining -= want;
            let leases = [];
            try {
                leases = await store.acquire({ workerId: `bench-${w}`, leaseMs: 300_000, limit: want });
                const out = await store.completeMany(leases.map((lease) => ({ lease })));
                errors += out.filter((o) => !o.ok).length;
            }
            catch {
                errors++;
            }
            remaining += want - leases.length;
            if (leases.length === 0)
                return;
        }
    }));
    return { rate: count / ((performance.now() - t) / 1000), errors };
}
/** Latency of one claim of 10 jobs from a backlog of waiting jobs; each batch is completed untimed. */
async function claimLatency(store, samples) {
    await store.enqueueMany(Array.from({ length: samples * 10 }, (_, i) => ({ queue: 'latency', payload: { i } })));
    const times = [];
    for (let i = 0; i < samples; i++) {
        const t = performance.now();
        const leases = await store.acquire({ workerId: 'latency', leaseMs: 300_000, limit: 10 });
        times.push(performance.now() - t);
        await store.completeMany(leases.map((lease) => ({ lease })));
    }
    times.sort((a, b) => a - b);
    const at = (q) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000) / 1000;
    return { p50: at(0.5), p99: at(0.99) };
}
/** Old finished jobs, as a long-running production table has them; written directly, not enqueued. */
async function bulkInsertDone(uri, n) {
    const pool = mysql.createPool({ uri, connectionLimit: 4 });
    try {
        const perStatement = 5000;
        const old = Date.now() - 86_400_000;
        const statements = [];
        for (let i = 0; i < n; i += perStatement)
            statements.push(i);
        const insertChunk = async (start) => {
            const values = [];
            const tuples = [];
            for (let i = start; i < Math.min(n, start + perStatement); i++) {
                tuples.push("(?, NULL, ?, 'done', 0, ?, 1, 3, 1, NULL, NULL, ?, ?, ?, ?)");
                values.push('orders', `{"orderId":${i}}`, old, 'null', old, old, old);
            }
            await pool.query(`INSERT INTO processing_jobs (queue, job_key, payload, status, priority, run_at, attempts, max_attempts, lease_token, locked_by, locked_until, result, created_at, updated_at, finished_at) VALUES ${tuples.join(', ')}`, values);
        };
        // Four writers: the bulk load is setup, not a measured figure.
        for (let i = 0; i < statements.length; i += 4)
            await Promise.all(statements.slice(i, i + 4).map(insertChunk));
    }
    finally {
        await pool.end();
    }
}
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
    const rows = await runMysqlBench({ quick: process.argv.includes('--quick') });
    if (rows.length === 1 && rows[0].scenario === 'unavailable')
        console.log(rows[0].note);
}
//# sourceMappingURL=mysql-bench.js.map