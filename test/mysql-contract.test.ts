import { afterAll } from 'vitest';
import { describeLeaseStoreContract } from './contract/lease-store-contract.js';
import { describeMysql, endAdminPool, freshMysqlStore } from './support/mysql.js';

await describeMysql('mysql', () => {
  afterAll(endAdminPool);
  describeLeaseStoreContract('mysql', async (options) => freshMysqlStore(options, 'contract'));
});
