-- leasehold schema 10: drop ix_locked_by. Every claim and every complete rewrote its entry (both
-- columns change then), about a tenth of the server's work per job in the worker bench. What it
-- served (a worker's leases: release on shutdown, the sweep of dead workers, the workers list)
-- asks for status = 'processing' rows only, which ix_lease reaches as a range: the leases in
-- flight, a few per worker slot, however many finished rows the table holds.
-- {{table}} is replaced by the validated table name.
ALTER TABLE `{{table}}` DROP INDEX ix_locked_by;
