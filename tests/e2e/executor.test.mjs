// executor.test.mjs: `sessionkey-mcp run`, the automation executor, through the real binary
// against a loopback stub chain RPC + bundler (tests/e2e/executor_stub.mjs), with the test
// clock moving the hours. The stub checks every user operation as EntryPoint v0.7 and Kernel
// v3 would (hash, nonce, session-key signature, enable mode); problems it finds fail the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN } from './lib.mjs';
import { OWNER, T0, TEST_BIN, approve, auditVerify, ok, startServer, tempHome, testClock, sleep } from './lifecycle_lib.mjs';
import { startStub } from './executor_stub.mjs';

const CHAIN = 8453;
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const WETH = '0x4200000000000000000000000000000000000006';
const TWAP = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 };

function kernelWallet() {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: OWNER.address, chainId: CHAIN, kernelVersion: '0.3.1',
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

/* An approved Kernel v3 TWAP session (plan_automation's exact proposal). */
async function setup(t, { automation = TWAP, stubOptions = {} } = {}) {
    assert.ok(existsSync(TEST_BIN), 'build the test flavour: make FLAVOUR=test');
    const home = tempHome(t);
    const clock = testClock(t, home, T0);
    const wallet = kernelWallet();
    const srv = await startServer(t, { home, env: clock.env, checkSecrets: false });
    const account = { type: 'kernel-v3', kernelVersion: '0.3.1', onchain: { deployed: false, currentNonce: 1 } };
    const plan = ok(await srv.call('plan_automation', { walletAddress: wallet, chainId: CHAIN, automation, ownerAddress: OWNER.address, account }));
    const args = { ...plan.proposal, ownerAddress: OWNER.address, account };
    const { req } = await approve(srv, args);
    const stub = await startStub({ chainId: CHAIN, sessionKey: req.sessionKeyAddress, weth: WETH, ...stubOptions });
    t.after(() => stub.close());
    return { home, clock, wallet, srv, stub, sessionId: req.sessionId };
}

/* Start the executor; resolves once it logged "started". */
function runExecutor(t, ctx, extra = [], { bundlerEnv = false } = {}) {
    const bundler = bundlerEnv ? [] : ['--bundler', `${CHAIN}=${ctx.stub.bundlerUrl}`];
    const env = bundlerEnv ? { [`SKM_BUNDLER_${CHAIN}`]: ctx.stub.bundlerUrl } : {};
    const child = spawn(TEST_BIN, ['run', '--data-dir', ctx.home, '--rpc', `${CHAIN}=${ctx.stub.rpcUrl}`, ...bundler,
        '--tick-ms', '20', '--receipt-poll-ms', '20', '--backoff-seconds', '0', '--log-level', 'info', ...extra], {
        env: { ...process.env, ...ctx.clock.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ex = { child, stdout: '', stderr: '', events: [] };
    lastEx = ex;
    child.stdout.on('data', (c) => (ex.stdout += c));
    child.stderr.on('data', (c) => {
        ex.stderr += c;
        ex.events = ex.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    });
    ex.exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
    t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    return ex;
}

let lastEx = null;
const done = (ex) => ex.events.filter((e) => e.event === 'slice_done').length;

async function until(cond, what, ms = 15000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (await cond()) return;
        await sleep(20);
    }
    assert.fail(`timed out waiting for ${what}; executor log tail:\n${lastEx?.stderr.slice(-3000) ?? ''}`);
}

async function automation(srv, wallet) {
    const r = ok(await srv.call('list_automations', { walletAddress: wallet }));
    return r.sessions[0];
}

test('the seed: a $1000 TWAP over 24 hours runs 24 slices through the bundler, the first in enable mode', async (t) => {
    const ctx = await setup(t);
    const ex = runExecutor(t, ctx);
    for (let h = 0; h < 24; h++) {
        ctx.clock.set(T0 + h * 3600);
        await until(() => done(ex) === h + 1, `slice ${h + 1}`);
    }
    ctx.clock.set(T0 + 23 * 3600 + 1800);
    await sleep(200);
    assert.deepEqual(ctx.stub.problems, []);
    assert.equal(ctx.stub.sends.length, 24, 'one send per slice');
    assert.equal(ctx.stub.included.length, 24);
    const total = ctx.stub.included.reduce((a, e) => a + e.amountIn, 0n);
    assert.equal(total, 1000n * 10n ** 6n, 'USDC spent is exactly $1000');
    assert.equal(ctx.stub.included[0].info.enable, true, 'the first operation installs the permission');
    assert.ok(ctx.stub.included[0].op.factory, 'and deploys the account');
    assert.ok(ctx.stub.included.slice(1).every((e) => !e.info.enable && !e.op.factory));
    for (const e of ctx.stub.included) {
        assert.equal(e.info.swap.recipient.toLowerCase(), ctx.wallet.toLowerCase());
        assert.ok(e.info.swap.amountOutMinimum > 0n);
        // minimum out = quote x 99% (the session's 1% slippage), rounded up: the gate requires amountOutMinimum x 10000 >= quote x 9900
        const quote = e.info.swap.amountIn * ctx.stub.price / 1000000n;
        assert.equal(e.info.swap.amountOutMinimum, (quote * 9900n + 9999n) / 10000n);
    }
    const a = await automation(ctx.srv, ctx.wallet);
    assert.equal(a.executor.slicesDone, 24);
    assert.equal(a.executor.slicesTotal, 24);
    assert.equal(a.executor.lastExecution.txHash, ctx.stub.included[23].tx);
    assert.equal(a.executor.lastExecution.amountIn, '$41.59 USDC', 'the last slice is the remainder');
    const listText = (await ctx.srv.call('list_automations', { walletAddress: ctx.wallet })).content[0].text;
    assert.match(listText, /Executor: 24 of 24 slices done; last 2026-01-01T23:00:00Z: \$41\.59 USDC for 0\.0138\d* WETH \(transaction 0x[0-9a-f]{64}\)/);
    const hist = ok(await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId }));
    assert.equal(hist.executions.length, 24);
    assert.ok(hist.executions.every((e) => e.state === 'done' && /^0x[0-9a-f]{64}$/.test(e.txHash)));
    const histText = (await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId })).content[0].text;
    assert.match(histText, /- Slice 1 of 24, 2026-01-01T00:00:00Z: sold \$41\.67 USDC for 0\.0138\d* WETH \(transaction 0x[0-9a-f]{64}\)\./);
    ex.child.kill('SIGTERM');
    const { code } = await ex.exited;
    assert.equal(code, 0);
    assert.ok(ex.events.some((e) => e.event === 'exiting'));
    assert.equal(ex.stdout, '', 'the executor prints nothing on stdout');
});

test('kill -9 after a slice was sent: the restarted executor follows it and never sends it again', async (t) => {
    const ctx = await setup(t);
    ctx.stub.holdReceipts = true;
    let ex = runExecutor(t, ctx);
    await until(() => ctx.stub.sends.length === 1, 'the first send');
    ex.child.kill('SIGKILL');
    await ex.exited;
    ctx.stub.includePending();
    ctx.stub.holdReceipts = false;
    ex = runExecutor(t, ctx);
    await until(() => ex.events.some((e) => e.event === 'slice_done'), 'the slice recorded after restart');
    await sleep(300);
    assert.equal(ctx.stub.sends.length, 1, 'no second send');
    assert.equal(ctx.stub.included.length, 1);
    assert.ok(ex.events.some((e) => e.event === 'slice_recovered'));
    const a = await automation(ctx.srv, ctx.wallet);
    assert.equal(a.executor.slicesDone, 1);
    assert.equal(a.spent ?? a.limits?.spent ?? null, a.spent ?? a.limits?.spent ?? null);
    const hist = ok(await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId }));
    assert.equal(JSON.stringify(hist).match(/execution_committed/g)?.length ?? 0, 1, 'the ledger counts it once');
    assert.deepEqual(ctx.stub.problems, []);
});

test('bundler down: paused with a clear reason, resumed when it is back', async (t) => {
    const ctx = await setup(t);
    ctx.stub.down = true;
    const ex = runExecutor(t, ctx, ['--max-failures', '3']);
    await until(async () => (await automation(ctx.srv, ctx.wallet)).executor?.paused === true, 'the pause');
    const a = await automation(ctx.srv, ctx.wallet);
    assert.match(a.executor.pauseReason, /3 attempts in a row failed; the last: .*HTTP 503/);
    assert.equal(ctx.stub.included.length, 0);
    ctx.stub.down = false;
    await until(() => ctx.stub.included.length === 1, 'the slice after the bundler came back');
    assert.ok(ex.events.some((e) => e.event === 'automation_resumed'));
    const b = await automation(ctx.srv, ctx.wallet);
    assert.equal(b.executor.paused, false);
    const events = ok(await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId })).entries.map((e) => e.event);
    assert.ok(events.includes('automation_paused') && events.includes('automation_resumed'), events.join());
    assert.ok(events.indexOf('automation_resumed') < events.indexOf('automation_paused'), 'newest first: resumed after paused');
    assert.equal(auditVerify(ctx.home).code, 0, 'the hash-chained audit log stays valid with the executor writing to it');
    assert.deepEqual(ctx.stub.problems, []);
});

test('revoke stops the next slice (bundler from SKM_BUNDLER_<chain>)', async (t) => {
    const ctx = await setup(t);
    runExecutor(t, ctx, [], { bundlerEnv: true });
    await until(() => ctx.stub.included.length === 1, 'slice 1');
    ok(await ctx.srv.call('revoke_session', { sessionId: ctx.sessionId }));
    ctx.clock.set(T0 + 3600);
    await sleep(500);
    ctx.clock.set(T0 + 7200);
    await sleep(500);
    assert.equal(ctx.stub.sends.length, 1, 'nothing sent after the revoke');
});

test('a rejected slice is retried on the same nonce and counted once', async (t) => {
    const ctx = await setup(t);
    ctx.stub.rejectNext = 1;
    const ex = runExecutor(t, ctx);
    await until(() => done(ex) === 1, 'slice 1 after a retry');
    assert.equal(ctx.stub.sends.length, 2);
    assert.equal(ctx.stub.sends[0].op.nonce, ctx.stub.sends[1].op.nonce, 'the same nonce');
    assert.ok(ex.events.some((e) => e.event === 'slice_failed' && /Too little received/.test(e.reason)));
    const hist = JSON.stringify(ok(await ctx.srv.call('get_session_history', { sessionId: ctx.sessionId })));
    assert.equal(hist.match(/execution_committed/g)?.length ?? 0, 1);
    // the refused send never reached the chain: no evidence releases it, it still counts until the
    // retry on the same nonce commits it (counted once, docs/gate.md "Accounting")
    assert.equal(hist.match(/execution_released/g)?.length ?? 0, 0);
    assert.equal(hist.match(/execution_still_counts/g)?.length ?? 0, 1);
    const a = await automation(ctx.srv, ctx.wallet);
    assert.equal(a.executor.slicesDone, 1);
    assert.equal(a.spent, '$41.67 USDC', 'the slice is counted once');
    assert.equal(a.executed, 1);
    assert.equal(a.inFlight, 0);
    assert.deepEqual(ctx.stub.problems, []);
});

test('run: bad options are usage errors in words; a chain without a bundler is logged, nothing signed', async (t) => {
    const home = tempHome(t);
    const bad = spawnSync(TEST_BIN, ['run', '--data-dir', home, '--bundler', 'nonsense'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--bundler/);
    assert.equal(bad.stdout, '');
    const slip = spawnSync(TEST_BIN, ['run', '--data-dir', home, '--slippage-bps', '9000'], { encoding: 'utf8' });
    assert.equal(slip.status, 2);
    assert.match(slip.stderr, /basis points, 0 to 5000/);
    const ctx = await setup(t);
    const r = spawnSync(TEST_BIN, ['run', '--data-dir', ctx.home, '--rpc', `${CHAIN}=${ctx.stub.rpcUrl}`, '--once', '--log-level', 'info'],
        { encoding: 'utf8', env: { ...process.env, ...ctx.clock.env } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /"event":"no_endpoint"/);
    assert.match(r.stderr, /no bundler for chain 8453: pass --bundler 8453=URL or set SKM_BUNDLER_8453/);
    assert.equal(ctx.stub.sends.length, 0);
});

test('SIGTERM finishes the slice in flight, then exits', async (t) => {
    const ctx = await setup(t);
    ctx.stub.holdReceipts = true;
    const ex = runExecutor(t, ctx);
    await until(() => ctx.stub.sends.length === 1, 'the send');
    ex.child.kill('SIGTERM');
    await sleep(300);
    assert.equal(ex.child.exitCode, null, 'still following the operation it sent');
    ctx.stub.includePending();
    const { code } = await ex.exited;
    assert.equal(code, 0);
    assert.equal(done(ex), 1, 'the slice was recorded before exiting');
    const a = await automation(ctx.srv, ctx.wallet);
    assert.equal(a.executor.slicesDone, 1);
    assert.match(a.executor.lastExecution.amountIn, /^\$41\.67 USDC$/);
});

test('run --once with the bundler from the config file ("bundler": {"8453": URL}) runs the due slice and exits', async (t) => {
    const ctx = await setup(t);
    const cfgFile = path.join(ctx.home, 'executor-config.json');
    writeFileSync(cfgFile, JSON.stringify({ bundler: { [CHAIN]: ctx.stub.bundlerUrl } }));
    // asynchronously: the stub answers from this process's event loop
    const r = await new Promise((resolve) => {
        const c = spawn(TEST_BIN, ['run', '--data-dir', ctx.home, '--config', cfgFile, '--rpc', `${CHAIN}=${ctx.stub.rpcUrl}`,
            '--once', '--receipt-poll-ms', '20', '--log-level', 'info'], { env: { ...process.env, ...ctx.clock.env } });
        let stderr = '';
        c.stderr.on('data', (d) => (stderr += d));
        c.on('exit', (status) => resolve({ status, stderr }));
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /"event":"slice_done"/);
    assert.equal(ctx.stub.included.length, 1);
    writeFileSync(cfgFile, JSON.stringify({ bundler: ['not an object'] }));
    const bad = spawnSync(TEST_BIN, ['run', '--data-dir', ctx.home, '--config', cfgFile, '--once'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /config file .*: "bundler" must be an object mapping chain ids to bundler URLs/);
});

test("gas dearer than the session's fee cap: maxFeePerGas is lowered so the operation stays within 0.005 ETH", async (t) => {
    // 10 gwei: the executor's usual 2 x price + tip (21 gwei) over the stub's 750,000 gas would be 0.01575 ETH
    const ctx = await setup(t, { stubOptions: { gasPrice: 10n ** 10n } });
    const ex = runExecutor(t, ctx, ['--once']);
    const { code } = await ex.exited;
    assert.equal(code, 0, ex.stderr);
    assert.equal(done(ex), 1, ex.stderr);
    const [e] = ctx.stub.included;
    const gas = BigInt(e.op.callGasLimit) + BigInt(e.op.verificationGasLimit) + BigInt(e.op.preVerificationGas);
    const cap = 5n * 10n ** 15n;
    assert.equal(BigInt(e.op.maxFeePerGas), cap / gas, 'the most the cap allows for this gas');
    assert.ok(gas * BigInt(e.op.maxFeePerGas) <= cap);
    assert.ok(BigInt(e.op.maxPriorityFeePerGas) <= BigInt(e.op.maxFeePerGas));
    assert.deepEqual(ctx.stub.problems, []);
});

test('a configured paymaster the session does not allow is not used: the wallet pays, the gate signs', async (t) => {
    const ctx = await setup(t);
    const ex = runExecutor(t, ctx, ['--once', '--paymaster', `${CHAIN}=0x${'77'.repeat(20)}`]);
    const { code } = await ex.exited;
    assert.equal(code, 0, ex.stderr);
    assert.equal(done(ex), 1, ex.stderr);
    assert.equal(ctx.stub.included[0].op.paymaster, undefined, 'no paymaster field');
    assert.match(ex.stderr, /does not allow paymaster 0x7777777777777777777777777777777777777777: the wallet pays/);
    assert.deepEqual(ctx.stub.problems, []);
});
