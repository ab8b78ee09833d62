// lifecycle_expiry.test.mjs: time through the test flavour's clock hook (SKM_TEST_CLOCK, a
// file the server reads on every clock read): an active session expires at expiresAt, a
// pending request lapses 15 minutes after it was made, and the tools say so.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
    OWNER,
    SMART_WALLET,
    T0,
    approve,
    errText,
    ok,
    readDb,
    seedArgs,
    signTyped,
    startServer,
    tempHome,
    testClock,
    text,
} from './lifecycle_lib.mjs';

const FALLBACK = 'Meanwhile nothing is automated: the user can still make each trade themselves by signing every transaction in their own wallet.';

async function clocked(t) {
    const home = tempHome(t);
    const clock = testClock(t, home);
    const srv = await startServer(t, { home, env: clock.env });
    return { srv, clock, home };
}

const list = async (srv, status) =>
    ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, ...(status ? { status } : {}) })).sessions
        .map((s) => [s.sessionId, s.status, s.expiresIn]);

test('expiry: once the clock passes expiresAt the session is listed as expired under "expired" and "all", not under "live" or "active"', async (t) => {
    const { srv, clock } = await clocked(t);
    const { req, sig } = await approve(srv, seedArgs({ duration: 3600 }));
    const id = req.sessionId;
    assert.equal(req.expiresAt, '2026-01-01T01:00:00Z');
    assert.deepEqual(await list(srv), [[id, 'active', 'active until Thu 1 Jan, 01:00 UTC']]);

    clock.set(T0 + 3599);
    assert.deepEqual(await list(srv), [[id, 'active', 'active until Thu 1 Jan, 01:00 UTC']]);

    clock.set(T0 + 3600);
    assert.deepEqual(await list(srv), []);
    assert.deepEqual(await list(srv, 'live'), []);
    assert.deepEqual(await list(srv, 'active'), []);
    assert.deepEqual(await list(srv, 'expired'), [[id, 'expired', 'expired on Thu 1 Jan, 01:00 UTC']]);
    assert.deepEqual(await list(srv, 'all'), [[id, 'expired', 'expired on Thu 1 Jan, 01:00 UTC']]);

    clock.set(T0 + 7200);
    assert.deepEqual(await list(srv, 'expired'), [[id, 'expired', 'expired on Thu 1 Jan, 01:00 UTC']]);
    // An expired session cannot be confirmed again, and it no longer blocks a new TWAP.
    assert.equal(errText(await srv.call('confirm_session', { sessionId: id, signature: sig })),
        `Session ${id} is expired, so it cannot be confirmed; nothing changed. Use list_automations to see the wallet's ` +
        `sessions, or call request_session_approval to set the automation up again. ${FALLBACK}`);
    const next = ok(await srv.call('request_session_approval', seedArgs({ duration: 3600 })));
    assert.notEqual(next.sessionId, id);
    assert.deepEqual(await list(srv), [[next.sessionId, 'pending', 'waiting for your signature until Thu 1 Jan, 02:15 UTC']]);
});

test('lapse: a confirm at the 15-minute approval deadline is refused as lapsed; one second earlier it works', async (t) => {
    const { srv, clock, home } = await clocked(t);
    const a = ok(await srv.call('request_session_approval', seedArgs({ label: 'Job A' })));
    const b = ok(await srv.call('request_session_approval', seedArgs({ label: 'Job B' })));
    assert.equal(a.approvalDeadline, '2026-01-01T00:15:00Z');

    clock.set(T0 + 899);
    assert.equal(ok(await srv.call('confirm_session', { sessionId: a.sessionId, signature: await signTyped(OWNER, a.typedData) })).status, 'active');

    clock.set(T0 + 900);
    const lapsed = `The approval request ${b.sessionId} lapsed: it was not signed within 15 minutes, and its key was destroyed. ` +
        `Call request_session_approval again to start over. ${FALLBACK}`;
    assert.equal(errText(await srv.call('confirm_session', { sessionId: b.sessionId, signature: await signTyped(OWNER, b.typedData) })), lapsed);
    assert.equal(errText(await srv.call('confirm_session', { sessionId: b.sessionId, decision: 'reject' })), lapsed);

    assert.deepEqual(await list(srv, 'lapsed'), [[b.sessionId, 'lapsed', 'never signed (the request lapsed on Thu 1 Jan, 00:15 UTC)']]);
    assert.deepEqual((await list(srv)).map((s) => s[0]), [a.sessionId]);
    assert.deepEqual(await list(srv, 'pending'), []);
    const hist = ok(await srv.call('get_session_history', { sessionId: b.sessionId }));
    assert.deepEqual(hist.entries.map((e) => e.event), ['requested'], 'a lapse is not a signature refusal');
    // A new request for the same feature is allowed once the old one lapsed.
    ok(await srv.call('request_session_approval', seedArgs({ label: 'Job B' })));
    const db = await readDb(t, home);
    assert.equal(db.sessions.find((s) => s.id === b.sessionId).status, 'pending', 'lapsed is derived from time');
});

test('lapse: the key of a lapsed request is really gone, as confirm_session and revoke_session say', async (t) => {
    const { srv, clock, home } = await clocked(t);
    const b = ok(await srv.call('request_session_approval', seedArgs()));
    clock.set(T0 + 900);
    assert.match(errText(await srv.call('confirm_session', { sessionId: b.sessionId, signature: await signTyped(OWNER, b.typedData) })),
        /and its key was destroyed/);
    assert.equal(errText(await srv.call('revoke_session', { sessionId: b.sessionId })),
        `Session ${b.sessionId} is lapsed: it never became active and has no key left, so there is nothing to revoke and ` +
        'nothing changed. Call list_automations to see what is active. If this keeps failing, the user can always make ' +
        'each trade themselves by signing it in their own wallet.');
    // Both messages claim the sealed session key no longer exists; the database must agree.
    const db = await readDb(t, home);
    assert.deepEqual(db.session_keys.filter((k) => k.session_id === b.sessionId), [],
        'session_keys still holds the sealed key of a lapsed request that the tools call destroyed');
});

test('signed 14 minutes late: the summary, the confirmation, the list and the history all state the same end, as a time', async (t) => {
    const { srv, clock } = await clocked(t);
    const req = ok(await srv.call('request_session_approval', seedArgs()));
    const end = 'Fri 2 Jan, 00:00 UTC';
    assert.ok(req.summary.can.includes(`Expires: ${end} (24 hours after the request)`), req.summary.can.join(' | '));
    clock.set(T0 + 14 * 60);
    const c = await srv.call('confirm_session', { sessionId: req.sessionId, signature: await signTyped(OWNER, req.typedData) });
    assert.equal(ok(c).status, 'active');
    const listed = await srv.call('list_automations', { walletAddress: SMART_WALLET });
    const hist = await srv.call('get_session_history', { sessionId: req.sessionId });
    for (const [what, body] of [['confirmation', text(c)], ['list', text(listed)], ['history', text(hist)]]) {
        assert.ok(body.includes(`until ${end}`), `${what} states the end as a time: ${body}`);
        assert.doesNotMatch(body, /for the next|in 2\d hours|23 hours 4\d minutes|expires in/, `${what} states no duration that could disagree: ${body}`);
    }
    assert.equal(ok(listed).sessions[0].expiresIn, `active until ${end}`);
});
