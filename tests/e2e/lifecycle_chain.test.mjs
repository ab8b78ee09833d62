// lifecycle_chain.test.mjs: request_session_approval's balance check against a real node
// (anvil from the npm package, loopback only). A hand-assembled ERC-20 balanceOf contract is
// installed with anvil_setCode and balances are set with anvil_setStorageAt; the config file
// names the token (and a Uniswap router) on chain 31337 through its "registry" key.
// Also: an unreachable endpoint and an endpoint that serves another chain.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN } from './lib.mjs';
import {
    BALANCE_OF_CODE,
    BASE_ROUTER,
    SMART_WALLET,
    SMART_WALLET2,
    errText,
    ok,
    readDb,
    rpc,
    seedArgs,
    startAnvil,
    startServer,
    tempHome,
    text,
    word,
} from './lifecycle_lib.mjs';

const TOKEN = '0x00000000000000000000000000000000000c0dE1';
const FALLBACK = 'Meanwhile nothing is automated: the user can still make each trade themselves by signing every transaction in their own wallet.';
const REGISTRY = {
    chains: { 31337: { name: 'Anvil (local)', usdc: TOKEN } },
    tokens: { 31337: { [TOKEN]: { symbol: 'USDC', decimals: 6, usd: true } } },
    contracts: { 31337: { [BASE_ROUTER]: { family: 'uniswap-v3-swaprouter02' } } },
};

let anvil;

before(async () => {
    anvil = await startAnvil();
    await rpc(anvil.url, 'anvil_setCode', [TOKEN, BALANCE_OF_CODE]);
});

after(async () => {
    await anvil?.stop();
});

const setBalance = (who, units) => rpc(anvil.url, 'anvil_setStorageAt', [TOKEN, word(BigInt(who)), word(units)]);

/* A server whose config file points chain 31337 at `rpcUrl` and names the token there. */
async function chainServer(t, rpcUrl = anvil.url, extraArgs = []) {
    const home = tempHome(t);
    const cfg = path.join(home, 'config.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: home, rpc: { 31337: rpcUrl }, registry: REGISTRY }));
    const srv = await startServer(t, { home, args: ['--config', cfg, ...extraArgs] });
    return { srv, home };
}

function anvilArgs(over = {}) {
    const a = seedArgs({ spendToken: TOKEN, ...over });
    a.permissions = { ...a.permissions, chainId: 31337 };
    return a;
}

async function assertNothingStored(t, srv, home) {
    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'all' })).sessions, []);
    assert.deepEqual(ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET })).entries, []);
    const db = await readDb(t, home);
    assert.deepEqual([db.sessions, db.session_keys, db.audit], [[], [], []]);
}

test('the contract answers balanceOf from storage (sanity check of the test token)', async () => {
    await setBalance(SMART_WALLET2, 123456789n);
    const r = await rpc(anvil.url, 'eth_call', [{ to: TOKEN, data: '0x70a08231' + word(BigInt(SMART_WALLET2)).slice(2) }, 'latest']);
    assert.equal(BigInt(r), 123456789n);
});

test('insufficient balance: a wallet holding less than maxTotal is refused with both amounts and nothing is created', async (t) => {
    await setBalance(SMART_WALLET, 999_999999n); // $999.999999, one unit short of $1000
    const { srv, home } = await chainServer(t);
    const r = await srv.call('request_session_approval', anvilArgs());
    assert.equal(errText(r),
        `Insufficient balance: ${SMART_WALLET} holds $999.999999 USDC, but the session may spend up to $1000 USDC. ` +
        'Nothing was created. Either fund the wallet with at least the difference, or ask for a lower maxTotal (at most $999.999999 USDC), ' +
        'and call request_session_approval again. If this keeps failing, the user can always make each trade themselves by ' +
        'signing it in their own wallet.');
    await assertNothingStored(t, srv, home);
});

test('sufficient balance: exactly maxTotal or more is accepted and the text says the balance was checked', async (t) => {
    const { srv, home } = await chainServer(t);
    await setBalance(SMART_WALLET, 1000_000000n);
    const r = await srv.call('request_session_approval', anvilArgs());
    const req = ok(r);
    assert.ok(text(r).includes('\nBalance checked: the wallet holds $1000 USDC, enough for the $1000 USDC limit.\n'), text(r));
    assert.equal(req.typedData.domain.chainId, 31337);
    assert.equal(req.typedData.message.spendToken, TOKEN);
    assert.equal(req.typedData.message.maxTotal, '1000000000');

    await setBalance(SMART_WALLET2, 5000_000000n);
    const r2 = await srv.call('request_session_approval', anvilArgs({ walletAddress: SMART_WALLET2 }));
    ok(r2);
    assert.ok(text(r2).includes('\nBalance checked: the wallet holds $5000 USDC, enough for the $1000 USDC limit.\n'));
    const db = await readDb(t, home);
    assert.equal(db.sessions.length, 2);
});

test('RPC unreachable: isError, nothing stored (list and history empty)', async (t) => {
    const { srv, home } = await chainServer(t, 'http://127.0.0.1:9', ['--rpc', '31337=http://127.0.0.1:9']);
    const msg = errText(await srv.call('request_session_approval', anvilArgs()));
    assert.match(msg, /^Could not check the wallet's USDC balance: /);
    assert.ok(msg.endsWith(`Nothing was created; retry in a moment. ${FALLBACK}`), msg);
    await assertNothingStored(t, srv, home);
});

/* What `sessionkey-mcp chain erc20-balance` says for the same call: the reason the tool
 * must pass on after its own "Could not check ..." prefix. */
function cliReason(chainId, url) {
    const r = spawnSync(BIN, ['chain', 'erc20-balance', TOKEN, SMART_WALLET, '--rpc', `${chainId}=${url}`, '--chain', String(chainId)],
        { encoding: 'utf8' });
    return JSON.parse(r.stdout).error;
}

test('RPC unreachable: the error names the chain and the endpoint', async (t) => {
    const { srv } = await chainServer(t, 'http://127.0.0.1:9', ['--rpc', '31337=http://127.0.0.1:9']);
    const reason = cliReason(31337, 'http://127.0.0.1:9');
    assert.equal(reason, 'chain 31337 (http://127.0.0.1:9): eth_chainId: connection refused after 3 attempts');
    const msg = errText(await srv.call('request_session_approval', anvilArgs()));
    assert.equal(msg, `Could not check the wallet's USDC balance: ${reason}. Nothing was created; retry in a moment. ${FALLBACK}`);
});

test('wrong chain: an endpoint configured as Base (8453) that is really chain 31337 is refused, nothing stored', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { home, args: ['--rpc', `8453=${anvil.url}`] });
    const msg = errText(await srv.call('request_session_approval', seedArgs()));
    assert.match(msg, /^Could not check the wallet's USDC balance: /);
    assert.ok(msg.includes('31337') && msg.includes('8453'), msg);
    await assertNothingStored(t, srv, home);
});

test('wrong chain: the error names the chain, the endpoint and both chain ids', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { home, args: ['--rpc', `8453=${anvil.url}`] });
    const reason = cliReason(8453, anvil.url);
    assert.equal(reason, `chain 8453 (${anvil.url}): eth_chainId says 31337, expected 8453: this endpoint serves another ` +
        'chain (check --rpc 8453=... or SKM_RPC_8453)');
    const msg = errText(await srv.call('request_session_approval', seedArgs()));
    assert.equal(msg, `Could not check the wallet's USDC balance: ${reason}. Nothing was created; retry in a moment. ${FALLBACK}`);
});
