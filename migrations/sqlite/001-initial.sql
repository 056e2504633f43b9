-- leasehold SQLite schema, version 1. Applied inside one BEGIN IMMEDIATE transaction by
-- SqliteLeaseStore.migrate(); times are INTEGER epoch milliseconds.

CREATE TABLE processing_jobs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids are never reused after prune
  queue         TEXT    NOT NULL,
  job_key       TEXT    UNIQUE,
  payload       TEXT    NOT NULL,                  -- JSON text
  -- Comparisons, not IN: SQLite evaluates an IN list of three or more values through a
  -- temporary b-tree, for every row written.
  status        TEXT    NOT NULL CHECK (status = 'pending' OR status = 'processing' OR status = 'retry'
                                        OR status = 'done' OR status = 'failed' OR status = 'cancelled'),
  priority      INTEGER NOT NULL DEFAULT 0,
  run_at        INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL DEFAULT 3,
  locked_by     TEXT,
  locked_until  INTEGER,
  lease_token   INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  result        TEXT,                              -- JSON text
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  finished_at   INTEGER
);

-- The claim walks waiting jobs in claim order; partial, so done rows never slow it down.
CREATE INDEX processing_jobs_waiting ON processing_jobs (priority, run_at, id)
  WHERE status IN ('pending', 'retry');
-- The same walk for a worker that serves one queue.
CREATE INDEX processing_jobs_waiting_by_queue ON processing_jobs (queue, priority, run_at, id)
  WHERE status IN ('pending', 'retry');
-- Expired leases (takeover, poison rule, reap, lease listings).
CREATE INDEX processing_jobs_leases ON processing_jobs (locked_until)
  WHERE status = 'processing';
-- prune looks for final jobs finished before a cutoff (finished_at is set exactly when a
-- job is final; a single test keeps the index cheap to maintain on every write).
CREATE INDEX processing_jobs_finished ON processing_jobs (finished_at)
  WHERE finished_at IS NOT NULL;

CREATE TABLE processing_job_steps (
  job_id       INTEGER NOT NULL,
  name         TEXT    NOT NULL,
  state        TEXT    NOT NULL CHECK (state IN ('started', 'done')),
  result       TEXT,                               -- JSON text, when done
  token        INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  PRIMARY KEY (job_id, name)
) WITHOUT ROWID;
