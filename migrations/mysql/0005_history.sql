-- leasehold schema 5: what the dashboard reads beyond the jobs.
-- The store writes these rows in the transaction of each change (claim, takeover, complete,
-- fail, release, reap), by the same rule as the in-memory store (src/domain/history.ts).
-- Not triggers: on MySQL 8 with binary logging on (its default), CREATE TRIGGER needs SUPER
-- unless log_bin_trust_function_creators is set (error 1419), which managed servers refuse.

-- One row per attempt (lease token) of a job: who held it, from when to when, how it ended.
CREATE TABLE IF NOT EXISTS `{{table}}_attempts` (
  job_id BIGINT UNSIGNED NOT NULL,
  token BIGINT NOT NULL,
  worker_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NULL,
  outcome VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  error MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  PRIMARY KEY (job_id, token)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Jobs that left processing for done, failed or retry, per minute and queue. Apart from the
-- jobs, so pruning jobs keeps the chart; prune drops minutes older than 7 days (or its cutoff).
CREATE TABLE IF NOT EXISTS `{{table}}_counts` (
  minute BIGINT NOT NULL,
  queue VARBINARY(384) NOT NULL,
  completed INT NOT NULL DEFAULT 0,
  failed INT NOT NULL DEFAULT 0,
  retried INT NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, queue)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The dashboard's jobs list filtered by queue, newest first (keyset by id). Written once per
-- job (the queue never changes), so claims and completions do not pay for it.
ALTER TABLE `{{table}}` ADD KEY ix_queue_id (queue, id);
