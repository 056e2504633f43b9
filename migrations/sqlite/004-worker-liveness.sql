-- leasehold SQLite schema 4: lease expiries as their own budget, and the worker process table.
--
-- attempts counts acquisitions; lease_expiries counts how often a holder lost the job by
-- letting its lease run out (crash, pause, store outage), judged against its own budget so
-- an outage never uses up max_attempts (which bounds handler failures only).
ALTER TABLE processing_jobs ADD COLUMN lease_expiries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processing_jobs ADD COLUMN max_lease_expiries INTEGER NOT NULL DEFAULT 10;

-- One row per running worker (its workerId): who it is, and when it last proved it is alive.
-- last_seen_at is the store's clock at the worker's latest renewal; the worker is dead once
-- last_seen_at + liveness_timeout_ms has passed, and its leases may then be taken over.
-- incarnation changes when a restarted process takes a workerId over, so the process it
-- replaced finds itself superseded at its next renewal and writes nothing more.
CREATE TABLE processing_workers (
  worker_id            TEXT    NOT NULL PRIMARY KEY,
  incarnation          TEXT    NOT NULL,
  host                 TEXT    NOT NULL,
  pid                  INTEGER NOT NULL,
  boot_id              TEXT    NOT NULL,
  started_at           INTEGER NOT NULL,
  last_seen_at         INTEGER NOT NULL,
  liveness_timeout_ms  INTEGER NOT NULL
) WITHOUT ROWID;

-- The sweep and the release of a dead worker's leases find its jobs by owner.
CREATE INDEX processing_jobs_locked_by ON processing_jobs (locked_by)
  WHERE status = 'processing';
