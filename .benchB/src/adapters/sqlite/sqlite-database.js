import { LeaseholdError, StoreUnavailableError } from '../../domain/errors.js';
/**
 * Turns anything the driver threw into a `StoreUnavailableError` (cause kept); leasehold's
 * own errors pass through. Default context: none.
 * @example catch (e) { throw translateSqliteError(e, 'acquire') }
 */
export function translateSqliteError(error, context) {
    if (error instanceof LeaseholdError)
        return error;
    const code = typeof error?.code === 'string' ? ` (${error.code})` : '';
    const message = error instanceof Error ? error.message : String(error);
    const hint = /no such table/.test(message) ? '; has store.migrate() run?' : '';
    return new StoreUnavailableError(`SQLite ${context} failed${code}: ${message}${hint}`, { cause: error });
}
//# sourceMappingURL=sqlite-database.js.map