-- leasehold schema 3: the identities idempotency keys derive from, the keys' own storage (a key
-- stays known after its job is pruned), and steps that record their key and whether a person
-- settled them. {{table}} is replaced by the validated table name.
-- DDL commits implicitly, so each statement is idempotent on its own and an interrupted run
-- is simply repeated (the version is recorded last).

-- The database's identity: random, made once, here, and never changed. RANDOM_BYTES exists on
-- MySQL 8 and MariaDB 10.10+; UUID() would do on older servers but is time-based, not random.
-- Under statement-based replication both are unsafe functions: MySQL 8 logs this row-based
-- (binlog_format ROW is its default), so replicas get the same identity.
CREATE TABLE IF NOT EXISTS `{{table}}_identity` (
  id TINYINT UNSIGNED NOT NULL,
  identity CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT IGNORE INTO `{{table}}_identity` (id, identity, created_at)
  VALUES (1, LOWER(HEX(RANDOM_BYTES(16))), CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED));

-- Every job's random uid, written by the store at enqueue; jobs enqueued before this migration
-- get one here (RANDOM_BYTES is evaluated per row). One ALTER per table, so each is all or
-- nothing; MySQL 8 has no ADD COLUMN IF NOT EXISTS (MariaDB has), so a run repeated after
-- this statement committed meets "duplicate column" (1060), which the migrator takes as done.
ALTER TABLE `{{table}}`
  ADD COLUMN uid CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD COLUMN idempotency_key_format VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'alnum';
UPDATE `{{table}}` SET uid = LOWER(HEX(RANDOM_BYTES(16))) WHERE uid = '';

-- The keys' own storage: every key ever enqueued, with the identity a job holding it derives
-- its keys from. job_id is the live job holding the key; prune sets it to NULL and stamps
-- retired_at (a tombstone: the key is refused at enqueue unless reused on purpose). Recurring
-- slots and archived jobs are meant to hold their keys here too. job_key is VARBINARY like
-- the jobs table's: compared byte for byte, never padded.
CREATE TABLE IF NOT EXISTS `{{table}}_keys` (
  job_key VARBINARY(765) NOT NULL,
  job_uid CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  idempotency_key_format VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  job_id BIGINT UNSIGNED NULL,
  retired_at BIGINT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (job_key),
  -- prune forgets tombstones by age (forgetKeysOlderThanMs).
  KEY ix_retired (retired_at)
) ENGINE=InnoDB;
-- Keys of jobs enqueued before this migration. Keys their prune freed before it are unknown.
INSERT IGNORE INTO `{{table}}_keys` (job_key, job_uid, idempotency_key_format, job_id, retired_at, created_at)
  SELECT job_key, uid, idempotency_key_format, id, NULL, created_at FROM `{{table}}` WHERE job_key IS NOT NULL;

-- The key a step began under (NULL for steps begun before this migration), and when a person
-- settled it by hand.
ALTER TABLE `{{table}}_steps`
  ADD COLUMN idempotency_key VARBINARY(765) NULL,
  ADD COLUMN settled_at BIGINT NULL;
