/**
 * The README's first example, run as written: its code block is read from README.md, its
 * imports pointed at the sources and its database at a temporary file, and it runs against a
 * fake exchange that does not dedupe client order ids.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import type { LeaseStore } from '../src/ports/lease-store.js';
import type { ProcessingWorker } from '../src/app/worker/processing-worker.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The first ```ts block after `heading` in the README. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf(heading));
  const m = /```ts\n([\s\S]*?)```/.exec(after);
  if (!m) throw new Error(`no ts block after ${heading}`);
  return m[1]!;
}

/** A fake exchange: books every order (no dedupe by client order id), finds orders by it. */
function fakeExchange() {
  const orders: { id: string; clientOrderId: string; symbol: string; qty: number }[] = [];
  return {
    orders,
    async placeOrder(o: { symbol: string; qty: number; clientOrderId: string; expiresAt: number }, _opts: { signal: AbortSignal }) {
      expect(o.expiresAt).toBeGreaterThan(Date.now() - 60_000);
      const order = { id: `X-${orders.length + 1}`, ...o };
      orders.push(order);
      return order;
    },
    async findOrder(q: { clientOrderId: string }) {
      return orders.find((o) => o.clientOrderId === q.clientOrderId);
    },
  };
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it('the README\'s first example runs as written and places one order with the job\'s key', async () => {
  dir = mkdtempSync(join(tmpdir(), 'leasehold-readme-'));
  const code = readmeBlock('## A first job');
  const imports = code.split('\n').filter((l) => l.startsWith('import '));
  const body = code.split('\n').filter((l) => !l.startsWith('import ')).join('\n');
  expect(body).toContain("'./leasehold.db'");
  const module = [
    ...imports.map((l) =>
      l.replace("'leasehold/sqlite'", JSON.stringify(join(ROOT, 'src/adapters/sqlite/index.ts'))).replace("'leasehold'", JSON.stringify(join(ROOT, 'src/index.ts'))),
    ),
    'export async function run(exchange: any) {',
    body.replace("'./leasehold.db'", JSON.stringify(join(dir, 'leasehold.db'))),
    '  return { store, worker };',
    '}',
  ].join('\n');
  const file = join(dir, 'first-example.ts');
  writeFileSync(file, module);
  const exchange = fakeExchange();
  const { run } = (await import(/* @vite-ignore */ file)) as { run: (e: unknown) => Promise<{ store: LeaseStore; worker: ProcessingWorker }> };
  const { store, worker } = await run(exchange);
  try {
    const [job] = await store.list();
    await vi.waitFor(async () => expect((await store.get(job!.id))?.status).toBe('done'), { timeout: 10_000, interval: 20 });
    expect(exchange.orders).toHaveLength(1);
    expect(exchange.orders[0]!.clientOrderId).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await store.get(job!.id))?.result).toEqual({ orderId: 'X-1' });
    expect((await store.getStepRecords(job!.id))[0]).toMatchObject({ name: 'place-order', state: 'done', key: exchange.orders[0]!.clientOrderId });
  } finally {
    await worker.stop();
    await store.close();
  }
});
