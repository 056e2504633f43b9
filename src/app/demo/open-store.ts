/**
 * Opens a store from a URL, loading only the driver it names: `sqlite:<file>` or
 * `mysql://user:pass@host:port/db`. For the demo's worker processes and the crash tests.
 */
import { ValidationError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { LeaseStore } from '../../ports/lease-store.js';

type StoreClass = new (options: Record<string, unknown>) => LeaseStore;
// Computed specifiers: the driver module (and its native dependency) loads only when asked for.
const SQLITE_MODULE: string = '../../adapters/sqlite/index.js';
const MYSQL_MODULE: string = '../../adapters/mysql/index.js';

/**
 * A store for `url`, not yet migrated.
 * @example const store = await openStore('sqlite:/tmp/jobs.db');
 */
export async function openStore(url: string, clock?: Clock): Promise<LeaseStore> {
  if (url.startsWith('sqlite:')) {
    const { SqliteLeaseStore } = (await import(SQLITE_MODULE)) as { SqliteLeaseStore: StoreClass };
    return new SqliteLeaseStore({ filename: url.slice('sqlite:'.length), ...(clock ? { clock } : {}) });
  }
  if (url.startsWith('mysql://')) {
    const { MysqlLeaseStore } = (await import(MYSQL_MODULE)) as { MysqlLeaseStore: StoreClass };
    return new MysqlLeaseStore({ uri: url, ...(clock ? { clock } : {}) });
  }
  throw new ValidationError('store', `must be sqlite:<file> or mysql://..., got ${JSON.stringify(url.slice(0, 40))}`);
}
