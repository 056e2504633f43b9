#!/usr/bin/env node
/**
 * Entry point of the `leasehold` command. All behaviour lives in program.ts; this file only
 * binds it to the real process, so the exit code is the one runCli decided.
 */
import { runCli } from './program.js';
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
//# sourceMappingURL=main.js.map