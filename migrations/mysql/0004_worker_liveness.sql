-- leasehold schema 4: lease expiries as their own budget, and the worker process table.
-- {{table}} is replaced by the validated table name (a plain identifier); nothing else is substituted.
--
-- attempts counts acquisitions; lease_expiries counts how often a holder lost the job by
-- letting its lease run out (crash, pause, store outage), judged against its own budget so
-- an outage never uses up max_attempts (which bounds handler failures only).
ALTER TABLE `{{table}}`
  ADD COLUMN lease_expiries INT NOT NULL DEFAULT 0,
  ADD COLUMN max_lease_expiries INT NOT NULL DEFAULT 10,
  -- The sweep and the release of a dead worker's leases find its jobs by owner.
  ADD KEY ix_locked_by (locked_by, status);

-- One row per running worker (its workerId): who it is, and when it last proved it is alive.
-- last_seen_at is the store's clock (the lease clock) at the worker's latest renewal; the
-- worker is dead once last_seen_at + liveness_timeout_ms has passed. incarnation changes when
-- a restarted process takes a workerId over, so the process it replaced finds itself
-- superseded at its next renewal and writes nothing more. worker_id is VARBINARY (UTF-8
-- bytes, NO PAD on MariaDB and MySQL 8 alike, as queue names are): 'bot-1 ' and 'bot-1' are two
-- workers, as in the in-memory model. locked_by stays VARCHAR utf8mb4_bin (PAD SPACE), so
-- every query that matches jobs to a worker also compares BINARY locked_by.
CREATE TABLE IF NOT EXISTS `{{table}}_workers` (
  worker_id VARBINARY(384) NOT NULL,
  incarnation VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  pid INT NOT NULL,
  boot_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  started_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  liveness_timeout_ms INT NOT NULL,
  PRIMARY KEY (worker_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
