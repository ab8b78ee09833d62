// gate_price.test.mjs: what a swap buys and at what price, through the real binary. A
// loopback JSON-RPC node plays Base and its Uniswap V3 QuoterV2; each test is an attack an
// executor could try: a path ending in an unknown token, a swap into another token than the
// automation buys, a minimum output below the quote, a stop-loss sale above its trigger, and
// a swap when the gate has no price source at all (fail closed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { privateKeyToAccount } from 'viem/accounts';
import { encodeFunctionData, encodePacked, parseAbi } from 'viem';

import { call, CHAIN_ID, connect, OWNER_PK, ROUTER, routerAbi, runExec, USDC, WALLET, WETH } from './gate_lib.mjs';

const pathAbi = parseAbi(['function exactInput((bytes path, address recipient, uint256 amountIn, uint256 amountOutMinimum) params) payable returns (uint256 amountOut)']);
import { tempHome } from './lib.mjs';
import { QUOTER_BASE, startQuoteNode } from './quote_node.mjs';

const UNKNOWN = '0x1111111111111111111111111111111111111111';
const WETH_PER_USDC = (usdcUnits, usdPerEth) => (usdcUnits * 10n ** 18n) / (usdPerEth * 10n ** 6n);

/* A node quoting the market at usdPerEth (USDC -> WETH exact input; WETH -> USDC too). */
async function market(t, usdPerEth) {
    const node = await startQuoteNode({
        chainId: CHAIN_ID,
        quote: (q) => {
            const tokenIn = (q.tokenIn ?? q.path.slice(0, 42)).toLowerCase();
            if (tokenIn === USDC.toLowerCase()) return WETH_PER_USDC(q.amount, usdPerEth.value);
            return (q.amount * usdPerEth.value * 10n ** 6n) / 10n ** 18n; // WETH in -> USDC out
        },
    });
    t.after(() => node.close());
    return node;
}

async function approve(c, args) {
    const owner = privateKeyToAccount(OWNER_PK);
    const req = await call(c, 'request_session_approval', { account: { type: 'other' }, ownerAddress: owner.address, ...args });
    assert.ok(!req.isError, JSON.stringify(req.content));
    const { sessionId, typedData, summaryText } = req.structuredContent;
    const { EIP712Domain, ...types } = typedData.types;
    void EIP712Domain;
    const signature = await owner.signTypedData({ domain: typedData.domain, types, primaryType: typedData.primaryType, message: typedData.message });
    const conf = await call(c, 'confirm_session', { sessionId, signature });
    assert.ok(!conf.isError, JSON.stringify(conf.content));
    return { sessionId, summaryText };
}

/* The exact request plan_automation proposes for the automation, plus extra permissions. */
async function planned(c, automation, extra = {}) {
    const plan = await call(c, 'plan_automation', { walletAddress: WALLET, ownerAddress: privateKeyToAccount(OWNER_PK).address,
        account: { type: 'other' }, chainId: CHAIN_ID, automation });
    assert.ok(!plan.isError, JSON.stringify(plan.content));
    const p = plan.structuredContent.proposal;
    return { ...p, permissions: { ...p.permissions, ...extra } };
}

function single({ tokenIn = USDC, tokenOut = WETH, amountIn, minOut }) {
    return {
        target: ROUTER, value: '0',
        data: encodeFunctionData({ abi: routerAbi, functionName: 'exactInputSingle', args: [{ tokenIn, tokenOut, fee: 500, recipient: WALLET, amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n }] }),
    };
}

async function decide(c, sessionId, calls) {
    const r = await call(c, 'authorize_execution', { sessionId, calls, chainId: CHAIN_ID });
    assert.ok(!r.isError, JSON.stringify(r.content));
    return r.structuredContent;
}

const TWAP = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '100', duration: 7200, interval: 3600 };

test('a TWAP swap into another token than WETH is refused (TOKEN_OUT_MISMATCH)', async (t) => {
    const usd = { value: 2000n };
    const node = await market(t, usd);
    const c = await connect(t, tempHome(t), { SKM_RPC_8453: node.url });
    const { sessionId, summaryText } = await approve(c, await planned(c, TWAP));
    assert.match(summaryText, /✓ Buys only: WETH \(through tokens we know\)\n/);
    const d = await decide(c, sessionId, [single({ tokenOut: '0x4200000000000000000000000000000000000042', amountIn: 50_000000n, minOut: 1n })]);
    assert.equal(d.rule, 'TOKEN_OUT_MISMATCH');
    assert.match(d.reason, /buys token 0x4200000000000000000000000000000000000042; this session's automation may only buy WETH/);
    assert.equal(d.reservationId, undefined);
});

test('a path ending in an unknown token is refused (PATH_TOKEN_UNKNOWN)', async (t) => {
    const usd = { value: 2000n };
    const node = await market(t, usd);
    const c = await connect(t, tempHome(t), { SKM_RPC_8453: node.url });
    const { sessionId } = await approve(c, {
        walletAddress: WALLET, duration: 3600, label: 'USDC path swaps',
        permissions: { chainId: CHAIN_ID, contractAddress: ROUTER, allowedFunctions: ['exactInput'], maxPerTransaction: '50', maxTotal: '100' },
    });
    const path = encodePacked(['address', 'uint24', 'address', 'uint24', 'address'], [USDC, 500, WETH, 3000, UNKNOWN]);
    const data = encodeFunctionData({ abi: pathAbi, functionName: 'exactInput', args: [{ path, recipient: WALLET, amountIn: 50_000000n, amountOutMinimum: 1n }] });
    const d = await decide(c, sessionId, [{ target: ROUTER, value: '0', data }]);
    assert.equal(d.rule, 'PATH_TOKEN_UNKNOWN');
    assert.match(d.reason, /trades through token 0x1111111111111111111111111111111111111111, which is not a token we know on Base; every token of a swap path must be a registry token/);
    assert.equal(node.log.length, 0, 'refused before any quote was asked');
});

test('a minimum output below the quote less the slippage is refused (SLIPPAGE)', async (t) => {
    const usd = { value: 2000n };
    const node = await market(t, usd);
    const c = await connect(t, tempHome(t), { SKM_RPC_8453: node.url });
    const { sessionId, summaryText } = await approve(c, await planned(c, TWAP, { maxSlippage: '0.5' }));
    assert.match(summaryText, /✓ Max slippage: 0\.5% below the Uniswap quote; a trade asking a worse price is refused before signing\n/);
    // $50 buys 0.025 WETH at $2000; 0.5% below is 0.024875 WETH
    const low = await decide(c, sessionId, [single({ amountIn: 50_000000n, minOut: 24_874_999_999_999_999n })]);
    assert.equal(low.rule, 'SLIPPAGE');
    assert.match(low.reason, /accepts as little as 0\.024874999999999999 WETH, but Uniswap quotes 0\.025 WETH: more than the session's 0\.5% maximum slippage below the quote/);
    assert.equal(low.reservationId, undefined);
    const q = node.log.at(-1);
    assert.equal(q.kind, 'quoteExactInputSingle');
    assert.equal(q.amount, 50_000000n);
    assert.equal(q.fee, 500);
    const ok = await decide(c, sessionId, [single({ amountIn: 50_000000n, minOut: 24_875_000_000_000_000n })]);
    assert.equal(ok.rule, 'ALLOWED');
    // the market moves to $1900: a floor set at the old price gives away more than 0.5%
    usd.value = 1900n;
    const stale = await decide(c, sessionId, [single({ amountIn: 25_000000n, minOut: 12_437_500_000_000_000n })]);
    assert.equal(stale.rule, 'SLIPPAGE');
    assert.match(stale.reason, /but Uniswap quotes 0\.013157894736842105 WETH/);
});

test('a stop-loss sale above its trigger is refused (TRIGGER_NOT_REACHED), at the trigger it runs', async (t) => {
    const usd = { value: 2500n };
    const node = await market(t, usd);
    const c = await connect(t, tempHome(t), { SKM_RPC_8453: node.url });
    const stop = { kind: 'stop_loss', token: 'WETH', amount: '0.5', triggerPrice: '2000', receiveToken: 'USDC' };
    const { sessionId, summaryText } = await approve(c, await planned(c, stop));
    assert.match(summaryText, /✓ Sells only when 1 WETH is worth 2000 USDC or less \(stop-loss trigger\)\n/);
    const sell = (minOut) => single({ tokenIn: WETH, tokenOut: USDC, amountIn: 5n * 10n ** 17n, minOut });
    const above = await decide(c, sessionId, [sell(1_240_000000n)]);
    assert.equal(above.rule, 'TRIGGER_NOT_REACHED');
    assert.match(above.reason, /would sell at 2500 USDC per WETH, above the stop-loss trigger of 2000 USDC\. The stop-loss sells only when the price is at or below its trigger/);
    assert.equal(above.reservationId, undefined);
    usd.value = 2000n;
    const at = await decide(c, sessionId, [sell(995_000000n)]);
    assert.equal(at.rule, 'ALLOWED', JSON.stringify(at));
});

test('without a price source a swap is refused, not allowed (NO_QUOTE)', async (t) => {
    const usd = { value: 2000n };
    const node = await market(t, usd);
    const home = tempHome(t);
    const c = await connect(t, home, { SKM_RPC_8453: node.url });
    const { sessionId } = await approve(c, await planned(c, TWAP));
    const r = await runExec(home, [{ sessionId, calls: [single({ amountIn: 50_000000n, minOut: 24_000_000_000_000_000n })], chainId: CHAIN_ID }], { env: { SKM_RPC_8453: '' } });
    assert.equal(r.results.length, 1, r.stderr);
    const d = r.results[0];
    assert.equal(d.allowed, false);
    assert.equal(d.rule, 'NO_QUOTE');
    assert.match(d.reason, /sets a minimum output the gate cannot check against a market price: no RPC endpoint is configured for Base .*configure a price source: start the executor's server with --rpc 8453=URL/i);
    assert.ok(QUOTER_BASE);
});
