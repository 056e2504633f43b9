/** Real worker processes on MySQL: kill, restart, freeze and stop (test/support/liveness-scenarios.ts). */
import { afterAll, afterEach, beforeEach, it } from 'vitest';
import type { MysqlLeaseStore } from '../src/adapters/mysql/index.js';
import * as S from './support/liveness-scenarios.js';
import { describeMysql, endAdminPool, freshMysqlStore, type TestDatabase } from './support/mysql.js';

await describeMysql('liveness: real worker processes on MySQL', () => {
  let store: MysqlLeaseStore;
  let db: TestDatabase;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, db, dispose } = await freshMysqlStore({}, 'liveness'));
  });
  afterEach(async () => dispose());
  afterAll(endAdminPool);

  it('SIGKILL with no step open, defaults: another worker resumes the job within 10 s, one order', { timeout: 60_000 }, () =>
    S.killOutsideAStepResumesWithinTarget(store, db.url));
  it('SIGKILL inside the order step, defaults: the takeover waits for the step deadline plus the margin, then resumes; one order', { timeout: 60_000 }, () =>
    S.killDuringOrderStepResumesAfterTheStepDeadline(store, db.url));
  it('a restart under the same workerId takes its dead predecessor\'s lease at once', { timeout: 60_000 }, () =>
    S.sameWorkerIdRestartTakesOverAtOnce(store, db.url));
  it('a worker frozen (SIGSTOP) for less than the liveness timeout keeps its job', { timeout: 60_000 }, () =>
    S.frozenButAliveKeepsItsJob(store, db.url));
  it('SIGTERM ends the process with its pool still open', { timeout: 60_000 }, () => S.sigtermEndsTheProcess(db.url));
});
