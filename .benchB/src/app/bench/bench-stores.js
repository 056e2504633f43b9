/**
 * Fresh, empty stores for the worker-level bench, one per measurement: memory in process,
 * SQLite on a temp file, MySQL in a database of its own (created, then dropped) on the
 * server `LEASEHOLD_MYSQL_URL` names (default mysql://root@127.0.0.1:3306, as the tests use).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryLeaseStore } from '../../adapters/memory/in-memory-lease-store.js';
/** The MySQL server the bench uses (no database in the path). */
export const BENCH_MYSQL_URL = process.env.LEASEHOLD_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
/**
 * Opens a fresh store of the named kind.
 * @example const { store, dispose } = await openBenchStore('sqlite');
 */
export async function openBenchStore(name) {
    if (name === 'memory') {
        const store = new InMemoryLeaseStore();
        return { store, dispose: () => store.close() };
    }
    if (name === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'leasehold-bench-'));
        const { SqliteLeaseStore } = await import('../../adapters/sqlite/index.js');
        const store = new SqliteLeaseStore({ filename: join(dir, 'bench.db') });
        await store.migrate();
        return {
            store,
            url: `sqlite:${join(dir, 'bench.db')}`,
            dispose: async () => {
                await store.close();
                rmSync(dir, { recursive: true, force: true });
            },
        };
    }
    const mysql = (await import('mysql2/promise')).default;
    const { MysqlLeaseStore } = await import('../../adapters/mysql/index.js');
    const name_ = `lh_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = await mysql.createConnection({ uri: BENCH_MYSQL_URL, connectTimeout: 3000 });
    await admin.query(`CREATE DATABASE \`${name_}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const u = new URL(BENCH_MYSQL_URL);
    u.pathname = `/${name_}`;
    const store = new MysqlLeaseStore({ uri: u.toString() });
    await store.migrate();
    return {
        store,
        url: u.toString(),
        dispose: async () => {
            await store.close();
            await admin.query(`DROP DATABASE IF EXISTS \`${name_}\``);
            await admin.end();
        },
    };
}
/** Undefined when the bench's MySQL server answers, else why not (its URL redacted by the caller). */
export async function mysqlProblem() {
    try {
        const mysql = (await import('mysql2/promise')).default;
        const conn = await mysql.createConnection({ uri: BENCH_MYSQL_URL, connectTimeout: 3000 });
        await conn.query('SELECT 1');
        await conn.end();
        return undefined;
    }
    catch (error) {
        return error instanceof Error ? error.message : String(error);
    }
}
//# sourceMappingURL=bench-stores.js.map