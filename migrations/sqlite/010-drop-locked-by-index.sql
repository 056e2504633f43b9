-- leasehold SQLite schema 10: drop processing_jobs_locked_by, as MySQL's schema 10 drops its
-- ix_locked_by. Every claim added an entry and every completion removed it (a job enters and
-- leaves processing then), two of the pages each job writes to the WAL. What it served (a
-- worker's leases: the sweep of dead workers, an operator's release, the workers list, a
-- worker's own count) asks for status = 'processing' rows only, which the partial lease index
-- processing_jobs_leases holds: the leases in flight, however many finished rows the table has.
DROP INDEX IF EXISTS processing_jobs_locked_by;
