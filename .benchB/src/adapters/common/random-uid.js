import { randomFillSync } from 'node:crypto';
/**
 * 128 random bits as 32 lowercase hex characters: a job's uid, or a database identity.
 *
 * Drawn from a pool filled 256 uids at a time: one `randomBytes(16)` per job made the
 * kernel's random source a fifth of an in-memory enqueue's cost. The bits are the same
 * cryptographic randomness, only fetched in bulk (as `crypto.randomUUID` does).
 */
export function randomUid() {
    if (offset === POOL_BYTES) {
        randomFillSync(pool);
        offset = 0;
    }
    const uid = pool.toString('hex', offset, offset + UID_BYTES);
    offset += UID_BYTES;
    return uid;
}
const UID_BYTES = 16;
const POOL_BYTES = UID_BYTES * 256;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;
//# sourceMappingURL=random-uid.js.map