// gate_nonce.test.mjs: limits that hold against a dishonest or buggy executor (issue 11),
// through the real binary. Sessions are approved over MCP; the executor's calls go through
// `sessionkey-mcp exec` / `exec report` (the executor's interface). A loopback JSON-RPC stub
// plays the bundler (eth_getUserOperationReceipt) and the chain (eth_chainId, eth_call
// EntryPoint.getNonce). Each test names the rule it expects and checks that the total of all
// signatures that could still execute stays within the caps: per nonce only one operation can
// ever run, so the executable total is the sum over unused nonces of the largest amount signed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KernelV3_1AccountAbi, constants } from '@zerodev/sdk';
import { concatHex, encodeAbiParameters, encodeFunctionData, getAddress, numberToHex, pad, toHex } from 'viem';

import { ATTACKER, kernelExecute, runExec, swapCall, usdc, userOp } from './gate_lib.mjs';
import { BIN, defer } from './lib.mjs';
import { QUOTER_BASE } from './quote_node.mjs';
import {
    BASE_ROUTER, BASE_USDC, OWNER, SMART_WALLET, STRANGER, T0, TEST_BIN, approve, ok, signTyped, startServer, testClock, text,
} from './lifecycle_lib.mjs';

const ENTRY_POINT = '0x0000000071727De22E5E9d8BAf0edAc6f37da032';
const PAYMASTER = '0x00000000000000000000000000000000000Fee01';
const skip = !existsSync(TEST_BIN) && 'no test build (make FLAVOUR=test)';

function home(t) {
    const dir = mkdtempSync(path.join(tmpdir(), 'skm-nonce-'));
    defer(t, () => rmSync(dir, { recursive: true, force: true }));
    return dir;
}

/* The loopback bundler + node. state.receipts: {userOpHash: {success, tx}}; state.next: {nonceKeyHex: next sequence}. */
async function startStub(t) {
    const state = { receipts: {}, next: {}, calls: [] };
    const handle = ({ id, method, params }) => {
        state.calls.push(method);
        const answer = (result) => ({ jsonrpc: '2.0', id, result });
        if (method === 'eth_chainId') return answer('0x2105');
        if (method === 'eth_getUserOperationReceipt') {
            const r = state.receipts[params[0].toLowerCase()];
            return answer(r ? { userOpHash: params[0], success: r.success, receipt: { transactionHash: r.tx } } : null);
        }
        if (method === 'eth_call' && params[0].to.toLowerCase() === ENTRY_POINT.toLowerCase() && params[0].data.startsWith('0x35567e1a')) {
            const key = '0x' + params[0].data.slice(90, 138);
            return answer(numberToHex((BigInt(key) << 64n) | (state.next[key] ?? 0n), { size: 32 }));
        }
        // the price source (issue 11's price rules): QuoterV2 quotes 1 base unit for any exact-input
        // swap, so every minimum output above 0 is within the slippage (as gate_lib's default node)
        if (method === 'eth_call' && params[0].to.toLowerCase() === QUOTER_BASE.toLowerCase())
            return answer(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint160' }, { type: 'uint32' }, { type: 'uint256' }], [1n, 0n, 1, 100000n]));
        return { jsonrpc: '2.0', id, error: { code: -32601, message: `not stubbed: ${method}` } };
    };
    const srv = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            const msg = JSON.parse(body);
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify(Array.isArray(msg) ? msg.map(handle) : handle(msg)));
        });
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    defer(t, () => new Promise((r) => srv.close(r)));
    state.url = `http://127.0.0.1:${srv.address().port}`;
    return state;
}

/* A session for an `other` account: $50 per trade, $100 in total unless perm says otherwise. */
function otherArgs(perm = {}) {
    return {
        walletAddress: SMART_WALLET,
        ownerAddress: OWNER.address,
        duration: 86400,
        account: { type: 'other' },
        spendToken: BASE_USDC,
        label: 'USDC TWAP',
        permissions: {
            chainId: 8453, contractAddress: BASE_ROUTER, allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50', maxTotal: '100', ...perm,
        },
    };
}

const nonceOf = (key, seq) => (BigInt(key) << 64n) | BigInt(seq);

/* A user operation swapping `dollars` USDC on nonce (key, seq); gas overrides in over. */
function op(dollars, seq, { key = 0n, sender = SMART_WALLET, ...over } = {}) {
    const o = userOp(kernelExecute([swapCall({ amountIn: usdc(dollars), recipient: sender })]), { sender, nonce: nonceOf(key, seq) });
    return { ...o, ...over };
}

/* One executor: exec / exec report on the data dir, with the stub as bundler and node. */
function executor(dir, clock, stub, { bundler = true, rpc = true, known } = {}) {
    const env = { SKM_TEST_CLOCK: clock.file };
    if (bundler) env.SKM_BUNDLER_8453 = stub.url;
    if (rpc) env.SKM_RPC_8453 = stub.url;
    const signed = []; // every signature given: {nonce, amount}
    const run = async (req, report) => {
        const r = await runExec(dir, [req], { report, bin: TEST_BIN, env });
        assert.equal(r.results.length, 1, r.stderr);
        return r.results[0];
    };
    return {
        signed,
        async authorize(sessionId, userOpArg, dollars) {
            // nonces are public: the server names them (list, revoke), so the secret scan may see them
            known?.add(numberToHex(BigInt(userOpArg.nonce), { size: 32 }).slice(2));
            const d = await run({ sessionId, userOp: userOpArg, chainId: 8453, account: userOpArg.sender }, false);
            assert.equal(typeof d.allowed, 'boolean', JSON.stringify(d));
            if (d.allowed) {
                assert.match(d.signature, /^0xff[0-9a-f]{130}$/);
                signed.push({ nonce: BigInt(userOpArg.nonce), amount: dollars, hash: d.userOpHash });
            } else assert.equal(d.signature, undefined);
            return d;
        },
        report: (req) => run(req, true),
        /* The most the signatures given could still spend: per unused nonce, the largest amount. */
        executable(used = () => false) {
            const per = new Map();
            for (const s of signed) if (!used(s)) per.set(s.nonce, Math.max(per.get(s.nonce) ?? 0, s.amount));
            return { total: [...per.values()].reduce((a, b) => a + b, 0), nonces: per.size };
        },
    };
}

async function setup(t, perm = {}, execOpts = {}) {
    const dir = home(t);
    const clock = testClock(t, dir, T0);
    const stub = await startStub(t);
    const srv = await startServer(t, { home: dir, env: clock.env });
    const { req } = await approve(srv, otherArgs(perm));
    return { dir, clock, stub, srv, sessionId: req.sessionId, req, ex: executor(dir, clock, stub, { known: srv.known, ...execOpts }) };
}

test('report-failed loop: ten authorize -> "failed" rounds on a $100 session give at most two executable $50 signatures', { skip }, async (t) => {
    const { sessionId, ex, srv } = await setup(t);
    const rules = [];
    for (let i = 0; i < 10; i++) {
        const d = await ex.authorize(sessionId, op(50, i), 50);
        rules.push(d.rule);
        if (!d.allowed) continue;
        const r = await ex.report({ reservationId: d.reservationId, outcome: 'failed', reason: 'reverted' });
        assert.equal(r.state, 'reserved', 'a bare "failed" releases nothing');
        assert.equal(r.stillCounts, true);
        assert.match(r.evidence, /has not used nonce 0x0{48}0{15}\d/);
    }
    assert.deepEqual(rules, ['ALLOWED', 'ALLOWED', ...Array(8).fill('TOTAL_CAP')]);
    // retrying on one of the signed nonces is allowed: it is counted once, so nothing grows
    for (let i = 1; i <= 5; i++) assert.equal((await ex.authorize(sessionId, op(50 - i, 0), 50 - i)).rule, "ALLOWED");
    assert.equal((await ex.authorize(sessionId, op(50, 2), 50)).rule, 'TOTAL_CAP');
    const { total, nonces } = ex.executable();
    assert.equal(nonces, 2);
    assert.ok(total <= 100, `executable total $${total} exceeds the $100 cap`);
    const s = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET })).sessions[0];
    assert.equal(s.inFlight, 2);
    assert.equal(s.remaining, '$0 USDC');
    assert.equal(s.unsettledOperations.length, 2);
    assert.equal(s.unsettledOperations[0].signatures, 6);
    assert.match(text(await srv.call('list_automations', { walletAddress: SMART_WALLET })), /In flight: \$50 USDC signed at .* \(nonce 0x0+\), not settled yet/);
});

test('retry on the same nonce: counted once, at the largest amount signed', { skip }, async (t) => {
    const { sessionId, ex } = await setup(t);
    const a = await ex.authorize(sessionId, op(30, 5), 30);
    const b = await ex.authorize(sessionId, op(50, 5), 50);
    const c = await ex.authorize(sessionId, op(20, 5), 20);
    assert.deepEqual([a.rule, b.rule, c.rule], ['ALLOWED', 'ALLOWED', 'ALLOWED']);
    assert.equal(b.reservationId, a.reservationId);
    assert.equal(c.reservationId, a.reservationId);
    assert.match(c.reason, /\$50 USDC of the \$100 USDC total will be left/);
    // $50 left: one more $50 on a new nonce, then nothing
    assert.equal((await ex.authorize(sessionId, op(50, 6), 50)).rule, 'ALLOWED');
    const over = await ex.authorize(sessionId, op(1, 7), 1);
    assert.equal(over.rule, 'TOTAL_CAP');
    assert.match(over.reason, /\$101 USDC/);
    assert.ok(ex.executable().total <= 100);
});

test('release only with evidence: a receipt that reverted, a nonce used elsewhere, or a receipt that ran (commits)', { skip }, async (t) => {
    const { dir, clock, stub, sessionId, ex } = await setup(t);
    const used = new Set();
    const a = await ex.authorize(sessionId, op(50, 0), 50);
    // without a bundler the gate cannot see anything: it keeps counting and says why
    const blind = await executor(dir, clock, stub, { bundler: false }).report({ reservationId: a.reservationId, outcome: 'failed' });
    assert.equal(blind.stillCounts, true);
    assert.match(blind.evidence, /no bundler is configured for chain 8453 \(pass --bundler 8453=URL or set SKM_BUNDLER_8453\)/);
    // the bundler's receipt says it reverted: released, and its nonce can never be signed again
    stub.receipts[a.userOpHash] = { success: false, tx: '0x' + 'ab'.repeat(32) };
    stub.next['0x' + '0'.repeat(48)] = 1n;
    used.add(0n);
    const r1 = await ex.report({ reservationId: a.reservationId, outcome: 'failed' });
    assert.equal(r1.state, 'released');
    assert.equal(r1.stillCounts, false);
    assert.match(r1.evidence, /ran and reverted in transaction 0x(ab){32}/);
    assert.equal((await ex.authorize(sessionId, op(50, 0), 50)).rule, 'NONCE_USED');
    // nonce 1 was used by an operation the gate never signed: released
    const b = await ex.authorize(sessionId, op(50, 1), 50);
    assert.equal(b.rule, 'ALLOWED');
    stub.next['0x' + '0'.repeat(48)] = 2n;
    used.add(1n);
    const r2 = await ex.report({ reservationId: b.reservationId, outcome: 'failed', reason: 'replaced' });
    assert.equal(r2.state, 'released');
    assert.match(r2.evidence, /another operation took it/);
    // nonce 2 ran although the executor says it failed: the chain wins, it is spent
    const c = await ex.authorize(sessionId, op(50, 2), 50);
    stub.receipts[c.userOpHash] = { success: true, tx: '0x' + 'cd'.repeat(32) };
    stub.next['0x' + '0'.repeat(48)] = 3n;
    const r3 = await ex.report({ reservationId: c.reservationId, outcome: 'failed' });
    assert.equal(r3.state, 'committed');
    assert.equal(r3.txHash, '0x' + 'cd'.repeat(32));
    assert.equal(r3.spent, '$50 USDC');
    assert.equal((await ex.authorize(sessionId, op(50, 3), 50)).rule, 'ALLOWED');
    assert.equal((await ex.authorize(sessionId, op(50, 4), 50)).rule, 'TOTAL_CAP');
    // spent ($50 at nonce 2) + what could still run (nonce 3) stays within $100
    const still = ex.executable((s) => used.has(s.nonce & 0xffffffffffffffffn) || s.nonce === 2n);
    assert.ok(50 + still.total <= 100, `spent + executable = $${50 + still.total}`);
});

test('silence past the old 10-minute lapse: an unsettled signature keeps its amount and its rate slot', { skip }, async (t) => {
    const { clock, sessionId, ex, srv } = await setup(t, { rateLimit: { count: 1, period: 3600 } });
    assert.equal((await ex.authorize(sessionId, op(10, 0), 10)).rule, 'ALLOWED');
    for (const dt of [601, 1201, 3000, 3601, 7300]) {
        clock.set(T0 + dt);
        const d = await ex.authorize(sessionId, op(10, 1), 10);
        assert.equal(d.rule, 'RATE_LIMIT', `at +${dt}s`);
        assert.match(d.reason, /1 signed operation is not settled yet/);
    }
    // a retry on the unsettled nonce takes no new slot
    const retry = await ex.authorize(sessionId, op(20, 0), 20);
    assert.equal(retry.rule, 'ALLOWED');
    const s = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET })).sessions[0];
    assert.equal(s.remaining, '$80 USDC');
    assert.equal(s.unsettledOperations[0].amount, '$20 USDC');
    assert.equal(ex.executable().nonces, 1, 'at most one executable operation under 1 trade per hour');
    // once it is reported executed, its slot is the report's time
    clock.set(T0 + 8000);
    assert.equal((await ex.report({ reservationId: retry.reservationId, outcome: 'executed', txHash: '0x' + '12'.repeat(32) })).state, 'committed');
    clock.set(T0 + 8000 + 3599);
    assert.equal((await ex.authorize(sessionId, op(10, 1), 10)).rule, 'RATE_LIMIT');
    clock.set(T0 + 8000 + 3601);
    assert.equal((await ex.authorize(sessionId, op(10, 1), 10)).rule, 'ALLOWED');
});

test('other nonce keys: an `other` session keeps the key of its first signature', { skip }, async (t) => {
    const { sessionId, ex } = await setup(t);
    const k1 = 0x0abcn;
    assert.equal((await ex.authorize(sessionId, op(10, 0, { key: k1 }), 10)).rule, 'ALLOWED');
    const d = await ex.authorize(sessionId, op(10, 0, { key: 0n }), 10);
    assert.equal(d.rule, 'NONCE_KEY');
    assert.match(d.reason, /first signature fixed its key to 0x0{44}0abc/);
    assert.equal((await ex.authorize(sessionId, op(10, 1, { key: (1n << 191n) | k1 }), 10)).rule, 'NONCE_KEY');
    assert.equal((await ex.authorize(sessionId, op(10, 1, { key: k1 }), 10)).rule, 'ALLOWED');
    assert.equal(ex.executable().nonces, 2);
});

test('fees: a 10 ETH fee, max gas fields and paymaster gas over the 0.005 ETH default are refused (FEE_CAP)', { skip }, async (t) => {
    const { sessionId, ex, req } = await setup(t);
    assert.match(req.summary?.text ?? JSON.stringify(req), /✓ Fees: at most 0\.005 ETH per trade/);
    // 1,000,000 gas x 10,000 gwei = 10 ETH
    const ten = await ex.authorize(sessionId, op(10, 0, { callGasLimit: '0x0', verificationGasLimit: '0xf4240', preVerificationGas: '0x0', maxFeePerGas: numberToHex(10n ** 13n) }), 10);
    assert.equal(ten.rule, 'FEE_CAP');
    assert.match(ten.reason, /could cost up to 10 ETH .*at most 0\.005 ETH per operation/);
    const max = '0x' + 'f'.repeat(32);
    const huge = await ex.authorize(sessionId, op(10, 0, { callGasLimit: max, verificationGasLimit: max, preVerificationGas: max, maxFeePerGas: max, maxPriorityFeePerGas: max }), 10);
    assert.equal(huge.rule, 'FEE_CAP');
    assert.match(huge.reason, /more than anyone holds/);
    // exactly the cap: 5,000,000 gas x 1 gwei = 0.005 ETH
    const exact = { callGasLimit: '0x3d0900', verificationGasLimit: '0xf4240', preVerificationGas: '0x0', maxFeePerGas: '0x3b9aca00' };
    assert.equal((await ex.authorize(sessionId, op(10, 0, exact), 10)).rule, 'ALLOWED');
    // paymaster gas counts too (and a paymaster must be allowed first: see below)
    assert.equal(ex.executable().total <= 100, true);
});

test('paymasters: none unless configured; a configured one is named in the summary; others refused (PAYMASTER_NOT_ALLOWED)', { skip }, async (t) => {
    const pm = (addr, gas = '0x1') => ({ paymaster: addr, paymasterVerificationGasLimit: gas, paymasterPostOpGasLimit: gas, paymasterData: '0x' });
    {
        const { sessionId, ex } = await setup(t);
        const d = await ex.authorize(sessionId, op(10, 0, pm(ATTACKER)), 10);
        assert.equal(d.rule, 'PAYMASTER_NOT_ALLOWED');
        assert.match(d.reason, /paymaster 0x000000000000000000000000000000000000dEaD, which the session does not allow \(it allows none\)/);
    }
    const { sessionId, ex, req } = await setup(t, { paymasters: [PAYMASTER], maxFeePerOperation: '0.02' });
    const summary = JSON.stringify(req);
    assert.match(summary, /✓ Fees: at most 0\.02 ETH per trade/);
    assert.ok(summary.includes(`Gas may be paid by the paymaster ${getAddress(PAYMASTER)}`), summary);
    assert.equal((await ex.authorize(sessionId, op(10, 0, pm(ATTACKER)), 10)).rule, 'PAYMASTER_NOT_ALLOWED');
    assert.equal((await ex.authorize(sessionId, op(10, 0, pm(PAYMASTER)), 10)).rule, 'ALLOWED');
    // 0.019 ETH of operation gas + 0.002 ETH of paymaster gas = 0.021 ETH > 0.02 ETH
    const gas = { callGasLimit: numberToHex(19_000_000n), verificationGasLimit: '0x0', preVerificationGas: '0x0', maxFeePerGas: '0x3b9aca00' };
    assert.equal((await ex.authorize(sessionId, op(10, 1, gas), 10)).rule, 'ALLOWED');
    const d = await ex.authorize(sessionId, op(10, 2, { ...gas, ...pm(PAYMASTER, numberToHex(1_000_000n)) }), 10);
    assert.equal(d.rule, 'FEE_CAP');
    assert.match(d.reason, /0\.021 ETH/);
});

test('revoke_session names the signed operations that can still run, with the cancel (other: the same nonce)', { skip }, async (t) => {
    const { sessionId, ex, srv } = await setup(t);
    const d = await ex.authorize(sessionId, op(50, 3, { key: 7n }), 50);
    assert.equal(d.rule, 'ALLOWED');
    const r = await srv.call('revoke_session', { sessionId });
    const sc = ok(r);
    assert.deepEqual(sc.revoked, [sessionId]);
    assert.equal(sc.stillExecutable.length, 1);
    const s = sc.stillExecutable[0];
    assert.equal(s.amount, '$50 USDC');
    assert.equal(s.nonce, numberToHex(nonceOf(7n, 3n), { size: 32 }));
    assert.equal(s.cancel.kind, 'use-nonce');
    assert.equal(s.cancel.sender, SMART_WALLET);
    assert.match(text(r), /1 operation already signed for session .* is not settled yet:\n- \$50 USDC, nonce 0x0+70+3, signed at 2026-01-01T00:00:00Z: it can still run until that nonce is used/);
    assert.match(text(r), /sends an operation of their own from 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed with the same nonce/);
    // revoked: nothing new is signed, and a retry on that nonce neither
    assert.equal((await ex.authorize(sessionId, op(50, 3, { key: 7n }), 50)).rule, 'SESSION_NOT_ACTIVE');
});

/* ---- Kernel v3 ---- */

function kernelAccount() {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: STRANGER.address, chainId: 8453, kernelVersion: '0.3.1',
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

test('Kernel v3: the nonce key must select the session permission (SDK layout), and revoke gives the uninstall call', { skip }, async (t) => {
    const dir = home(t);
    const clock = testClock(t, dir, T0);
    const stub = await startStub(t);
    const srv = await startServer(t, { home: dir, env: clock.env, checkSecrets: false });
    const wallet = kernelAccount();
    const args = {
        ...otherArgs(), walletAddress: wallet,
        account: { type: 'kernel-v3', kernelVersion: '0.3.1', onchain: { deployed: false, currentNonce: 1 } },
    };
    const req = ok(await srv.call('request_session_approval', args));
    const conf = ok(await srv.call('confirm_session', { sessionId: req.sessionId, signature: await OWNER.signTypedData(req.typedData) }));
    assert.equal(conf.status, 'active');
    const { validationId, validatorData } = req.typedData.message;
    const permissionId = '0x' + validationId.slice(4, 12);
    // the SDK's getNonceKey (toKernelPluginManager): mode || type || identifier padded right to 20 bytes || custom key (2 bytes)
    const sdkKey = (mode, custom = 0n) => BigInt(pad(concatHex([
        mode, constants.VALIDATOR_TYPE.PERMISSION, pad(permissionId, { size: 20, dir: 'right' }), pad(toHex(custom), { size: 2 }),
    ]), { size: 24 }));
    const ex = executor(dir, clock, stub, { known: srv.known });
    const kop = (seq, key) => op(10, seq, { key, sender: wallet });
    const zero = await ex.authorize(req.sessionId, kop(0, 0n), 10);
    assert.equal(zero.rule, 'NONCE_KEY');
    assert.match(zero.reason, new RegExp(`0x02 \\|\\| ${permissionId.slice(2)} \\|\\| 16 zero bytes`));
    const wrongPid = sdkKey(constants.VALIDATOR_MODE.ENABLE) ^ (1n << 150n);
    assert.equal((await ex.authorize(req.sessionId, kop(0, wrongPid), 10)).rule, 'NONCE_KEY');
    const sudo = BigInt(pad(concatHex(['0x00', constants.VALIDATOR_TYPE.SUDO, pad(permissionId, { size: 20, dir: 'right' }), '0x0000']), { size: 24 }));
    assert.equal((await ex.authorize(req.sessionId, kop(0, sudo), 10)).rule, 'NONCE_KEY');
    const enable = await ex.authorize(req.sessionId, kop(0, sdkKey(constants.VALIDATOR_MODE.ENABLE)), 10);
    assert.equal(enable.rule, 'ALLOWED', enable.reason);
    assert.equal((await ex.authorize(req.sessionId, kop(0, sdkKey(constants.VALIDATOR_MODE.DEFAULT, 3n)), 10)).rule, 'ALLOWED');
    // revoke: both operations named, and the exact uninstall call, byte for byte viem's encoding
    const r = await srv.call('revoke_session', { sessionId: req.sessionId });
    const sc = ok(r);
    assert.equal(sc.stillExecutable.length, 2);
    const want = encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: 'uninstallValidation', args: [validationId, validatorData, '0x'] });
    for (const s of sc.stillExecutable) {
        assert.equal(s.cancel.kind, 'uninstall-permission');
        assert.equal(s.cancel.to, wallet);
        assert.equal(s.cancel.data, want);
    }
    assert.ok(text(r).includes(`data ${want}`));
});

test('--bundler on the command line and "bundler" in the config file reach the gate (same evidence as SKM_BUNDLER_<id>)', { skip }, async (t) => {
    const { dir, clock, stub, sessionId, ex } = await setup(t);
    const a = await ex.authorize(sessionId, op(50, 0), 50);
    stub.receipts[a.userOpHash] = { success: false, tx: '0x' + 'ef'.repeat(32) };
    // spawn, not spawnSync: the stub answers from this process's event loop
    const report = (args) => new Promise((resolve, reject) => {
        const child = spawn(TEST_BIN, ['exec', 'report', '--data-dir', dir, ...args], {
            env: { PATH: process.env.PATH, SKM_TEST_CLOCK: clock.file }, stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.on('error', reject);
        child.on('close', () => resolve(JSON.parse(out.trim().split('\n').at(-1))));
        child.stdin.end(JSON.stringify({ reservationId: a.reservationId, outcome: 'failed' }) + '\n');
    });
    // a bundler for another chain does not count
    assert.equal((await report(['--bundler', `1=${stub.url}`])).stillCounts, true);
    const cfgFile = path.join(dir, 'config.json');
    writeFileSync(cfgFile, JSON.stringify({ bundler: { 8453: stub.url } }));
    const r = await report(['--config', cfgFile]);
    assert.equal(r.state, 'released', JSON.stringify(r));
    assert.match(r.evidence, /ran and reverted in transaction 0x(ef){32}/);
    assert.equal((await report(['--bundler', `8453=${stub.url}`])).alreadyRecorded, true);
    // a bad --bundler value is a usage error, named
    const bad = spawnSync(TEST_BIN, ['--bundler'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
});
