/** Real worker processes on SQLite: kill, restart, freeze and stop (test/support/liveness-scenarios.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import * as S from './support/liveness-scenarios.js';

describe('liveness: real worker processes on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-liveness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  let file = '';
  let store: SqliteLeaseStore;
  beforeEach(async () => {
    file = join(dir, `jobs-${n++}.db`);
    store = new SqliteLeaseStore({ filename: file });
    await store.migrate();
  });
  afterEach(async () => store.close());

  it('SIGKILL with no step open, defaults: another worker resumes the job within 10 s, one order', { timeout: 60_000 }, () =>
    S.killOutsideAStepResumesWithinTarget(store, `sqlite:${file}`));
  it('SIGKILL inside the order step, defaults: the takeover waits for the step deadline plus the margin, then resumes; one order', { timeout: 60_000 }, () =>
    S.killDuringOrderStepResumesAfterTheStepDeadline(store, `sqlite:${file}`));
  it('a restart under the same workerId takes its dead predecessor\'s lease at once', { timeout: 60_000 }, () =>
    S.sameWorkerIdRestartTakesOverAtOnce(store, `sqlite:${file}`));
  it('a worker frozen (SIGSTOP) for less than the liveness timeout keeps its job', { timeout: 60_000 }, () =>
    S.frozenButAliveKeepsItsJob(store, `sqlite:${file}`));
  it('SIGTERM ends the process', { timeout: 60_000 }, () => S.sigtermEndsTheProcess(`sqlite:${file}`));
});
