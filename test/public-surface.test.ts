/**
 * Every runtime name each subpath exports, listed: a name added or removed by accident fails
 * here, and one added on purpose is added to this list (and to the CHANGELOG).
 */
import { expect, it } from 'vitest';

const SURFACE: Record<string, string[]> = {
  '.': [
    'DEFAULT_BACKOFF',
    'FINAL_STATUSES',
    'IDEMPOTENCY_KEY_LENGTH',
    'InvalidTransitionError',
    'JOB_STATUSES',
    'JobNotFoundError',
    'JobTimeoutError',
    'LeaseLostError',
    'LeaseholdError',
    'PermanentError',
    'RetryLaterError',
    'ProcessingWorker',
    'SchemaTooNewError',
    'ShutdownAbortError',
    'StepInDoubtError',
    'StoreUnavailableError',
    'SystemClock',
    'TRANSITIONS',
    'ValidationError',
    'WAITING_STATUSES',
    'backoffDelay',
    'canTransition',
    'CronerCalendar',
    'MISSED_POLICIES',
    'Scheduler',
    'createLeasehold',
    'scheduleSlotOf',
    'decideFailure',
    'idempotencyKey',
    'legacyIdempotencyKey',
    'KeyRetiredError',
    'SettleRefusedError',
    'ScheduleNotFoundError',
    'DEFAULT_MAX_LEASE_EXPIRIES',
    'LIVENESS_DEFAULTS',
    'LivenessLostError',
    'ServiceRunner',
    'WorkerAliveError',
    'WorkerIdInUseError',
  ],
  memory: ['InMemoryLeaseStore'],
  sqlite: ['SqliteLeaseStore', 'findMigrationsDir', 'loadMigrations'],
  mysql: ['MysqlClock', 'MysqlLeaseStore'],
  testing: ['ManualClock', 'describeLeaseStoreContract', 'flush', 'runUntil', 'runUntilIdle'],
  dashboard: ['JOBS_PAGE_SIZE', 'createDashboardHandler', 'registerStoreMetrics', 'registerWorkerMetrics', 'startDashboard'],
};

const LOAD: Record<string, () => Promise<Record<string, unknown>>> = {
  '.': () => import('../src/index.js'),
  memory: () => import('../src/adapters/memory/index.js'),
  sqlite: () => import('../src/adapters/sqlite/index.js'),
  mysql: () => import('../src/adapters/mysql/index.js'),
  testing: () => import('../src/testing/index.js'),
  dashboard: () => import('../src/app/dashboard/index.js'),
};

it.each(Object.keys(SURFACE))('subpath %s exports exactly its listed names', async (subpath) => {
  const names = Object.keys(await LOAD[subpath]!()).sort();
  expect(names).toEqual([...SURFACE[subpath]!].sort());
});

it('every subpath of package.json is listed here, and no other', async () => {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? '.' : k.slice(2)));
  expect(subpaths.sort()).toEqual(Object.keys(SURFACE).sort());
});
