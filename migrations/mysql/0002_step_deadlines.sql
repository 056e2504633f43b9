-- leasehold MySQL schema, version 2: step deadlines. A step's intent records the absolute
-- deadline (epoch ms, the lease clock) after which no request of the step is valid, and the
-- job row keeps the latest deadline of its current lease: after a lease expiry the job is not
-- taken over (claimed, poisoned or reaped) before that deadline plus the clock margin.
-- Plain ADD COLUMN: MariaDB's ADD COLUMN IF NOT EXISTS is not MySQL 8 syntax, and the
-- migration runs once per version under the migration lock anyway.

ALTER TABLE `{{table}}` ADD COLUMN step_deadline_at BIGINT NULL;

ALTER TABLE `{{table}}_steps` ADD COLUMN deadline_at BIGINT NULL;
