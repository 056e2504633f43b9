/**
 * Batches completions into `completeMany` round trips, like a group commit: those that become
 * ready in the same turn of the event loop go together, and while a batch is being written,
 * the completions that arrive wait and go together in the next. A lone write out (a plain
 * `complete`) never holds back the next write. A batch out does (a SQL server pays per batch
 * as well as per job, so one full batch costs it less than two half ones), until it has been
 * out `stuckAfterMs` (100 ms by default): then the next write goes beside it, so one write that
 * never answers does not hold up the rest. At most two writes are out. Safe by construction: a
 * completion not yet written when the process dies leaves the job processing; it runs again
 * after its lease expires and its recorded steps return their results without repeating effects.
 */
import { ValidationError } from '../../domain/errors.js';
import type { CompleteOutcome, Job, Json, Lease } from '../../domain/job.js';
import type { LeaseStore } from '../../ports/lease-store.js';

/** Writes one batcher keeps out at once. */
const MAX_IN_FLIGHT = 2;
/**
 * How long a batch may be out before the next write goes beside it anyway (real time: this
 * shapes batches only, never an outcome). A batch takes a few ms on a healthy store.
 */
export const STUCK_AFTER_MS = 100;

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
  /** When each batch out (a write of more than one entry) went out, by performance.now(), oldest first. */
  private readonly batchesOut: number[] = [];
  /** Armed while entries wait behind a batch out: lets the next write go once that batch looks stuck. */
  private stuckTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: LeaseStore,
    private readonly maxBatch = 500,
    private readonly stuckAfterMs = STUCK_AFTER_MS,
  ) {}

  /** Completes `lease` with `result` as part of the next batch; rejects with this entry's own error (e.g. LeaseLostError). */
  complete(lease: Lease, result: Json | undefined): Promise<Job> {
    return new Promise<Job>((resolve, reject) => {
      this.pending.push({ lease, result, resolve, reject });
      if (this.writing >= MAX_IN_FLIGHT) return; // a write in flight flushes these when it returns
      if (this.waitForBatchOut()) return;
      if (this.pending.length >= this.maxBatch) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a timer: batch what is ready now, never delay a lone completion.
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Whether entries now waiting should wait for the batch out (it flushes them when it
   * returns), arming the timer that lets them go once that batch has been out `stuckAfterMs`.
   */
  private waitForBatchOut(): boolean {
    const oldest = this.batchesOut[0];
    if (oldest === undefined) return false;
    const left = oldest + this.stuckAfterMs - performance.now();
    if (left <= 0) return false;
    if (this.stuckTimer === undefined) {
      this.stuckTimer = setTimeout(() => {
        this.stuckTimer = undefined;
        if (this.pending.length > 0) void this.flush();
      }, left);
      this.stuckTimer.unref?.();
    }
    return true;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.pending.length === 0 || this.writing >= MAX_IN_FLIGHT || this.waitForBatchOut()) return;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.stuckTimer !== undefined) {
      clearTimeout(this.stuckTimer);
      this.stuckTimer = undefined;
    }
    this.writing++;
    const started = batch.length > 1 ? performance.now() : undefined;
    if (started !== undefined) this.batchesOut.push(started);
    try {
      await this.write(batch);
    } finally {
      this.writing--;
      if (started !== undefined) this.batchesOut.splice(this.batchesOut.indexOf(started), 1);
      if (this.pending.length > 0) void this.flush();
    }
  }

  /**
   * Writes these entries, settling each one's promise. A lone completion is one plain complete:
   * the same write, without a batch's bookkeeping. A batch refused as a whole with a
   * ValidationError (a server that takes less in one statement than it said) wrote nothing; it
   * is written again in halves, down to single entries, so a result too large fails only its
   * own job, never the others beside it, and the halves go one after the other.
   */
  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0]!;
      try {
        await this.store.complete(p.lease, p.result).then(p.resolve, p.reject);
      } catch (error) {
        p.reject(error); // a store that throws instead of rejecting
      }
      return;
    }
    let outcomes: CompleteOutcome[];
    try {
      outcomes = await this.store.completeMany(batch.map((p) => (p.result === undefined ? { lease: p.lease } : { lease: p.lease, result: p.result })));
    } catch (error) {
      if (error instanceof ValidationError) {
        const half = Math.ceil(batch.length / 2);
        await this.write(batch.slice(0, half));
        await this.write(batch.slice(half));
      } else {
        // The whole round trip failed (store down): every caller retries on its own.
        for (const p of batch) p.reject(error);
      }
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o?.ok) p.resolve(o.job);
      else p.reject(o ? o.error : new Error('completeMany returned fewer outcomes than entries'));
    });
  }
}
