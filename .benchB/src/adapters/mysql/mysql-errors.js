/**
 * Translation of mysql2 errors at the adapter edge: nothing raw leaves the adapter, the driver
 * error stays reachable as `cause`.
 */
import { LeaseholdError, StoreUnavailableError, ValidationError } from '../../domain/errors.js';
import { ER_NET_PACKET_TOO_LARGE, PacketTooLargeError } from './mysql-packet.js';
/** ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back. */
export const ER_LOCK_DEADLOCK = 1213;
/** ER_LOCK_WAIT_TIMEOUT: only the statement was rolled back (unless innodb_rollback_on_timeout). */
export const ER_LOCK_WAIT_TIMEOUT = 1205;
/** ER_DUP_ENTRY: a unique key (job_key, or a migration record) already exists. */
export const ER_DUP_ENTRY = 1062;
/** The value a too-large statement of each operation carries. */
const PACKET_FIELD = { enqueue: 'payload', enqueueMany: 'jobs', saveStep: 'result', complete: 'result', completeMany: 'result' };
function asDriverError(e) {
    return typeof e === 'object' && e !== null ? e : {};
}
/** Whether the error is worth retrying the whole transaction for (deadlock, lock-wait timeout). */
export function isRetryableConflict(e) {
    const { errno } = asDriverError(e);
    return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}
/** Whether the error is a duplicate of a unique key. */
export function isDuplicateKey(e) {
    return asDriverError(e).errno === ER_DUP_ENTRY;
}
/**
 * Whether the connection that raised the error can no longer be trusted (lost, killed,
 * protocol error): it must be destroyed, not returned to the pool.
 */
export function isConnectionBroken(e) {
    const d = asDriverError(e);
    if (d.fatal === true)
        return true;
    // 1927 ER_CONNECTION_KILLED (MariaDB), 1053 server shutdown, 2006/2013 gone away / lost;
    // 1153 packet too large: the server closes the connection after refusing the statement, and
    // a pool that got it back would hand it out dead (the next call got ECONNRESET).
    return d.errno === 1927 || d.errno === 1053 || d.errno === 2006 || d.errno === 2013 || d.errno === ER_NET_PACKET_TOO_LARGE;
}
/**
 * Turns anything a driver call threw into a leasehold error. Leasehold errors pass through;
 * every driver error becomes `StoreUnavailableError` (the operation changed nothing and may be
 * retried later) with the driver error as `cause`.
 */
export function translateMysqlError(e, operation) {
    if (e instanceof LeaseholdError)
        return e;
    const d = asDriverError(e);
    // Too large for the server: permanent, retrying cannot help. A ValidationError of the value at
    // fault, so an enqueue is refused and an unrecordable step result fails its job for good.
    if (e instanceof PacketTooLargeError || d.errno === ER_NET_PACKET_TOO_LARGE) {
        const err = e instanceof PacketTooLargeError ? e : new PacketTooLargeError(undefined, undefined, { cause: e });
        return new ValidationError(PACKET_FIELD[operation] ?? 'statement', `is too large for this server: ${err.message}`);
    }
    const what = [d.code, d.errno].filter((x) => x !== undefined).join(' ');
    const detail = d.message ?? String(e);
    return new StoreUnavailableError(`mysql ${operation} failed${what ? ` (${what})` : ''}: ${detail}`, { cause: e });
}
//# sourceMappingURL=mysql-errors.js.map