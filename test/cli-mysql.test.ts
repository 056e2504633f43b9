/** The `leasehold` CLI, every command, on a fresh MySQL database (skipped when unreachable, except in CI). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import type { LeaseStore } from '../src/ports/lease-store.js';
import { cliSuite } from './cli-suite.js';
import { createTestDatabase, describeMysql, endAdminPool, type TestDatabase } from './support/mysql.js';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-cli-mysql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

await describeMysql('leasehold CLI on MySQL', () => {
  let database: TestDatabase | undefined;
  const opened: LeaseStore[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('cli');
  });
  afterAll(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    await database?.drop();
    await endAdminPool();
  });
  cliSuite({
    dir,
    db: () => database!.url,
    open: (clock) => {
      const store = new MysqlLeaseStore({ uri: database!.url, connectionLimit: 2, ...(clock ? { clock } : {}) });
      opened.push(store);
      return store;
    },
  });
});
