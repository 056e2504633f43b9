-- leasehold SQLite schema 7: recurring jobs. One row per schedule: its definition and its
-- cursor (next_run_at, the earliest slot not yet handled). A run enqueues its slots' jobs
-- (each with its own dedupe key) and then moves the cursor, only from where it read it.
CREATE TABLE IF NOT EXISTS processing_job_schedules (
  name             TEXT    NOT NULL PRIMARY KEY,
  cron             TEXT    NOT NULL,
  time_zone        TEXT    NOT NULL,
  queue            TEXT    NOT NULL,
  payload          TEXT    NOT NULL,
  priority         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  missed           TEXT    NOT NULL CHECK (missed IN ('skip', 'latest', 'backfill')),
  backfill_limit   INTEGER NOT NULL,
  grace_ms         INTEGER NOT NULL,
  skip_if_running  INTEGER NOT NULL,
  paused           INTEGER NOT NULL,
  next_run_at      INTEGER,
  last_slot_at     INTEGER,
  last_job_id      INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) WITHOUT ROWID;
