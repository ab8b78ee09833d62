// error_words.test.mjs: every class of error a user can read, triggered through the binary
// (the test flavour's SKM_TEST_FAULT hooks for storage and key-creation failures), says what
// happened, whether anything changed, how to retry and the manual fallback, and shows no file
// system path (the data directory is named by its option).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
    OWNER,
    SMART_WALLET,
    T0,
    errText,
    ok,
    seedArgs,
    signTyped,
    startServer,
    tempHome,
    testClock,
} from './lifecycle_lib.mjs';
import { errorProblems } from './words_lib.mjs';

const ACCOUNT = { type: 'other' };
const args = (over = {}) => seedArgs({ account: ACCOUNT, ...over });
const code = (r) => r._meta?.['io.sessionkey-mcp/error']?.code;

/* The error is complete, of the class, and names no path of home. */
function complete(r, cls, what, home, { urls = false } = {}) {
    const msg = errText(r);
    assert.match(msg, what);
    assert.equal(code(r), cls, msg);
    const text = urls ? msg.replace(/[a-z]+:\/\/[^\s)]*/g, 'URL') : msg;
    assert.deepEqual(errorProblems(text), [], `${cls}: ${msg}`);
    if (home) assert.ok(!msg.includes(home), `the data directory's path is not shown: ${msg}`);
    return msg;
}

test('input, conflict, signature, not-found and policy errors each say the four parts', async (t) => {
    const home = tempHome(t);
    const clock = testClock(t, home);
    const srv = await startServer(t, { home, env: clock.env });
    complete(await srv.call('list_automations', { walletAddress: '0x12' }), 'INVALID_ARGUMENT', /walletAddress/, home);
    // with only a sessionId, confirm_session reports where the session stands (issue 12)
    complete(await srv.call('confirm_session', { sessionId: 'ses_x' }), 'NOT_FOUND', /There is no session ses_x/, home);
    complete(await srv.call('revoke_session', {}), 'INVALID_ARGUMENT', /Say which session to revoke/, home);
    const req = ok(await srv.call('request_session_approval', args()));
    complete(await srv.call('request_session_approval', args()), 'CONFLICT', /already has a session/, home);
    complete(await srv.call('confirm_session', { sessionId: req.sessionId, signature: '0x' + '00'.repeat(64) + '1b' }),
        'SIGNATURE_ERROR', /^This is not a valid signature/, home);
    complete(await srv.call('confirm_session', { sessionId: 'ses_nosuchsession', decision: 'reject' }), 'NOT_FOUND',
        /There is no session/, home);
    complete(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'my DAI order' }), 'NOT_FOUND',
        /matches "my DAI order", so nothing was revoked/, home);
    const automation = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 };
    const wide = { ...ok(await srv.call('plan_automation', { walletAddress: SMART_WALLET, ownerAddress: OWNER.address, account: ACCOUNT, chainId: 8453, automation })).proposal };
    wide.permissions = { ...wide.permissions, maxTotal: '2000' };
    complete(await srv.call('request_session_approval', { ...wide, label: 'wide TWAP', ownerAddress: OWNER.address, account: ACCOUNT }),
        'POLICY_DENIED', /wider than the TWAP needs/, home);
    clock.set(T0 + 901);
    complete(await srv.call('confirm_session', { sessionId: req.sessionId, signature: await signTyped(OWNER, req.typedData) }),
        'CONFLICT', /lapsed/, home);
    complete(await srv.call('revoke_session', { sessionId: req.sessionId }), 'CONFLICT', /nothing to revoke/, home);
});

test('storage failures (the commit, right after the key, a busy or missing data directory) say the four parts, no path', async (t) => {
    for (const fault of ['db_commit', 'after_keygen']) {
        const home = tempHome(t);
        const srv = await startServer(t, { home, env: { SKM_TEST_FAULT: fault } });
        complete(await srv.call('request_session_approval', args()), 'STORAGE_ERROR', /./, home);
        await srv.close();
    }
    // The data directory is a file: nothing can be stored or read.
    const parent = tempHome(t);
    const notDir = path.join(parent, 'data');
    writeFileSync(notDir, 'not a directory');
    const srv = await startServer(t, { home: notDir });
    const msg = complete(await srv.call('list_automations', { walletAddress: SMART_WALLET }), 'IO_ERROR',
        /^The data directory \(--data-dir or SESSIONKEY_MCP_HOME\) cannot be used: it is not a directory\. Nothing was changed/, parent);
    assert.ok(!msg.includes('/'), msg);
    assert.match(msg, /--data-dir or SESSIONKEY_MCP_HOME/);
});

test('key-creation failures (the random generator, an unreadable master key) say the four parts, no path', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { home, env: { SKM_TEST_FAULT: 'keygen' } });
    const msg = complete(await srv.call('request_session_approval', args()), 'SIGNATURE_ERROR',
        /^The session key could not be created \(the secure random generator failed \(test fault\)\)\. Nothing was created or changed\./, home);
    assert.match(msg, /Retry request_session_approval in a moment\./);
    await srv.close();

    // master.key is a directory: the key store cannot be opened.
    const home2 = tempHome(t);
    mkdirSync(path.join(home2, 'master.key'));
    const srv2 = await startServer(t, { home: home2 });
    const msg2 = complete(await srv2.call('request_session_approval', args()), 'INVALID_ARGUMENT',
        /^The session key could not be created \(master key master\.key in the data directory \(--data-dir or SESSIONKEY_MCP_HOME\) is not a regular file/, home2);
    assert.ok(!msg2.includes('/'), msg2);
});

test('a network failure says the four parts and names the chain\'s endpoint only by its redacted address', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { home, env: { SKM_RPC_8453: 'http://user:secret@127.0.0.1:9/v2/APIKEY' } });
    const msg = complete(await srv.call('request_session_approval', args()), 'NETWORK_ERROR',
        /^Could not check the wallet's USDC balance/, home, { urls: true });
    assert.ok(!msg.includes('secret') && !msg.includes('APIKEY'), msg);
});
