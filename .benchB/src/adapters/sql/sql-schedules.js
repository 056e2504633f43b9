import { text } from './sql-rows.js';
/** The columns of a schedule row, in the order every SELECT lists them and every write binds them. */
export const SCHEDULE_COLUMN_LIST = [
    'name',
    'cron',
    'time_zone',
    'queue',
    'payload',
    'priority',
    'max_attempts',
    'missed',
    'backfill_limit',
    'grace_ms',
    'skip_if_running',
    'paused',
    'next_run_at',
    'last_slot_at',
    'last_job_id',
    'created_at',
    'updated_at',
];
/** {@link SCHEDULE_COLUMN_LIST} as SQL. */
export const SCHEDULE_COLUMNS = SCHEDULE_COLUMN_LIST.join(', ');
const numOrNull = (v) => (v === null || v === undefined ? null : Number(v));
/** A schedule row as the public Schedule. */
export function rowToSchedule(row) {
    return {
        name: text(row.name),
        cron: text(row.cron),
        timeZone: text(row.time_zone),
        queue: text(row.queue),
        payload: JSON.parse(text(row.payload)),
        priority: Number(row.priority),
        maxAttempts: Number(row.max_attempts),
        missed: text(row.missed),
        backfillLimit: Number(row.backfill_limit),
        graceMs: Number(row.grace_ms),
        skipIfRunning: Number(row.skip_if_running) === 1,
        paused: Number(row.paused) === 1,
        nextRunAt: numOrNull(row.next_run_at),
        lastSlotAt: numOrNull(row.last_slot_at),
        lastJobId: row.last_job_id === null || row.last_job_id === undefined ? null : String(row.last_job_id),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
    };
}
/** The values of a write, in {@link SCHEDULE_COLUMN_LIST} order. */
export function scheduleValues(w) {
    const s = w.schedule;
    return [
        s.name,
        s.cron,
        s.timeZone,
        s.queue,
        w.payloadText,
        s.priority,
        s.maxAttempts,
        s.missed,
        s.backfillLimit,
        s.graceMs,
        s.skipIfRunning ? 1 : 0,
        s.paused ? 1 : 0,
        s.nextRunAt,
        s.lastSlotAt,
        s.lastJobId === null ? null : Number(s.lastJobId),
        s.createdAt,
        s.updatedAt,
    ];
}
//# sourceMappingURL=sql-schedules.js.map