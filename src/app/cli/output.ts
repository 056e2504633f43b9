/**
 * Where the CLI writes, with every line passed through {@link redact}: one place that
 * guarantees a database password never reaches a terminal, a log file or CI output.
 */
import { redact } from './redact.js';

/** The streams and environment the CLI runs with; tests pass their own. */
export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Record<string, string | undefined>;
  /** Directory relative paths (handler modules) resolve against. Default: process.cwd(). */
  cwd?: string;
}

/** Redacting writers over a CliIo. */
export class Output {
  constructor(private readonly io: CliIo) {}

  /** Writes a result line (or block) to stdout. */
  out(text: string): void {
    this.io.stdout.write(`${redact(text)}\n`);
  }

  /** Writes a diagnostic line to stderr. */
  err(text: string): void {
    this.io.stderr.write(`${redact(text)}\n`);
  }

  /** Writes a value as one line of JSON to stdout. */
  json(value: unknown): void {
    this.out(JSON.stringify(value));
  }

  /** Raw stderr writer for commander, redacted too (it echoes bad arguments back). */
  rawErr = (s: string): void => {
    this.io.stderr.write(redact(s));
  };

  /** Raw stdout writer for commander's help. */
  rawOut = (s: string): void => {
    this.io.stdout.write(redact(s));
  };
}
