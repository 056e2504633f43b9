/**
 * Which store `--db` names, and opening it. Each adapter is loaded with a dynamic `import()`
 * so a SQLite user never loads mysql2 and the reverse.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreOpenError, UsageError } from './exit-codes.js';
import { redact } from './redact.js';
/** The store used when neither `--db` nor `LEASEHOLD_DB` is given. */
export const DEFAULT_DB = 'sqlite:./leasehold.db';
/**
 * Parses a `--db` value: `sqlite:PATH` (also `sqlite://PATH`) or `mysql://USER:PASSWORD@HOST[:PORT]/DB`.
 * @example parseDbSpec('sqlite:./leasehold.db') // { kind: 'sqlite', filename: './leasehold.db' }
 */
export function parseDbSpec(value) {
    const v = value.trim();
    if (/^sqlite:/i.test(v)) {
        const filename = v.slice('sqlite:'.length).replace(/^\/\//, '');
        if (filename === '')
            throw new UsageError(`--db: "${v}" names no file; use sqlite:./leasehold.db`);
        return { kind: 'sqlite', filename };
    }
    if (/^(mysql|mariadb):\/\//i.test(v))
        return { kind: 'mysql', uri: v.replace(/^mariadb:/i, 'mysql:') };
    throw new UsageError(`--db: "${redact(v)}" is not a store; use sqlite:PATH or mysql://USER:PASSWORD@HOST/DB`);
}
/** The store as people should see it: the SQLite path, or the MySQL URL with its password hidden. */
export function describeDb(spec) {
    return spec.kind === 'sqlite' ? `sqlite:${spec.filename}` : redact(spec.uri);
}
/**
 * Opens the store `spec` names. Throws {@link StoreOpenError} when it cannot (exit code 3).
 * @example const store = await openStore(parseDbSpec('sqlite:./leasehold.db'), { create: false });
 */
export async function openStore(spec, opts) {
    const clock = opts.clock ? { clock: opts.clock } : {};
    if (spec.kind === 'sqlite') {
        if (!opts.create && spec.filename !== ':memory:' && !existsSync(resolve(spec.filename))) {
            throw new StoreOpenError(`no database at ${spec.filename}; run \`leasehold migrate\` first, or pass --db`);
        }
        const mod = await loadAdapter(() => import('../../adapters/sqlite/index.js'), 'SQLite');
        try {
            return new mod.SqliteLeaseStore({ filename: spec.filename, ...clock });
        }
        catch (error) {
            throw new StoreOpenError(`cannot open ${describeDb(spec)}: ${messageOf(error)}`, { cause: error });
        }
    }
    const mod = await loadAdapter(() => import('../../adapters/mysql/index.js'), 'MySQL');
    try {
        return new mod.MysqlLeaseStore({ uri: spec.uri, ...clock });
    }
    catch (error) {
        if (error.code === 'VALIDATION')
            throw error;
        throw new StoreOpenError(`cannot open ${describeDb(spec)}: ${messageOf(error)}`, { cause: error });
    }
}
async function loadAdapter(load, name) {
    try {
        return await load();
    }
    catch (error) {
        throw new StoreOpenError(`the ${name} adapter could not be loaded: ${messageOf(error)}`, { cause: error });
    }
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}
//# sourceMappingURL=open-store.js.map