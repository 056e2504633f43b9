import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { describeLeaseStoreContract } from '../src/testing/contract/lease-store-contract.js';

describeLeaseStoreContract('sqlite', async (options) => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-sqlite-'));
  // The contract is about behaviour, not fsync: NORMAL keeps hundreds of fresh files quick.
  const store = new SqliteLeaseStore({ ...options, filename: join(dir, 'jobs.db'), synchronous: 'NORMAL' });
  await store.migrate();
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
