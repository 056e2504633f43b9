-- leasehold schema 8: concurrency keys. Jobs sharing a concurrency_key hold at most their
-- concurrency_limit of leases (processing rows) at once. A claim that meets a waiting job whose
-- key is full marks it blocked: the job keeps its status (pending or retry, uncharged) but
-- leaves the claim's index range, so a key with a long backlog is never walked past again; the
-- claim's wake step frees blocked jobs of a key as its leases end. {{table}} is replaced by
-- the validated table name. One ALTER, all or nothing: a run repeated after it committed meets
-- "duplicate column" (1060), which the migrator takes as done.
--
-- ix_claim and ix_queue_claim gain `blocked` after status: the claim reads `status = ? AND
-- blocked = 0` as an equality prefix and still walks (priority, run_at, id) in index order.
-- lease_key is the key of a processing row only: its index counts a key's leases, and a row
-- without a key (NULL either way) keeps its entry through every status change.
ALTER TABLE `{{table}}`
  ADD COLUMN concurrency_key VARBINARY(765) NULL,
  ADD COLUMN concurrency_limit INT NOT NULL DEFAULT 1,
  ADD COLUMN blocked TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN lease_key VARBINARY(765) AS (CASE WHEN status = 'processing' THEN concurrency_key END) VIRTUAL,
  DROP INDEX ix_claim,
  ADD KEY ix_claim (status, blocked, priority, run_at, id),
  DROP INDEX ix_queue_claim,
  ADD KEY ix_queue_claim (queue, status, blocked, priority, run_at, id),
  ADD KEY ix_blocked (concurrency_key, blocked, priority, run_at, id),
  ADD KEY ix_lease_key (lease_key);

-- One row per key a claim has met: the lock every claimer of the key takes before it counts
-- the key's leases (so two claimers never both take its last slot), and blocked = 1 while the
-- key may have blocked jobs, with the limit of the job blocked last.
CREATE TABLE IF NOT EXISTS `{{table}}_semaphores` (
  concurrency_key VARBINARY(765) NOT NULL,
  concurrency_limit INT NOT NULL,
  blocked TINYINT NOT NULL,
  PRIMARY KEY (concurrency_key),
  KEY ix_semaphores_blocked (blocked)
) ENGINE=InnoDB;
