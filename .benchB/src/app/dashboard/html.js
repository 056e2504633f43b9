/**
 * HTML building with escaping by default: every interpolated value is escaped unless it is
 * an {@link Html} value made by this module. Payloads, errors, keys and queue names are
 * whatever an application (or an attacker feeding it) put in a job, so nothing reaches the
 * page unescaped.
 */
/** Markup that is already safe to emit. Only {@link html} and {@link raw} make one. */
export class Html {
    text;
    constructor(text) {
        this.text = text;
    }
    toString() {
        return this.text;
    }
}
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/**
 * Escapes text for an element's content or a quoted attribute value.
 * @example escapeHtml('<script>') // '&lt;script&gt;'
 */
export function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
function render(value) {
    if (value === null || value === undefined || value === false)
        return '';
    if (value instanceof Html)
        return value.text;
    if (Array.isArray(value))
        return value.map(render).join('');
    return escapeHtml(String(value));
}
/**
 * Template tag: the literal parts are markup, every `${value}` is escaped.
 * @example html`<td>${job.queue}</td>`
 */
export function html(parts, ...values) {
    let out = parts[0];
    for (let i = 0; i < values.length; i++)
        out += render(values[i]) + parts[i + 1];
    return new Html(out);
}
/** Markup built by this module's own code (never from job data). */
export function raw(text) {
    return new Html(text);
}
/** The first line of `text`, cut to `max` characters with an ellipsis. */
export function clip(text, max = 120) {
    if (text === null)
        return '';
    const line = text.split('\n', 1)[0] ?? '';
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
//# sourceMappingURL=html.js.map