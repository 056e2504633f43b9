/**
 * Splits `items`, in order, into runs of at most `maxItems` whose `size` adds up to at most
 * `budget`; an item larger than the budget on its own goes alone. The stores cut batches with
 * it so that no one statement grows past what the server or the runtime can hold.
 */
export function chunksBySize<T>(items: T[], size: (item: T) => number, budget: number, maxItems = Number.POSITIVE_INFINITY): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let total = 0;
  for (const item of items) {
    const n = size(item);
    if (chunk.length > 0 && (chunk.length >= maxItems || total + n > budget)) {
      out.push(chunk);
      chunk = [];
      total = 0;
    }
    chunk.push(item);
    total += n;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}
