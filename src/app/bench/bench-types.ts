/** One row of `npm run bench`: a measured figure for one store and scenario. */
export interface BenchRow {
  /** memory, sqlite, mysql */
  store: string;
  /** e.g. "claim+complete batch 100", "raw UPDATE ceiling c=10" */
  scenario: string;
  value: number;
  /** e.g. "jobs/s", "commits/s", "ms" */
  unit: string;
  /** Target or ceiling this figure is compared with, as text (e.g. "target >= 10000", "43% of ceiling"). */
  note?: string;
}

/** What every per-store bench module exports. `quick` shrinks workloads (for a smoke test). */
export type StoreBench = (opts: { quick: boolean }) => Promise<BenchRow[]>;
