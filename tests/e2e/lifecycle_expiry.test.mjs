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
    assert.deepEqual(await list(srv), [[id, 'active', 'expires in 1 hour']]);

    clock.set(T0 + 3599);
    assert.deepEqual(await list(srv), [[id, 'active', 'expires in 1 second']]);

    clock.set(T0 + 3600);
    assert.deepEqual(await list(srv), []);
    assert.deepEqual(await list(srv, 'live'), []);
    assert.deepEqual(await list(srv, 'active'), []);
    assert.deepEqual(await list(srv, 'expired'), [[id, 'expired', 'expired']]);
    assert.deepEqual(await list(srv, 'all'), [[id, 'expired', 'expired']]);

    clock.set(T0 + 7200);
    assert.deepEqual(await list(srv, 'expired'), [[id, 'expired', 'expired']]);
    // An expired session cannot be confirmed again, and it no longer blocks a new TWAP.
    assert.equal(errText(await srv.call('confirm_session', { sessionId: id, signature: sig })),
        `Session ${id} is expired, so it cannot be confirmed. Use list_automations to see the wallet's sessions, or request a new one.`);
    const next = ok(await srv.call('request_session_approval', seedArgs({ duration: 3600 })));
    assert.notEqual(next.sessionId, id);
    assert.deepEqual(await list(srv), [[next.sessionId, 'pending', 'waiting for a signature, lapses in 15 minutes']]);
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

    assert.deepEqual(await list(srv, 'lapsed'), [[b.sessionId, 'lapsed', 'lapsed']]);
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
        `Session ${b.sessionId} is lapsed: it never became active and has no key left, so there is nothing to revoke.`);
    // Both messages claim the sealed session key no longer exists; the database must agree.
    const db = await readDb(t, home);
    assert.deepEqual(db.session_keys.filter((k) => k.session_id === b.sessionId), [],
        'session_keys still holds the sealed key of a lapsed request that the tools call destroyed');
});
