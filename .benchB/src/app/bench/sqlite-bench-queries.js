/** The SQL the SQLite bench runs itself, beside the store: the raw commit ceiling and a fast table fill. */
/** A one-row table for the raw commit ceiling. */
export const BENCH_CREATE_COUNTER = `CREATE TABLE IF NOT EXISTS leasehold_bench_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`;
/** Seeds the counter row. */
export const BENCH_SEED_COUNTER = `INSERT OR REPLACE INTO leasehold_bench_counter (id, n) VALUES (1, 0)`;
/** The cheapest durable write: one single-row UPDATE, committed on its own. */
export const BENCH_BUMP_COUNTER = `UPDATE leasehold_bench_counter SET n = n + 1 WHERE id = 1`;
/**
 * A finished job, written directly (not through enqueue) to fill a table fast.
 * Params: queue, payload, run_at, created_at, updated_at, finished_at.
 */
export const BENCH_INSERT_DONE_JOB = `INSERT INTO processing_jobs
  (queue, payload, status, priority, run_at, attempts, max_attempts, lease_token, created_at, updated_at, finished_at)
VALUES (?, ?, 'done', 0, ?, 1, 3, 1, ?, ?, ?)`;
//# sourceMappingURL=sqlite-bench-queries.js.map