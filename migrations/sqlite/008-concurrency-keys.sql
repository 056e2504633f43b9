-- leasehold SQLite schema 8: concurrency keys. Jobs sharing a concurrency_key hold at most
-- their concurrency_limit of leases (processing rows) at once. A claim that meets a waiting job
-- whose key is full marks it blocked: the job keeps its status (pending or retry, uncharged) but
-- leaves the claim indexes, so a key with a long backlog is never walked past again; the
-- claim's wake step frees blocked jobs of a key as its leases end (src/domain/concurrency.ts).

ALTER TABLE processing_jobs ADD COLUMN concurrency_key TEXT;
ALTER TABLE processing_jobs ADD COLUMN concurrency_limit INTEGER NOT NULL DEFAULT 1;
ALTER TABLE processing_jobs ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;

-- The claim indexes leave blocked jobs out.
DROP INDEX processing_jobs_waiting;
CREATE INDEX processing_jobs_waiting ON processing_jobs (priority, run_at, id)
  WHERE status IN ('pending', 'retry') AND blocked = 0;
DROP INDEX processing_jobs_waiting_by_queue;
CREATE INDEX processing_jobs_waiting_by_queue ON processing_jobs (queue, priority, run_at, id)
  WHERE status IN ('pending', 'retry') AND blocked = 0;

-- A key's blocked jobs in claim order (the wake step frees the first ones).
CREATE INDEX processing_jobs_blocked ON processing_jobs (concurrency_key, priority, run_at, id)
  WHERE blocked = 1;
-- A key's open jobs: its leases are counted here, and a claim asks it whether any key is in use.
CREATE INDEX processing_jobs_keyed ON processing_jobs (concurrency_key, status)
  WHERE concurrency_key IS NOT NULL AND finished_at IS NULL;

-- One row per key that has had a job blocked: blocked = 1 while it may still have some, with
-- the limit of the job blocked last (how many leases the wake step lets the key reach).
CREATE TABLE processing_job_semaphores (
  concurrency_key    TEXT    NOT NULL PRIMARY KEY,
  concurrency_limit  INTEGER NOT NULL,
  blocked            INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX processing_job_semaphores_blocked ON processing_job_semaphores (concurrency_key) WHERE blocked = 1;
