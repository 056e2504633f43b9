/** The README's dashboard example: the same code as readme-mount.ts, and it runs. */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { runUntilIdle } from '../../src/app/testing.js';
import { call } from './http-client.js';

const ROOT = resolve(import.meta.dirname, '../..');

function region(text: string): string {
  const m = /\/\/ README:begin\n([\s\S]*?)\/\/ README:end/.exec(text);
  if (!m) throw new Error('no README region');
  return m[1]!;
}

it('the README block is readme-mount.ts verbatim', () => {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const code = region(readFileSync(resolve(import.meta.dirname, 'readme-mount.ts'), 'utf8'));
  const block = /<!-- dashboard-mount -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const withoutImports = block!.split('\n').filter((l) => !l.startsWith('import ')).join('\n').trimStart();
  expect(withoutImports.trim()).toBe(code.trim());
});

it('mounts the pages and the metrics in an app server', async () => {
  process.env.PORT = '0';
  process.env.DASHBOARD_TOKEN = 'readme-token-0123456789';
  const { clock, server, store, worker } = await import('./readme-mount.js');
  try {
    await new Promise<void>((done) => (server.listening ? done() : server.once('listening', () => done())));
    const port = (server.address() as AddressInfo).port;
    await store.enqueue({ queue: 'orders', payload: { n: 1 } });
    await worker.start();
    await runUntilIdle(store, clock);
    await worker.stop();
    const metrics = await call(port, '/metrics');
    expect(metrics.body).toMatch(/leasehold_jobs\{queue="orders",status="done"\} 1/);
    expect(metrics.body).toMatch(/leasehold_worker_jobs_completed_total\{queue="orders"\} 1/);
    expect((await call(port, '/admin/jobs/')).status).toBe(200);
    expect((await call(port, '/admin/jobs/', { headers: { host: 'ops.example.com' } })).status).toBe(200);
    expect((await call(port, '/admin/jobs/', { headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await call(port, '/elsewhere')).status).toBe(404);
  } finally {
    server.close();
  }
});
