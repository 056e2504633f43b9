/**
 * The dashboard in a real browser (headless Chromium) against SQLite and MySQL stores holding
 * real jobs: every page opens without a script or policy error, the overview refreshes by
 * itself, and clicking Retry on a failed job makes it pending. Screenshots of every page are
 * kept under test-artifacts/browser/. In CI (CI=true) a missing Chromium fails the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SqliteLeaseStore } from '../../src/adapters/sqlite/index.js';
import { MysqlLeaseStore } from '../../src/adapters/mysql/index.js';
import { startDashboard, type RunningDashboard } from '../../src/app/dashboard/index.js';
import type { LeaseStore } from '../../src/ports/lease-store.js';
import { createTestDatabase, endAdminPool, mysqlProblem, MYSQL_URL } from '../support/mysql.js';
import { ARTIFACTS, chromiumProblem, launchBrowser } from './browser.js';
import { populate } from './metrics-support.js';

const HOUR = 3_600_000;
const past = { now: () => Date.now() - HOUR };
const TOKEN = 'browser-test-token-0123456789';

interface Target {
  name: string;
  open(): Promise<{ store: LeaseStore; old: LeaseStore; dispose(): Promise<void> }>;
  problem(): Promise<string | undefined>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    problem: async () => undefined,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'leasehold-browser-'));
      const file = join(dir, 'jobs.db');
      const store = new SqliteLeaseStore({ filename: file });
      await store.migrate();
      const old = new SqliteLeaseStore({ filename: file, clock: past });
      return { store, old, dispose: async () => { await old.close(); await store.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'mysql',
    problem: async () => {
      const p = await mysqlProblem();
      return p === undefined ? undefined : `MySQL not reachable at ${MYSQL_URL} (${p})`;
    },
    open: async () => {
      const db = await createTestDatabase('browser');
      const store = new MysqlLeaseStore({ uri: db.url, clock: { now: () => Date.now() } });
      await store.migrate();
      const old = new MysqlLeaseStore({ uri: db.url, clock: past });
      return { store, old, dispose: async () => { await old.close(); await store.close(); await db.drop(); await endAdminPool(); } };
    },
  },
];

const browserProblem = chromiumProblem();
if (browserProblem !== undefined && process.env.CI !== 'true') console.warn(`dashboard browser tests skipped: ${browserProblem}`);

for (const target of targets) {
  const problem = browserProblem ?? (await target.problem());
  if (problem !== undefined && process.env.CI !== 'true') {
    if (browserProblem === undefined) console.warn(`dashboard browser tests on ${target.name} skipped: ${problem}`);
    describe.skip(`dashboard in Chromium: ${target.name}`, () => it('needs Chromium and the store', () => undefined));
    continue;
  }
  describe(`dashboard in Chromium: ${target.name}`, { timeout: 60_000 }, () => {
    if (problem !== undefined) {
      it('needs Chromium and the store (CI=true)', () => {
        throw new Error(`${problem}; CI=true requires it`);
      });
      return;
    }
    let made: Awaited<ReturnType<Target['open']>>;
    let ids: Awaited<ReturnType<typeof populate>>;
    let dash: RunningDashboard;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      made = await target.open();
      ids = await populate(made.store, made.old);
      dash = await startDashboard({ store: made.store, port: 0, actions: true, token: TOKEN, refreshSeconds: 1, dbLabel: `${target.name} (test)` });
      browser = await launchBrowser();
      page = await browser.context.newPage();
      // A blocked inline script or style, or any script error, shows here.
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await dash?.close();
      await made?.dispose();
    });

    beforeEach(() => {
      problems.length = 0;
    });
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${target.name}-${name}.png`), fullPage: true, caret: 'initial' });

    it('opens with the token link and shows the overview, then refreshes it by itself', async () => {
      await page.goto(dash.loginUrl);
      expect(new URL(page.url()).search).toBe(''); // the token left the address bar
      await expect.poll(() => page.locator('h1').textContent()).toBe('Overview');
      const total = Number(await page.locator('#total').textContent());
      expect(total).toBe((await made.store.stats()).total);
      expect(await page.locator('#counts').textContent()).toContain('orders');
      expect(await page.locator('svg.throughput, p.muted').count()).toBeGreaterThan(0);
      await shot('overview');
      await page.evaluate(() => void ((globalThis as Record<string, unknown>).leaseholdMarker = 42)); // gone if the page reloads
      await made.store.enqueue({ queue: 'orders', payload: { symbol: 'ADA-EUR', qty: 3 } });
      // No reload: the page's own refresh brings the new count in.
      await expect.poll(() => page.locator('#total').textContent(), { timeout: 10_000, interval: 200 }).toBe(String(total + 1));
      expect(await page.evaluate(() => (globalThis as Record<string, unknown>).leaseholdMarker)).toBe(42);
      expect(problems).toEqual([]);
    });

    it('lists jobs, filters by status, and finds a job by key', async () => {
      await page.goto(`${dash.url}/jobs`);
      expect(await page.locator('#jobs tr').count()).toBeGreaterThan(5);
      await shot('jobs');
      await page.selectOption('select[name=status]', 'failed');
      await Promise.all([page.waitForURL(/status=failed/, { timeout: 10_000 }), page.click('form.filters button[type=submit] >> nth=0')]);
      const rows = await page.locator('#jobs tr').count();
      expect(rows).toBe(2); // header + the one failed job
      await page.fill('input[name=q]', 'order-done');
      await Promise.all([page.waitForURL(new RegExp(`/jobs/${ids.doneId}$`), { timeout: 10_000 }), page.press('input[name=q]', 'Enter')]);
      expect(await page.locator('h1').textContent()).toContain(`Job ${ids.doneId}`);
      expect(await page.locator('#payload').textContent()).toContain('SOL-EUR');
      expect(await page.locator('#result').textContent()).toContain('X-1');
      expect(await page.locator('svg.timeline g.attempt').count()).toBeGreaterThan(0);
      await shot('job-done');
      expect(problems).toEqual([]);
    });

    it('shows a job whose holder died inside a step, with the step in doubt on its timeline', async () => {
      await page.goto(`${dash.url}/jobs/${ids.expiredId}`);
      expect(await page.locator('#steps').textContent()).toContain('in doubt');
      expect(await page.locator('svg.timeline g.step[data-step="place-order"]').count()).toBe(1);
      await shot('job-in-doubt');
      await page.goto(`${dash.url}/problems`);
      expect(await page.locator('h1').textContent()).toContain('Failed');
      await shot('problems');
      expect(problems).toEqual([]);
    });

    it("draws a taken-over job's attempts: who held each lease, where it ran out, the steps", async () => {
      await page.goto(`${dash.url}/jobs/${ids.takenOverId}`);
      const lanes = page.locator('svg.timeline g.attempt');
      expect(await lanes.count()).toBe(2);
      expect(await lanes.nth(0).getAttribute('data-outcome')).toBe('expired');
      expect(await lanes.nth(0).textContent()).toContain('bot-host-a:4242');
      expect(await lanes.nth(0).textContent()).toContain('lease ran out, taken over');
      expect(await lanes.nth(1).getAttribute('data-outcome')).toBe('completed');
      expect(await lanes.nth(1).locator('g.step').count()).toBe(2);
      expect(await page.locator('#attempts').textContent()).toContain('bot-host-b:1');
      await shot('job-timeline');
      expect(problems).toEqual([]);
    });

    it('retries a failed job with a click and shows it pending', async () => {
      await page.goto(`${dash.url}/jobs/${ids.failedId}`);
      expect(await page.locator('#last-error').textContent()).toContain('insufficient funds');
      await shot('job-failed');
      const button = page.locator('button[data-action=retry]');
      expect(await button.count()).toBe(1);
      await Promise.all([page.waitForURL(/done=retry/), button.click()]);
      expect(await page.locator('.notice').textContent()).toBe(`Retried: job ${ids.failedId} is pending.`);
      expect(await page.locator('h1 small').textContent()).toBe('pending');
      expect((await made.store.get(ids.failedId))?.status).toBe('pending');
      await shot('job-retried');
      expect(problems).toEqual([]);
    });

    it('serves /metrics as Prometheus text', async () => {
      const res = await page.goto(`${dash.url}/metrics`);
      expect(res?.headers()['content-type']).toMatch(/^text\/plain/);
      expect(await page.locator('body').textContent()).toMatch(/leasehold_jobs\{queue="orders",status="pending"\} \d+/);
    });
  });
}
