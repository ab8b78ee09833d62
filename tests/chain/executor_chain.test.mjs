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
    const plan = await srv.call('plan_automation', { walletAddress: wallet, chainId: CHAIN, automation });
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

test('the seed on chain: a $1000 TWAP over 24 hours, 24 slices through the bundler, USDC down by exactly $1000', { skip: SKIP }, async (t) => {
    const owner = privateKeyToAccount('0x' + '6b'.repeat(32));
    const ctx = await setup(t, { owner, automation: { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000',
        duration: 86400, interval: 3600 } });
    const start = Date.now();
    const ex = runExecutor(t, ctx);
    // Slice k is due at approval + k hours. The on-chain rate limit (no reset: "at least an
    // interval between one UserOp and the next") counts from the previous slice's block, which
    // landed a few seconds after its due time; so the next hour starts one second after that.
    let lastBlockTime = 0;
    for (let k = 0; k < 24; k++) {
        if (k > 0) await ctx.h.setNextTimestamp(Math.max(ctx.t0 + k * 3600, lastBlockTime + 3600) + 1);
        await until(() => included(ctx).length === k + 1, `slice ${k + 1} on chain`, ex);
        const rc = included(ctx)[k].receipt;
        lastBlockTime = Number((await ctx.h.publicClient.getBlock({ blockNumber: BigInt(rc.blockNumber) })).timestamp);
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
