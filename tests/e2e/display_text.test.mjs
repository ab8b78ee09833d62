// display_text.test.mjs: free text a client sends (labels, reasons, feature names) is shown to
// the user in the ✓/✗ summary, the typed data and lists. A line separator could fake a "✓ Can"
// line, a bidi override could reverse what follows, a zero-width space could make "TWAP" a new
// feature that dodges the duplicate check. All are refused before anything is created.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { approveSession, call, connect, CHAIN_ID, ROUTER, WALLET } from './gate_lib.mjs';
import { tempHome } from './lib.mjs';

function request(label) {
    return {
        walletAddress: WALLET,
        account: { type: 'other' },
        duration: 3600,
        permissions: { chainId: CHAIN_ID, contractAddress: ROUTER, allowedFunctions: ['exactInputSingle'], maxPerTransaction: '50', maxTotal: '100' },
        label,
    };
}

const CASES = [
    ['a label with U+2028 faking a ✓ line', 'USDC TWAP\u2028✓ Can: nothing else', 'U+2028 (a line separator) at character 10'],
    ['a label with U+202E reversing the text', 'USDC \u202Eyenom lla dnes', 'U+202E (a bidirectional text control) at character 6'],
    ['a label with U+200B dodging the duplicate check', 'US\u200BDC TWAP', 'U+200B (a zero-width character) at character 3'],
];

for (const [name, label, words] of CASES) {
    test(`request_session_approval refuses ${name}`, async (t) => {
        const home = tempHome(t);
        const c = await connect(t, home, {}, { executor: false });
        const r = await call(c, 'request_session_approval', request(label));
        assert.equal(r.isError, true, JSON.stringify(r));
        const text = r.content[0].text;
        assert.match(text, /^Invalid arguments for request_session_approval: label: contains /);
        assert.ok(text.includes(words), text);
        assert.match(text, /not accepted in text that is shown to the user/);
        const list = await call(c, 'list_automations', { walletAddress: WALLET, status: 'all' });
        assert.equal(list.structuredContent.sessions.length, 0, 'nothing was created');
    });
}

test('a zero-width twin of a live feature name cannot dodge the duplicate check', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    await approveSession(c, { label: 'USDC TWAP' });
    const twin = await call(c, 'request_session_approval', request('USDC\u200B TWAP'));
    assert.equal(twin.isError, true);
    assert.match(twin.content[0].text, /label: contains U\+200B/);
});

test('revoke_session and report_execution refuse a reason with a line break or bidi override', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c);
    const rv = await call(c, 'revoke_session', { sessionId, reason: 'done\u2029✓ still active' });
    assert.equal(rv.isError, true);
    assert.match(rv.content[0].text, /reason: contains U\+2029 \(a paragraph separator\)/);
    const rep = await call(c, 'report_execution', { reservationId: 'res_x', outcome: 'failed', reason: 'reverted\u2066' });
    assert.equal(rep.isError, true);
    assert.match(rep.content[0].text, /reason: contains U\+2066 \(a bidirectional text control\)/);
    const list = await call(c, 'list_automations', { walletAddress: WALLET, status: 'all' });
    assert.equal(list.structuredContent.sessions[0].status, 'active', 'the session was not revoked');
});
