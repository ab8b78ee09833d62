// store_integrity.test.mjs: the store is trusted only when it is this user's alone and says
// what the owner signed. A database owned by another user, a symlinked database or data
// directory, and a policy row edited behind the server's back are all refused, in words that
// say how to fix it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { approveSession, call, CHAIN_ID, connect, swapCall, usdc, WALLET } from './gate_lib.mjs';
import { tempHome } from './lib.mjs';

const isRoot = process.getuid && process.getuid() === 0;

async function listFails(t, home) {
    const c = await connect(t, home, {}, { executor: false });
    const r = await call(c, 'list_automations', { walletAddress: WALLET, status: 'all' });
    assert.equal(r.isError, true, JSON.stringify(r));
    return r.content[0].text;
}

test('a database owned by another user is refused', { skip: !isRoot && 'needs root to chown' }, async (t) => {
    const home = tempHome(t);
    const first = await connect(t, home, {}, { executor: false });
    const ok = await call(first, 'list_automations', { walletAddress: WALLET, status: 'all' });
    assert.ok(!ok.isError, JSON.stringify(ok.content)); // creates sessionkey.db
    await first.close();
    const db = path.join(home, 'sessionkey.db');
    chownSync(db, 65534, 65534); // nobody
    const text = await listFails(t, home);
    assert.match(text, /sessionkey\.db is owned by uid 65534, not by this user \(uid 0\); refusing to use it/);
    assert.match(text, /Fix: chown 0 .*sessionkey\.db && chmod 600 /);
    const audit = spawnSync(process.env.SKM_BIN, ['audit', 'verify', '--data-dir', home], { encoding: 'utf8' });
    assert.notEqual(audit.status, 0);
    assert.match(audit.stderr + audit.stdout, /owned by uid 65534/);
});

test('a data directory owned by another user is refused', { skip: !isRoot && 'needs root to chown' }, async (t) => {
    const home = tempHome(t);
    chownSync(home, 65534, 65534);
    const text = await listFails(t, home);
    assert.match(text, /The data directory .* is owned by uid 65534/);
});

test('a symlinked database is refused and its target is not touched', async (t) => {
    const home = tempHome(t);
    const elsewhere = path.join(home, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    const target = path.join(elsewhere, 'victim.db');
    writeFileSync(target, '', { mode: 0o600 });
    symlinkSync(target, path.join(home, 'sessionkey.db'));
    const text = await listFails(t, home);
    assert.match(text, /sessionkey\.db is a symbolic link; refusing to follow it/);
    assert.match(text, /Fix: replace the link with the database file itself/);
});

test('a symlinked data directory is refused', async (t) => {
    const home = tempHome(t);
    const real = path.join(home, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = path.join(home, 'link');
    symlinkSync(real, link);
    const text = await listFails(t, link);
    assert.match(text, /The data directory .* is a symbolic link; refusing to follow it/);
});

test('a database readable by others is refused', async (t) => {
    const home = tempHome(t);
    const db = path.join(home, 'sessionkey.db');
    writeFileSync(db, '', { mode: 0o644 });
    const text = await listFails(t, home);
    assert.match(text, /sessionkey\.db has mode 0644: group or others may read or change it/);
});

function sql(home, statement) {
    const r = spawnSync('sqlite3', [path.join(home, 'sessionkey.db'), statement], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
}

const hasSqlite = spawnSync('sqlite3', ['--version']).status === 0;

test('a tampered policy row (a raised maxTotal) is refused as POLICY_TAMPERED and audited', { skip: !hasSqlite && 'no sqlite3 CLI' }, async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c, { permissions: { maxTotal: '100' } });
    const ok = await call(c, 'authorize_execution', { sessionId, calls: [swapCall({ amountIn: usdc(50) })], chainId: CHAIN_ID });
    assert.equal(ok.structuredContent.rule, 'ALLOWED');
    const before = sql(home, `SELECT policy FROM sessions WHERE id = '${sessionId}'`);
    assert.match(before, /"maxTotal":"100000000"/);
    sql(home, `UPDATE sessions SET policy = replace(policy, '"maxTotal":"100000000"', '"maxTotal":"100000000000"') WHERE id = '${sessionId}'`);
    const r = await call(c, 'authorize_execution', { sessionId, calls: [swapCall({ amountIn: usdc(50) })], chainId: CHAIN_ID });
    assert.ok(!r.isError, JSON.stringify(r.content));
    const d = r.structuredContent;
    assert.equal(d.allowed, false);
    assert.equal(d.rule, 'POLICY_TAMPERED');
    assert.match(d.reason, /^The session's stored policy is not the one the owner signed \(the stored policy's hash is not the policyHash of the typed data the owner signed\): the database was changed after approval\. Nothing was signed or reserved\./);
    assert.equal(d.reservationId, undefined);
    assert.equal(d.signature, undefined);
    const hist = await call(c, 'get_session_history', { sessionId });
    assert.ok(!hist.isError, JSON.stringify(hist.content));
    assert.match(JSON.stringify(hist.structuredContent), /POLICY_TAMPERED/);
});

test('a tampered expiry column is refused as POLICY_TAMPERED', { skip: !hasSqlite && 'no sqlite3 CLI' }, async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c);
    sql(home, `UPDATE sessions SET expires_at = expires_at + 864000 WHERE id = '${sessionId}'`);
    const r = await call(c, 'authorize_execution', { sessionId, calls: [swapCall({ amountIn: usdc(50) })], chainId: CHAIN_ID });
    assert.equal(r.structuredContent.rule, 'POLICY_TAMPERED');
    assert.match(r.structuredContent.reason, /validity columns differ from its policy/);
});
