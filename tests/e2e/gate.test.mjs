// gate.test.mjs: the execution gate through the real binary. A session is approved the way a
// user would (request_session_approval -> viem signs the typed data -> confirm_session), then
// the official SDK client calls authorize_execution / report_execution, and
// `sessionkey-mcp exec` does the same from the command line. Checks: decisions and their exact
// rules, the user operation hash against viem's, the signature against the session key, the
// live figures in list_automations and the entries in get_session_history.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { concatHex, encodeFunctionData, pad, recoverMessageAddress } from 'viem';
import { getUserOperationHash } from 'viem/account-abstraction';

import { BIN, REPO, tempHome } from './lib.mjs';
import {
    ATTACKER,
    CHAIN_ID,
    ROUTER,
    USDC,
    WALLET,
    approveSession,
    call,
    connect,
    erc20Abi,
    kernelExecute,
    routerAbi,
    runExec,
    swapCall,
    swapData,
    usdc,
    userOp,
    viemUserOp,
} from './gate_lib.mjs';

const ENTRY_POINT = '0x0000000071727De22E5E9d8BAf0edAc6f37da032';
const TX = (n) => '0x' + n.toString(16).padStart(64, '0');

function opHash(op, chainId = CHAIN_ID) {
    return getUserOperationHash({ userOperation: viemUserOp(op), entryPointAddress: ENTRY_POINT, entryPointVersion: '0.7', chainId });
}

async function authorize(client, args) {
    const r = await call(client, 'authorize_execution', args);
    assert.ok(!r.isError, JSON.stringify(r.content));
    return r.structuredContent;
}

test('allowed execution: reserved, reported, counted in list_automations and the history', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c);

    const d = await authorize(c, { sessionId, calls: [swapCall({ amountIn: usdc(50) })], chainId: CHAIN_ID, account: WALLET });
    assert.equal(d.allowed, true);
    assert.equal(d.rule, 'ALLOWED');
    assert.equal(d.amount, '$50 USDC');
    assert.match(d.reservationId, /^res_[a-z2-7]{26}$/);
    assert.equal(d.signature, undefined, 'no userOp: nothing is signed');

    let list = (await call(c, 'list_automations', { walletAddress: WALLET })).structuredContent.sessions[0];
    assert.equal(list.spent, '$0 USDC');
    assert.equal(list.remaining, '$950 USDC', 'a reservation counts against what is left');
    assert.equal(list.inFlight, 1);

    const rep = await call(c, 'report_execution', { reservationId: d.reservationId, outcome: 'executed', txHash: TX(1) });
    assert.ok(!rep.isError, JSON.stringify(rep.content));
    assert.equal(rep.structuredContent.state, 'committed');
    assert.equal(rep.structuredContent.spent, '$50 USDC');
    const again = await call(c, 'report_execution', { reservationId: d.reservationId, outcome: 'executed', txHash: TX(1) });
    assert.equal(again.structuredContent.alreadyRecorded, true);
    const conflict = await call(c, 'report_execution', { reservationId: d.reservationId, outcome: 'failed' });
    assert.equal(conflict.isError, true);

    const d2 = await authorize(c, { sessionId, calls: [swapCall({ amountIn: usdc(20) })] });
    await call(c, 'report_execution', { reservationId: d2.reservationId, outcome: 'failed', reason: 'reverted: STF' });
    const denied = await authorize(c, { sessionId, calls: [swapCall({ amountIn: usdc(72) })] });
    assert.equal(denied.allowed, false);
    assert.equal(denied.rule, 'PER_TX_CAP');
    assert.equal(denied.reason, 'This trade spends $72 USDC; the session allows at most $50 USDC per trade.');

    list = (await call(c, 'list_automations', { walletAddress: WALLET })).structuredContent.sessions[0];
    assert.equal(list.spent, '$50 USDC');
    assert.equal(list.executed, 1);
    assert.equal(list.remaining, '$950 USDC');
    assert.equal(list.inFlight, 0);
    assert.equal(list.feature, 'twap');
    assert.equal(list.slicesTotal, 20);
    assert.equal(list.slicesDone, 1);
    assert.equal(list.slicesLeft, 19);

    const hist = (await call(c, 'get_session_history', { sessionId, limit: 50 })).structuredContent.entries;
    const events = hist.map((e) => e.event);
    assert.deepEqual(events.slice(0, 5), ['execution_denied', 'execution_released', 'execution_allowed', 'execution_committed', 'execution_allowed']);
    assert.equal(hist[0].details.rule, 'PER_TX_CAP');
    assert.equal(hist[3].details.txHash, TX(1));
    const verify = runExecRaw(['audit', 'verify', '--data-dir', home]);
    assert.equal(JSON.parse(verify).ok, true);
});

function runExecRaw(args) {
    const r = spawnSync(BIN, args, { encoding: 'utf8' });
    return r.stdout;
}

test('user operation: the gate hashes it like viem and signs with the session key', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId, sessionKey } = await approveSession(c, { permissions: { maxPerTransaction: '100' } });

    // a Kernel batch of two swaps
    const op = userOp(kernelExecute([swapCall({ amountIn: usdc(30) }), swapCall({ amountIn: usdc(40) })]), { nonce: 7n });
    const hash = opHash(op);
    const d = await authorize(c, { sessionId, userOp: op, userOpHash: hash });
    assert.equal(d.rule, 'ALLOWED', d.reason);
    assert.equal(d.amount, '$70 USDC');
    assert.equal(d.userOpHash, hash);
    assert.match(d.signature, /^0xff[0-9a-f]{130}$/);
    const signer = await recoverMessageAddress({ message: { raw: hash }, signature: '0x' + d.signature.slice(4) });
    assert.equal(signer.toLowerCase(), sessionKey.toLowerCase());

    // the same calls given explicitly must match the operation's
    const same = await authorize(c, { sessionId, userOp: op, calls: [swapCall({ amountIn: usdc(30) }), swapCall({ amountIn: usdc(40) })] });
    assert.equal(same.rule, 'ALLOWED');
    const differ = await authorize(c, { sessionId, userOp: op, calls: [swapCall({ amountIn: usdc(1) })] });
    assert.equal(differ.rule, 'USEROP_MISMATCH');
    assert.equal(differ.signature, undefined);

    // cross-chain replay: a hash for Arbitrum is not this operation's hash on Base
    const other = await authorize(c, { sessionId, userOp: op, userOpHash: opHash(op, 42161) });
    assert.equal(other.rule, 'USEROP_MISMATCH');
    // a bare hash is never signed
    const blind = await authorize(c, { sessionId, calls: [swapCall()], userOpHash: hash });
    assert.equal(blind.rule, 'USEROP_REQUIRED');
    // cross-account replay
    const foreign = await authorize(c, { sessionId, userOp: { ...op, sender: ATTACKER } });
    assert.equal(foreign.rule, 'WRONG_ACCOUNT');
    // delegatecall through Kernel's execution mode 0xff
    const dc = userOp(
        encodeFunctionData({
            abi: [{ type: 'function', name: 'execute', inputs: [{ type: 'bytes32' }, { type: 'bytes' }], outputs: [], stateMutability: 'payable' }],
            functionName: 'execute',
            args: [pad('0xff', { dir: 'right', size: 32 }), concatHex([ROUTER, swapData()])],
        }),
    );
    assert.equal((await authorize(c, { sessionId, userOp: dc })).rule, 'DELEGATECALL');
    // an operation that calls the account's own functions
    const install = userOp(encodeFunctionData({
        abi: [{ type: 'function', name: 'installModule', inputs: [{ type: 'uint256' }, { type: 'address' }, { type: 'bytes' }], outputs: [], stateMutability: 'payable' }],
        functionName: 'installModule',
        args: [1n, ATTACKER, '0x'],
    }));
    assert.equal((await authorize(c, { sessionId, userOp: install })).rule, 'SELF_CALL');
});

test('pitfalls through the binary: each refused with its rule', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c, { permissions: { allowedFunctions: ['exactInputSingle', 'multicall(uint256,bytes[])'] } });
    const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [ATTACKER, 2n ** 256n - 1n] });
    const transfer = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [ATTACKER, 1n] });
    const sweep = encodeFunctionData({ abi: routerAbi, functionName: 'sweepToken', args: [USDC, 0n, ATTACKER] });
    const multicall = (inner) => ({ target: ROUTER, value: '0', data: encodeFunctionData({ abi: routerAbi, functionName: 'multicall', args: [2000000000n, inner] }) });
    const cases = [
        ['approve the sell token', [{ target: USDC, value: '0', data: approve }], 'APPROVAL_NOT_ALLOWED'],
        ['transfer the sell token', [{ target: USDC, value: '0', data: transfer }], 'TRANSFER_NOT_ALLOWED'],
        ['multicall smuggling a sweep', [multicall([swapData(), sweep])], 'TRANSFER_NOT_ALLOWED'],
        ['multicall inside a multicall', [multicall([multicall([swapData()]).data])], 'NESTED_BATCH'],
        ['swap output to an attacker', [swapCall({ recipient: ATTACKER })], 'RECIPIENT_NOT_WALLET'],
        ['no minimum output', [swapCall({ minOut: 0n })], 'MIN_OUT_ZERO'],
        ['paying with another token', [swapCall({ tokenIn: '0x4200000000000000000000000000000000000006' })], 'TOKEN_IN_MISMATCH'],
        ['a call to the wallet itself', [{ target: WALLET, value: '0', data: swapData() }], 'SELF_CALL'],
        ['a delegatecall', [{ ...swapCall(), callType: 'delegatecall' }], 'DELEGATECALL'],
        ['ETH with the swap', [{ ...swapCall(), value: '1' }], 'VALUE_LIMIT'],
        ['truncated call data', [{ target: ROUTER, value: '0', data: swapData().slice(0, 100) }], 'MALFORMED_CALLDATA'],
    ];
    for (const [what, calls, rule] of cases) {
        const d = await authorize(c, { sessionId, calls });
        assert.equal(d.rule, rule, `${what}: ${d.reason}`);
        assert.equal(d.allowed, false);
        assert.equal(d.reservationId, undefined);
    }
    assert.equal((await authorize(c, { sessionId, calls: [swapCall()], chainId: 42161 })).rule, 'WRONG_CHAIN');
    assert.equal((await authorize(c, { sessionId, calls: [swapCall()], account: ATTACKER })).rule, 'WRONG_ACCOUNT');
    // nothing was reserved by any of them
    const list = (await call(c, 'list_automations', { walletAddress: WALLET })).structuredContent.sessions[0];
    assert.equal(list.remaining, '$1000 USDC');

    // over the total cap, with the words the user reads
    for (let i = 0; i < 20; i++) assert.equal((await authorize(c, { sessionId, calls: [swapCall()] })).allowed, true);
    const over = await authorize(c, { sessionId, calls: [swapCall({ amountIn: usdc(20) })] });
    assert.equal(over.rule, 'TOTAL_CAP');
    assert.equal(over.reason, 'This transaction would bring the total to $1020 USDC; the session allows $1000 USDC ($1000 USDC already spent or reserved).');

    // revoked: nothing more
    const rev = await call(c, 'revoke_session', { sessionId, reason: 'e2e' });
    assert.ok(!rev.isError, JSON.stringify(rev.content));
    const after = await authorize(c, { sessionId, calls: [swapCall()] });
    assert.equal(after.rule, 'SESSION_NOT_ACTIVE');
});

test('over the rate limit, and a TWAP and a stop-loss on one wallet keep separate budgets', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const twap = await approveSession(c, { label: 'USDC TWAP', permissions: { maxTotal: '100', rateLimit: { count: 2, period: 3600 } } });
    const stop = await approveSession(c, { label: 'ETH stop loss', permissions: { maxPerTransaction: '500', maxTotal: '500' } });
    assert.equal((await authorize(c, { sessionId: twap.sessionId, calls: [swapCall({ amountIn: usdc(10) })] })).allowed, true);
    assert.equal((await authorize(c, { sessionId: twap.sessionId, calls: [swapCall({ amountIn: usdc(10) })] })).allowed, true);
    const rl = await authorize(c, { sessionId: twap.sessionId, calls: [swapCall({ amountIn: usdc(10) })] });
    assert.equal(rl.rule, 'RATE_LIMIT');
    assert.match(rl.reason, /^The session allows 2 trades per hour, and 2 already ran in the last 1 hour; the next one is allowed at /);
    const big = await authorize(c, { sessionId: stop.sessionId, calls: [swapCall({ amountIn: usdc(500) })] });
    assert.equal(big.rule, 'ALLOWED', 'the stop-loss budget is its own');
    const sessions = (await call(c, 'list_automations', { walletAddress: WALLET })).structuredContent.sessions;
    const byId = Object.fromEntries(sessions.map((s) => [s.sessionId, s]));
    assert.equal(byId[twap.sessionId].remaining, '$80 USDC');
    assert.equal(byId[stop.sessionId].remaining, '$0 USDC');
    assert.equal(byId[stop.sessionId].slicesLeft, undefined, 'only TWAP sessions count slices');
});

test('sessionkey-mcp exec: decisions and reports on the command line', async (t) => {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c);
    await c.close();

    const r = await runExec(home, [
        { sessionId, calls: [swapCall()] },
        { sessionId, calls: [swapCall({ recipient: ATTACKER })] },
        { sessionId: 'ses_nosuchsession', calls: [swapCall()] },
        { sessionId, calls: [{ target: ROUTER, value: '0', data: 'nothex' }] },
    ]);
    assert.equal(r.code, 1, 'a line that could not be decided makes the exit status 1');
    assert.equal(r.results.length, 4);
    assert.equal(r.results[0].rule, 'ALLOWED');
    assert.equal(r.results[1].rule, 'RECIPIENT_NOT_WALLET');
    assert.equal(r.results[2].code, 'NOT_FOUND');
    assert.equal(r.results[3].code, 'INVALID_ARGUMENT');
    assert.match(r.results[3].error, /calls\[0\]\.data|data/);

    const ok = await runExec(home, [{ sessionId, calls: [swapCall()] }]);
    assert.equal(ok.code, 0);
    const rep = await runExec(home, [
        { reservationId: r.results[0].reservationId, outcome: 'executed', txHash: TX(9) },
        { reservationId: ok.results[0].reservationId, outcome: 'failed' },
    ], { report: true });
    assert.equal(rep.code, 0, rep.stderr);
    assert.deepEqual(rep.results.map((x) => x.state), ['committed', 'released']);
    assert.equal(rep.results[1].spent, '$50 USDC');
    assert.equal(rep.results[1].remaining, '$950 USDC');
});

const TEST_BIN = process.env.SKM_TEST_BIN || path.join(REPO, 'build/test/sessionkey-mcp');

test('expiry and lapsed reservations follow the clock (test build)', { skip: !existsSync(TEST_BIN) && 'no test build' }, async (t) => {
    const home = tempHome(t);
    const clock = path.join(home, 'clock');
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(clock, String(now));
    const env = { SKM_TEST_CLOCK: clock, SKM_BIN_OVERRIDE: TEST_BIN };
    const c = await connect(t, home, env);
    const { sessionId } = await approveSession(c, { duration: 3600, permissions: { maxTotal: '100' } });
    const a = await authorize(c, { sessionId, calls: [swapCall()] });
    const b = await authorize(c, { sessionId, calls: [swapCall()] });
    assert.equal(a.allowed && b.allowed, true);
    assert.equal((await authorize(c, { sessionId, calls: [swapCall()] })).rule, 'TOTAL_CAP');
    // 10 minutes later the unreported reservations lapse and stop counting
    writeFileSync(clock, String(now + 600));
    const list = (await call(c, 'list_automations', { walletAddress: WALLET })).structuredContent.sessions[0];
    assert.equal(list.remaining, '$100 USDC');
    assert.equal((await authorize(c, { sessionId, calls: [swapCall()] })).rule, 'ALLOWED');
    // a late report of a lapsed one is still recorded
    const late = await call(c, 'report_execution', { reservationId: a.reservationId, outcome: 'executed', txHash: TX(3) });
    assert.equal(late.structuredContent.late, true);
    assert.equal(late.structuredContent.spent, '$50 USDC');
    // an hour later the session has expired
    writeFileSync(clock, String(now + 3600));
    const exp = await authorize(c, { sessionId, calls: [swapCall()] });
    assert.equal(exp.rule, 'SESSION_NOT_ACTIVE');
    assert.match(exp.reason, /expired at/);
});
