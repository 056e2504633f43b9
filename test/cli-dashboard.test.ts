/**
 * `leasehold dashboard` and `leasehold metrics --port` as a user runs them: a child process
 * that prints where it listens, serves until SIGTERM, and exits 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteLeaseStore } from '../src/adapters/sqlite/index.js';
import { runCli, spawnCli, watchOutput } from './cli-support.js';
import { call } from './dashboard/http-client.js';

const dir = mkdtempSync(join(tmpdir(), 'leasehold-cli-dashboard-'));
const file = join(dir, 'jobs.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function seeded(): Promise<string> {
  const store = new SqliteLeaseStore({ filename: file });
  await store.migrate();
  await store.enqueue({ queue: 'orders', payload: { n: 1 } });
  await store.close();
  return `sqlite:${file}`;
}

function exited(child: ReturnType<typeof spawnCli>): Promise<number | null> {
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

describe('leasehold dashboard', () => {
  it('serves the pages on loopback without a token, and stops on SIGTERM with exit 0', async () => {
    const db = await seeded();
    const child = spawnCli(['--db', db, '--json', 'dashboard', '--port', '0']);
    const out = watchOutput(child);
    const gone = exited(child);
    await out.until(/"event":"dashboard:started"/);
    const started = JSON.parse(out.text().trim().split('\n')[0]!) as { url: string; open: string; actions: boolean };
    expect(started.open).toBe(started.url);
    const port = Number(new URL(started.url).port);
    const page = await call(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain(`sqlite:${file}`);
    expect(page.body).toContain('read-only');
    child.kill('SIGTERM');
    expect(await gone).toBe(0);
  });

  it('beyond loopback, prints a token link and asks every page for the token', async () => {
    const db = await seeded();
    const child = spawnCli(['--db', db, '--json', 'dashboard', '--port', '0', '--host', '0.0.0.0', '--actions']);
    const out = watchOutput(child);
    const gone = exited(child);
    await out.until(/"event":"dashboard:started"/);
    const started = JSON.parse(out.text().trim().split('\n')[0]!) as { url: string; open: string; actions: boolean };
    const token = new URL(started.open).searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const port = Number(new URL(started.url).port);
    expect((await call(port, '/')).status).toBe(401);
    expect((await call(port, '/metrics')).status).toBe(401);
    expect((await call(port, '/', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await gone).toBe(0);
  });

  it('refuses a short token and a missing database', async () => {
    const short = await runCli(['dashboard', '--token', 'short']);
    expect(short.code).toBe(2);
    const missing = await runCli(['--db', `sqlite:${join(dir, 'nothing.db')}`, 'dashboard', '--port', '0']);
    expect(missing.code).toBe(3);
  });
});

describe('leasehold metrics', () => {
  it('prints the store gauges once, and serves /metrics alone with --port', async () => {
    const db = await seeded();
    const once = await runCli(['--db', db, 'metrics']);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/^leasehold_jobs\{queue="orders",status="pending"\} \d+$/m);
    const child = spawnCli(['--db', db, 'metrics', '--port', '0']);
    const out = watchOutput(child);
    const gone = exited(child);
    await out.until(/metrics for .* at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(out.text())![1]);
    const scrape = await call(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scrape.body).toMatch(/leasehold_jobs\{queue="orders",status="pending"\} \d+/);
    expect((await call(port, '/')).status).toBe(404);
    child.kill('SIGTERM');
    expect(await gone).toBe(0);
  });
});
