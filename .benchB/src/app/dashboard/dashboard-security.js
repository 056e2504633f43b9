/**
 * The dashboard's request checks: the `Host` header (against DNS rebinding: a page on an
 * attacker's domain that resolves to 127.0.0.1 must not read the dashboard), the access
 * token, and the cross-site checks on every action.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
/** The cookie a browser keeps the token in once it has opened a `?token=` link. */
export const TOKEN_COOKIE = 'leasehold_dashboard';
/** Host names a loopback-bound dashboard answers to by default. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
/** Whether an address to listen on is loopback only (no token needed to read pages there). */
export function isLoopback(host) {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
/**
 * The host name of a `Host` header, lower-cased, without its port (`[::1]` keeps its brackets).
 * @example hostName('LocalHost:4000') // 'localhost'
 */
export function hostName(header) {
    if (!header)
        return null;
    const h = header.trim().toLowerCase();
    if (h.startsWith('[')) {
        const end = h.indexOf(']');
        return end === -1 ? null : h.slice(0, end + 1);
    }
    const colon = h.indexOf(':');
    return colon === -1 ? h : h.slice(0, colon);
}
/** Whether the request's Host header names one of `allowed` (any port); '*' allows any. */
export function hostAllowed(req, allowed) {
    if (allowed.includes('*'))
        return true;
    const name = hostName(req.headers.host);
    return name !== null && allowed.some((a) => a.toLowerCase() === name);
}
/** Compares two strings in constant time for their length. */
export function sameSecret(a, b) {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}
/** The token a request presents: `Authorization: Bearer`, or the cookie a `?token=` link set. */
export function presentedToken(req) {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer '))
        return auth.slice('Bearer '.length).trim();
    for (const part of (req.headers.cookie ?? '').split(';')) {
        const eq = part.indexOf('=');
        if (eq !== -1 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
            try {
                return decodeURIComponent(part.slice(eq + 1).trim());
            }
            catch {
                return null;
            }
        }
    }
    return null;
}
/**
 * The value each action form carries besides the cookie: derived from the token, so the
 * page never shows the token itself, and a cross-site form (which the browser may send with
 * the cookie) cannot know it.
 */
export function formSecret(token) {
    return createHmac('sha256', token).update('leasehold-dashboard-action').digest('base64url');
}
/**
 * Why a state-changing request is cross-site, or null when it is not. Browsers send
 * `Sec-Fetch-Site` and `Origin` on every POST; a non-browser client (curl) sends neither and
 * is judged by the token alone.
 */
export function crossSiteReason(req) {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin')
        return `Sec-Fetch-Site is ${String(site)}`;
    const origin = req.headers.origin;
    if (origin !== undefined) {
        if (origin === 'null')
            return 'Origin is null';
        let host;
        try {
            host = new URL(origin).host.toLowerCase();
        }
        catch {
            return 'Origin is not a URL';
        }
        if (host !== (req.headers.host ?? '').toLowerCase())
            return `Origin ${origin} is not this dashboard`;
    }
    return null;
}
//# sourceMappingURL=dashboard-security.js.map