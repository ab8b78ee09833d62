// words_lib.mjs: the server's words for times and addresses, written independently from its C
// (policy_words_when, session_view_short_address), so end-to-end tests can say what a text
// must read without copying it from the server.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/* Unix seconds t as "Fri 5 Dec, 14:00 UTC"; the year is named when it differs from ref's. */
export function wordsWhen(t, ref = t) {
    const d = new Date(t * 1000);
    const r = new Date(ref * 1000);
    const year = d.getUTCFullYear() !== r.getUTCFullYear() ? ` ${d.getUTCFullYear()}` : '';
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const mm = String(d.getUTCMinutes()).padStart(2, '0');
    return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year}, ${hh}:${mm} UTC`;
}

/* An RFC 3339 "2026-12-05T14:00:00Z" as Unix seconds. */
export const unix = (iso) => Math.floor(Date.parse(iso) / 1000);

/* "0x5aAe…BeAed" from a checksummed address. */
export const shortAddr = (a) => `${a.slice(0, 6)}…${a.slice(-5)}`;

/* The four parts every error a user reads must have, and no file system path: returns the
 * missing parts (empty when the message is complete). */
export function errorProblems(msg) {
    const missing = [];
    if (!/nothing|unchanged|stays|rolled back|no change|was not approved|not created/i.test(msg)) missing.push('whether anything changed');
    if (!/retry|again|call /i.test(msg)) missing.push('how to retry');
    if (!/themselves|own wallet|by hand|manually/i.test(msg)) missing.push('the manual fallback');
    if (msg.includes('/')) missing.push('no "/" (a path or jargon)');
    return missing;
}

/* What the server adds after a schema refusal of tool's arguments (err_words). */
export const schemaTail = (tool) => `. Nothing was changed. Correct the value named above and call ${tool} again. ` +
    'If this keeps failing, the user can always make each trade themselves by signing it in their own wallet.';
