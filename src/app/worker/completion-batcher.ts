/**
 * Batches completions into `completeMany` round trips, like a group commit: those that become
 * ready in the same turn of the event loop go together, and while two writes are out, the
 * completions that arrive wait and go together in the next (two, so one write that never
 * answers does not hold up the rest). No timer: a lone completion is written at once, as a
 * plain `complete`, and the batch grows with the store's latency. Safe by construction: a
 * completion not yet written when the process dies leaves the job processing; it runs again after its lease expires and its
 * recorded steps return their results without repeating effects.
 */
import type { Job, Json, Lease } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';

/** Writes one batcher keeps out at once. */
const MAX_IN_FLIGHT = 2;

interface Pending {
  lease: Lease;
  result: Json | undefined;
  resolve: (job: Job) => void;
  reject: (error: unknown) => void;
}

/** Collects `complete` calls made in one event-loop turn and writes them with one `completeMany`. */
export class CompletionBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Writes out now: at most MAX_IN_FLIGHT, so what arrives meanwhile goes together, yet one write that never answers does not hold up the rest. */
  private writing = 0;

  constructor(private readonly store: LeaseStore, private readonly maxBatch = 500) {}

  /** Completes `lease` with `result` as part of the next batch; rejects with this entry's own error (e.g. LeaseLostError). */
  complete(lease: Lease, result: Json | undefined): Promise<Job> {
    return new Promise<Job>((resolve, reject) => {
      this.pending.push({ lease, result, resolve, reject });
      if (this.writing >= MAX_IN_FLIGHT) return; // a write in flight flushes these when it returns
      if (this.pending.length >= this.maxBatch) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a timer: batch what is ready now, never delay a lone completion.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.writing >= MAX_IN_FLIGHT) return;
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.writing++;
    try {
      if (batch.length === 1) {
        // A lone completion is one plain complete: the same write, without a batch's bookkeeping.
        const p = batch[0]!;
        await this.store.complete(p.lease, p.result).then(p.resolve, p.reject);
        return;
      }
      const outcomes = await this.store.completeMany(batch.map((p) => (p.result === undefined ? { lease: p.lease } : { lease: p.lease, result: p.result })));
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (o?.ok) p.resolve(o.job);
        else p.reject(o ? o.error : new Error('completeMany returned fewer outcomes than entries'));
      });
    } catch (error) {
      // The whole round trip failed (store down): every caller retries on its own.
      for (const p of batch) p.reject(error);
    } finally {
      this.writing--;
      if (this.pending.length > 0) void this.flush();
    }
  }
}
