/**
 * Where the CLI writes, with every line passed through {@link redact}: one place that
 * guarantees a database password never reaches a terminal, a log file or CI output.
 */
import { redact } from './redact.js';
/** Redacting writers over a CliIo. */
export class Output {
    io;
    constructor(io) {
        this.io = io;
    }
    /** Writes a result line (or block) to stdout. */
    out(text) {
        this.io.stdout.write(`${redact(text)}\n`);
    }
    /** Writes a diagnostic line to stderr. */
    err(text) {
        this.io.stderr.write(`${redact(text)}\n`);
    }
    /** Writes a value as one line of JSON to stdout. */
    json(value) {
        this.out(JSON.stringify(value));
    }
    /** Raw stderr writer for commander, redacted too (it echoes bad arguments back). */
    rawErr = (s) => {
        this.io.stderr.write(redact(s));
    };
    /** Raw stdout writer for commander's help. */
    rawOut = (s) => {
        this.io.stdout.write(redact(s));
    };
}
//# sourceMappingURL=output.js.map