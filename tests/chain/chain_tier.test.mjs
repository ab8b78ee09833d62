// chain_tier.test.mjs: the local-chain tier works end to end before the executor exists.
// On anvil as Base (tests/chain/harness.mjs: real EntryPoint v0.7, Kernel v3.1 and Uniswap V3
// bytecode; our ZeroDev module stand-ins; the test bundler):
//   1. the server (request_session_approval, account kernel-v3, --rpc 8453=anvil) builds the
//      Enable typed data for the counterfactual wallet of a viem owner, who signs; confirm_session
//      returns the serialized approval;
//   2. the ZeroDev SDK (deserializePermissionAccount + createKernelAccountClient on our bundler)
//      sends a real USDC -> WETH exactInputSingle in enable mode (deploying the account), signed
//      through the server's gate (`sessionkey-mcp exec`): the session key never leaves the server;
//   3. on chain: the account is where the SDK and the factory say, the swap happened, USDC fell
//      by exactly the amount; a second swap an hour later goes through in normal mode; a swap over
//      the per-trade cap is refused on chain by the CallPolicy contract (PolicyFailed(0) from the
//      account, through the bundler), a swap to another recipient likewise.
// Run from the repo root: node --test tests/chain/chain_tier.test.mjs (SKM_BIN overrides the binary).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, createKernelAccountClient } from '@zerodev/sdk';
import { getKernelAddressFromECDSA } from '@zerodev/ecdsa-validator';
import { deserializePermissionAccount } from '@zerodev/permissions';
import { toECDSASigner } from '@zerodev/permissions/signers';
import { decodeFunctionData, decodeFunctionResult, encodeFunctionData, http, parseAbi, toHex } from 'viem';
import { privateKeyToAccount, toAccount } from 'viem/accounts';
import { startChain, ERC20_ABI, ROUTER_ABI } from './harness.mjs';
import { packUserOp } from './bundler.mjs';
import { startServer, text, TEST_BIN } from '../e2e/lifecycle_lib.mjs';

const CHAIN = 8453;
const OWNER = privateKeyToAccount('0x' + '5a'.repeat(32));
const EP07 = constants.getEntryPoint('0.7');
const USDC = (n) => BigInt(Math.round(n * 1e6));
const CALL_POLICY_ABI = parseAbi([
    'struct PackedUserOperation { address sender; uint256 nonce; bytes initCode; bytes callData; bytes32 accountGasLimits; uint256 preVerificationGas; bytes32 gasFees; bytes paymasterAndData; bytes signature; }',
    'function checkUserOpPolicy(bytes32 id, PackedUserOperation userOp) returns (uint256)',
]);
const KERNEL_ABI = parseAbi(['function currentNonce() view returns (uint32)']);

// The test build (SKM_TEST_BIN): its clock is the file SKM_TEST_CLOCK names, which the harness
// keeps at the chain's time, so the gate's rate limit and the chain's agree on what an hour is.
const BIN = TEST_BIN;
let h, home, clockFile, srv, session, wallet, approval;
const timings = {};

before(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'skm-chain-'));
    clockFile = path.join(home, 'clock');
    const t0 = Date.now();
    h = await startChain({ ethPrice: 3000, clockFile });
    timings.chain = Date.now() - t0;
});

after(async () => {
    if (h) await h.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    console.log(`# chain tier timings (ms): ${JSON.stringify(timings)}`);
});

/* One `sessionkey-mcp exec` request through the gate, with anvil as its price source (the
 * QuoterV2 on chain: the gate refuses a swap it cannot price, NO_QUOTE). */
function gate(request) {
    const r = spawnSync(BIN, ['exec', '--data-dir', home], { env: { ...process.env, SKM_TEST_CLOCK: clockFile, [`SKM_RPC_${CHAIN}`]: h.rpcUrl }, input: JSON.stringify(request) + '\n', encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').at(-1);
    assert.ok(line, `exec printed nothing (status ${r.status}): ${r.stderr}`);
    return JSON.parse(line);
}

function gateReport(request) {
    const r = spawnSync(BIN, ['exec', 'report', '--data-dir', home], { env: { ...process.env, SKM_TEST_CLOCK: clockFile, [`SKM_RPC_${CHAIN}`]: h.rpcUrl }, input: JSON.stringify(request) + '\n', encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/* A viem user operation (bigints) as the gate's JSON. */
function gateUserOp(op) {
    const o = { sender: op.sender, nonce: toHex(op.nonce), callData: op.callData,
        callGasLimit: toHex(op.callGasLimit), verificationGasLimit: toHex(op.verificationGasLimit),
        preVerificationGas: toHex(op.preVerificationGas), maxFeePerGas: toHex(op.maxFeePerGas),
        maxPriorityFeePerGas: toHex(op.maxPriorityFeePerGas) };
    if (op.factory) Object.assign(o, { factory: op.factory, factoryData: op.factoryData });
    return o;
}

/* The least output the gate accepts for amountIn: the pool's quote less 1%, rounded up. */
async function minOutFor(amountIn) {
    return ((await h.quote(amountIn)) * 99n + 99n) / 100n;
}

function swapData(amountIn, { recipient = wallet, minOut = 1n } = {}) {
    return encodeFunctionData({ abi: ROUTER_ABI, functionName: 'exactInputSingle', args: [{
        tokenIn: h.addresses.usdc, tokenOut: h.addresses.weth, fee: h.addresses.fee, recipient,
        amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n }] });
}

/* The SDK's Kernel client for the session, whose signer asks the gate. `pending` is the user
 * operation being signed: the gate signs an operation it decodes, never a bare hash. */
async function sessionClient() {
    let pending = null;
    const viaGate = toAccount({
        address: session.sessionKeyAddress,
        async signMessage({ message }) {
            assert.ok(pending, 'the SDK asked for a signature outside signUserOperation');
            const r = gate({ sessionId: session.sessionId, userOp: gateUserOp(pending), chainId: CHAIN, account: wallet });
            assert.equal(r.allowed, true, JSON.stringify(r));
            assert.equal(r.userOpHash, message.raw, 'the gate hashed the same operation as the SDK');
            pending.reservationId = r.reservationId;
            assert.match(r.signature, /^0xff[0-9a-f]{130}$/);
            return '0x' + r.signature.slice(4); // the permission validator adds the 0xff itself
        },
        signTransaction() { throw new Error('the session key lives in the server'); },
        signTypedData() { throw new Error('the session key lives in the server'); },
    });
    const signer = await toECDSASigner({ signer: viaGate });
    const account = await deserializePermissionAccount(h.publicClient, EP07, '0.3.1', approval, signer);
    const client = createKernelAccountClient({ account, chain: h.chain, client: h.publicClient,
        bundlerTransport: http(h.bundlerUrl, { retryCount: 0 }), pollingInterval: 50 });
    const sign = async (op) => {
        pending = op;
        try {
            return { signature: await account.signUserOperation(op), reservationId: op.reservationId };
        } finally {
            pending = null;
        }
    };
    return { account, client, sign };
}

test('the chain: canonical contracts in place, pool priced, quoter answers', async () => {
    for (const k of ['entryPoint', 'kernelImpl', 'kernelFactory', 'metaFactory', 'ecdsaValidator', 'ecdsaSigner',
        'callPolicy', 'rateLimitPolicy', 'rateLimitResetPolicy', 'timestampPolicy', 'usdc', 'weth', 'swapRouter02', 'quoterV2', 'pool']) {
        const code = await h.publicClient.getCode({ address: h.addresses[k] });
        assert.ok(code && code.length > 2, `${k} has code at ${h.addresses[k]}`);
    }
    assert.equal(await h.publicClient.getChainId(), CHAIN);
    assert.ok(Math.abs(await h.poolPrice() - 3000) < 0.01);
    const out = await h.quote(USDC(50));
    // 50 USDC at $3000 less the 0.05% fee, a hair of price impact
    assert.ok(out > 16_600_000_000_000_000n && out < 16_670_000_000_000_000n, String(out));
});

test('a Kernel session approved through the server swaps on chain in enable mode, signed by the gate', async (t) => {
    const ts = Date.now();
    wallet = await getKernelAddressFromECDSA({ entryPoint: EP07, kernelVersion: '0.3.1', eoaAddress: OWNER.address,
        index: 0n, publicClient: h.publicClient });
    await h.fund(wallet, { usdc: USDC(1000), eth: 10n ** 18n, approveRouter: true }); // ETH: the prefund (no paymaster)

    srv = await startServer(t, { bin: BIN, home, args: ['--rpc', `${CHAIN}=${h.rpcUrl}`], env: { SKM_TEST_CLOCK: clockFile },
        checkSecrets: false });
    const r = await srv.call('request_session_approval', {
        walletAddress: wallet, ownerAddress: OWNER.address, duration: 86400, label: 'ETH TWAP',
        permissions: { chainId: CHAIN, contractAddress: h.addresses.swapRouter02, allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50', maxTotal: '1000', rateLimit: { count: 1, period: 3600 } },
        account: { type: 'kernel-v3', kernelVersion: '0.3.1' },
    });
    assert.equal(r.isError, undefined, text(r));
    session = r.structuredContent;
    assert.equal(session.typedData.domain.verifyingContract, wallet);
    assert.equal(session.typedData.message.nonce, 1, 'an undeployed account: the nonce read from the chain is the initial 1');
    const c = await srv.call('confirm_session', { sessionId: session.sessionId, signature: await OWNER.signTypedData(session.typedData) });
    assert.equal(c.isError, undefined, text(c));
    approval = c.structuredContent.serializedApproval;
    timings.approve = Date.now() - ts;

    const { account, client, sign } = await sessionClient();
    assert.equal(account.address, wallet, 'the SDK finds the same counterfactual wallet');
    assert.equal(await h.publicClient.getCode({ address: wallet }), undefined, 'not deployed yet');

    const amountIn = USDC(41.67);
    const quoted = await h.quote(amountIn);
    const minOut = (quoted * 99n + 99n) / 100n; // the quote less 1%, rounded up: the gate allows no less
    const t1 = Date.now();
    const op = await client.prepareUserOperation({ callData: await account.encodeCalls([
        { to: h.addresses.swapRouter02, value: 0n, data: swapData(amountIn, { minOut }) }]) });
    assert.ok(op.factory, 'the first operation deploys the account');
    assert.equal(BigInt(op.nonce) >> 248n, 1n, 'enable mode (nonce key mode byte 0x01)');
    const { signature, reservationId } = await sign(op);
    const hash = await client.sendUserOperation({ ...op, signature });
    const rc = await client.waitForUserOperationReceipt({ hash, pollingInterval: 50, timeout: 20000 });
    timings.firstUserOp = Date.now() - t1;
    assert.equal(rc.success, true, `the swap reverted: ${rc.reason}`);
    gateReport({ reservationId, outcome: 'executed', txHash: rc.receipt.transactionHash });

    // the real KernelFactory deployed exactly the address the SDK computed
    assert.ok(await h.publicClient.getCode({ address: wallet }), 'the account is deployed');
    const deploy = decodeDeploy(op.factoryData);
    assert.equal(deploy.factory.toLowerCase(), h.addresses.kernelFactory.toLowerCase());
    assert.equal(await h.kernelAddress(deploy.initData, deploy.index), wallet, 'KernelFactory.getAddress == getKernelAddressFromECDSA');
    const bal = await h.balances(wallet);
    assert.equal(bal.usdc, USDC(1000) - amountIn, 'USDC fell by exactly the amount');
    assert.ok(bal.weth >= minOut && bal.weth <= quoted, `WETH grew by the quoted amount (${bal.weth} vs ${quoted})`);
    assert.equal(await h.publicClient.readContract({ address: wallet, abi: KERNEL_ABI, functionName: 'currentNonce' }), 1);

    // An hour later (the rate limit on chain: one per hour), a second swap in normal mode.
    await h.advanceTime(3600);
    const op2 = await client.prepareUserOperation({ callData: await account.encodeCalls([
        { to: h.addresses.swapRouter02, value: 0n, data: swapData(USDC(50), { minOut: await minOutFor(USDC(50)) }) }]) });
    assert.equal(op2.factory, undefined, 'deployed: no factory');
    assert.equal(BigInt(op2.nonce) >> 248n, 0n, 'installed permission: normal mode');
    const s2 = await sign(op2);
    const rc2 = await client.waitForUserOperationReceipt({ hash: await client.sendUserOperation({ ...op2, signature: s2.signature }),
        pollingInterval: 50, timeout: 20000 });
    assert.equal(rc2.success, true);
    gateReport({ reservationId: s2.reservationId, outcome: 'executed', txHash: rc2.receipt.transactionHash });
    assert.equal((await h.balances(wallet)).usdc, USDC(1000) - amountIn - USDC(50));
});

/* The meta factory call the first operation carries: deployWithFactory(factory, initData, index). */
function decodeDeploy(factoryData) {
    const abi = parseAbi(['function deployWithFactory(address factory, bytes createData, bytes32 salt)']);
    const { args } = decodeFunctionData({ abi, data: factoryData });
    return { factory: args[0], initData: args[1], index: BigInt(args[2]) };
}

/* eth_sendUserOperation straight to the bundler (a refusal is a JSON-RPC error). */
async function bundlerSend(op) {
    const body = { jsonrpc: '2.0', id: 1, method: 'eth_sendUserOperation', params: [rpcOp(op), h.addresses.entryPoint] };
    const r = await fetch(h.bundlerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return r.json();
}

function rpcOp(op) {
    const o = {};
    for (const [k, v] of Object.entries(op)) {
        if (v === undefined || k === 'account' || k === 'entryPointAddress' || k === 'chainId' || k === 'reservationId') continue;
        o[k] = typeof v === 'bigint' ? toHex(v) : v;
    }
    return o;
}

test('over the per-trade cap: refused on chain by the CallPolicy contract, whatever the gate says', async () => {
    assert.ok(approval, 'needs the session of the previous test');
    const { account, client, sign } = await sessionClient();
    await h.advanceTime(3600);
    const before = await h.balances(wallet);
    const gas = { callGasLimit: 400_000n, verificationGasLimit: 600_000n, preVerificationGas: 80_000n };
    const mk = async (data) => client.prepareUserOperation({ ...gas,
        callData: await account.encodeCalls([{ to: h.addresses.swapRouter02, value: 0n, data }]) });

    // The gate refuses to sign it at all (its own check, same limit).
    const over = await mk(swapData(USDC(50.01), { minOut: await minOutFor(USDC(50.01)) }));
    const g = gate({ sessionId: session.sessionId, userOp: gateUserOp(over), chainId: CHAIN, account: wallet });
    assert.equal(g.allowed, false);
    assert.equal(g.rule, 'PER_TX_CAP');

    // On chain, the CallPolicy (policy 0 of the permission) refuses before any signature is
    // looked at: PolicyFailed(0) from the account, through the bundler's validation.
    const stub = await account.getStubSignature(over);
    const refused = await bundlerSend({ ...over, signature: stub });
    assert.ok(refused.error, JSON.stringify(refused));
    assert.match(refused.error.message, /AA23 reverted PolicyFailed\(0\)/);
    // the same for a swap within the cap that pays someone else
    const elsewhere = await mk(swapData(USDC(10), { recipient: OWNER.address }));
    const r2 = await bundlerSend({ ...elsewhere, signature: await account.getStubSignature(elsewhere) });
    assert.match(r2.error?.message ?? '', /AA23 reverted PolicyFailed\(0\)/);
    // while a swap within the cap passes every policy and fails only on the (stub) signature
    const within = await mk(swapData(USDC(50)));
    const r3 = await bundlerSend({ ...within, signature: await account.getStubSignature(within) });
    assert.match(r3.error?.message ?? '', /AA24 signature error/);

    // The CallPolicy itself, asked as the wallet with the installed rules: 1 (refused) vs 0.
    const permissionId = '0x' + BigInt(within.nonce >> 64n).toString(16).padStart(48, '0').slice(4, 12);
    const ask = async (op) => decodeFunctionResult({ abi: CALL_POLICY_ABI, functionName: 'checkUserOpPolicy',
        data: (await h.publicClient.call({ account: wallet, to: h.addresses.callPolicy,
            data: encodeFunctionData({ abi: CALL_POLICY_ABI, functionName: 'checkUserOpPolicy',
                args: [permissionId.padEnd(66, '0'), packUserOp({ ...op, signature: '0x' })] }) })).data });
    assert.equal(await ask(within), 0n);
    assert.equal(await ask(over), 1n);
    assert.equal(await ask(await mk(swapData(USDC(50), { recipient: OWNER.address }))), 1n);
    // batches are checked call by call: two allowed swaps pass, a swap plus an approval does not
    const batch = async (calls) => client.prepareUserOperation({ ...gas, callData: await account.encodeCalls(calls) });
    const swapCall = (n) => ({ to: h.addresses.swapRouter02, value: 0n, data: swapData(USDC(n)) });
    assert.equal(await ask(await batch([swapCall(10), swapCall(20)])), 0n);
    assert.equal(await ask(await batch([swapCall(10), { to: h.addresses.usdc, value: 0n,
        data: encodeFunctionData({ abi: ERC20_ABI, functionName: 'approve', args: [OWNER.address, 1n] }) }])), 1n);
    assert.equal(await ask(await batch([swapCall(10), swapCall(60)])), 1n);
    // and a call that sends ETH along is over the valueLimit of 0
    assert.equal(await ask(await mk(swapData(USDC(10))).then(async (o) => ({ ...o,
        callData: await account.encodeCalls([{ ...swapCall(10), value: 1n }]) }))), 1n);

    // and a real, gate-signed operation within the cap still goes through
    const ok = await client.prepareUserOperation({ callData: await account.encodeCalls([
        { to: h.addresses.swapRouter02, value: 0n, data: swapData(USDC(25), { minOut: await minOutFor(USDC(25)) }) }]) });
    const s = await sign(ok);
    const rc = await client.waitForUserOperationReceipt({ hash: await client.sendUserOperation({ ...ok, signature: s.signature }),
        pollingInterval: 50, timeout: 20000 });
    assert.equal(rc.success, true);
    gateReport({ reservationId: s.reservationId, outcome: 'executed', txHash: rc.receipt.transactionHash });
    assert.equal((await h.balances(wallet)).usdc, before.usdc - USDC(25), 'only the allowed swap moved USDC');
});

test('setPoolPrice moves the pool below a trigger and the quoter sees it', async () => {
    const p = await h.setPoolPrice(2400);
    assert.ok(Math.abs(p - 2400) < 0.01, String(p));
    const out = await h.quote(USDC(50));
    assert.ok(out > 20_700_000_000_000_000n && out < 20_840_000_000_000_000n, String(out));
    assert.ok(Math.abs(await h.setPoolPrice(3100) - 3100) < 0.01);
});

test('the bundler: down and back on the same URL, receipts kept, unknown hashes null, injected refusals', async () => {
    const rpc = async (method, params = []) => (await fetch(h.bundlerUrl, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
    assert.deepEqual((await rpc('eth_supportedEntryPoints')).result, [h.addresses.entryPoint]);
    assert.equal((await rpc('eth_chainId')).result, '0x2105');
    assert.equal((await rpc('eth_getUserOperationReceipt', ['0x' + '00'.repeat(32)])).result, null);
    const sent = [...h.bundler.receipts.keys()];
    assert.equal(sent.length, 3, 'three operations were included by the earlier tests');
    assert.equal((await rpc('eth_getUserOperationReceipt', [sent[0]])).result.success, true);
    const price = (await rpc('pimlico_getUserOperationGasPrice')).result;
    assert.ok(BigInt(price.fast.maxFeePerGas) >= BigInt(price.fast.maxPriorityFeePerGas));

    await h.bundler.stop();
    await assert.rejects(rpc('eth_chainId'), /fetch failed/);
    await h.bundler.start();
    assert.equal((await rpc('eth_chainId')).result, '0x2105');

    h.bundler.faults.reject = 1;
    const r = await rpc('eth_sendUserOperation', [{ sender: wallet, nonce: '0x0', callData: '0x', callGasLimit: '0x0',
        verificationGasLimit: '0x0', preVerificationGas: '0x0', maxFeePerGas: '0x0', maxPriorityFeePerGas: '0x0', signature: '0x' },
    h.addresses.entryPoint]);
    assert.equal(r.error.code, -32500);
    assert.match(r.error.message, /injected/);
    assert.equal(h.bundler.faults.reject, 0);
    const wrongEp = await rpc('eth_estimateUserOperationGas', [{ sender: wallet }, '0x' + '11'.repeat(20)]);
    assert.match(wrongEp.error.message, /unsupported EntryPoint/);
});

test('the rate-limit and timestamp policies, asked as the wallet, enforce the signed rules', async () => {
    assert.ok(approval, 'needs the session of the earlier tests');
    const id = JSON.parse(Buffer.from(approval, 'base64').toString()).permissionParams.permissionId.padEnd(66, '0');
    const op = packUserOp({ sender: wallet, nonce: 0n, callData: '0x', signature: '0x' });
    const ask = async (address) => decodeFunctionResult({ abi: CALL_POLICY_ABI, functionName: 'checkUserOpPolicy',
        data: (await h.publicClient.call({ account: wallet, to: address,
            data: encodeFunctionData({ abi: CALL_POLICY_ABI, functionName: 'checkUserOpPolicy', args: [id, op] }) })).data });
    const unpack = (v) => ({ failed: (v & ((1n << 160n) - 1n)) === 1n, validUntil: Number((v >> 160n) & 0xffffffffffffn),
        validAfter: Number(v >> 208n) });
    // three operations ran, the last one an hour after the second: the next is due an hour after that
    const last = Number((await h.publicClient.getBlock()).timestamp);
    const rl = unpack(await ask(h.addresses.rateLimitPolicy));
    assert.equal(rl.failed, false);
    assert.ok(rl.validAfter > last && rl.validAfter <= last + 3600, `next allowed at ${rl.validAfter}, now ${last}`);
    // the timestamp policy returns the session's window: valid until the second before it expires
    const ts = unpack(await ask(h.addresses.timestampPolicy));
    assert.equal(ts.failed, false);
    assert.equal(ts.validUntil, Math.floor(Date.parse(session.expiresAt) / 1000) - 1);
    assert.ok(ts.validAfter <= last);
    // a permission id that was never installed: every policy refuses
    const other = '0x12345678'.padEnd(66, '0');
    for (const a of [h.addresses.callPolicy, h.addresses.rateLimitPolicy, h.addresses.timestampPolicy]) {
        const v = decodeFunctionResult({ abi: CALL_POLICY_ABI, functionName: 'checkUserOpPolicy',
            data: (await h.publicClient.call({ account: wallet, to: a,
                data: encodeFunctionData({ abi: CALL_POLICY_ABI, functionName: 'checkUserOpPolicy', args: [other, op] }) })).data });
        assert.equal(v, 1n, `${a} refuses an unknown permission`);
    }
});
