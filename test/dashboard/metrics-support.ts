/** Shared by the metrics and browser tests: a store holding jobs in every state, and reading a scrape. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { LeaseStore } from '../../src/ports/lease-store.js';

/** The scrape's samples as `name{label="v",...}` -> value, labels sorted. */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const family of parsePrometheusTextFormat(text)) {
    for (const m of family.metrics) {
      if (m.value === undefined) continue;
      const labels = Object.entries(m.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${v}"`).join(',');
      out.set(labels === '' ? family.name : `${family.name}{${labels}}`, Number(m.value));
    }
  }
  return out;
}

/**
 * Fills a store with real jobs in every status on two queues. `past` is the same database
 * opened with a clock an hour behind, so the lease it takes has expired by now.
 */
export async function populate(store: LeaseStore, past: LeaseStore): Promise<{ failedId: string; doneId: string; expiredId: string; takenOverId: string }> {
  const add = (queue: string, payload: unknown, extra: Record<string, unknown> = {}) => store.enqueue({ queue, payload: payload as never, ...extra });
  // An hour-old lease of 1 minute: expired, nobody took it over.
  const { job: expired } = await past.enqueue({ queue: 'orders', payload: { symbol: 'ETH-EUR', qty: 2 }, key: 'order-expired' });
  const [stale] = await past.acquire({ workerId: 'bot-host-a:4242', leaseMs: 60_000, queues: ['orders'] });
  await past.beginStep(stale!, 'place-order');
  // A worker died inside a step an hour ago; another took the job over, reconciled the step and finished it.
  const { job: takenOver } = await past.enqueue({ queue: 'orders', payload: { symbol: 'XRP-EUR', qty: 40 }, key: 'order-taken-over', priority: -20 });
  const [dying] = await past.acquire({ workerId: 'bot-host-a:4242', leaseMs: 30_000, queues: ['orders'] });
  await past.beginStep(dying!, 'place-order');
  const [heir] = await store.acquire({ workerId: 'bot-host-b:1', leaseMs: 600_000, queues: ['orders'] });
  if (heir?.job.id !== takenOver.id) throw new Error('expected the takeover');
  await store.saveStep(heir, 'place-order', { exchangeOrderId: 'X-0', reconciled: true });
  await store.beginStep(heir, 'confirm');
  await store.saveStep(heir, 'confirm', { filled: 40 });
  await store.complete(heir, { orderId: 'X-0' });
  // Waiting an hour: the queue's lag.
  await past.enqueue({ queue: 'orders', payload: { symbol: 'BTC-EUR', qty: 1 }, key: 'order-waiting' });
  for (let i = 0; i < 3; i++) await add('orders', { symbol: 'BTC-EUR', qty: i + 1 }, { key: `order-${i}` });
  await add('emails', { to: 'ops@example.com' });
  const { job: done } = await add('orders', { symbol: 'SOL-EUR', qty: 5 }, { key: 'order-done', priority: -10 });
  const [l1] = await store.acquire({ workerId: 'bot-host-b:1', leaseMs: 600_000, queues: ['orders'] });
  await store.beginStep(l1!, 'place-order');
  await store.saveStep(l1!, 'place-order', { exchangeOrderId: 'X-1' });
  await store.complete(l1!, { orderId: 'X-1' });
  const { job: failed } = await add('orders', { symbol: 'DOGE-EUR', qty: 1000 }, { key: 'order-failed', maxAttempts: 1, priority: -10 });
  const [l2] = await store.acquire({ workerId: 'bot-host-b:1', leaseMs: 600_000, queues: ['orders'] });
  await store.fail(l2!, new Error('exchange rejected the order: insufficient funds'));
  await add('emails', { to: 'late@example.com' }, { runAt: Date.now() + 3_600_000 });
  const { job: cancelled } = await add('emails', { to: 'nobody@example.com' });
  await store.cancel(cancelled.id);
  // Running now: an active lease on the emails queue.
  const [active] = await store.acquire({ workerId: 'bot-host-c:7', leaseMs: 600_000, queues: ['emails'] });
  if (!active) throw new Error('expected an active lease');
  return { failedId: failed.id, doneId: done.id, expiredId: expired.id, takenOverId: takenOver.id };
}
