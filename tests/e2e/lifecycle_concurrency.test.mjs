// lifecycle_concurrency.test.mjs: two server processes on one data directory (each sees the
// other's sessions; racing requests, confirms and revokes resolve to exactly one change), the
// hash-chained audit log (`sessionkey-mcp audit verify` is clean after all that and detects an
// edited, a deleted and a truncated entry), and secrets: nothing any process prints carries a
// key (every test's processes are scanned by lifecycle_lib.mjs; here with debug logging on).
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
    OWNER,
    OWNER2,
    SMART_WALLET,
    SMART_WALLET2,
    approve,
    auditVerify,
    errText,
    hexRuns,
    node22,
    ok,
    readDb,
    seedArgs,
    signTyped,
    startServer,
    tempHome,
    text,
} from './lifecycle_lib.mjs';

const activeText = (id) => new RegExp(`^Session approved! Your (session|TWAP order|stop-loss) is now active\\. .*\\(Session id: ${id}\\)$`);
const alreadyText = (id) => "This session is already active; nothing more to confirm. Say 'show my automations' to check on it. " +
    `(Session id: ${id})`;

test('two processes on one data dir: each lists the other\'s sessions, duplicates are seen across processes, either can confirm and revoke', async (t) => {
    const home = tempHome(t);
    const a = await startServer(t, { home });
    const b = await startServer(t, { home });

    const twap = ok(await a.call('request_session_approval', seedArgs({ label: 'ETH TWAP' })));
    const sl = ok(await b.call('request_session_approval', seedArgs({ label: 'ETH stop-loss' })));
    const other = ok(await b.call('request_session_approval', seedArgs({ walletAddress: SMART_WALLET2, ownerAddress: OWNER2.address })));
    a.learn(sl);
    b.learn(twap);

    for (const srv of [a, b]) {
        const l = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET }));
        assert.deepEqual(l.sessions.map((s) => s.sessionId).sort(), [twap.sessionId, sl.sessionId].sort());
        const l2 = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET2 }));
        assert.deepEqual(l2.sessions.map((s) => s.sessionId), [other.sessionId]);
    }
    assert.match(errText(await b.call('request_session_approval', seedArgs({ label: 'SOL TWAP' }))),
        new RegExp(`^This wallet already has a session for twap: ${twap.sessionId} "ETH TWAP"`));

    // B confirms A's request; A sees it active; A revokes B's stop-loss; B sees that.
    ok(await b.call('confirm_session', { sessionId: twap.sessionId, signature: await signTyped(OWNER, twap.typedData) }));
    assert.deepEqual(ok(await a.call('list_automations', { walletAddress: SMART_WALLET, status: 'active' })).sessions
        .map((s) => s.sessionId), [twap.sessionId]);
    assert.deepEqual(ok(await a.call('revoke_session', { sessionId: sl.sessionId })).revoked, [sl.sessionId]);
    assert.deepEqual(ok(await b.call('list_automations', { walletAddress: SMART_WALLET, status: 'revoked' })).sessions
        .map((s) => s.sessionId), [sl.sessionId]);
    const h = ok(await b.call('get_session_history', { walletAddress: SMART_WALLET }));
    assert.deepEqual(h.entries.map((e) => [e.event, e.sessionId]), [
        ['revoked', sl.sessionId], ['approved', twap.sessionId], ['requested', sl.sessionId], ['requested', twap.sessionId],
    ]);
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 5 });
});

test('racing requests for the same feature from two processes: exactly one session is created', async (t) => {
    const home = tempHome(t);
    const a = await startServer(t, { home });
    const b = await startServer(t, { home });
    for (let i = 0; i < 4; i++) {
        const args = seedArgs({ label: `Race ${i} TWAP`, walletAddress: i % 2 ? SMART_WALLET : SMART_WALLET2 });
        if (i >= 2) { // the earlier TWAP on this wallet is gone
            const w = args.walletAddress;
            ok(await a.call('revoke_session', { walletAddress: w, feature: 'twap' }));
        }
        const rs = await Promise.all([a.call('request_session_approval', args), b.call('request_session_approval', args)]);
        const good = rs.filter((r) => !r.isError);
        assert.equal(good.length, 1, JSON.stringify(rs.map((r) => text(r).slice(0, 100))));
        (good[0] === rs[0] ? a : b).learn(good[0].structuredContent);
        assert.match(errText(rs.find((r) => r.isError)), /^This wallet already has a session for twap: /);
    }
    const db = await readDb(t, home);
    assert.equal(db.sessions.length, 4);
    assert.equal(db.session_keys.length, 2);
    assert.equal(db.audit.filter((e) => e.event === 'requested').length, 4);
});

test('concurrent confirms of the same session by both processes: exactly one activation in the audit log, the other says already active', async (t) => {
    const home = tempHome(t);
    const a = await startServer(t, { home });
    const b = await startServer(t, { home });
    const outcomes = [];
    const ids = [];
    for (let i = 0; i < 6; i++) {
        const req = ok(await (i % 2 ? a : b).call('request_session_approval', seedArgs({ label: `Job ${i}` })));
        a.learn(req);
        b.learn(req);
        ids.push(req.sessionId);
        const sig = await signTyped(OWNER, req.typedData);
        const rs = await Promise.all([
            a.call('confirm_session', { sessionId: req.sessionId, signature: sig }),
            b.call('confirm_session', { sessionId: req.sessionId, signature: sig }),
        ]);
        outcomes.push({ id: req.sessionId, rs });
    }

    // The state: every session activated exactly once.
    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.status), ids.map(() => 'active'));
    assert.deepEqual(db.approvals.map((x) => x.session_id).sort(), [...ids].sort());
    for (const id of ids) {
        assert.equal(db.audit.filter((e) => e.session_id === id && e.event === 'approved').length, 1, id);
        const h = ok(await a.call('get_session_history', { sessionId: id }));
        assert.deepEqual(h.entries.map((e) => e.event), ['approved', 'requested']);
    }
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 12 });

    // The answers: one "is active", one "already active", never an error.
    for (const { id, rs } of outcomes) {
        const texts = rs.map((r) => `${r.isError ? 'isError: ' : ''}${text(r)}`);
        assert.ok(rs.every((r) => !r.isError), `confirm of ${id} by the slower process: ${JSON.stringify(texts)}`);
        assert.equal(rs.filter((r) => activeText(id).test(text(r))).length, 1, JSON.stringify(texts));
        assert.equal(rs.filter((r) => text(r) === alreadyText(id)).length, 1, JSON.stringify(texts));
        assert.deepEqual(rs.map((r) => r.structuredContent.status), ['active', 'active']);
    }
});

test('concurrent revokes of the same session by both processes: revoked once, the other reports alreadyRevoked', async (t) => {
    const home = tempHome(t);
    const a = await startServer(t, { home });
    const b = await startServer(t, { home });
    const outcomes = [];
    for (let i = 0; i < 6; i++) {
        const { req } = await approve(a, seedArgs({ label: `Job ${i}` }));
        b.learn(req);
        const rs = await Promise.all([
            a.call('revoke_session', { sessionId: req.sessionId }),
            b.call('revoke_session', { sessionId: req.sessionId }),
        ]);
        outcomes.push({ id: req.sessionId, rs });
    }
    const db = await readDb(t, home);
    assert.deepEqual(db.session_keys, []);
    for (const { id } of outcomes) assert.equal(db.audit.filter((e) => e.session_id === id && e.event === 'revoked').length, 1);
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 18 });
    for (const { id, rs } of outcomes) {
        const texts = rs.map((r) => `${r.isError ? 'isError: ' : ''}${text(r)}`);
        assert.ok(rs.every((r) => !r.isError), `revoke of ${id} by the slower process: ${JSON.stringify(texts)}`);
        assert.deepEqual(rs.map((r) => r.structuredContent.revoked.length).sort(), [0, 1]);
        assert.deepEqual(rs.map((r) => r.structuredContent.alreadyRevoked.length).sort(), [0, 1]);
    }
});

test('audit verify: clean after a full lifecycle; an edited, a deleted and a truncated entry are each detected', async (t) => {
    const root = tempHome(t);
    const home = path.join(root, 'main');
    const a = await startServer(t, { home });
    const b = await startServer(t, { home });
    const one = await approve(a, seedArgs({ label: 'ETH TWAP' }));                                        // 1 requested, 2 approved
    const two = ok(await b.call('request_session_approval', seedArgs({ label: 'ETH stop loss' })));        // 3 requested
    await b.call('confirm_session', { sessionId: two.sessionId, signature: await signTyped(OWNER2, two.typedData) }); // 4 refused
    ok(await b.call('confirm_session', { sessionId: two.sessionId, decision: 'reject' }));               // 5 declined
    ok(await b.call('revoke_session', { sessionId: one.req.sessionId, reason: 'done' }));                // 6 revoked
    await a.close();
    await b.close();

    const clean = auditVerify(home);
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(clean.json, { ok: true, entries: 6 });
    assert.deepEqual((await readDb(t, home)).audit.map((e) => e.event),
        ['requested', 'approved', 'requested', 'signature_refused', 'declined', 'revoked']);

    const copy = (name) => {
        const dir = path.join(root, name);
        cpSync(home, dir, { recursive: true });
        return dir;
    };
    const edited = copy('edited');
    const deleted = copy('deleted');
    const truncated = copy('truncated');
    const sql = async (dir, statements) => {
        const script = `
            const { DatabaseSync } = require('node:sqlite');
            const db = new DatabaseSync(process.argv[1]);
            const out = [];
            for (const s of JSON.parse(process.argv[2])) {
                try { db.exec(s); out.push('ok'); } catch (e) { out.push(String(e.message)); }
            }
            db.close();
            process.stdout.write(JSON.stringify(out));`;
        const r = await node22(t, script, path.join(dir, 'sessionkey.db'), [JSON.stringify(statements)]);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout);
    };

    // The triggers refuse edits until they are dropped.
    assert.deepEqual(await sql(edited, ["UPDATE audit SET details = '{\"reason\":\"none\"}' WHERE seq = 6"]),
        ['the audit log is append-only']);
    assert.deepEqual(auditVerify(edited).json, { ok: true, entries: 6 });

    assert.deepEqual(await sql(edited, ['DROP TRIGGER audit_no_update', "UPDATE audit SET details = '{\"reason\":\"none\"}' WHERE seq = 4"]), ['ok', 'ok']);
    const e = auditVerify(edited);
    assert.equal(e.code, 1);
    assert.deepEqual(e.json, { ok: false, error: 'audit log broken: entry 4 was altered' });

    assert.deepEqual(await sql(deleted, ['DROP TRIGGER audit_no_delete', 'DELETE FROM audit WHERE seq = 2']), ['ok', 'ok']);
    const d = auditVerify(deleted);
    assert.equal(d.code, 1);
    assert.deepEqual(d.json, { ok: false, error: 'audit log broken: entry 2 is missing (deleted)' });

    assert.deepEqual(await sql(truncated, ['DROP TRIGGER audit_no_delete', 'DELETE FROM audit WHERE seq = 6']), ['ok', 'ok']);
    const tr = auditVerify(truncated);
    assert.equal(tr.code, 1);
    assert.deepEqual(tr.json, { ok: false, error: 'audit log broken: the log ends at entry 5 but 6 entries were written (the newest entries were deleted or the head was altered)' });

    // The untouched original is still clean.
    assert.deepEqual(auditVerify(home).json, { ok: true, entries: 6 });
});

test('secrets: with debug logging on stderr and as notifications, no process prints a key; master.key never appears', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { home, args: ['--log-level', 'debug'] });
    await srv.client.setLoggingLevel('debug');
    const { req } = await approve(srv, seedArgs({ label: 'ETH TWAP' }));
    const sl = ok(await srv.call('request_session_approval', seedArgs({ label: 'ETH stop-loss' })));
    errText(await srv.call('confirm_session', { sessionId: sl.sessionId, signature: await signTyped(OWNER2, sl.typedData) }));
    ok(await srv.call('confirm_session', { sessionId: sl.sessionId, decision: 'reject' }));
    ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'all' }));
    ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET }));
    ok(await srv.call('revoke_session', { sessionId: req.sessionId }));
    const master = readFileSync(path.join(home, 'master.key'));
    await srv.close();

    assert.ok(srv.stdout.length > 0 && srv.stderr.length > 0, 'there was output to scan');
    assert.deepEqual(srv.unknownHex(), []);
    assert.ok(hexRuns(srv.stdout).some((h) => h.toLowerCase() === req.digest.slice(2)), 'the scan sees hex values');
    // Every 64-hex run printed is the digest, summaryHash or policyHash of these two requests.
    assert.ok(srv.known.has(req.digest.slice(2)) && srv.known.has(sl.digest.slice(2)));
    assert.ok(hexRuns(srv.stdout).every((h) => srv.known.has(h.toLowerCase())));
    for (const form of [master.toString('hex'), master.toString('base64'), master.toString('base64url')]) {
        assert.ok(form.length >= 32);
        assert.ok(!srv.stdout.includes(form) && !srv.stderr.includes(form), 'master key printed');
    }
    for (const form of [master.subarray(0, 16).toString('hex')]) {
        assert.ok(!srv.stdout.toLowerCase().includes(form) && !srv.stderr.toLowerCase().includes(form));
    }
    const verify = auditVerify(home);
    assert.deepEqual(verify.json, { ok: true, entries: 6 });
    assert.deepEqual(hexRuns(verify.stdout + verify.stderr), []);
});
