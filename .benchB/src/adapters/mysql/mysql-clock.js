/**
 * A Clock that follows the database server's clock instead of the host's, for fleets whose
 * hosts drift: every worker then judges lease expiry by one time source.
 */
import { performance } from 'node:perf_hooks';
import { StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import { validateInteger } from '../../domain/validation.js';
import { abortableDelay } from '../clocks/abortable-delay.js';
import { selectRows } from './mysql-driver.js';
import { translateMysqlError } from './mysql-errors.js';
import { openMysqlPool, validateMysqlSource } from './mysql-pool.js';
import { SERVER_TIME } from './mysql-queries.js';
/** Readings tried before `start()` gives up when every one took too long. */
const START_ATTEMPTS = 5;
/**
 * The database server's time, so that every worker on every host judges leases by one clock
 * (the default clock of `MysqlLeaseStore`). It reads the server's UTC time (`UTC_TIMESTAMP(6)`,
 * never through the session time zone, which repeats an hour when daylight saving ends) and
 * anchors it on this process's monotonic clock: between readings `now()` is the last reading
 * plus the monotonic time since, so a step of the host's wall clock never moves it. A reading
 * whose round trip took longer than `maxRoundTripMs` is ignored. Before the first reading
 * `now()` throws: no lease decision is made on a guess. Readings repeat every `refreshMs` on an
 * unref'd timer; `now()` never goes backwards.
 * Default refresh: 60 s; round-trip bound: 1 s.
 * @example
 * const clock = await new MysqlClock({ uri }).start();
 * const store = new MysqlLeaseStore({ uri, clock }); // the same as the store's default
 * // on shutdown: clock.stop();
 */
export class MysqlClock {
    pool;
    ownsPool;
    refreshMs;
    maxRoundTripMs;
    hostNow;
    monotonicNow;
    /** The last good reading: server time (ms) at a monotonic instant (the round trip's midpoint). */
    anchor;
    lastNow = Number.NEGATIVE_INFINITY;
    starting;
    timer;
    lastError;
    constructor(options) {
        if (typeof options !== 'object' || options === null)
            throw new ValidationError('options', 'must be an object with uri or pool');
        this.refreshMs = options.refreshMs === undefined ? 60_000 : validateInteger(options.refreshMs, 'refreshMs', 100, 86_400_000);
        this.maxRoundTripMs = options.maxRoundTripMs === undefined ? 1000 : validateInteger(options.maxRoundTripMs, 'maxRoundTripMs', 1, 60_000);
        this.hostNow = options.hostNow ?? Date.now;
        this.monotonicNow = options.monotonicNow ?? (() => performance.now());
        const source = validateMysqlSource(options);
        if (source.pool !== undefined) {
            this.pool = source.pool;
            this.ownsPool = false;
        }
        else {
            this.pool = openMysqlPool(source.uri, 1);
            this.ownsPool = true;
        }
    }
    /**
     * Reads the server's time (retrying a reading that took too long), then keeps it fresh.
     * Rejects with StoreUnavailableError when the server cannot be reached or every reading was
     * too slow. Idempotent.
     */
    async start() {
        await this.ready();
        return this;
    }
    /** Resolves once the server's time has been read (reading it first if needed); the store awaits it before every operation. */
    ready() {
        if (this.anchor !== undefined && this.timer !== undefined)
            return Promise.resolve();
        this.starting ??= this.firstReading().finally(() => (this.starting = undefined));
        return this.starting;
    }
    /** Stops refreshing and closes the pool the clock opened. The last reading stays in use. */
    async stop() {
        if (this.timer !== undefined)
            clearInterval(this.timer);
        this.timer = undefined;
        if (this.ownsPool)
            await this.pool.end().catch(() => undefined);
    }
    /** Reads the server's time once; returns the offset (server minus host wall clock, ms). Rejects when the round trip took too long. */
    async measure() {
        const took = await this.read();
        if (took !== undefined)
            throw this.tooSlow(took);
        return this.offset;
    }
    /** Server minus host wall clock, in ms, by the last reading (a diagnostic; leases never use the host's wall clock). */
    get offset() {
        return this.anchor === undefined ? 0 : Math.round(this.serverNow() - this.hostNow());
    }
    /** The error of the last failed refresh, cleared by the next good one. */
    get refreshError() {
        return this.lastError;
    }
    now() {
        if (this.anchor === undefined)
            throw new StoreUnavailableError('mysql clock: the server time has not been read yet (await clock.start() first)');
        // Readings move the anchor by a few ms either way; the time handed out never goes back.
        this.lastNow = Math.max(this.lastNow, Math.round(this.serverNow()));
        return this.lastNow;
    }
    monotonic() {
        return this.monotonicNow();
    }
    sleep(ms, signal) {
        return abortableDelay(ms, signal);
    }
    serverNow() {
        const a = this.anchor;
        return a.serverMs + (this.monotonicNow() - a.mono);
    }
    async firstReading() {
        if (this.anchor === undefined) {
            let slowest = 0;
            for (let i = 0; i < START_ATTEMPTS && this.anchor === undefined; i++)
                slowest = Math.max(slowest, (await this.read()) ?? 0);
            if (this.anchor === undefined)
                throw this.tooSlow(slowest);
        }
        if (this.timer === undefined) {
            this.timer = setInterval(() => {
                // A failed or slow refresh keeps the last reading: the monotonic clock carries it.
                this.read().then((took) => (this.lastError = took === undefined ? undefined : this.tooSlow(took)), (e) => (this.lastError = e));
            }, this.refreshMs);
            this.timer.unref();
        }
    }
    /** One reading: anchors it and returns undefined, or returns the round trip when it was too long to trust. */
    async read() {
        const sent = this.monotonicNow();
        let rows;
        try {
            rows = await selectRows(this.pool, SERVER_TIME);
        }
        catch (e) {
            throw translateMysqlError(e, 'clock');
        }
        const roundTrip = this.monotonicNow() - sent;
        const server = Number(rows[0]?.ms);
        if (!Number.isFinite(server))
            throw new StoreUnavailableError('mysql clock: the server returned no time');
        if (roundTrip > this.maxRoundTripMs)
            return roundTrip;
        // The server read its clock about half-way through the round trip.
        this.anchor = { serverMs: server, mono: sent + roundTrip / 2 };
        return undefined;
    }
    tooSlow(roundTripMs) {
        return new StoreUnavailableError(`mysql clock: reading the server time took ${Math.round(roundTripMs)} ms, more than maxRoundTripMs (${this.maxRoundTripMs})`);
    }
}
//# sourceMappingURL=mysql-clock.js.map