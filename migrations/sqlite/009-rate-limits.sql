-- leasehold SQLite schema 9: rate limits per queue, stored so every process enforces the same
-- one. recent holds the times (epoch ms, JSON array, ascending) of the queue's latest claims,
-- at most max_claims of them: a claim has room while fewer than max_claims of them are within
-- per_ms of its now (src/domain/rate-limit.ts). Read and written in the claim's transaction.
CREATE TABLE IF NOT EXISTS processing_job_rate_limits (
  queue       TEXT    NOT NULL PRIMARY KEY,
  max_claims  INTEGER NOT NULL,
  per_ms      INTEGER NOT NULL,
  recent      TEXT    NOT NULL
) WITHOUT ROWID;
