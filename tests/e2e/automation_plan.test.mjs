// automation_plan.test.mjs: following plan_automation works, through the real binary.
// The TWAP plan splits its total exactly and the gate allows exactly the planned slices; the
// proposed request succeeds as is (also for the default Kernel v3 account, signed by the owner
// with viem); a pending request for the same automation is replaced, not called a duplicate;
// plan and request agree on "already covered" after a slice is spent; duplicates are judged by
// what the automation does (the pair and its direction), not by its kind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { BIN } from './lib.mjs';
import { runExec, swapData } from './gate_lib.mjs';
import {
    BASE_ROUTER,
    OWNER,
    SMART_WALLET,
    T0,
    TEST_BIN,
    errText,
    ok,
    readDb,
    signTyped,
    startServer,
    tempHome,
    testClock,
    text,
} from './lifecycle_lib.mjs';

const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const TX = (n) => '0x' + n.toString(16).padStart(64, '0');
const TWAP = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 };
const OTHER = { type: 'other' };

/* The counterfactual Kernel account of OWNER at index 0 (our CLI, checked against the SDK in
 * tests/interop/zerodev.test.mjs). */
function kernelAccount(kernelVersion = '0.3.1') {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: OWNER.address, chainId: 8453, kernelVersion,
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

async function clocked(t, opts = {}) {
    const home = tempHome(t);
    const clock = testClock(t, home);
    const srv = await startServer(t, { home, env: clock.env, checkSecrets: opts.checkSecrets ?? true });
    return { srv, clock, home };
}

const plan = (srv, over = {}) => srv.call('plan_automation', {
    walletAddress: SMART_WALLET, ownerAddress: OWNER.address, account: OTHER, chainId: 8453, automation: TWAP, ...over,
});

async function requestAndSign(srv, proposal) {
    const req = ok(await srv.call('request_session_approval', proposal));
    const signature = await signTyped(OWNER, req.typedData);
    const conf = ok(await srv.call('confirm_session', { sessionId: req.sessionId, signature }));
    assert.equal(conf.status, 'active');
    return req;
}

/* One slice through `sessionkey-mcp exec` at clock time `at`, reported executed. */
async function slice(home, clock, sessionId, amountIn, at, n) {
    clock.set(at);
    const env = clock.env;
    const call = { target: BASE_ROUTER, value: '0', data: swapData({ amountIn, recipient: SMART_WALLET, tokenIn: USDC }) };
    const a = await runExec(home, [{ sessionId, calls: [call] }], { bin: TEST_BIN, env });
    const d = a.results[0];
    if (d.rule === 'ALLOWED') {
        const r = await runExec(home, [{ reservationId: d.reservationId, outcome: 'executed', txHash: TX(n) }],
            { report: true, bin: TEST_BIN, env });
        assert.equal(r.code, 0, r.stderr);
    }
    return d;
}

test('TWAP plan: $1000 in 24 slices is 23 x $41.67 + $41.59 exactly, in words; the gate allows exactly those 24 and refuses a 25th by TOTAL_CAP', async (t) => {
    const { srv, clock, home } = await clocked(t);
    const p = ok(await plan(srv));
    assert.equal(p.covered, false);
    assert.equal(p.trades, 24);
    assert.equal(p.tradeAmount, '41.67');
    assert.equal(p.lastTradeAmount, '41.59');
    assert.equal(p.schedule, '$41.67 USDC into WETH every hour for 24 hours (24 trades: 23 of $41.67 USDC and a last ' +
        'one of $41.59 USDC, exactly $1000 USDC in total)');
    assert.equal(p.proposal.permissions.maxPerTransaction, '41.67', 'the cap is the largest slice, no more');
    assert.equal(p.proposal.permissions.maxTotal, '1000');
    assert.equal(BigInt(41670000) * 23n + 41590000n, 1000000000n);

    const req = await requestAndSign(srv, p.proposal);
    let sum = 0n;
    for (let i = 0; i < 24; i++) {
        const amount = i < 23 ? 41670000n : 41590000n;
        const d = await slice(home, clock, req.sessionId, amount, T0 + 1 + i * 3601, i + 1);
        assert.equal(d.rule, 'ALLOWED', `slice ${i + 1}: ${JSON.stringify(d)}`);
        sum += amount;
    }
    assert.equal(sum, 1000000000n, 'the slices add up to the total exactly');
    const over = await slice(home, clock, req.sessionId, 10000n, T0 + 1 + 23 * 3601 + 1800, 99);
    assert.equal(over.rule, 'TOTAL_CAP', JSON.stringify(over));

    // an even split says so, and its cap is the slice
    const even = ok(await plan(srv, { automation: { ...TWAP, totalAmount: '1200' } }));
    assert.equal(even.tradeAmount, '50');
    assert.equal(even.lastTradeAmount, '50');
    assert.match(even.schedule, /\(24 trades, exactly \$1200 USDC in total\)$/);
    assert.equal(even.proposal.permissions.maxPerTransaction, '50');
});

test('plan -> request verbatim for the default account (Kernel v3 0.3.1): the owner signs with viem and confirm succeeds', async (t) => {
    const { srv } = await clocked(t, { checkSecrets: false });
    const wallet = kernelAccount();
    // Without ownerAddress a Kernel plan cannot be followed: it says so.
    const noOwner = await srv.call('plan_automation', { walletAddress: wallet, chainId: 8453, automation: TWAP });
    assert.equal(noOwner.isError, true);
    assert.match(errText(noOwner), /ownerAddress is required for a ZeroDev Kernel v3 account/);

    const p = ok(await srv.call('plan_automation', { walletAddress: wallet, ownerAddress: OWNER.address, chainId: 8453, automation: TWAP }));
    assert.equal(p.proposal.ownerAddress, OWNER.address);
    assert.equal(p.proposal.account, undefined, 'the default account applies');
    const r = await srv.call('request_session_approval', p.proposal);
    assert.equal(r.isError, undefined, text(r));
    const req = r.structuredContent;
    assert.equal(req.accountType, 'kernel-v3');
    assert.equal(req.typedData.primaryType, 'Enable');
    assert.match(text(r), /If this account is already deployed, configure --rpc 8453=URL so the right nonce is used/);
    const conf = await srv.call('confirm_session', { sessionId: req.sessionId, signature: await OWNER.signTypedData(req.typedData) });
    assert.equal(conf.isError, undefined, text(conf));
    assert.equal(conf.structuredContent.status, 'active');
});

test('a pending request for the same automation is replaced (old key destroyed, audited), not refused as a duplicate', async (t) => {
    const { srv, home } = await clocked(t);
    const p = ok(await plan(srv));
    const first = ok(await srv.call('request_session_approval', p.proposal));
    // still pending: the plan does not call it covered, and following the plan again works
    const again = ok(await plan(srv));
    assert.equal(again.covered, false);
    const secondR = await srv.call('request_session_approval', again.proposal);
    const second = ok(secondR);
    assert.notEqual(second.sessionId, first.sessionId);
    assert.equal(second.replacedSessionId, first.sessionId);
    assert.ok(text(secondR).includes(`\nIt replaces the earlier unsigned request ${first.sessionId} for the same automation: ` +
        'that one can no longer be signed, and its key was destroyed.\n\nTyped data to sign:\n'));

    const db = await readDb(t, home);
    assert.deepEqual(db.session_keys.map((k) => k.session_id), [second.sessionId], 'the replaced request\'s key is gone');
    const old = db.sessions.find((s) => s.id === first.sessionId);
    assert.equal(old.status, 'revoked');
    assert.deepEqual(db.audit.map((a) => [a.event, a.session_id]),
        [['requested', first.sessionId], ['replaced', first.sessionId], ['requested', second.sessionId]]);
    const h = ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET }));
    const rep = h.entries.find((e) => e.event === 'replaced');
    assert.ok(JSON.stringify(rep).includes(second.sessionId), `the entry names the new request: ${JSON.stringify(rep)}`);
    // signing the replaced one no longer activates anything
    const late = await srv.call('confirm_session', { sessionId: first.sessionId, signature: await signTyped(OWNER, first.typedData) });
    assert.notEqual(late.structuredContent?.status, 'active');
    await requestAndSign(srv, { ...again.proposal });
});

test('plan and request agree after one slice is spent: both say this automation already runs', async (t) => {
    const { srv, clock, home } = await clocked(t);
    const p = ok(await plan(srv));
    const req = await requestAndSign(srv, p.proposal);
    assert.equal((await slice(home, clock, req.sessionId, 41670000n, T0 + 10, 1)).rule, 'ALLOWED');

    const after = ok(await plan(srv));
    assert.equal(after.covered, true);
    assert.equal(after.coveringSessionId, req.sessionId);
    assert.match(text(await plan(srv)), new RegExp(`^Session ${req.sessionId} already runs this automation: `));
    const dup = await srv.call('request_session_approval', p.proposal);
    assert.match(errText(dup), new RegExp(`^This wallet already has a session that runs this automation: ${req.sessionId} `));
});

test('duplicates by what the automation does: WETH->USDC TWAP while USDC->WETH runs is allowed; the same direction is not', async (t) => {
    const { srv } = await clocked(t);
    const up = ok(await plan(srv));
    const running = await requestAndSign(srv, up.proposal);

    const down = ok(await plan(srv, { automation: { ...TWAP, sellToken: 'WETH', buyToken: 'USDC', totalAmount: '0.5' } }));
    assert.equal(down.covered, false);
    const other = ok(await srv.call('request_session_approval', down.proposal));
    assert.notEqual(other.sessionId, running.sessionId);
    // a stop-loss on the pair is yet another automation
    const sl = ok(await plan(srv, { automation: { kind: 'stop_loss', token: 'WETH', amount: '0.5', triggerPrice: '2400', receiveToken: 'USDC' } }));
    assert.equal(sl.covered, false);
    ok(await srv.call('request_session_approval', sl.proposal));
    // the same direction again: refused, naming the running session
    assert.match(errText(await srv.call('request_session_approval', up.proposal)),
        new RegExp(`already has a session that runs this automation: ${running.sessionId}`));
});
