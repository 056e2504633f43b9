/**
 * Who this process is, as far as proving a predecessor dead goes: the host, the pid and the
 * host's boot id. A predecessor under the same workerId is dead for sure only when it ran on
 * this host since this boot and its pid no longer runs; anything less (another host, another
 * boot, a pid that runs again: containers reuse pids) proves nothing, and its liveness
 * timeout is waited out instead.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
/** The running process's identity (Linux boot id from /proc). */
export function currentProcessIdentity() {
    return { host: hostname().slice(0, 255), pid: process.pid, bootId: readBootId(), isRunning: pidRunning };
}
function readBootId() {
    try {
        return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 64);
    }
    catch {
        return '';
    }
}
function pidRunning(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        // EPERM: it runs, as another user. ESRCH: no such process.
        return error.code === 'EPERM';
    }
}
/** Whether `predecessor` is proven dead from here: same host and boot, another pid, and that pid not running. */
export function provenDead(self, predecessor) {
    return (predecessor.host === self.host &&
        self.bootId !== '' &&
        predecessor.bootId === self.bootId &&
        predecessor.pid !== self.pid &&
        !self.isRunning(predecessor.pid));
}
//# sourceMappingURL=process-identity.js.map