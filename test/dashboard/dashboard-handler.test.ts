/**
 * The dashboard's handler over a real node:http server on an in-memory store: escaping,
 * the token, the Host check, cross-site refusal, actions, paging, redaction.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clocks/manual-clock.js';
import { InMemoryLeaseStore } from '../../src/adapters/memory/in-memory-lease-store.js';
import { ValidationError } from '../../src/domain/errors.js';
import type { LeaseStore } from '../../src/ports/lease-store.js';
import { createDashboardHandler, JOBS_PAGE_SIZE, type DashboardOptions } from '../../src/app/dashboard/index.js';
import { call, cookieOf, csrfOf } from './http-client.js';

const T0 = Date.UTC(2026, 0, 1);
const TOKEN = 'a-token-of-enough-length-42';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function serve(opts: Partial<DashboardOptions> & { store: LeaseStore }): Promise<number> {
  const handler = createDashboardHandler({ refreshSeconds: 0, ...opts });
  const server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

function memory(maxPayloadBytes?: number): { store: InMemoryLeaseStore; clock: ManualClock } {
  const clock = new ManualClock(T0);
  return { clock, store: new InMemoryLeaseStore({ clock, random: () => 0.5, ...(maxPayloadBytes ? { maxPayloadBytes } : {}) }) };
}

async function failedJob(store: LeaseStore, payload: unknown = { n: 1 }, error: unknown = new Error('exchange said no')): Promise<string> {
  const { job } = await store.enqueue({ queue: 'orders', payload: payload as never, maxAttempts: 1 });
  const [lease] = await store.acquire({ workerId: 'w1', leaseMs: 10_000 });
  await store.fail(lease!, error);
  return job.id;
}

describe('dashboard handler: escaping', () => {
  it('shows a <script> payload, key, queue and error as text on every page', async () => {
    const { store } = memory();
    const evil = '<script>alert("x")</script>';
    const { job } = await store.enqueue({ queue: `q${evil}`, key: `k${evil}`, payload: { note: evil }, maxAttempts: 1 });
    const [lease] = await store.acquire({ workerId: `w${evil}`, leaseMs: 10_000 });
    await store.beginStep(lease!, `step${evil}`);
    await store.fail(lease!, new Error(`boom ${evil}`));
    const port = await serve({ store });
    for (const path of ['/', '/jobs', `/jobs/${job.id}`, '/problems', `/jobs?queue=${encodeURIComponent(`q${evil}`)}`, `/jobs?key=${encodeURIComponent(evil)}`]) {
      const r = await call(port, path);
      expect(r.status, path).toBe(200);
      expect(r.body, path).not.toContain('<script>alert');
      expect(r.body, path).not.toMatch(/<script(?! nonce=)/);
    }
    const page = (await call(port, `/jobs/${job.id}`)).body;
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('step&lt;script&gt;');
  });

  it('escapes 1 MiB payloads and errors whole on the job page, and clips them in lists', async () => {
    const { store } = memory(4 * 1024 * 1024);
    const big = `${'<b>'.repeat(300_000)}${'x'.repeat(1024 * 1024 - 900_000)}`;
    expect(big.length).toBe(1024 * 1024);
    const id = await failedJob(store, { big }, new Error(big));
    const port = await serve({ store });
    const page = await call(port, `/jobs/${id}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<b><b>');
    // The payload escaped in full; the error as the store keeps it (its first 8,192 characters), escaped.
    const payload = /<pre id="payload">([^<]*)<\/pre>/.exec(page.body)?.[1] ?? '';
    expect(payload.split('&lt;b&gt;').length - 1).toBe(300_000);
    expect(payload).toContain('x'.repeat(148_576));
    const error = /<pre id="last-error">([^<]*)<\/pre>/.exec(page.body)?.[1] ?? '';
    expect(error.split('&lt;b&gt;').length - 1).toBeGreaterThan(2_000);
    for (const path of ['/', '/problems', '/jobs']) {
      const r = await call(port, path);
      expect(r.body).not.toContain('<b><b>');
      expect(r.body.length, path).toBeLessThan(64 * 1024);
    }
  });

  it('serves pages under a content security policy with a nonce and no inline allowance', async () => {
    const { store } = memory();
    const port = await serve({ store });
    const r = await call(port, '/');
    const csp = String(r.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toContain('unsafe-inline');
    expect(r.body).toContain(`<script nonce="${nonce}">`);
    expect(r.headers['x-frame-options']).toBe('DENY');
  });
});

describe('dashboard handler: Host, token, cross-site', () => {
  it('answers only to the allowed host names (DNS rebinding)', async () => {
    const { store } = memory();
    const port = await serve({ store });
    expect((await call(port, '/')).status).toBe(200);
    expect((await call(port, '/', { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
    expect((await call(port, '/', { headers: { host: 'evil.example:80' } })).status).toBe(421);
    expect((await call(port, '/metrics', { headers: { host: 'localhost.evil.example' } })).status).toBe(421);
    const custom = await serve({ store, allowedHosts: ['jobs.internal'] });
    expect((await call(custom, '/', { headers: { host: 'jobs.internal:8080' } })).status).toBe(200);
    expect((await call(custom, '/')).status).toBe(421);
  });

  it('with requireToken, every page and /metrics needs the token; a ?token= link sets a cookie', async () => {
    const { store } = memory();
    const port = await serve({ store, token: TOKEN, requireToken: true });
    for (const path of ['/', '/jobs', '/problems', '/metrics', '/jobs/1']) expect((await call(port, path)).status, path).toBe(401);
    expect((await call(port, '/', { headers: { authorization: 'Bearer wrong-token-of-length' } })).status).toBe(401);
    expect((await call(port, '/?token=wrong-token-of-length')).status).toBe(401);
    const login = await call(port, `/jobs?status=failed&token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/jobs?status=failed');
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Path=\//);
    const cookie = cookieOf(login);
    expect((await call(port, '/', { headers: { cookie } })).status).toBe(200);
    expect((await call(port, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('refuses options that would leave actions or pages open', () => {
    const { store } = memory();
    expect(() => createDashboardHandler({ store, actions: true })).toThrow(ValidationError);
    expect(() => createDashboardHandler({ store, requireToken: true })).toThrow(/token/);
    expect(() => createDashboardHandler({ store, token: 'short' })).toThrow(/16/);
  });

  it('is read-only unless started with actions', async () => {
    const { store } = memory();
    const id = await failedJob(store);
    const port = await serve({ store, token: TOKEN });
    const page = await call(port, `/jobs/${id}?token=${TOKEN}`);
    const cookie = cookieOf(page);
    expect(csrfOf((await call(port, `/jobs/${id}`, { headers: { cookie } })).body)).toBeUndefined();
    const r = await call(port, `/jobs/${id}/retry`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
    expect(r.status).toBe(403);
    expect((await store.get(id))?.status).toBe('failed');
  });

  it('acts only with the token, the form secret, and from the same origin', async () => {
    const { store } = memory();
    const id = await failedJob(store);
    const port = await serve({ store, token: TOKEN, actions: true });
    // Without the token the page shows no action form at all.
    expect(csrfOf((await call(port, `/jobs/${id}`)).body)).toBeUndefined();
    const cookie = cookieOf(await call(port, `/?token=${TOKEN}`));
    const page = (await call(port, `/jobs/${id}`, { headers: { cookie } })).body;
    const csrf = csrfOf(page)!;
    expect(csrf).toBeTruthy();
    expect(page).not.toContain(TOKEN);
    const post = (headers: Record<string, string>, body = `csrf=${encodeURIComponent(csrf)}`) =>
      call(port, `/jobs/${id}/retry`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect((await post({})).status).toBe(401); // no cookie
    expect((await post({ cookie }, 'csrf=forged')).status).toBe(403);
    expect((await post({ cookie }, '')).status).toBe(403);
    expect((await post({ cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ cookie, origin: 'null' })).status).toBe(403);
    expect((await post({ cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post({ cookie, host: 'evil.example' })).status).toBe(421);
    expect((await store.get(id))?.status).toBe('failed');
    const ok = await post({ cookie, origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/jobs/${id}?done=retry`);
    expect((await store.get(id))?.status).toBe('pending');
    expect((await call(port, String(ok.headers.location), { headers: { cookie } })).body).toContain(`Retried: job ${id} is pending.`);
    // Cancel it; a second cancel is a transition the lifecycle refuses.
    const cancel = () => call(port, `/jobs/${id}/cancel`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    expect((await cancel()).status).toBe(303);
    expect((await store.get(id))?.status).toBe('cancelled');
    expect((await cancel()).status).toBe(409);
    const missing = await call(port, '/jobs/999/retry', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    expect(missing.status).toBe(404);
  });

  it('accepts a bearer token from a script with no browser headers', async () => {
    const { store } = memory();
    const id = await failedJob(store);
    const port = await serve({ store, token: TOKEN, actions: true });
    const csrf = csrfOf((await call(port, `/jobs/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).body)!;
    const r = await call(port, `/jobs/${id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(csrf)}` });
    expect(r.status).toBe(303);
    expect((await store.get(id))?.status).toBe('pending');
  });
});

describe('dashboard handler: pages', () => {
  it('pages through jobs newest first, filtered by queue, status and key, and finds by id or key', async () => {
    const { store } = memory();
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await store.enqueue({ queue: i % 2 === 0 ? 'even' : 'odd', key: `order-${i}`, payload: i })).job.id);
    const port = await serve({ store });
    const idsOn = (body: string): string[] => [...body.matchAll(/<tr><td><a href="\/jobs\/(\d+)">/g)].map((m) => m[1]!);
    const seen: string[] = [];
    let path: string | null = '/jobs';
    while (path) {
      const body: string = (await call(port, path)).body;
      seen.push(...idsOn(body));
      path = /id="next" href="([^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&') ?? null;
    }
    expect(seen).toEqual([...ids].reverse());
    const even = idsOn((await call(port, '/jobs?queue=even')).body);
    expect(even).toHaveLength(JOBS_PAGE_SIZE);
    expect(even[0]).toBe(ids[118]);
    expect(idsOn((await call(port, '/jobs?queue=odd&status=done')).body)).toEqual([]);
    expect(idsOn((await call(port, '/jobs?key=order-7')).body)).toEqual([ids[7]]);
    const byId = await call(port, `/jobs?q=${ids[3]}`);
    expect(byId.status).toBe(303);
    expect(byId.headers.location).toBe(`/jobs/${ids[3]}`);
    expect((await call(port, '/jobs?q=order-9')).headers.location).toBe(`/jobs/${ids[9]}`);
    expect((await call(port, '/jobs/424242')).status).toBe(404);
  });

  it('mounts under a base path and answers 404 outside it', async () => {
    const { store } = memory();
    await store.enqueue({ queue: 'orders', payload: 1 });
    const port = await serve({ store, basePath: '/admin/jobs/' });
    const r = await call(port, '/admin/jobs/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('href="/admin/jobs/jobs?queue=orders"');
    expect((await call(port, '/admin/jobs/jobs/1')).status).toBe(200);
    expect((await call(port, '/elsewhere')).status).toBe(404);
    expect((await call(port, '/admin/jobsx')).status).toBe(404);
  });

  it('redacts database passwords in the header and in store errors', async () => {
    const { store } = memory();
    const port = await serve({ store, dbLabel: 'mysql://app:s3cret@db:3306/leasehold' });
    const page = (await call(port, '/')).body;
    expect(page).toContain('mysql://app:***@db:3306/leasehold');
    expect(page).not.toContain('s3cret');
    const broken = Object.assign(Object.create(store) as LeaseStore, { stats: async () => Promise.reject(new Error('connect ECONNREFUSED mysql://app:s3cret@db/leasehold')) });
    const port2 = await serve({ store: broken });
    const r = await call(port2, '/');
    expect(r.status).toBe(503);
    expect(r.body).toContain('mysql://app:***@db/leasehold');
    expect(r.body).not.toContain('s3cret');
  });

  it('marks steps in doubt on the job page and lists them with the failed jobs', async () => {
    const { store, clock } = memory();
    const { job } = await store.enqueue({ queue: 'orders', payload: 1 });
    const [first] = await store.acquire({ workerId: 'w1', leaseMs: 10_000 });
    await store.beginStep(first!, 'place-order');
    clock.advance(11_000); // w1 dies holding the step: its lease runs out and w2 takes over
    const [second] = await store.acquire({ workerId: 'w2', leaseMs: 10_000 });
    await store.release(second!);
    const port = await serve({ store });
    const page = (await call(port, `/jobs/${job.id}`)).body;
    expect(page).toMatch(/<td>place-order<\/td><td><span class="bad">in doubt<\/span>/);
    const problems = (await call(port, '/problems')).body;
    expect(problems).toMatch(new RegExp(`id="in-doubt".*href="/jobs/${job.id}".*place-order`, 's'));
  });

  it('settles a step in doubt from the job page: happened with its result, or not; refused while the job is processing', async () => {
    const { store, clock } = memory();
    const inDoubt = async (queue: string): Promise<string> => {
      const { job } = await store.enqueue({ queue, payload: 1 });
      const [first] = await store.acquire({ workerId: 'w1', leaseMs: 10_000, queues: [queue] });
      await store.beginStep(first!, 'place-order');
      clock.advance(11_000);
      const [second] = await store.acquire({ workerId: 'w2', leaseMs: 10_000, queues: [queue] });
      await store.release(second!);
      return job.id;
    };
    const a = await inDoubt('a');
    const b = await inDoubt('b');
    const port = await serve({ store, token: TOKEN, actions: true });
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' };
    const page = (await call(port, `/jobs/${a}`, { headers: auth })).body;
    expect(page).toContain('data-action="settle-happened"');
    expect(page).toContain('data-action="settle-not-happened"');
    const csrf = encodeURIComponent(csrfOf(page)!);
    const settle = (id: string, body: string) => call(port, `/jobs/${id}/steps/place-order/settle`, { method: 'POST', headers: auth, body: `csrf=${csrf}&${body}` });

    expect((await settle(a, 'happened=maybe')).status).toBe(400);
    expect((await settle(a, 'happened=yes&result=%7Bnot%20json')).status).toBe(400);
    expect(await store.getStepRecords(a)).toMatchObject([{ name: 'place-order', state: 'started', settledAt: null }]);

    const ok = await settle(a, `happened=yes&result=${encodeURIComponent('{"orderId":"X-1"}')}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/jobs/${a}?done=settle`);
    expect(await store.getStepRecords(a)).toMatchObject([{ name: 'place-order', state: 'done', result: { orderId: 'X-1' }, settledAt: clock.now() }]);
    const after = (await call(port, `/jobs/${a}?done=settle`, { headers: auth })).body;
    expect(after).toContain('settled by hand');
    expect(after).not.toContain('data-action="settle-happened"');
    // Settled once: a second answer is refused, and nothing changes.
    expect((await settle(a, 'happened=no')).status).toBe(409);
    expect(await store.getStepRecords(a)).toMatchObject([{ state: 'done', result: { orderId: 'X-1' } }]);

    expect((await settle(b, 'happened=no')).status).toBe(303);
    expect((await store.getStepRecords(b))[0]).toMatchObject({ settledAt: clock.now() });

    // A job some worker holds now shows no settle form, and a forged post is refused.
    const c = await inDoubt('c');
    const [held] = await store.acquire({ workerId: 'w3', leaseMs: 10_000, queues: ['c'] });
    expect(held!.job.id).toBe(c);
    expect((await call(port, `/jobs/${c}`, { headers: auth })).body).not.toContain('data-action="settle-happened"');
    expect((await settle(c, 'happened=no')).status).toBe(409);
    expect((await call(port, '/jobs/999/steps/place-order/settle', { method: 'POST', headers: auth, body: `csrf=${csrf}&happened=no` })).status).toBe(404);
  });
});
