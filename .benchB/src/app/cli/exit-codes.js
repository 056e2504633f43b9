/**
 * The CLI's exit codes and how an error maps to one. Scripts branch on these, so they are
 * part of the CLI's contract and documented in the README.
 */
import { LeaseholdError } from '../../domain/errors.js';
/** Exit codes of the `leasehold` command. */
export const ExitCode = {
    /** The command did what it was asked. */
    OK: 0,
    /** The operation failed: job not found, a transition the lifecycle forbids, a handler module that cannot be imported (missing, or throws while loading). */
    FAILED: 1,
    /** Bad usage: unknown command or option, a malformed argument, a ValidationError from the store, a handler module that exports no handler. */
    USAGE: 2,
    /** The store could not be opened or used: unreachable server, missing file or schema, schema too new. */
    STORE_UNAVAILABLE: 3,
};
/**
 * A mistake in how the command was called (a bad `--older-than`, a payload that is not JSON),
 * found by the CLI before the store is asked anything. Exits 2.
 */
export class UsageError extends Error {
    code = 'USAGE';
    constructor(message) {
        super(message);
        this.name = 'UsageError';
    }
}
/** The store could not be opened (driver missing, file absent, server unreachable). Exits 3. */
export class StoreOpenError extends Error {
    code = 'STORE_UNAVAILABLE';
    constructor(message, options) {
        super(message, options);
        this.name = 'StoreOpenError';
    }
}
/** The exit code an error thrown by a command maps to. */
export function exitCodeFor(error) {
    if (error instanceof UsageError)
        return ExitCode.USAGE;
    if (error instanceof StoreOpenError)
        return ExitCode.STORE_UNAVAILABLE;
    if (error instanceof LeaseholdError) {
        switch (error.code) {
            case 'VALIDATION':
                return ExitCode.USAGE;
            case 'STORE_UNAVAILABLE':
            case 'SCHEMA_TOO_NEW':
                return ExitCode.STORE_UNAVAILABLE;
            default:
                return ExitCode.FAILED;
        }
    }
    return ExitCode.FAILED;
}
/** The stable code printed with an error (`--json`): the LeaseholdError code, or USAGE/STORE_UNAVAILABLE/ERROR. */
export function errorCodeFor(error) {
    if (error instanceof LeaseholdError || error instanceof UsageError || error instanceof StoreOpenError)
        return error.code;
    return 'ERROR';
}
//# sourceMappingURL=exit-codes.js.map