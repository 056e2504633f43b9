-- leasehold SQLite schema, version 2: step deadlines. A step's intent records the absolute
-- deadline (epoch ms, the store's clock) after which no request of the step is valid, and the
-- job row keeps the latest deadline of its current lease: after a lease expiry the job is not
-- taken over (claimed, poisoned or reaped) before that deadline plus the clock margin.

ALTER TABLE processing_jobs ADD COLUMN step_deadline_at INTEGER;

ALTER TABLE processing_job_steps ADD COLUMN deadline_at INTEGER;
