/** The `leasehold` CLI, every command, on a temporary SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { cliSuite } from './cli-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'jobs.db');

describe('leasehold CLI on SQLite', () => {
  cliSuite({ db: () => `sqlite:${file}`, open: (clock) => new SqliteLeaseStore({ filename: file, ...(clock ? { clock } : {}) }), dir });
});
