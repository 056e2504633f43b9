/**
 * Password redaction for everything the CLI prints. A database URL carries its password
 * (`mysql://app:s3cret@db/leasehold`), and it reaches output through error messages,
 * commander's echo of a bad argument, or our own "opened ..." lines, so every line the CLI
 * writes passes through {@link redact} rather than trusting each call site.
 */
/** What replaces a password. */
export const REDACTED = '***';
// user:password@ inside any scheme://; the password runs to the last @ before the host.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^\s/?#]*@/gi;
// password=... as a query parameter or a key=value pair (mysql2 accepts both spellings).
const PASSWORD_PARAM = /\b(password|passwd|pwd)=([^&\s'"]+)/gi;
/**
 * Replaces the password in every URL and `password=` pair of `text` with `***`.
 * @example redact('mysql://app:s3cret@db/x') // 'mysql://app:***@db/x'
 */
export function redact(text) {
    return text.replace(USERINFO, `$1${REDACTED}@`).replace(PASSWORD_PARAM, `$1=${REDACTED}`);
}
//# sourceMappingURL=redact.js.map