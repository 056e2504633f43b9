/**
 * A private MariaDB server for tests that need server settings the shared server must keep
 * (a small `max_allowed_packet`, say): its own datadir under a temp dir, its own port, stopped
 * by its pid alone. Starts in a few seconds; skips with a reason when no `mariadbd` is installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/** A running private server. */
export interface PrivateMariadb {
  /** `mysql://root@127.0.0.1:PORT` (no database). */
  url: string;
  port: number;
  /** Stops this server (by its pid) and deletes its datadir. */
  stop(): Promise<void>;
}

/** Why a private server cannot be started here, or undefined when it can. */
export function privateMariadbProblem(): string | undefined {
  if (!existsSync(MARIADBD) || !existsSync(INSTALL_DB)) return `no ${MARIADBD} or ${INSTALL_DB} on this machine`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server logs that it accepts connections; rejects if it exits first. */
function ready(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('ready for connections')) {
        child.stderr!.off('data', onData);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`mariadbd exited with ${code} before it was ready:\n${out}${log()}`)));
  });
}

/**
 * Starts a private server with extra `mariadbd` options, e.g. `['--max-allowed-packet=1M']`.
 * @example const db = await startPrivateMariadb(['--max-allowed-packet=1M']); ... await db.stop();
 */
export async function startPrivateMariadb(options: string[] = []): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'leasehold-mariadb-'));
  const datadir = join(dir, 'data');
  const install = spawnSync(INSTALL_DB, ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db'], {
    encoding: 'utf8',
  });
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${install.status}): ${install.stderr}`);
  }
  const port = await freePort();
  const child = spawn(
    MARIADBD,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=64M',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ...options,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await ready(child, () => '');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `mysql://root@127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
