-- leasehold SQLite schema 11: open jobs are counted from an index of waiting jobs only.
-- processing_jobs_open_counts held every open job under (queue, status), so each claim moved
-- its entry from the pending part of the index to the processing part (two pages written to
-- the WAL) and each completion removed it (a third): about a fifth of the pages a job wrote.
-- Waiting jobs (pending, retry) keep a covering index of their own, which a claim leaves once
-- and a completion never touches; jobs in processing are the leases in flight, a few per
-- worker slot, counted through the partial lease index processing_jobs_leases.
DROP INDEX IF EXISTS processing_jobs_open_counts;
CREATE INDEX IF NOT EXISTS processing_jobs_waiting_counts ON processing_jobs (queue, status)
  WHERE status IN ('pending', 'retry');
