import { createHash } from 'node:crypto';

/** Length of every idempotency key: fits a 36-character client order id with room to spare. */
export const IDEMPOTENCY_KEY_LENGTH = 32;

/**
 * The idempotency key of step `stepName` of job `jobId`: the same in every attempt and every
 * process, different for different jobs, steps or namespaces, 32 characters of
 * `[A-Za-z0-9_-]` (base64url of sha256, 192 bits). Pass it to the exchange as the client
 * order id, so a second placement of the same order is refused.
 *
 * `namespace` (default '') keeps two databases apart: job ids restart at 1 in a fresh
 * database, so staging and production (or a wiped dev database) would otherwise derive the
 * same keys against the same exchange account.
 * @example idempotencyKey('42', 'place-order', 'prod') // 'k3v...' (32 chars)
 */
export function idempotencyKey(jobId: string, stepName: string, namespace = ''): string {
  // NUL separators: no (job, step, namespace) triple can be spelled as another one.
  const digest = createHash('sha256').update(`leasehold\0${namespace}\0${jobId}\0${stepName}`, 'utf8').digest('base64url');
  return digest.slice(0, IDEMPOTENCY_KEY_LENGTH);
}
