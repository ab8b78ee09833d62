// executor_chain.test.mjs: the seed on a real local chain. `sessionkey-mcp run` (the executor)
// against anvil as Base (tests/chain/harness.mjs) and the test bundler: a $1000 TWAP over 24
// hours approved through the server runs 24 slices on chain, the first in enable mode deploying
// the Kernel account; the wallet's USDC falls by exactly $1000 and its WETH grows; a stop-loss
// fires only after the pool's price is pushed below its trigger.
// The test clock (SKM_TEST_CLOCK) and the chain's time move together (the harness writes the
// chain's timestamp into the clock file).
// Skipped when the binary has no `run` command (before the executor is merged).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants } from '@zerodev/sdk';
import { getKernelAddressFromECDSA } from '@zerodev/ecdsa-validator';
import { privateKeyToAccount } from 'viem/accounts';
import { startChain } from './harness.mjs';
import { startServer, text, TEST_BIN } from '../e2e/lifecycle_lib.mjs';

const CHAIN = 8453;
const EP07 = constants.getEntryPoint('0.7');
const HAS_RUN = spawnSync(TEST_BIN, ['run', '--help'], { encoding: 'utf8' }).status === 0;
const SKIP = HAS_RUN ? false : 'this build has no executor (sessionkey-mcp run)';

const timings = {};
after(() => console.log(`# executor chain timings (ms): ${JSON.stringify(timings)}`));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function setup(t, { owner, automation, ethPrice = 3000, usdc = 1000_000000n, weth = 0n }) {
    const home = mkdtempSync(path.join(tmpdir(), 'skm-exec-chain-'));
    const clockFile = path.join(home, 'clock');
    const h = await startChain({ ethPrice, clockFile });
    t.after(async () => {
        await h.stop();
        rmSync(home, { recursive: true, force: true });
    });
    const wallet = await getKernelAddressFromECDSA({ entryPoint: EP07, kernelVersion: '0.3.1', eoaAddress: owner.address,
        index: 0n, publicClient: h.publicClient });
    await h.fund(wallet, { usdc, weth, eth: 10n ** 18n, approveRouter: true });
    const srv = await startServer(t, { bin: TEST_BIN, home, args: ['--rpc', `${CHAIN}=${h.rpcUrl}`],
        env: { SKM_TEST_CLOCK: clockFile }, checkSecrets: false });
    const plan = await srv.call('plan_automation', { walletAddress: wallet, chainId: CHAIN, automation,
        ownerAddress: owner.address, account: { type: 'kernel-v3', kernelVersion: '0.3.1' } });
    assert.equal(plan.isError, undefined, text(plan));
    const req = await srv.call('request_session_approval', { ...plan.structuredContent.proposal, ownerAddress: owner.address,
        account: { type: 'kernel-v3', kernelVersion: '0.3.1' } });
    assert.equal(req.isError, undefined, text(req));
    const c = await srv.call('confirm_session', { sessionId: req.structuredContent.sessionId,
        signature: await owner.signTypedData(req.structuredContent.typedData) });
    assert.equal(c.isError, undefined, text(c));
    return { h, home, clockFile, wallet, srv, sessionId: req.structuredContent.sessionId, t0: await h.now() };
}

function runExecutor(t, ctx, extra = []) {
    const child = spawn(TEST_BIN, ['run', '--data-dir', ctx.home, '--rpc', `${CHAIN}=${ctx.h.rpcUrl}`,
        '--bundler', `${CHAIN}=${ctx.h.bundlerUrl}`, '--tick-ms', '20', '--receipt-poll-ms', '20',
        '--backoff-seconds', '0', '--poll-seconds', '1', '--log-level', 'info', ...extra],
    { env: { ...process.env, SKM_TEST_CLOCK: ctx.clockFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    const ex = { child, stderr: '', events: () => ex.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) };
    child.stderr.on('data', (c) => { ex.stderr += c; });
    ex.exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
    t.after(async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await ex.exited;
        }
    });
    return ex;
}

async function until(cond, what, ex, ms = 20000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await cond()) return;
        await sleep(25);
    }
    assert.fail(`timed out waiting for ${what}; executor log tail:\n${ex.stderr.slice(-3000)}`);
}

const included = (ctx) => [...ctx.h.bundler.receipts.values()];
const sliceDone = (ex) => ex.events().filter((e) => e.event === 'slice_done').length;

/* Moves chain time and the test clock to slice k's due time (approval + k intervals), or, if
 * later, one second after a full interval since the previous slice's block: the on-chain rate
 * limit (no reset: "at least an interval between one UserOp and the next") counts from that
 * block, which landed a few seconds after its own due time. */
async function toSlice(ctx, k, interval = 3600) {
    const ops = included(ctx);
    let last = 0;
    if (ops.length)
        last = Number((await ctx.h.publicClient.getBlock({ blockNumber: BigInt(ops.at(-1).receipt.blockNumber) })).timestamp);
    return ctx.h.setNextTimestamp(Math.max(ctx.t0 + k * interval, last + interval) + 1);
}

async function automationOf(ctx) {
    return (await ctx.srv.call('list_automations', { walletAddress: ctx.wallet })).structuredContent.sessions[0];
}

const TWAP = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 };

test('the seed on chain: a $1000 TWAP over 24 hours, 24 slices through the bundler, USDC down by exactly $1000', { skip: SKIP }, async (t) => {
    const owner = privateKeyToAccount('0x' + '6b'.repeat(32));
    const ctx = await setup(t, { owner, automation: TWAP });
    const start = Date.now();
    const ex = runExecutor(t, ctx);
    for (let k = 0; k < 24; k++) {
        if (k > 0) await toSlice(ctx, k);
        await until(() => included(ctx).length === k + 1, `slice ${k + 1} on chain`, ex);
    }
    timings.twap24 = Date.now() - start;
    const ops = included(ctx);
    assert.ok(ops.every((r) => r.success), 'every slice executed');
    assert.equal(new Set(ops.map((r) => r.nonce)).size, 24, '24 distinct nonces');
    const bal = await ctx.h.balances(ctx.wallet);
    assert.equal(bal.usdc, 0n, 'USDC fell by exactly $1000');
    assert.ok(bal.weth > 300_000_000_000_000_000n, `WETH grew (${bal.weth})`);
    await until(async () => (await ctx.srv.call('list_automations', { walletAddress: ctx.wallet })).structuredContent
        .sessions[0]?.executor?.slicesDone === 24, 'list_automations 24 of 24', ex);
    ex.child.kill('SIGTERM');
    assert.equal((await ex.exited).code, 0);
});

test('a stop-loss fires on chain only once the pool price is pushed below its trigger', { skip: SKIP }, async (t) => {
    const owner = privateKeyToAccount('0x' + '6c'.repeat(32));
    const ctx = await setup(t, { owner, usdc: 0n, weth: 10n ** 18n, automation: { kind: 'stop_loss', token: 'WETH',
        receiveToken: 'USDC', amount: '0.5', triggerPrice: '2500', duration: 86400 } });
    const ex = runExecutor(t, ctx);
    await until(() => ex.stderr.includes('price_checked') || ex.stderr.includes('"started"'), 'the executor running', ex);
    await ctx.h.setPoolPrice(2600);
    await sleep(2500); // two price checks at --poll-seconds 1
    assert.equal(included(ctx).length, 0, 'above the trigger: nothing sent');
    await ctx.h.setPoolPrice(2400);
    await until(() => included(ctx).length === 1, 'the stop-loss on chain', ex);
    assert.equal(included(ctx)[0].success, true);
    const bal = await ctx.h.balances(ctx.wallet);
    assert.equal(bal.weth, 10n ** 18n / 2n, 'sold exactly 0.5 WETH');
    assert.ok(bal.usdc > 1150_000000n && bal.usdc < 1200_000000n, `at about $2400 (${bal.usdc})`);
});

test('revoke in the middle: the next slice never reaches the chain', { skip: SKIP }, async (t) => {
    const ctx = await setup(t, { owner: privateKeyToAccount('0x' + '6d'.repeat(32)), automation: TWAP });
    const ex = runExecutor(t, ctx);
    await until(() => included(ctx).length === 1, 'slice 1 on chain', ex);
    await toSlice(ctx, 1);
    await until(() => included(ctx).length === 2 && sliceDone(ex) === 2, 'slice 2 on chain and its receipt read', ex);
    const r = await ctx.srv.call('revoke_session', { sessionId: ctx.sessionId });
    assert.equal(r.isError, undefined, text(r));
    const usdc = (await ctx.h.balances(ctx.wallet)).usdc;
    await toSlice(ctx, 2);
    await sleep(600);
    await toSlice(ctx, 3);
    await sleep(600);
    assert.equal(included(ctx).length, 2, 'nothing included after the revoke');
    assert.equal(ctx.h.bundler.stats.attempts, 2, 'nothing even sent');
    assert.equal((await ctx.h.balances(ctx.wallet)).usdc, usdc);
});

test('bundler down: the automation pauses with a reason, and resumes on chain when it is back', { skip: SKIP }, async (t) => {
    const ctx = await setup(t, { owner: privateKeyToAccount('0x' + '6e'.repeat(32)), automation: TWAP });
    const ex = runExecutor(t, ctx, ['--max-failures', '2']);
    await until(() => included(ctx).length === 1 && sliceDone(ex) === 1, 'slice 1 on chain and its receipt read', ex);
    await ctx.h.bundler.stop();
    await toSlice(ctx, 1);
    await until(async () => (await automationOf(ctx)).executor?.paused === true, 'the pause', ex);
    assert.ok((await automationOf(ctx)).executor.pauseReason, 'a reason is given');
    await ctx.h.bundler.start();
    await until(() => included(ctx).length === 2, 'slice 2 on chain after the bundler came back', ex);
    assert.equal(included(ctx)[1].success, true);
    await until(async () => (await automationOf(ctx)).executor?.paused === false, 'resumed', ex);
    assert.equal((await ctx.h.balances(ctx.wallet)).usdc, 1000_000000n - 2n * 41_670000n);
});

test('a slice the bundler refuses once is retried and lands on chain once', { skip: SKIP }, async (t) => {
    const ctx = await setup(t, { owner: privateKeyToAccount('0x' + '6f'.repeat(32)), automation: TWAP });
    ctx.h.bundler.faults.reject = 1;
    const ex = runExecutor(t, ctx);
    await until(() => included(ctx).length === 1, 'slice 1 on chain after a retry', ex);
    assert.equal(ctx.h.bundler.stats.injected, 1);
    await sleep(300);
    assert.equal(included(ctx).length, 1);
    assert.equal((await ctx.h.balances(ctx.wallet)).usdc, 1000_000000n - 41_670000n, 'spent once');
    const hist = JSON.stringify((await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId })).structuredContent);
    assert.equal(hist.match(/execution_committed/g)?.length ?? 0, 1, 'the ledger counts it once');
});

test('kill -9 after a slice reached the chain: the restarted executor finds it and never sends it again', { skip: SKIP }, async (t) => {
    const ctx = await setup(t, { owner: privateKeyToAccount('0x' + '70'.repeat(32)), automation: TWAP });
    ctx.h.bundler.faults.holdReceipts = true;
    let ex = runExecutor(t, ctx);
    await until(() => included(ctx).length === 1, 'slice 1 on chain', ex);
    await sleep(100);
    ex.child.kill('SIGKILL');
    await ex.exited;
    assert.equal(sliceDone(ex), 0, 'killed before it saw the receipt');
    ctx.h.bundler.faults.holdReceipts = false;
    ex = runExecutor(t, ctx);
    await until(() => sliceDone(ex) === 1, 'slice 1 recorded after the restart', ex);
    await sleep(400);
    assert.equal(included(ctx).length, 1, 'one operation on chain');
    assert.equal(ctx.h.bundler.stats.attempts, 1, 'and no second attempt');
    assert.equal((await ctx.h.balances(ctx.wallet)).usdc, 1000_000000n - 41_670000n, 'USDC spent once');
    const hist = JSON.stringify((await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId })).structuredContent);
    assert.equal(hist.match(/execution_committed/g)?.length ?? 0, 1, 'the ledger counts it once');
});
