-- leasehold schema 1: jobs and their durable steps.
-- {{table}} is replaced by the validated table name (a plain identifier); nothing else is substituted.
--
-- Names compared for equality (queue, job_key, step name) are VARBINARY holding UTF-8 bytes:
-- compared byte for byte, case-, accent- AND trailing-space-sensitive, like the in-memory model.
-- Not VARCHAR ... utf8mb4_bin: that collation is PAD SPACE on MariaDB and on MySQL 8 alike, so
-- 'order-7 ' = 'order-7' and a distinct order intent would dedupe onto another job. The NO PAD
-- binary collations differ per server (utf8mb4_nopad_bin on MariaDB only, utf8mb4_0900_bin on
-- MySQL 8 only); VARBINARY is the same on both. Byte lengths: a name of n UTF-16 code units
-- (the validated length) is at most 3n bytes of UTF-8. The adapter decodes these columns
-- (mysql2 returns Buffers for them). status/state stay ascii_bin: fixed values, never padded.
-- locked_by stays VARCHAR: it is stored and returned, never compared.
-- (Edited in place before the first release: no database migrated by a released version exists.)
-- payload/result are LONGTEXT holding JSON text, not the JSON type: MariaDB's JSON is only an
-- alias of LONGTEXT while MySQL 8 stores a binary form that reorders object keys and rewrites
-- numbers; the store must hand back exactly the text it was given on both servers, and never
-- queries inside a payload.
-- Times are BIGINT epoch milliseconds from the caller's Clock: no server time in lease decisions.
CREATE TABLE IF NOT EXISTS `{{table}}` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  queue VARBINARY(384) NOT NULL,
  job_key VARBINARY(765) NULL,
  payload LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  priority INT NOT NULL DEFAULT 0,
  run_at BIGINT NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  max_attempts INT NOT NULL DEFAULT 3,
  locked_by VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  locked_until BIGINT NULL,
  lease_token BIGINT NOT NULL DEFAULT 0,
  last_error MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  result LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_job_key (job_key),
  -- The claim of waiting jobs walks this index in claim order for one status, so
  -- FOR UPDATE SKIP LOCKED stops after `limit` rows instead of locking every match before a sort.
  KEY ix_claim (status, priority, run_at, id),
  -- The same for a worker serving a single queue.
  KEY ix_queue_claim (queue, status, priority, run_at, id),
  -- Expired leases (takeover, reap, monitoring): a range on locked_until within processing.
  KEY ix_lease (status, locked_until),
  -- prune: final jobs by age. finished_at alone (it is set only in final statuses), so a claim,
  -- which leaves it NULL, does not touch this index; every index led by status is rewritten
  -- at each status change, the main per-job cost of claim and complete.
  KEY ix_finished (finished_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `{{table}}_steps` (
  job_id BIGINT UNSIGNED NOT NULL,
  name VARBINARY(765) NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  result LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  token BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NULL,
  -- No foreign key: every step write already holds the job row's lock, and prune deletes
  -- steps with their job; a foreign key would only add a shared lock on the job per write.
  PRIMARY KEY (job_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
