-- leasehold schema 7: recurring jobs. One row per schedule: its definition and its cursor
-- (next_run_at, the earliest slot not yet handled). A run enqueues its slots' jobs (each with
-- its own dedupe key) and then moves the cursor, only from where it read it (row locked).
-- name and queue are VARBINARY like the jobs table's names (byte-exact, no PAD SPACE).
CREATE TABLE IF NOT EXISTS `{{table}}_schedules` (
  name VARBINARY(384) NOT NULL,
  cron VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  time_zone VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  queue VARBINARY(384) NOT NULL,
  payload LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  priority INT NOT NULL,
  max_attempts INT NOT NULL,
  missed VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  backfill_limit INT NOT NULL,
  grace_ms BIGINT NOT NULL,
  skip_if_running TINYINT NOT NULL,
  paused TINYINT NOT NULL,
  next_run_at BIGINT NULL,
  last_slot_at BIGINT NULL,
  last_job_id BIGINT UNSIGNED NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
