/**
 * Recurring jobs as data and pure rules. A schedule's row holds its definition and a cursor,
 * `nextRunAt`: the earliest slot not yet handled. Which slots a run enqueues, and where the
 * cursor goes next, is decided here from the time given and a slot function; the cron
 * arithmetic itself (a library) sits behind that function, outside the domain.
 */
import { ValidationError } from './errors.js';
import type { EnqueueResult, Job, JobStatus, Json, NewJob } from './job.js';
import { validateInteger, validateJson, validateName, validateTime, DEFAULT_MAX_PAYLOAD_BYTES } from './validation.js';

/** What a run does with slots that passed while no scheduler ran (or the clock jumped ahead). */
export const MISSED_POLICIES = ['skip', 'latest', 'backfill'] as const;
/** `skip`: only a slot within `graceMs` of now; `latest`: the latest due slot; `backfill`: up to `backfillLimit` missed slots too. */
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

/** Longest cron expression or time zone name. */
export const MAX_CRON_LENGTH = 256;
/** Default `graceMs`: a slot at most a minute old is on time, not missed. */
export const DEFAULT_GRACE_MS = 60_000;
/** Default `backfillLimit`. */
export const DEFAULT_BACKFILL_LIMIT = 10;
/** Largest `backfillLimit`: one run never enqueues more than this many missed slots. */
export const MAX_BACKFILL_LIMIT = 1000;

/** A recurring job as declared in code or from the CLI. */
export interface ScheduleDefinition {
  /** Unique name (at most 128 characters). */
  name: string;
  /** Cron expression: 5 fields, or 6 with seconds first. */
  cron: string;
  /** IANA time zone the expression is read in. Default 'UTC'. */
  timeZone?: string;
  /** Queue of the jobs it enqueues. */
  queue: string;
  /** Payload of every job. Default null. */
  payload?: Json;
  /** Priority of every job. Default 0. */
  priority?: number;
  /** maxAttempts of every job. Default 3. */
  maxAttempts?: number;
  /** Missed slots: 'skip' (default), 'latest' or 'backfill'. */
  missed?: MissedPolicy;
  /** With `missed: 'backfill'`: at most this many missed slots per run. Default 10. */
  backfillLimit?: number;
  /** A slot at most this old is on time. Default 60 000 ms. */
  graceMs?: number;
  /** Enqueue nothing while the job of the previous slot has not finished. Default false. */
  skipIfRunning?: boolean;
}

/** A schedule as the store holds it. Times are epoch ms. */
export interface Schedule {
  name: string;
  cron: string;
  timeZone: string;
  queue: string;
  payload: Json;
  priority: number;
  maxAttempts: number;
  missed: MissedPolicy;
  backfillLimit: number;
  graceMs: number;
  skipIfRunning: boolean;
  paused: boolean;
  /** The earliest slot not yet handled; null when the expression has no slot left. */
  nextRunAt: number | null;
  /** The latest slot a run enqueued, or null. */
  lastSlotAt: number | null;
  /** The job of `lastSlotAt`, or null. */
  lastJobId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A definition with its defaults applied and its payload serialised. */
export type ValidatedScheduleDefinition = Omit<Schedule, 'paused' | 'nextRunAt' | 'lastSlotAt' | 'lastJobId' | 'createdAt' | 'updatedAt'> & { payloadText: string };

/**
 * What `advanceSchedule` takes: the cursor the run read, where it goes next, and the jobs of
 * the slots it enqueues (each with its slot as `runAt` and its slot key), in slot order.
 */
export interface ScheduleAdvance {
  /** The `nextRunAt` the run was planned from: nothing is written unless the row still has it. */
  cursor: number;
  /** The new `nextRunAt`. */
  next: number | null;
  /** Enqueued in the same transaction as the cursor moves. Default none. */
  jobs?: NewJob[];
}

/** What `advanceSchedule` returns when the cursor moved: the schedule as written and the run's jobs (created, or the job holding the key). */
export interface ScheduleAdvanceResult {
  schedule: Schedule;
  jobs: EnqueueResult[];
}

/**
 * The slots of one expression in one zone: the first slot strictly after `after` (epoch ms),
 * or null when there is none. Pure: the same arguments always give the same answer.
 */
export type NextSlot = (after: number) => number | null;

const DEFINITION_FIELDS = new Set(['name', 'cron', 'timeZone', 'queue', 'payload', 'priority', 'maxAttempts', 'missed', 'backfillLimit', 'graceMs', 'skipIfRunning']);

/** Checks a definition's shape and applies defaults. The expression and zone are checked by the calendar (they need it). */
export function validateScheduleDefinition(input: unknown, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): ValidatedScheduleDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError('schedule', 'must be an object');
  const d = input as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!DEFINITION_FIELDS.has(k)) throw new ValidationError(`schedule.${k}`, `is not a schedule field (expected ${[...DEFINITION_FIELDS].join(', ')})`);
  const name = validateName(d.name, 'schedule.name');
  const cron = validateText(d.cron, 'schedule.cron');
  const timeZone = d.timeZone === undefined ? 'UTC' : validateText(d.timeZone, 'schedule.timeZone');
  const queue = validateName(d.queue, 'schedule.queue');
  const payloadText = validateJson(d.payload === undefined ? null : d.payload, 'schedule.payload', maxPayloadBytes);
  const priority = d.priority === undefined ? 0 : validateInteger(d.priority, 'schedule.priority', -2147483648, 2147483647);
  const maxAttempts = d.maxAttempts === undefined ? 3 : validateInteger(d.maxAttempts, 'schedule.maxAttempts', 1, 1_000_000);
  const missed = d.missed === undefined ? 'skip' : d.missed;
  if (!(MISSED_POLICIES as readonly unknown[]).includes(missed)) throw new ValidationError('schedule.missed', `must be one of ${MISSED_POLICIES.join(', ')}`);
  const backfillLimit = d.backfillLimit === undefined ? DEFAULT_BACKFILL_LIMIT : validateInteger(d.backfillLimit, 'schedule.backfillLimit', 1, MAX_BACKFILL_LIMIT);
  const graceMs = d.graceMs === undefined ? DEFAULT_GRACE_MS : validateInteger(d.graceMs, 'schedule.graceMs', 0, 2147483647);
  if (d.skipIfRunning !== undefined && typeof d.skipIfRunning !== 'boolean') throw new ValidationError('schedule.skipIfRunning', 'must be a boolean');
  const skipIfRunning = d.skipIfRunning === true;
  return { name, cron, timeZone, queue, payload: JSON.parse(payloadText) as Json, payloadText, priority, maxAttempts, missed: missed as MissedPolicy, backfillLimit, graceMs, skipIfRunning };
}

/** Checks a schedule name (the argument of get, pause, resume, remove). */
export function validateScheduleName(value: unknown, field = 'name'): string {
  return validateName(value, field);
}

/** Checks the cursor of `advanceSchedule` (its jobs are checked as jobs, by the store). */
export function validateScheduleAdvance(input: unknown): { cursor: number; next: number | null; jobs: unknown[] } {
  if (typeof input !== 'object' || input === null) throw new ValidationError('advance', 'must be an object');
  const a = input as Record<string, unknown>;
  const cursor = validateTime(a.cursor, 'advance.cursor');
  const next = a.next === null ? null : validateTime(a.next, 'advance.next');
  if (a.jobs !== undefined && !Array.isArray(a.jobs)) throw new ValidationError('advance.jobs', 'must be an array');
  return { cursor, next, jobs: (a.jobs as unknown[] | undefined) ?? [] };
}

/** True when `s` already holds exactly this definition (re-declaring it changes nothing). */
export function sameDefinition(s: Schedule, d: ValidatedScheduleDefinition): boolean {
  return (
    s.cron === d.cron &&
    s.timeZone === d.timeZone &&
    s.queue === d.queue &&
    JSON.stringify(s.payload) === d.payloadText &&
    s.priority === d.priority &&
    s.maxAttempts === d.maxAttempts &&
    s.missed === d.missed &&
    s.backfillLimit === d.backfillLimit &&
    s.graceMs === d.graceMs &&
    s.skipIfRunning === d.skipIfRunning
  );
}

/**
 * The schedule `saveSchedule` writes: a new one (cursor `nextRunAt`, not paused), the existing
 * one unchanged when the definition is the same (returns undefined), or the existing one with
 * the new definition, its cursor re-anchored at `nextRunAt` and its paused state kept.
 */
export function applyScheduleDefinition(existing: Schedule | undefined, d: ValidatedScheduleDefinition, nextRunAt: number | null, now: number): Schedule | undefined {
  if (existing && sameDefinition(existing, d)) return undefined;
  const { payloadText: _text, ...def } = d;
  return {
    ...def,
    paused: existing?.paused ?? false,
    nextRunAt,
    lastSlotAt: existing?.lastSlotAt ?? null,
    lastJobId: existing?.lastJobId ?? null,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
}

/** Pauses: a paused schedule enqueues nothing; its slots until resume are dropped, not missed. */
export function applySchedulePause(s: Schedule, now: number): Schedule {
  return s.paused ? s : { ...s, paused: true, updatedAt: now };
}

/** Resumes with the cursor at `nextRunAt` (the first slot from now), so the pause is not backfilled. */
export function applyScheduleResume(s: Schedule, nextRunAt: number | null, now: number): Schedule {
  return s.paused ? { ...s, paused: false, nextRunAt, updatedAt: now } : s;
}

/**
 * The cursor moves only from where the caller read it, and only while not paused: of two
 * schedulers that planned the same run, one advances (and enqueues) and the other changes
 * nothing. `last` is the run's last slot and its job; none keeps the previous ones.
 */
export function applyScheduleAdvance(s: Schedule, a: { cursor: number; next: number | null }, last: { slotAt: number; jobId: string } | null, now: number): Schedule | undefined {
  if (s.paused || s.nextRunAt !== a.cursor) return undefined;
  return { ...s, nextRunAt: a.next, lastSlotAt: last ? last.slotAt : s.lastSlotAt, lastJobId: last ? last.jobId : s.lastJobId, updatedAt: now };
}

/** What one run of a due schedule does: enqueue `slots` (ascending), then move the cursor to `nextRunAt`. */
export interface SchedulePlan {
  slots: number[];
  /** The first slot after now, or null. */
  nextRunAt: number | null;
}

/** Enumerating slots stops after this many per plan (a per-second expression a year behind). */
const MAX_SLOTS_WALKED = 200_000;

/**
 * Plans the run of a schedule whose cursor is due (`nextRunAt <= now`). The due slots are
 * those in [nextRunAt, now]; the latest is on time when it is at most `graceMs` old, the
 * others are missed. `skip` enqueues the on-time slot only; `latest` the latest due slot,
 * on time or not; `backfill` the on-time slot and up to `backfillLimit` missed ones, the
 * newest of them. The cursor always ends past now, so a slot is planned at most once.
 * @example planScheduleRun(s, now, (after) => calendar.next(s.cron, s.timeZone, after))
 */
export function planScheduleRun(s: Pick<Schedule, 'nextRunAt' | 'missed' | 'backfillLimit' | 'graceMs'>, now: number, next: NextSlot): SchedulePlan {
  const nextRunAt = next(now);
  if (s.nextRunAt === null || s.nextRunAt > now) return { slots: [], nextRunAt: s.nextRunAt };
  const want = s.missed === 'backfill' ? s.backfillLimit + 1 : 1;
  const due = latestSlots(s.nextRunAt, now, want, next);
  if (due.length === 0) return { slots: [], nextRunAt };
  const onTime = now - due[due.length - 1]! <= s.graceMs;
  let slots: number[];
  if (s.missed === 'skip') slots = onTime ? due.slice(-1) : [];
  else if (s.missed === 'latest') slots = due.slice(-1);
  else slots = onTime ? due : due.slice(-s.backfillLimit);
  return { slots, nextRunAt };
}

/**
 * The latest `want` slots in [from, now] (fewer when the range holds fewer). Walks only a
 * window near `now` that it widens until it holds `want` slots, so a cursor far behind costs
 * little.
 */
function latestSlots(from: number, now: number, want: number, next: NextSlot): number[] {
  for (let span = 1000; ; span *= 4) {
    const start = Math.max(from, now - span);
    const found: number[] = [];
    let walked = 0;
    for (let t = next(start - 1); t !== null && t <= now && walked < MAX_SLOTS_WALKED; t = next(t)) {
      found.push(t);
      walked++;
      if (found.length > want) found.shift();
    }
    if (found.length >= want || start === from || walked >= MAX_SLOTS_WALKED) return found;
  }
}

/** Statuses in which a slot's job has not finished: `skipIfRunning` waits while it is in one. */
export const UNFINISHED_STATUSES: readonly JobStatus[] = ['pending', 'retry', 'processing'];

/** The dedupe key of a schedule's slot: one job per slot, whichever scheduler enqueues it. */
export function scheduleSlotKey(name: string, slotAt: number): string {
  return `schedule:${name}@${new Date(slotAt).toISOString()}`;
}

/**
 * The schedule and slot a job was enqueued for, read from its key (stable across retries,
 * unlike `runAt`), or undefined for a job no schedule enqueued.
 * @example const slot = scheduleSlotOf(job); if (slot) rebalanceAsOf(slot.slotAt);
 */
export function scheduleSlotOf(job: Pick<Job, 'key'>): { schedule: string; slotAt: number } | undefined {
  const m = job.key === null ? null : /^schedule:(.+)@([^@]+)$/.exec(job.key);
  if (!m) return undefined;
  const slotAt = Date.parse(m[2]!);
  return Number.isNaN(slotAt) ? undefined : { schedule: m[1]!, slotAt };
}

function validateText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new ValidationError(field, 'must be a non-empty string');
  if (value.length > MAX_CRON_LENGTH) throw new ValidationError(field, `must be at most ${MAX_CRON_LENGTH} characters`);
  return value;
}
