// lifecycle_errors.test.mjs: storage failures leave nothing half-written. Uses the test
// flavour's fault hook (SKM_TEST_FAULT=db_commit: every commit fails as on a full disk;
// after_keygen: request_session_approval fails right after making the key inside its
// transaction), and a real lock held by another process (Node 22 node:sqlite, BEGIN EXCLUSIVE)
// for longer than the server's 5 s busy timeout. The database is inspected read-only from a
// separate Node 22 process.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import {
    OWNER,
    SMART_WALLET,
    approve,
    auditVerify,
    errText,
    holdWriteLock,
    ok,
    readDb,
    seedArgs,
    signTyped,
    startServer,
    tempHome,
} from './lifecycle_lib.mjs';

const FALLBACK = 'Meanwhile nothing is automated: the user can still make each trade themselves by signing every transaction in their own wallet.';

/* What a wallet's sessions and history look like to the tools (ids, statuses, events). */
async function snapshot(srv) {
    const l = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'all', limit: 100 }));
    const h = ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET, limit: 100 }));
    return {
        sessions: l.sessions.map((s) => [s.sessionId, s.status]),
        history: h.entries.map((e) => [e.seq, e.event, e.sessionId]),
    };
}

test('db_commit fault on a fresh data dir: isError, and after a restart without the fault list and history show nothing', async (t) => {
    const home = tempHome(t);
    const bad = await startServer(t, { home, env: { SKM_TEST_FAULT: 'db_commit' } });
    const r = await bad.call('request_session_approval', seedArgs());
    const msg = errText(r);
    assert.ok(msg.endsWith(`free some space and retry. ${FALLBACK}`), msg);
    assert.ok(!msg.includes(home) && !msg.includes('/'), `no path in the message: ${msg}`);
    errText(await bad.call('list_automations', { walletAddress: SMART_WALLET }));
    await bad.close();

    const good = await startServer(t, { home });
    assert.deepEqual(await snapshot(good), { sessions: [], history: [] });
    const db = await readDb(t, home);
    assert.deepEqual([db.sessions, db.session_keys, db.audit, db.approvals], [[], [], [], []]);
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 0 });
});

test('db_commit fault: the error says the disk is full (the cause is not lost)', async (t) => {
    const home = tempHome(t);
    const bad = await startServer(t, { home, env: { SKM_TEST_FAULT: 'db_commit' } });
    const msg = errText(await bad.call('request_session_approval', seedArgs()));
    assert.equal(msg, 'The disk is full while saving (the database in the data directory (--data-dir or SESSIONKEY_MCP_HOME)). ' +
        `Nothing was changed; free some space and retry. ${FALLBACK}`);
});

test('db_commit fault with existing sessions: request, confirm, reject and revoke all fail and change nothing', async (t) => {
    const home = tempHome(t);
    const first = await startServer(t, { home });
    const active = await approve(first, seedArgs({ label: 'ETH TWAP' }));
    const pending = ok(await first.call('request_session_approval', seedArgs({ label: 'ETH stop loss' })));
    const before = await snapshot(first);
    const dbBefore = await readDb(t, home);
    await first.close();

    const bad = await startServer(t, { home, env: { SKM_TEST_FAULT: 'db_commit' } });
    bad.learn(pending);
    errText(await bad.call('request_session_approval', seedArgs({ label: 'Another job' })));
    errText(await bad.call('confirm_session', { sessionId: pending.sessionId, signature: await signTyped(OWNER, pending.typedData) }));
    errText(await bad.call('confirm_session', { sessionId: pending.sessionId, decision: 'reject' }));
    errText(await bad.call('revoke_session', { sessionId: active.req.sessionId }));
    errText(await bad.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'twap' }));
    await bad.close();

    const good = await startServer(t, { home });
    assert.deepEqual(await snapshot(good), before);
    assert.deepEqual(await readDb(t, home), dbBefore);
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 3 });
    // And the pending request can still be approved.
    good.learn(pending);
    assert.equal(ok(await good.call('confirm_session', { sessionId: pending.sessionId, signature: await signTyped(OWNER, pending.typedData) })).status, 'active');
});

test('after_keygen fault: isError, and the database holds no session row, no key row and no audit entry', async (t) => {
    const home = tempHome(t);
    const first = await startServer(t, { home });
    const kept = await approve(first, seedArgs({ label: 'Kept' }));
    await first.close();
    const before = await readDb(t, home);

    const bad = await startServer(t, { home, env: { SKM_TEST_FAULT: 'after_keygen' } });
    for (const label of ['ETH TWAP', 'Other']) {
        assert.equal(errText(await bad.call('request_session_approval', seedArgs({ label }))),
            'Could not create the session: Storage failed right after the session key was created (test fault). ' +
            `Nothing was kept: the key and the request were rolled back. Retry request_session_approval once storage works again. ${FALLBACK}`);
    }
    // Reads still work in that process and show only the earlier session.
    assert.deepEqual(ok(await bad.call('list_automations', { walletAddress: SMART_WALLET })).sessions.map((s) => s.sessionId),
        [kept.req.sessionId]);
    await bad.close();

    const after = await readDb(t, home);
    assert.deepEqual(after, before);
    assert.deepEqual(after.sessions.map((s) => s.id), [kept.req.sessionId]);
    assert.deepEqual(after.session_keys.map((k) => k.session_id), [kept.req.sessionId]);
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 2 });
});

test('after_keygen fault on a fresh data dir: no row in sessions or session_keys', async (t) => {
    const home = tempHome(t);
    const bad = await startServer(t, { home, env: { SKM_TEST_FAULT: 'after_keygen' } });
    errText(await bad.call('request_session_approval', seedArgs()));
    const db = await readDb(t, home);
    assert.ok(db.tables.includes('sessions') && db.tables.includes('session_keys'), db.tables.join(' '));
    assert.deepEqual([db.sessions, db.session_keys, db.audit], [[], [], []]);
});

test('database locked by another process past the 5 s busy timeout: isError "storage is busy", nothing changed, reads still work', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { home });
    const existing = ok(await srv.call('request_session_approval', seedArgs({ label: 'Existing' }))); // the database is open and made
    const before = await snapshot(srv);

    const lock = await holdWriteLock(t, home);
    const msg = errText(await srv.call('request_session_approval', seedArgs()));
    assert.equal(msg, 'Could not create the session: Storage is busy while starting a write: another sessionkey-mcp process ' +
        `held the database for more than 5 seconds. Nothing was changed; retry in a moment. ${FALLBACK}`);
    // WAL readers are not blocked by a writer.
    assert.deepEqual(await snapshot(srv), before);
    await lock.release();

    assert.deepEqual(await snapshot(srv), before);
    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.id), [existing.sessionId]);
    assert.deepEqual(db.session_keys.map((k) => k.session_id), [existing.sessionId]);
    // Once the lock is gone the same request succeeds.
    ok(await srv.call('request_session_approval', seedArgs()));
});
