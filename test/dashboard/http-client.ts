/** A tiny HTTP client for the dashboard tests: node:http, so Host, Origin and Sec-Fetch-Site can be set (fetch forbids some). */
import { request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function call(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `localhost:${port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The value of the action forms' hidden csrf field on a page, or undefined. */
export function csrfOf(page: string): string | undefined {
  return /name="csrf" value="([^"]+)"/.exec(page)?.[1];
}

/** The cookie a `?token=` reply sets, as a Cookie header value. */
export function cookieOf(reply: Reply): string {
  const set = reply.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : set;
  if (!first) throw new Error('no cookie set');
  return first.split(';', 1)[0]!;
}
