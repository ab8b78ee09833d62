// store_integrity.test.mjs: the store is trusted only when it is this user's alone and says
// what the owner signed. A database owned by another user, a symlinked database or data
// directory, and a policy row edited behind the server's back are all refused, in words that
// say how to fix it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { call, connect, WALLET } from './gate_lib.mjs';
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
    assert.match(text, /The data directory .*link is a symbolic link; refusing to follow it/);
});

test('a database readable by others is refused', async (t) => {
    const home = tempHome(t);
    const db = path.join(home, 'sessionkey.db');
    writeFileSync(db, '', { mode: 0o644 });
    const text = await listFails(t, home);
    assert.match(text, /sessionkey\.db has mode 0644: group or others may read or change it/);
});
