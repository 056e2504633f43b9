import mysql from 'mysql2/promise';
import { afterAll } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import { describeLeaseStoreContract } from './contract/lease-store-contract.js';
import { describeLeaseStoreExamples } from './contract/lease-store-examples.js';
import { createTestDatabase, describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

await describeMysql('mysql', () => {
  afterAll(endAdminPool);
  describeLeaseStoreContract('mysql', async (options) => freshMysqlStore(options, 'contract'));
});

// A pool the application owns and hands over: no multi-statement batching, isolation set per
// transaction. The examples again, on that path.
await describeMysql('mysql (handed pool)', () => {
  afterAll(endAdminPool);
  describeLeaseStoreExamples('mysql (handed pool)', async (options) => {
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
  });
});
