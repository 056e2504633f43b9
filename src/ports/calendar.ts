/**
 * Cron arithmetic, as a port: the domain plans a schedule's runs from "the next slot after a
 * time", and an adapter (a cron library) answers it.
 */
export interface CronCalendar {
  /**
   * The first slot of `expression` read in `timeZone` strictly after `after` (epoch ms), or
   * null when none is left. Pure: no clock is read.
   */
  next(expression: string, timeZone: string, after: number): number | null;
  /** Throws a `ValidationError` naming `field` when the expression or the zone is not valid. */
  validate(expression: string, timeZone: string, field?: string): void;
}
