-- leasehold schema 9: rate limits per queue, stored so every process and host enforces the
-- same one. recent holds the times (epoch ms, a JSON array, ascending) of the queue's latest
-- claims, at most max_claims of them: a claim has room while fewer than max_claims of them are
-- within per_ms of its now (src/domain/rate-limit.ts). Every claim of a limited queue locks
-- its row (FOR UPDATE) and writes it back in the claim's transaction, so claimers of one limited
-- queue take turns. {{table}} is replaced by the validated table name.
CREATE TABLE IF NOT EXISTS `{{table}}_rate_limits` (
  queue VARBINARY(384) NOT NULL,
  max_claims INT NOT NULL,
  per_ms BIGINT NOT NULL,
  recent MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (queue)
) ENGINE=InnoDB;
