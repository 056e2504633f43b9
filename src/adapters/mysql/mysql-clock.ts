/**
 * A Clock that follows the database server's clock instead of the host's, for fleets whose
 * hosts drift: every worker then judges lease expiry by one time source.
 */
import { performance } from 'node:perf_hooks';
import { StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import { validateInteger } from '../../domain/validation.js';
import type { Clock } from '../../ports/clock.js';
import { abortableDelay } from '../clocks/abortable-delay.js';
import { selectRows, type MysqlPoolLike } from './mysql-driver.js';
import { translateMysqlError } from './mysql-errors.js';
import { openMysqlPool, validateMysqlSource } from './mysql-pool.js';
import { SERVER_TIME } from './mysql-queries.js';

/** Options of {@link MysqlClock}. */
export type MysqlClockOptions = {
  /** How often to measure the offset again, in ms. Default 60000. */
  refreshMs?: number;
  /** Host clock and monotonic source, replaceable in tests. Default Date.now / performance.now. */
  hostNow?: () => number;
  monotonicNow?: () => number;
} & ({ uri: string; pool?: undefined } | { pool: MysqlPoolLike; uri?: undefined });

/**
 * Server time as host time plus an offset measured with `SELECT UNIX_TIMESTAMP(NOW(3))*1000`,
 * corrected by half the round trip, and measured again every `refreshMs` (an unref'd timer, so
 * it never keeps the process alive). Use it when worker hosts' clocks may drift apart (no NTP,
 * VMs resumed from suspend): a host running ahead would otherwise take over live leases early.
 * The fence keeps a skewed worker harmless either way; this keeps it useful. `now()` never
 * waits on the network; before `start()` it is the host's time.
 * Default refresh: 60 s.
 * @example
 * const clock = await new MysqlClock({ uri }).start();
 * const store = new MysqlLeaseStore({ uri, clock });
 * // on shutdown: clock.stop();
 */
export class MysqlClock implements Clock {
  private readonly pool: MysqlPoolLike;
  private readonly ownsPool: boolean;
  private readonly refreshMs: number;
  private readonly hostNow: () => number;
  private readonly monotonicNow: () => number;
  private offsetMs = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastError: unknown;

  constructor(options: MysqlClockOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object with uri or pool');
    this.refreshMs = options.refreshMs === undefined ? 60_000 : validateInteger(options.refreshMs, 'refreshMs', 100, 86_400_000);
    this.hostNow = options.hostNow ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    const source = validateMysqlSource(options);
    if (source.pool !== undefined) {
      this.pool = source.pool;
      this.ownsPool = false;
    } else {
      this.pool = openMysqlPool(source.uri, 1);
      this.ownsPool = true;
    }
  }

  /** Measures the offset, then keeps it fresh. Rejects with StoreUnavailableError when the server cannot be reached. */
  async start(): Promise<this> {
    await this.measure();
    if (this.timer === undefined) {
      this.timer = setInterval(() => {
        // A failed refresh keeps the last offset: drift is slow, and the store reports outages itself.
        this.measure().catch((e: unknown) => (this.lastError = e));
      }, this.refreshMs);
      this.timer.unref();
    }
    return this;
  }

  /** Stops refreshing and closes the pool the clock opened. The last offset stays in use. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
  }

  /** Measures the server offset once; returns it (server minus host, ms). */
  async measure(): Promise<number> {
    const sentHost = this.hostNow();
    const sent = this.monotonicNow();
    let rows;
    try {
      rows = await selectRows(this.pool, SERVER_TIME);
    } catch (e) {
      throw translateMysqlError(e, 'clock');
    }
    const roundTrip = this.monotonicNow() - sent;
    const server = Number(rows[0]?.ms);
    if (!Number.isFinite(server)) throw new StoreUnavailableError('mysql clock: the server returned no time');
    // The server read its clock about half-way through the round trip.
    this.offsetMs = Math.round(server - (sentHost + roundTrip / 2));
    this.lastError = undefined;
    return this.offsetMs;
  }

  /** Server minus host, in ms, as last measured. */
  get offset(): number {
    return this.offsetMs;
  }

  /** The error of the last failed refresh, cleared by the next good one. */
  get refreshError(): unknown {
    return this.lastError;
  }

  now(): number {
    return Math.round(this.hostNow() + this.offsetMs);
  }

  monotonic(): number {
    return this.monotonicNow();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return abortableDelay(ms, signal);
  }
}
