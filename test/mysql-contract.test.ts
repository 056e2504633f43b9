import mysql from 'mysql2/promise';
import { afterAll } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { describeLeaseStoreExamples } from '../src/testing/contract/lease-store-examples.js';
import { describeLeaseStoreKeys } from '../src/testing/contract/lease-store-keys.js';
import { describeLeaseStoreModel } from '../src/testing/contract/lease-store-model.js';
import { describeWorkerProcessExamples } from '../src/testing/contract/worker-process-examples.js';
import { describeConcurrencyExamples } from '../src/testing/contract/concurrency-examples.js';
import { describeRateLimitExamples } from '../src/testing/contract/rate-limit-examples.js';
import { createTestDatabase, describeMysql, endAdminPool, freshMysqlStore, recycledMysqlStores } from './support/mysql.js';

await describeMysql('mysql', () => {
  const recycled = recycledMysqlStores('model');
  afterAll(async () => {
    await recycled.dropAll();
    await endAdminPool();
  });
  // The contract is its examples and its model-based suite. Each example gets a database of
  // its own; the model's hundreds of runs reuse emptied ones (a fresh database per run cost
  // ~100 ms of CREATE/DROP each, a fifth of the suite's time).
  describeLeaseStoreExamples('mysql', async (options) => freshMysqlStore(options, 'contract'));
  describeLeaseStoreKeys('mysql', async (options) => freshMysqlStore(options, 'contract'));
  describeWorkerProcessExamples('mysql', async (options) => freshMysqlStore(options, 'contract'));
  describeConcurrencyExamples('mysql', async (options) => freshMysqlStore(options, 'contract'));
  describeRateLimitExamples('mysql', async (options) => freshMysqlStore(options, 'contract'));
  describeLeaseStoreModel('mysql', recycled.factory);
});

// A pool the application owns and hands over: no multi-statement batching, isolation set per
// transaction. The examples again, on that path.
await describeMysql('mysql (handed pool)', () => {
  afterAll(endAdminPool);
  const handed = async (options: Parameters<Parameters<typeof describeLeaseStoreExamples>[1]>[0]) => {
    const db = await createTestDatabase('handed');
    const pool = mysql.createPool({ uri: db.url, connectionLimit: 3 });
    const store = new MysqlLeaseStore({ ...options, pool });
    await store.migrate();
    return {
      store,
      dispose: async () => {
        await store.close();
        await pool.end();
        await db.drop();
      },
    };
  };
  describeLeaseStoreExamples('mysql (handed pool)', handed);
  describeWorkerProcessExamples('mysql (handed pool)', handed);
});
