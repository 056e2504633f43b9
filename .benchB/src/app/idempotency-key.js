import { createHash } from 'node:crypto';
/** Length of an idempotency key in the default 'alnum' form: fits a 36-character client order id with room to spare. */
export const IDEMPOTENCY_KEY_LENGTH = 32;
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/**
 * The idempotency key of step `stepName` of a job: the same in every attempt, every process
 * and every leasehold version, and different for different jobs, steps or databases.
 *
 * It depends only on the job's identity, never on how a worker is configured: a job with a
 * `key` derives from that key and the database's identity (so a producer that replays a key,
 * even into a database restored from a backup that predates the job, gets the same client
 * order id again), a job without one from its random `uid` (so job ids that repeat across
 * fresh databases, restores and copies never collide). `'alnum'` (default): 32 characters of
 * `[A-Za-z0-9]` (about 190 bits); `'uuid'`: a version 8 UUID (122 bits).
 * @example idempotencyKey(job, await store.identity(), 'place-order') // 'k3V…' (32 chars)
 */
export function idempotencyKey(job, databaseIdentity, stepName) {
    // NUL separators and a tag per source: no (identity, key, step) or (uid, step) can be spelled as another.
    const input = job.key === null ? `leasehold/2\0uid\0${job.uid}\0${stepName}` : `leasehold/2\0key\0${databaseIdentity}\0${job.key}\0${stepName}`;
    const digest = createHash('sha256').update(input, 'utf8').digest();
    return spell(digest, job.idempotencyKeyFormat);
}
function spell(digest, format) {
    if (format === 'uuid') {
        const b = Buffer.from(digest.subarray(0, 16));
        b[6] = (b[6] & 0x0f) | 0x80; // version 8: custom
        b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 variant
        const h = b.toString('hex');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    // Base 62 of the whole digest: 62^32 < 2^256, so every character is (almost exactly) uniform.
    let n = BigInt(`0x${digest.toString('hex')}`);
    let out = '';
    for (let i = 0; i < IDEMPOTENCY_KEY_LENGTH; i++) {
        out += ALNUM[Number(n % 62n)];
        n /= 62n;
    }
    return out;
}
/**
 * The key leasehold derived before it recorded keys (from the job id and a worker's
 * namespace, default ''). The worker uses it only for a step begun by such a version and
 * never finished, so that step keeps the client order id it may have been sent under.
 * @example legacyIdempotencyKey('42', 'place-order', 'prod')
 */
export function legacyIdempotencyKey(jobId, stepName, namespace = '') {
    const digest = createHash('sha256').update(`leasehold\0${namespace}\0${jobId}\0${stepName}`, 'utf8').digest('base64url');
    return digest.slice(0, IDEMPOTENCY_KEY_LENGTH);
}
//# sourceMappingURL=idempotency-key.js.map