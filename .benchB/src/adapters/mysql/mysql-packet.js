/**
 * Statement sizes against the server's max_allowed_packet. A statement over it is refused by the
 * server with ER_NET_PACKET_TOO_LARGE (1153), which then closes the connection; retrying it can
 * never help. So the store measures each statement before sending it and refuses one that cannot
 * fit, and a 1153 that still comes back is permanent too.
 */
import { sqlTextBytes } from './mysql-batches.js';
/** ER_NET_PACKET_TOO_LARGE: the server refused a statement over max_allowed_packet. */
export const ER_NET_PACKET_TOO_LARGE = 1153;
/** A statement too large for the server: measured before it was sent, or refused with 1153. */
export class PacketTooLargeError extends Error {
    bytes;
    maxPacket;
    constructor(bytes, maxPacket, options) {
        super(bytes === undefined
            ? "the server refused the statement as larger than its max_allowed_packet (ER_NET_PACKET_TOO_LARGE)"
            : `the statement would be about ${bytes} bytes, over the server's max_allowed_packet of ${maxPacket} bytes`, options);
        this.bytes = bytes;
        this.maxPacket = maxPacket;
    }
}
/** Bytes one parameter takes in the statement mysql2 formats (strings escaped and quoted). */
function valueBytes(v) {
    if (typeof v === 'string')
        return sqlTextBytes(v);
    if (v === null || v === undefined)
        return 4;
    if (Buffer.isBuffer(v))
        return 2 * v.length + 3;
    if (Array.isArray(v))
        return v.reduce((n, x) => n + valueBytes(x) + 2, 0);
    if (typeof v === 'object')
        return sqlTextBytes(JSON.stringify(v) ?? '');
    return 24;
}
/** About how many bytes `sql` with `values` is on the wire: never less than it is. */
export function statementBytes(sql, values) {
    let n = Buffer.byteLength(sql, 'utf8') + 1;
    for (const v of values ?? [])
        n += valueBytes(v);
    return n;
}
/**
 * The pool, with every query measured first: one that cannot fit in `maxPacket()` bytes (once
 * known) throws PacketTooLargeError instead of reaching the server.
 */
export function packetChecked(pool, maxPacket) {
    const check = (sql, values) => {
        const max = maxPacket();
        if (max === undefined)
            return;
        const bytes = statementBytes(sql, values);
        if (bytes > max)
            throw new PacketTooLargeError(bytes, max);
    };
    const connection = (conn) => ({
        query: async (sql, values) => {
            check(sql, values);
            return conn.query(sql, values);
        },
        release: () => conn.release(),
        destroy: () => conn.destroy(),
        get threadId() {
            return conn.threadId;
        },
    });
    return {
        getConnection: async () => connection(await pool.getConnection()),
        query: async (sql, values) => {
            check(sql, values);
            return pool.query(sql, values);
        },
        end: () => pool.end(),
    };
}
//# sourceMappingURL=mysql-packet.js.map