// executor.test.mjs: the seed end to end on the local chain (tests/chain/harness.mjs: anvil as
// Base with the real EntryPoint v0.7, Kernel v3.1 and Uniswap V3, the ZeroDev module
// stand-ins and the test bundler). Approved once through the server, `sessionkey-mcp run`
// executes a $1000 USDC -> WETH TWAP over 24 hours: 24 slices on chain (the first in enable
// mode, deploying the account), the chain clock and the server's test clock moving together;
// the wallet's USDC falls by exactly $1000, its WETH grows, list_automations says 24 done.
// Run from the repo root: node --test tests/chain/executor.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants } from '@zerodev/sdk';
import { getKernelAddressFromECDSA } from '@zerodev/ecdsa-validator';
import { encodeAbiParameters, keccak256, pad, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startChain } from './harness.mjs';
import { startServer, text, TEST_BIN } from '../e2e/lifecycle_lib.mjs';

const CHAIN = 8453;
const OWNER = privateKeyToAccount('0x' + '6b'.repeat(32));
const OWNER2 = privateKeyToAccount('0x' + '6c'.repeat(32));
const EP07 = constants.getEntryPoint('0.7');
const TWAP = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 };
let h, home, clockFile;

before(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'skm-chain-exec-'));
    clockFile = path.join(home, 'clock');
    h = await startChain({ ethPrice: 3000, clockFile });
});

after(async () => {
    if (h) await h.stop();
    if (home) rmSync(home, { recursive: true, force: true });
});

/* The executor on the chain; returns {child, done(), log()}. */
function startExecutor(t, extra = []) {
    const child = spawn(TEST_BIN, ['run', '--data-dir', home, '--rpc', `${CHAIN}=${h.rpcUrl}`, '--bundler', `${CHAIN}=${h.bundlerUrl}`,
        '--tick-ms', '50', '--receipt-poll-ms', '50', '--log-level', 'debug', ...extra],
    { env: { ...process.env, SKM_TEST_CLOCK: clockFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c) => (log += c));
    t.after(() => child.kill('SIGKILL'));
    return { child, log: () => log, count: (ev) => log.split('\n').filter((l) => l.includes(`"event":"${ev}"`)).length };
}

function sc(r) {
    assert.ok(!r.isError, text(r));
    return r.structuredContent;
}

test('the seed on a real chain: 24 slices through the bundler, USDC falls by exactly $1000', async (t) => {
    const wallet = await getKernelAddressFromECDSA({ entryPoint: EP07, kernelVersion: '0.3.1', eoaAddress: OWNER.address,
        index: 0n, publicClient: h.publicClient });
    await h.fund(wallet, { usdc: 1000_000000n, eth: 10n ** 18n, approveRouter: true });
    const srv = await startServer(t, { bin: TEST_BIN, home, args: ['--rpc', `${CHAIN}=${h.rpcUrl}`],
        env: { SKM_TEST_CLOCK: clockFile }, checkSecrets: false });
    const plan = sc(await srv.call('plan_automation', { walletAddress: wallet, chainId: CHAIN, automation: TWAP,
        ownerAddress: OWNER.address, account: { type: 'kernel-v3', kernelVersion: '0.3.1' } }));
    const req = sc(await srv.call('request_session_approval', { ...plan.proposal, ownerAddress: OWNER.address,
        account: { type: 'kernel-v3', kernelVersion: '0.3.1' } }));
    sc(await srv.call('confirm_session', { sessionId: req.sessionId, signature: await OWNER.signTypedData(req.typedData) }));

    const child = spawn(TEST_BIN, ['run', '--data-dir', home, '--rpc', `${CHAIN}=${h.rpcUrl}`, '--bundler', `${CHAIN}=${h.bundlerUrl}`,
        '--tick-ms', '50', '--receipt-poll-ms', '50', '--log-level', 'info'],
    { env: { ...process.env, SKM_TEST_CLOCK: clockFile }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c) => (log += c));
    t.after(() => child.kill('SIGKILL'));
    const done = () => log.split('\n').filter((l) => l.includes('"event":"slice_done"')).length;
    const wait = async (n) => {
        const end = Date.now() + 60000;
        while (done() < n) {
            if (Date.now() > end) assert.fail(`slice ${n} did not run; executor log:\n${log.slice(-4000)}`);
            await new Promise((r) => setTimeout(r, 50));
        }
    };
    const before0 = await h.balances(wallet);
    for (let i = 1; i <= 24; i++) {
        await wait(i);
        if (i < 24) await h.advanceTime(3600);
    }
    const bal = await h.balances(wallet);
    assert.equal(before0.usdc - bal.usdc, 1000_000000n, 'USDC fell by exactly $1000');
    assert.ok(bal.weth > 0n && bal.weth > (1000n * 10n ** 18n) / 3100n, `WETH grew (${bal.weth})`);
    assert.ok(await h.publicClient.getCode({ address: wallet }), 'the first slice deployed the account');
    const list = sc(await srv.call('list_automations', { walletAddress: wallet }));
    const a = list.sessions.find((s) => s.sessionId === req.sessionId);
    assert.equal(a.executor.slicesDone, 24);
    assert.equal(a.executor.slicesTotal, 24);
    assert.match(list.sessions.length ? JSON.stringify(a) : '', /lastExecution/);
    child.kill('SIGTERM');
});

test('a stop-loss on a real chain sells only once the pool price falls to the trigger', async (t) => {
    const wallet = await getKernelAddressFromECDSA({ entryPoint: EP07, kernelVersion: '0.3.1', eoaAddress: OWNER2.address,
        index: 0n, publicClient: h.publicClient });
    await h.fund(wallet, { weth: 5n * 10n ** 17n, eth: 10n ** 18n });
    // the owner's earlier WETH approval of the router (the session may call only the router)
    const inner = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [wallet, 1n]));
    const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [h.addresses.swapRouter02, inner]));
    await h.testClient.setStorageAt({ address: h.addresses.weth, index: slot, value: pad(toHex(2n ** 255n), { size: 32 }) });
    const srv = await startServer(t, { bin: TEST_BIN, home, args: ['--rpc', `${CHAIN}=${h.rpcUrl}`],
        env: { SKM_TEST_CLOCK: clockFile }, checkSecrets: false });
    const automation = { kind: 'stop_loss', token: 'WETH', amount: '0.5', triggerPrice: '2500', receiveToken: 'USDC' };
    const plan = sc(await srv.call('plan_automation', { walletAddress: wallet, chainId: CHAIN, automation,
        ownerAddress: OWNER2.address, account: { type: 'kernel-v3', kernelVersion: '0.3.1' } }));
    const req = sc(await srv.call('request_session_approval', { ...plan.proposal, ownerAddress: OWNER2.address,
        account: { type: 'kernel-v3', kernelVersion: '0.3.1' } }));
    sc(await srv.call('confirm_session', { sessionId: req.sessionId, signature: await OWNER2.signTypedData(req.typedData) }));
    const ex = startExecutor(t, ['--poll-seconds', '1']);
    const end = Date.now() + 20000;
    while (ex.log().split('\n').filter((l) => l.includes(req.sessionId) && l.includes('"event":"price_checked"')).length < 2) {
        if (Date.now() > end) assert.fail(`no price checks; executor log:\n${ex.log().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ex.count('slice_sent'), 0, 'above the trigger: nothing sold');
    assert.equal((await h.balances(wallet)).weth, 5n * 10n ** 17n);
    await h.setPoolPrice(2400);
    const end2 = Date.now() + 30000;
    while (ex.count('slice_done') < 1) {
        if (Date.now() > end2) assert.fail(`the stop-loss did not sell; executor log:\n${ex.log().slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
    }
    const bal = await h.balances(wallet);
    assert.equal(bal.weth, 0n, 'all 0.5 WETH sold');
    assert.ok(bal.usdc > 1100_000000n && bal.usdc <= 1250_000000n, `USDC received at about $2400 (${bal.usdc})`);
    const a = sc(await srv.call('list_automations', { walletAddress: wallet })).sessions[0];
    assert.equal(a.executor.slicesDone, 1);
    ex.child.kill('SIGTERM');
});

test('on chain: a refused slice is retried on the same nonce, the bundler down pauses and resumes, revoke stops', async (t) => {
    const owner = privateKeyToAccount('0x' + '6d'.repeat(32));
    const wallet = await getKernelAddressFromECDSA({ entryPoint: EP07, kernelVersion: '0.3.1', eoaAddress: owner.address,
        index: 0n, publicClient: h.publicClient });
    await h.fund(wallet, { usdc: 1000_000000n, eth: 10n ** 18n, approveRouter: true });
    const srv = await startServer(t, { bin: TEST_BIN, home, args: ['--rpc', `${CHAIN}=${h.rpcUrl}`],
        env: { SKM_TEST_CLOCK: clockFile }, checkSecrets: false });
    const plan = sc(await srv.call('plan_automation', { walletAddress: wallet, chainId: CHAIN, automation: TWAP,
        ownerAddress: owner.address, account: { type: 'kernel-v3', kernelVersion: '0.3.1' } }));
    const req = sc(await srv.call('request_session_approval', { ...plan.proposal, ownerAddress: owner.address,
        account: { type: 'kernel-v3', kernelVersion: '0.3.1' } }));
    sc(await srv.call('confirm_session', { sessionId: req.sessionId, signature: await owner.signTypedData(req.typedData) }));
    const mine = (ev) => (l) => l.includes(req.sessionId) && l.includes(`"event":"${ev}"`);
    const ex = startExecutor(t, ['--backoff-seconds', '0', '--max-failures', '3']);
    const count = (ev) => ex.log().split('\n').filter(mine(ev)).length;
    const waitFor = async (cond, what) => {
        const end = Date.now() + 30000;
        while (!(await cond())) {
            if (Date.now() > end) assert.fail(`${what}; executor log:\n${ex.log().slice(-4000)}`);
            await new Promise((r) => setTimeout(r, 50));
        }
    };
    const automation = async () => sc(await srv.call('list_automations', { walletAddress: wallet })).sessions
        .find((s) => s.sessionId === req.sessionId);
    const start = await h.balances(wallet);

    // slice 1 is refused once by the bundler, then goes through on the same nonce
    h.bundler.faults.reject = 1;
    await waitFor(() => count('slice_done') === 1, 'slice 1');
    const nonces = ex.log().split('\n').filter(mine('slice_claimed')).map((l) => JSON.parse(l).nonce);
    assert.ok(count('slice_failed') >= 1);
    assert.equal(nonces.length, 2, 'claimed twice: the attempt and the retry');
    const sentNonce = JSON.parse(ex.log().split('\n').find(mine('slice_sent'))).nonce;
    assert.ok(nonces[1] !== '', 'the first attempt recorded its nonce');
    assert.equal(sentNonce, nonces[1], 'the retry was sent on the nonce of the refused attempt');
    const hist = JSON.stringify(sc(await srv.call('get_session_history', { sessionId: req.sessionId })));
    assert.equal(hist.match(/execution_committed/g)?.length ?? 0, 1, 'the ledger counts the slice once');

    // the bundler goes down: slice 2 fails 3 times, the automation pauses, and resumes when it is back
    await h.bundler.stop();
    await h.advanceTime(3600);
    await waitFor(async () => (await automation()).executor.paused === true, 'the pause');
    assert.match((await automation()).executor.pauseReason, /3 attempts in a row failed/);
    await h.bundler.start();
    await waitFor(() => count('slice_done') === 2, 'slice 2 after the bundler came back');
    assert.equal((await automation()).executor.paused, false);

    // revoke: the next slice never runs
    sc(await srv.call('revoke_session', { sessionId: req.sessionId }));
    await h.advanceTime(3600);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(count('slice_sent'), 2, 'two slices accepted by the bundler; none after the revoke');
    const bal = await h.balances(wallet);
    assert.equal(start.usdc - bal.usdc, 2n * 41_670000n, 'exactly two slices of USDC spent');
    ex.child.kill('SIGTERM');
});
