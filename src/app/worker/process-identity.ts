/**
 * Who this process is, as far as proving a predecessor dead goes: the host, the pid and the
 * host's boot id. A predecessor under the same workerId is dead for sure only when it ran on
 * this host since this boot and its pid no longer runs; anything less (another host, another
 * boot, a pid that runs again: containers reuse pids) proves nothing, and its liveness
 * timeout is waited out instead.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** This process's identity and a way to ask whether a pid runs here. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** The host's boot id, '' when unknown (not Linux): then no predecessor is ever proven dead. */
  bootId: string;
  /** Whether a process with this pid runs on this host now. */
  isRunning(pid: number): boolean;
}

/** The running process's identity (Linux boot id from /proc). */
export function currentProcessIdentity(): ProcessIdentity {
  return { host: hostname().slice(0, 255), pid: process.pid, bootId: readBootId(), isRunning: pidRunning };
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 64);
  } catch {
    return '';
  }
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user. ESRCH: no such process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `predecessor` is proven dead from here: same host and boot, another pid, and that pid not running. */
export function provenDead(self: ProcessIdentity, predecessor: { host: string; pid: number; bootId: string }): boolean {
  return (
    predecessor.host === self.host &&
    self.bootId !== '' &&
    predecessor.bootId === self.bootId &&
    predecessor.pid !== self.pid &&
    !self.isRunning(predecessor.pid)
  );
}
