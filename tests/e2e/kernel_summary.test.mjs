// kernel_summary.test.mjs: what the user reads is what the signed bytes enforce.
//
// For a Kernel v3 account the owner signs ZeroDev's `Enable` typed data; the session's on-chain
// limits are the policy bytes inside it (message.validatorData). Each test here asks the REAL
// server (official SDK client) for an approval, then, in JavaScript and from the signed typed
// data alone:
//   1. decodes validatorData: abi.encode(bytes[]) of policy elements (flag 2 bytes || contract
//      20 bytes || init data) and the signer element; checks that validationId is the
//      permissionId of exactly these bytes (so the digest binds them), and that every
//      decoding is canonical (re-encoding gives the same bytes);
//   2. identifies each policy contract by its address (@zerodev/permissions constants) and
//      decodes its init data: CallPolicy permissions (callType, target, selector, valueLimit,
//      rules {condition, offset, params}), RateLimitPolicy (interval, count, startAt; with
//      reset: interval, count), TimestampPolicy (validAfter, validUntil);
//   3. re-renders, with the words of server/policy_summary.c + policy_words.c and the names in
//      data/registry.json (by chain, target and selector), every summary line the chain enforces
//      (scope, max per trade, expiry, rate limit, "Transfer to other addresses", the transfer /
//      approve warnings) and the "Enforced on chain ...; enforced only by this server: ..."
//      note, and asserts they are IDENTICAL to the server's summary (can / cannot / warnings /
//      notes arrays, summaryText, and the head of the tool's text). The lines the chain cannot
//      enforce (total limit, revoke, the default-token note) come from the request; the note
//      must then say "enforced only by this server", and no decoded policy may carry a
//      cumulative cap.
// A byte that says something else than the words (amount, token, recipient, interval, count,
// expiry, flags, value) makes the re-rendered lines differ: the last tests mutate the server's
// real signed bytes (re-encoded consistently, with a recomputed permissionId) and prove that the
// comparison then fails, with the exact wrong words.
import { wordsWhen } from './words_lib.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import {
    CALL_POLICY_CONTRACT_V0_0_1,
    CALL_POLICY_CONTRACT_V0_0_2,
    CALL_POLICY_CONTRACT_V0_0_3,
    CALL_POLICY_CONTRACT_V0_0_4,
    CALL_POLICY_CONTRACT_V0_0_5,
    ECDSA_SIGNER_CONTRACT,
    GAS_POLICY_CONTRACT,
    RATE_LIMIT_POLICY_CONTRACT,
    RATE_LIMIT_POLICY_WITH_RESET_CONTRACT,
    TIMESTAMP_POLICY_CONTRACT,
} from '@zerodev/permissions';
import {
    concatHex,
    decodeAbiParameters,
    encodeAbiParameters,
    getAddress,
    hexToBigInt,
    keccak256,
    pad,
    parseUnits,
    size,
    slice,
    toFunctionSelector,
} from 'viem';

import { BIN, readJson, tempHome } from './lib.mjs';
import { BASE_ROUTER, BASE_USDC, OWNER, STRANGER, T0, ok, startServer, testClock, text } from './lifecycle_lib.mjs';

/* The summary's end line for a window of secs seconds from T0 (policy_words_when). */
const expLine = (secs) => `Expires: ${wordsWhen(T0 + secs, T0)} (${wordsDuration(secs)} after the request)`;
const REGISTRY = readJson('data/registry.json');
const BASE = 8453;
const BASE_WETH = '0x4200000000000000000000000000000000000006';
const ETH_ROUTER_V1 = '0xE592427A0AEce92De3Edee1F18E0157C05861564';

/* ------------------------------------------------------------------------------------------ */
/* The registry, read here independently of the server: contracts (with their family's name,
 * words and functions) and every token as an ERC-20 contract named by its symbol. */

const lc = (a) => a.toLowerCase();

function registryToken(chainId, address) {
    const per = REGISTRY.tokens[String(chainId)] ?? {};
    for (const [addr, t] of Object.entries(per)) {
        if (lc(addr) === lc(address)) return { address: getAddress(addr), symbol: t.symbol, decimals: t.decimals, usd: t.usd === true };
    }
    return null;
}

function withSelectors(functions) {
    return functions.map((f) => ({
        signature: f.signature,
        category: f.category,
        name: f.signature.slice(0, f.signature.indexOf('(')),
        selector: toFunctionSelector(`function ${f.signature}`),
    }));
}

function registryContract(chainId, address) {
    const per = REGISTRY.contracts[String(chainId)] ?? {};
    for (const [addr, e] of Object.entries(per)) {
        if (lc(addr) !== lc(address)) continue;
        const fam = e.family ? REGISTRY.families[e.family] : {};
        return {
            name: e.name ?? fam.name,
            words: e.words ?? fam.words ?? '',
            functions: withSelectors(e.functions ?? fam.functions ?? []),
            isToken: false,
        };
    }
    const t = registryToken(chainId, address);
    if (t) return { name: t.symbol, words: '', functions: withSelectors(REGISTRY.families.erc20.functions), isToken: true };
    return null;
}

/* Where the checkable arguments of each function sit: the ABI's own field names, from the
 * Uniswap V3 SwapRouter02 / SwapRouter and ERC-20 interfaces (every field a static word, so a
 * field's offset after the selector is 32 × its index). */
const ARG_LAYOUTS = {
    'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))': {
        fields: ['tokenIn', 'tokenOut', 'fee', 'recipient', 'amountIn', 'amountOutMinimum', 'sqrtPriceLimitX96'],
        token: 'tokenIn', who: 'recipient', amount: 'amountIn',
    },
    'exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))': {
        fields: ['tokenIn', 'tokenOut', 'fee', 'recipient', 'amountOut', 'amountInMaximum', 'sqrtPriceLimitX96'],
        token: 'tokenIn', who: 'recipient', amount: 'amountInMaximum',
    },
    'exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))': {
        fields: ['tokenIn', 'tokenOut', 'fee', 'recipient', 'deadline', 'amountIn', 'amountOutMinimum', 'sqrtPriceLimitX96'],
        token: 'tokenIn', who: 'recipient', amount: 'amountIn',
    },
    'exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))': {
        fields: ['tokenIn', 'tokenOut', 'fee', 'recipient', 'deadline', 'amountOut', 'amountInMaximum', 'sqrtPriceLimitX96'],
        token: 'tokenIn', who: 'recipient', amount: 'amountInMaximum',
    },
    'transfer(address,uint256)': { fields: ['to', 'amount'], token: null, who: 'to', amount: 'amount' },
    'approve(address,uint256)': { fields: ['spender', 'amount'], token: null, who: 'spender', amount: 'amount' },
};

function argOffset(layout, field) {
    return field ? 32 * layout.fields.indexOf(field) : -1;
}

/* ------------------------------------------------------------------------------------------ */
/* The decoder: Enable typed data -> the permission's policies, from the bytes alone. */

const COND = { EQUAL: 0, GREATER_THAN: 1, LESS_THAN: 2, GREATER_THAN_OR_EQUAL: 3, LESS_THAN_OR_EQUAL: 4, NOT_EQUAL: 5, ONE_OF: 6, SLICE_EQUAL: 7 };

const CALL_POLICIES = {
    [lc(CALL_POLICY_CONTRACT_V0_0_1)]: '0.0.1',
    [lc(CALL_POLICY_CONTRACT_V0_0_2)]: '0.0.2',
    [lc(CALL_POLICY_CONTRACT_V0_0_3)]: '0.0.3',
    [lc(CALL_POLICY_CONTRACT_V0_0_4)]: '0.0.4',
    [lc(CALL_POLICY_CONTRACT_V0_0_5)]: '0.0.5',
};

const permissionAbi = (v1) => [{
    type: 'tuple[]',
    components: [
        { name: 'callType', type: 'bytes1' },
        { name: 'target', type: 'address' },
        { name: 'selector', type: 'bytes4' },
        { name: 'valueLimit', type: 'uint256' },
        {
            name: 'rules',
            type: 'tuple[]',
            components: [
                { name: 'condition', type: 'uint8' },
                { name: 'offset', type: 'uint64' },
                { name: 'params', type: v1 ? 'bytes32' : 'bytes32[]' },
            ],
        },
    ],
}];
const TIMESTAMP_ABI = [{ name: 'validAfter', type: 'uint48' }, { name: 'validUntil', type: 'uint48' }];

/* Decode with abi, and require the canonical encoding (nothing hidden in offsets or tails). */
function decodeCanonical(abi, data, what) {
    const values = decodeAbiParameters(abi, data);
    assert.equal(lc(encodeAbiParameters(abi, values)), lc(data), `${what}: not the canonical ABI encoding`);
    return values;
}

const uint48At = (data, i) => Number(hexToBigInt(slice(data, 6 * i, 6 * i + 6)));

/* One element of the enable data: flag || contract || data. */
function splitElement(e) {
    assert.ok(size(e) >= 22, `element ${e} is shorter than flag + address`);
    return { flag: slice(e, 0, 2), address: getAddress(slice(e, 2, 22)), data: size(e) > 22 ? slice(e, 22) : '0x' };
}

function decodePolicy({ flag, address, data }) {
    const a = lc(address);
    if (CALL_POLICIES[a]) {
        const version = CALL_POLICIES[a];
        const [perms] = decodeCanonical(permissionAbi(version === '0.0.1'), data, `CallPolicy ${version}`);
        return {
            kind: 'call', flag, address, version,
            permissions: perms.map((p) => ({
                callType: lc(p.callType),
                target: getAddress(p.target),
                selector: lc(p.selector),
                valueLimit: p.valueLimit,
                rules: p.rules.map((r) => ({
                    condition: r.condition,
                    offset: Number(r.offset),
                    params: (Array.isArray(r.params) ? r.params : [r.params]).map(lc),
                })),
            })),
        };
    }
    if (a === lc(RATE_LIMIT_POLICY_CONTRACT)) {
        assert.equal(size(data), 18, 'RateLimitPolicy init data: interval, count, startAt (6 bytes each)');
        return { kind: 'rateLimit', reset: false, flag, address, interval: uint48At(data, 0), count: uint48At(data, 1), startAt: uint48At(data, 2) };
    }
    if (a === lc(RATE_LIMIT_POLICY_WITH_RESET_CONTRACT)) {
        assert.equal(size(data), 12, 'RateLimitPolicy (reset) init data: interval, count (6 bytes each)');
        return { kind: 'rateLimit', reset: true, flag, address, interval: uint48At(data, 0), count: uint48At(data, 1), startAt: 0 };
    }
    if (a === lc(TIMESTAMP_POLICY_CONTRACT)) {
        const [validAfter, validUntil] = decodeCanonical(TIMESTAMP_ABI, data, 'TimestampPolicy');
        return { kind: 'timestamp', flag, address, validAfter, validUntil };
    }
    if (a === lc(GAS_POLICY_CONTRACT)) return { kind: 'gas', flag, address, data };
    return { kind: 'unknown', flag, address, data };
}

/* permissionId per Kernel / the SDK: keccak256(abi.encode(bytes[] [abi.encode(bytes[] policies),
 * permissionFlag, abi.encode(bytes signerContract || signerData)]))[0:4]. */
function permissionIdOf(policyElements, signer) {
    const P = encodeAbiParameters([{ type: 'bytes[]' }], [policyElements]);
    const S = encodeAbiParameters([{ type: 'bytes' }], [concatHex([signer.address, signer.data])]);
    return slice(keccak256(encodeAbiParameters([{ type: 'bytes[]' }], [[P, signer.flag, S]])), 0, 4);
}

function decodeEnable(td) {
    assert.equal(td.primaryType, 'Enable');
    const m = td.message;
    const [elements] = decodeCanonical([{ type: 'bytes[]' }], m.validatorData, 'validatorData');
    assert.ok(elements.length >= 2, 'at least one policy and the signer');
    const signer = splitElement(elements.at(-1));
    const policyElements = elements.slice(0, -1);
    const pid = permissionIdOf(policyElements, signer);
    assert.equal(lc(m.validationId), lc(concatHex(['0x02', pid, pad('0x', { size: 16 })])),
        'validationId = 0x02 || permissionId of exactly these policies and signer');
    assert.equal(lc(m.hook), lc(pad('0x', { size: 20 })), 'no hook');
    assert.equal(m.hookData, '0x');
    assert.equal(lc(slice(m.selectorData, 0, 4)), '0xe9ae5c53', 'the action is Kernel execute(bytes32,bytes)');
    return {
        chainId: Number(td.domain.chainId),
        account: getAddress(td.domain.verifyingContract),
        signer,
        permissionId: pid,
        policies: policyElements.map((e) => decodePolicy(splitElement(e))),
    };
}

/* Re-encode decoded policies into typed data (for the mutation tests): validatorData and a
 * validationId that is consistent with the new bytes, so only the meaning differs. */
function encodePolicy(p) {
    let data;
    if (p.kind === 'call') {
        data = encodeAbiParameters(permissionAbi(p.version === '0.0.1'), [p.permissions.map((x) => ({
            ...x, rules: x.rules.map((r) => ({ ...r, offset: BigInt(r.offset), params: p.version === '0.0.1' ? r.params[0] : r.params })),
        }))]);
    } else if (p.kind === 'rateLimit') {
        const h = (n) => BigInt(n).toString(16).padStart(12, '0');
        data = `0x${h(p.interval)}${h(p.count)}${p.reset ? '' : h(p.startAt)}`;
    } else if (p.kind === 'timestamp') {
        data = encodeAbiParameters(TIMESTAMP_ABI, [p.validAfter, p.validUntil]);
    } else {
        data = p.data;
    }
    return concatHex([p.flag, p.address, data]);
}

function reencode(td, policies, signer) {
    const els = policies.map(encodePolicy);
    const pid = permissionIdOf(els, signer);
    const sig = concatHex([signer.flag, signer.address, signer.data]);
    return {
        ...td,
        message: {
            ...td.message,
            validationId: concatHex(['0x02', pid, pad('0x', { size: 16 })]),
            validatorData: encodeAbiParameters([{ type: 'bytes[]' }], [[...els, sig]]),
        },
    };
}

/* ------------------------------------------------------------------------------------------ */
/* The words, ported from server/policy_words.c (exact, nothing rounded away). */

const UNITS = [[86400, 'day', 'days'], [3600, 'hour', 'hours'], [60, 'minute', 'minutes'], [1, 'second', 'seconds']];

function wordsDuration(seconds) {
    let s = BigInt(seconds);
    const parts = [];
    for (let i = s >= 2n * 86400n ? 0 : 1; i < UNITS.length; i++) {
        const u = BigInt(UNITS[i][0]);
        const n = s / u;
        s %= u;
        if (n !== 0n) parts.push(`${n} ${n === 1n ? UNITS[i][1] : UNITS[i][2]}`);
    }
    return parts.length ? parts.join(' ') : '0 seconds';
}

function wordsRate(count, period, noun) {
    let per;
    const i = UNITS.findIndex(([u], k) => k + 1 < UNITS.length && period !== 0 && period % u === 0);
    if (i < 0) per = wordsDuration(period);
    else if (period === UNITS[i][0]) per = UNITS[i][1];
    else per = `${period / UNITS[i][0]} ${UNITS[i][2]}`;
    if (period === 1) per = 'second';
    return `${count} ${noun}${count === 1 ? '' : 's'} per ${per}`;
}

/* What a signed rate-limit policy holds, per the contracts' code (kernel-7579-plugins
 * policies/ratelimit): no-reset counts UserOps against a start that only moves forward by
 * interval per use, so it caps the number of trades, not their spacing; reset counts per fixed
 * window, so a burst across a window edge gets through. */
function chainRateWords(rl, allSwaps) {
    const noun = allSwaps ? 'trade' : 'transaction';
    const n = Number(rl.count);
    if (!rl.reset) return `at most ${n} ${noun}${n === 1 ? '' : 's'} in total`;
    return `at most ${wordsRate(n, Number(rl.interval), noun)} counted in fixed windows`;
}

function wordsAmount(v, token) {
    const digits = BigInt(v).toString();
    const d = token.decimals;
    const int = digits.length > d ? digits.slice(0, digits.length - d) : '0';
    const frac = d > 0 ? digits.padStart(d, '0').slice(-d).replace(/0+$/, '') : '';
    return `${token.usd ? '$' : ''}${int}${frac ? '.' + frac : ''} ${token.symbol}`;
}

/* ------------------------------------------------------------------------------------------ */
/* The summary the chain enforces, rendered from the decoded policies (plus, for the limits the
 * chain cannot hold, the request; each such line must be declared server-only in the note). */

const wordAddress = (param) => {
    if (!/^0x0{24}[0-9a-f]{40}$/.test(param)) return null; // not an address word
    return getAddress(`0x${param.slice(26)}`);
};

/* share() of zd_map.c: all of n under a chain rule, some, or none. */
function share(withRule, n) {
    if (withRule === 0) return 'server';
    return withRule === n ? 'chain' : 'partly';
}

function chainView(dec, req) {
    const unexplained = []; // bytes that no summary line accounts for (must stay empty)
    const enforcing = dec.policies.filter((p) => {
        if (p.flag === '0x0000') return true;
        unexplained.push(`${p.kind} policy ${p.address} has flag ${p.flag}: not checked for every UserOp`);
        return false;
    });
    for (const p of enforcing) {
        if (!['call', 'rateLimit', 'timestamp'].includes(p.kind)) unexplained.push(`unexpected ${p.kind} policy ${p.address}`);
    }
    if (lc(dec.signer.address) !== lc(ECDSA_SIGNER_CONTRACT) || dec.signer.flag !== '0x0000') {
        unexplained.push(`signer ${dec.signer.flag} ${dec.signer.address}`);
    }
    const calls = enforcing.filter((p) => p.kind === 'call');
    const rates = enforcing.filter((p) => p.kind === 'rateLimit');
    const stamps = enforcing.filter((p) => p.kind === 'timestamp');
    assert.equal(calls.length, 1, 'one CallPolicy');
    assert.ok(rates.length <= 1 && stamps.length <= 1, 'at most one rate limit and one timestamp policy');
    const perms = calls[0].permissions;
    const targets = [...new Set(perms.map((p) => p.target))];
    assert.equal(targets.length, 1, 'one target');
    const target = targets[0];
    const contract = registryContract(dec.chainId, target);
    const wallet = dec.account;

    // each permission: its function (by selector) and the rules on its arguments
    const fns = perms.map((p) => {
        if (p.callType !== '0x00') unexplained.push(`callType ${p.callType} for ${p.selector}`);
        if (p.valueLimit !== 0n) unexplained.push(`valueLimit ${p.valueLimit} for ${p.selector}`);
        const fn = contract?.functions.find((f) => f.selector === p.selector) ?? null;
        const layout = fn ? ARG_LAYOUTS[fn.signature] : undefined;
        const out = { perm: p, fn, token: null, who: null, amount: null };
        for (const r of p.rules) {
            const at = (field) => layout && r.offset === argOffset(layout, field) && r.params.length === 1;
            if (r.condition === COND.EQUAL && at(layout?.token) && out.token === null && wordAddress(r.params[0])) {
                out.token = wordAddress(r.params[0]);
            } else if (r.condition === COND.EQUAL && at(layout?.who) && out.who === null && wordAddress(r.params[0])) {
                out.who = wordAddress(r.params[0]);
            } else if (r.condition === COND.LESS_THAN_OR_EQUAL && at(layout?.amount) && out.amount === null) {
                out.amount = hexToBigInt(r.params[0]);
            } else {
                unexplained.push(`rule ${JSON.stringify(r)} on ${fn?.signature ?? p.selector}`);
            }
        }
        // a token contract's own transfer/approve can only move that token
        if (out.token === null && contract?.isToken && fn && ['transfer', 'approve'].includes(fn.category)) out.tokenIsTarget = true;
        return out;
    });
    const known = (f) => f.fn !== null;
    const allSwaps = fns.every((f) => known(f) && f.fn.category === 'swap');
    const noun = allSwaps ? 'trade' : 'transaction';

    // the spend token: from tokenIn rules, or the token contract itself
    const tokens = [...new Set(fns.map((f) => f.token ?? (f.tokenIsTarget ? target : null)).filter(Boolean))];
    if (tokens.length > 1) unexplained.push(`several spend tokens ${tokens.join(', ')}`);
    const token = tokens.length ? registryToken(dec.chainId, tokens[0]) : null;
    if (tokens.length && !token) unexplained.push(`spend token ${tokens[0]} is not in the registry`);
    const amounts = [...new Set(fns.filter((f) => f.amount !== null).map((f) => f.amount))];
    if (amounts.length > 1) unexplained.push(`different per-call caps ${amounts.join(', ')}`);
    if (amounts.length && !token) unexplained.push('a per-call cap in no known token');
    // a swap or transfer bound to someone else than the wallet contradicts "to the wallet"
    for (const f of fns) {
        if (f.who !== null && f.fn.category === 'swap' && f.who !== wallet) unexplained.push(`swap recipient ${f.who} is not the wallet ${wallet}`);
    }

    // ✓ Can execute (scope_words of policy_summary.c, from target + selectors)
    const label = (f) => {
        if (!known(f)) return f.perm.selector;
        const overloaded = contract.functions.filter((g) => g.name === f.fn.name).length > 1;
        return overloaded ? f.fn.signature : f.fn.name;
    };
    let scope;
    const isTokenScope = contract?.isToken && fns.every((f) => known(f) && ['transfer', 'approve'].includes(f.fn.category));
    if (isTokenScope) {
        const t = fns.some((f) => f.fn.category === 'transfer');
        const a = fns.some((f) => f.fn.category === 'approve');
        scope = `${contract.name} ${t ? 'transfers' : ''}${t && a ? ' and ' : ''}${a ? 'approvals' : ''} only`;
    } else if (contract && contract.words && fns.length === 1 && allSwaps) {
        scope = `${contract.words} only`;
    } else {
        scope = `${contract ? contract.name : `contract ${target}`}: ${fns.map(label).join(', ')} only`;
    }
    const spendToken = token ?? registryToken(dec.chainId, req.spendToken);
    const can = [`Can execute: ${scope}`];
    // ✓ Max per trade: the LESS_THAN_OR_EQUAL on the amount argument, in the tokenIn's units
    const perTx = amounts.length ? amounts[0] : parseUnits(req.maxPerTransaction, spendToken.decimals);
    can.push(`Max per ${noun}: ${wordsAmount(perTx, spendToken)}`);
    // ✓ Total limit: server only (no cumulative cap exists on chain; see the note)
    can.push(`Total limit: ${wordsAmount(parseUnits(req.maxTotal, spendToken.decimals), spendToken)}`);
    // ✓ Expires: the TimestampPolicy window's end as a time, and its length (the chain accepts validUntil itself)
    const ts = stamps[0];
    let window = null;
    if (ts && ts.validUntil !== 0 && ts.validUntil >= ts.validAfter) {
        window = ts.validUntil + 1 - ts.validAfter;
        can.push(`Expires: ${wordsWhen(ts.validUntil + 1, ts.validAfter)} (${wordsDuration(window)} after the request)`);
    } else {
        can.push(`Expires in: never (no timestamp policy: ${JSON.stringify(ts ?? null)})`);
    }
    // ✓ Rate limit: reset contract = count per interval; no-reset = 1 per interval, count in total
    // (the mapping's reading of the contracts, zd_map.h; what their code really lets through is
    // measured by the last test of this file)
    const rl = rates[0];
    if (rl) {
        if (rl.reset) {
            can.push(`Rate limit: ${wordsRate(rl.count, rl.interval, noun)}`);
        } else if (rl.startAt === 0 && window !== null && rl.count * rl.interval >= window) {
            can.push(`Rate limit: ${wordsRate(1, rl.interval, noun)}`); // enough UserOps for the whole window
        } else {
            can.push(`Rate limit: ${rl.count} ${noun}${rl.count === 1 ? '' : 's'} in total, at most ${wordsRate(1, rl.interval, noun)}` +
                (rl.startAt ? `, from ${rl.startAt}` : ''));
        }
    }
    // ✓ Fees: the gate's per-operation fee cap (issue 11), from the request (default 0.005 ETH); the server's
    can.push(`Fees: at most ${req.maxFeePerOperation ?? '0.005'} ETH per ${noun}`);
    // ✓ Max slippage: the gate's price check (gate_price.h) for sessions that swap; a server
    // limit, not in the signed bytes (the note below does not list it as the chain's)
    if (fns.some((f) => known(f) && f.fn.category === 'swap'))
        can.push(`Max slippage: ${req.maxSlippage ?? '1'}% below the Uniswap quote; a trade asking a worse price is refused before signing`);
    can.push('You can revoke anytime'); // revoke_session: the server's promise

    // which of the limits the chain holds (zd_enforcement of zd_map.c, but from the bytes)
    const n = fns.length;
    const swapOrBound = fns.filter((f) => (known(f) && f.fn.category === 'swap') || f.who !== null);
    const toWallet = swapOrBound.filter((f) => f.who !== null && (f.fn.category !== 'swap' || f.who === wallet));
    const enf = {
        contract: 'chain', // the CallPolicy lists one target
        functions: 'chain', // and only these selectors
        spendToken: share(fns.filter((f) => f.token !== null || f.tokenIsTarget).length, n),
        recipient: swapOrBound.length ? share(toWallet.length, swapOrBound.length) : 'none',
        perTrade: share(fns.filter((f) => f.amount !== null).length, n),
        rateLimit: rl ? 'chain' : 'none',
        expiry: window !== null ? 'chain' : 'server',
        total: 'server', // checked below: no decoded policy caps a sum
    };
    const cannot = [];
    if (allSwaps && (enf.recipient === 'chain' || enf.recipient === 'partly')) cannot.push('Transfer to other addresses');
    cannot.push('Exceed spending limits', 'Access after expiration');

    // ⚠ warnings (function_warning / warning_lines of policy_summary.c)
    const warnings = [];
    if (!contract) warnings.push(`${target} is not a contract we can name; check it before you sign`);
    const what = contract?.isToken ? contract.name : 'tokens';
    for (const f of fns) {
        if (!known(f)) warnings.push(contract ? `function ${f.perm.selector} is not one we know for ${contract.name}` : `function ${f.perm.selector} has no name we know`);
        else if (f.fn.category === 'transfer' && f.who === null) warnings.push(`${label(f)} can send ${what} to any address`);
        else if (f.fn.category === 'approve' && f.who === null) warnings.push(`${label(f)} lets another address spend ${what} from the wallet, even after this session ends`);
    }

    // ℹ notes: the default-token note (the request's), then who enforces what
    const notes = [];
    if (req.spendToken === undefined && !contract?.isToken) notes.push(`Limits are counted in ${spendToken.symbol}, the chain's default token`);
    // The rate limit: the chain holds only what the rate-limit contract's code holds (see
    // chainRateWords); the rolling rate of the ✓ line is the server's.
    const items = [['contract', 'the contract'], ['functions', 'the functions'], ['spendToken', 'the spend token'],
        ['recipient', 'the recipient'], ['perTrade', 'the per-trade cap'], ['rateLimit', null],
        ['expiry', 'the expiry'], ['total', 'the total limit']];
    const onChain = [], serverOnly = [];
    for (const [k, w] of items) {
        if (k === 'rateLimit') {
            if (rl) {
                onChain.push(chainRateWords(rl, allSwaps));
                serverOnly.push('the rate limit');
            }
        } else if (enf[k] === 'chain') onChain.push(w);
        else if (enf[k] === 'server' || enf[k] === 'partly') serverOnly.push(w);
    }
    // the gate's price limits (gate_price.h): never the chain's
    if (fns.some((f) => known(f) && f.fn.category === 'swap')) serverOnly.push('the maximum slippage');
    serverOnly.push('the fee cap'); // the gate's per-operation fee cap (issue 11): no Kernel policy holds it
    const enforcementNote = `Enforced on chain by the Kernel account: ${onChain.join(', ') || 'nothing'}; ` +
        `enforced only by this server: ${serverOnly.join(', ') || 'nothing'}`;

    const summaryText = ['Session Permissions:', ...can.map((l) => `✓ ${l}`), ...cannot.map((l) => `✗ Cannot: ${l}`),
        ...notes.map((l) => `ℹ ${l}`), ...warnings.map((l) => `⚠ Warning: ${l}`), `ℹ ${enforcementNote}`].join('\n') + '\n';
    return { can, cannot, warnings, notes: [...notes, enforcementNote], summaryText, unexplained, enf, fns, target, token, rl, ts };
}

/* The user's words are exactly the chain's. */
function assertSameWords(sc, resultText, view) {
    assert.deepEqual(view.unexplained, [], 'every signed byte is accounted for by a summary line');
    assert.deepEqual(sc.summary.can, view.can, 'the ✓ lines are the signed policy');
    assert.deepEqual(sc.summary.cannot, view.cannot, 'the ✗ lines are the signed policy');
    assert.deepEqual(sc.summary.warnings, view.warnings, 'the warnings are the signed policy');
    assert.deepEqual(sc.summary.notes, view.notes, 'the note says what the chain holds and what only the server does');
    assert.equal(sc.summaryText, view.summaryText);
    assert.ok(resultText.startsWith(`${view.summaryText}Help (what each line means, how to cancel, what happens if this server ` +
        `is down): ${sc.helpUrl}\n\nSession ${sc.sessionId} is waiting`), 'the text shown to the user starts with the same summary, then the help link');
}

/* No decoded policy can cap a sum: the only policies are a CallPolicy (per-call rules: EQUAL and
 * LESS_THAN_OR_EQUAL on one call's arguments), a rate limit (counts UserOps) and a timestamp. */
function assertNoCumulativeCap(dec) {
    assert.deepEqual([...new Set(dec.policies.map((p) => p.kind))].sort().filter((k) => !['call', 'rateLimit', 'timestamp'].includes(k)), []);
    for (const perm of dec.policies.find((p) => p.kind === 'call').permissions) {
        for (const r of perm.rules) assert.ok([COND.EQUAL, COND.LESS_THAN_OR_EQUAL].includes(r.condition), `rule ${JSON.stringify(r)}`);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The server. */

let walletCache;
/* The counterfactual Kernel 0.3.1 account of OWNER at index 0 (same on every chain). */
function kernelAccount() {
    walletCache ??= JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], {
        input: JSON.stringify({
            ownerAddress: OWNER.address, sessionKeyAddress: STRANGER.address, chainId: BASE, kernelVersion: '0.3.1',
            callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
        }),
    })).accountAddress;
    return walletCache;
}

/* The seed request for a Kernel account; `perm` and `over` change it. */
function kernelArgs({ perm = {}, over = {}, account = {} } = {}) {
    return {
        walletAddress: kernelAccount(),
        ownerAddress: OWNER.address,
        duration: 86400,
        label: 'ETH TWAP',
        permissions: {
            chainId: BASE, contractAddress: BASE_ROUTER, allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50', maxTotal: '1000', rateLimit: { count: 1, period: 3600 }, ...perm,
        },
        account: { type: 'kernel-v3', kernelVersion: '0.3.1', onchain: { deployed: false, currentNonce: 1 }, ...account },
        ...over,
    };
}

/* Request through the real server at T0 (test clock); returns what the user and the wallet get. */
async function request(t, args) {
    const home = tempHome(t);
    const clock = testClock(t, home, T0);
    const srv = await startServer(t, { home, env: clock.env, checkSecrets: false });
    const r = await srv.call('request_session_approval', args);
    const sc = ok(r);
    assert.equal(sc.accountType, 'kernel-v3');
    assert.equal(sc.typedData.primaryType, 'Enable');
    const dec = decodeEnable(sc.typedData);
    assert.equal(dec.account, getAddress(args.walletAddress), 'the Enable data is for this wallet');
    assert.equal(dec.chainId, args.permissions.chainId);
    assert.equal(lc(dec.signer.data), lc(sc.sessionKeyAddress), 'the permission is for the session key the server made');
    const req = { ...args.permissions, spendToken: args.spendToken };
    const view = chainView(dec, req);
    return { sc, text: text(r), dec, view, req };
}

const iso = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const addrWord = (a) => lc(pad(a, { size: 32 }));
const uintWord = (n) => lc(pad(`0x${BigInt(n).toString(16)}`, { size: 32 }));

/* The decoded policies, as plain values for exact assertions. */
function plain(dec) {
    return dec.policies.map((p) => {
        if (p.kind === 'call') return { kind: 'call', version: p.version, flag: p.flag, permissions: p.permissions };
        if (p.kind === 'rateLimit') return { kind: 'rateLimit', reset: p.reset, flag: p.flag, interval: p.interval, count: p.count, startAt: p.startAt };
        if (p.kind === 'timestamp') return { kind: 'timestamp', flag: p.flag, validAfter: p.validAfter, validUntil: p.validUntil };
        return p;
    });
}

const swapPerm = (target, selector, token, wallet, amount, amountOff = 128) => ({
    callType: '0x00', target, selector, valueLimit: 0n,
    rules: [
        { condition: COND.EQUAL, offset: 0, params: [addrWord(token)] },
        { condition: COND.EQUAL, offset: 96, params: [addrWord(wallet)] },
        { condition: COND.LESS_THAN_OR_EQUAL, offset: amountOff, params: [uintWord(amount)] },
    ],
});
const EXACT_INPUT_SINGLE = toFunctionSelector('function exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))');
const ALL_ON_CHAIN = 'Enforced on chain by the Kernel account: the contract, the functions, the spend token, the recipient, ' +
    'the per-trade cap, at most 24 trades in total, the expiry; enforced only by this server: the rate limit, the total limit, the maximum slippage, the fee cap';

/* ------------------------------------------------------------------------------------------ */
/* The word ports themselves, against the examples of policy_words.h. */

test('the JavaScript words are those of policy_words.h', () => {
    assert.equal(wordsDuration(0), '0 seconds');
    assert.equal(wordsDuration(90), '1 minute 30 seconds');
    assert.equal(wordsDuration(5400), '1 hour 30 minutes');
    assert.equal(wordsDuration(86400), '24 hours');
    assert.equal(wordsDuration(3661), '1 hour 1 minute 1 second');
    assert.equal(wordsDuration(129600), '36 hours');
    assert.equal(wordsDuration(2 * 86400), '2 days');
    assert.equal(wordsDuration(30 * 86400), '30 days');
    assert.equal(wordsDuration(2 * 86400 + 12 * 3600), '2 days 12 hours');
    assert.equal(wordsRate(1, 3600, 'trade'), '1 trade per hour');
    assert.equal(wordsRate(3, 600, 'trade'), '3 trades per 10 minutes');
    assert.equal(wordsRate(2, 86400, 'trade'), '2 trades per day');
    assert.equal(wordsRate(1, 5400, 'trade'), '1 trade per 90 minutes');
    assert.equal(wordsRate(1, 129600, 'trade'), '1 trade per 36 hours');
    assert.equal(wordsRate(1, 90, 'trade'), '1 trade per 1 minute 30 seconds');
    assert.equal(wordsRate(5, 1, 'trade'), '5 trades per second');
    const usdc = { symbol: 'USDC', decimals: 6, usd: true };
    const weth = { symbol: 'WETH', decimals: 18, usd: false };
    assert.equal(wordsAmount(50000000n, usdc), '$50 USDC');
    assert.equal(wordsAmount(41670000n, usdc), '$41.67 USDC');
    assert.equal(wordsAmount(1000000000n, usdc), '$1000 USDC');
    assert.equal(wordsAmount(1n, usdc), '$0.000001 USDC');
    assert.equal(wordsAmount(5n * 10n ** 17n, weth), '0.5 WETH');
    assert.equal(wordsAmount(1000n * 10n ** 18n, weth), '1000 WETH');
    assert.equal(wordsAmount(0n, usdc), '$0 USDC');
});

/* ------------------------------------------------------------------------------------------ */
/* The requests. */

test('seed: swaps on SwapRouter02, $50 per trade, 24 hours, 1 trade per hour (no-reset, 24 UserOps)', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs());
    const wallet = kernelAccount();
    assert.deepEqual(plain(dec), [
        { kind: 'call', version: '0.0.4', flag: '0x0000', permissions: [swapPerm(BASE_ROUTER, EXACT_INPUT_SINGLE, BASE_USDC, wallet, 50_000_000n)] },
        { kind: 'rateLimit', reset: false, flag: '0x0000', interval: 3600, count: 24, startAt: 0 },
        { kind: 'timestamp', flag: '0x0000', validAfter: T0, validUntil: T0 + 86400 - 1 },
    ]);
    assert.equal(lc(dec.policies[0].address), lc(CALL_POLICY_CONTRACT_V0_0_4));
    assert.equal(lc(dec.policies[1].address), lc(RATE_LIMIT_POLICY_CONTRACT));
    assert.equal(lc(dec.policies[2].address), lc(TIMESTAMP_POLICY_CONTRACT));
    assertNoCumulativeCap(dec);
    assert.deepEqual(view.can, ['Can execute: Uniswap V3 swaps only', 'Max per trade: $50 USDC', 'Total limit: $1000 USDC',
        expLine(86400), 'Rate limit: 1 trade per hour', 'Fees: at most 0.005 ETH per trade', 'Max slippage: 1% below the Uniswap quote; a trade asking a worse price is refused before signing', 'You can revoke anytime']);
    assert.deepEqual(view.cannot, ['Transfer to other addresses', 'Exceed spending limits', 'Access after expiration']);
    assert.deepEqual(view.notes, ["Limits are counted in USDC, the chain's default token", ALL_ON_CHAIN]);
    assertSameWords(sc, txt, view);
    assert.equal(sc.expiresAt, iso(dec.policies[2].validUntil + 1), 'expiresAt is the end of the signed window');
});

test('no rate limit: no rate-limit policy in the bytes, no rate line, spend token stated', async (t) => {
    const args = kernelArgs({ perm: { rateLimit: undefined }, over: { spendToken: BASE_USDC } });
    delete args.permissions.rateLimit;
    const { sc, text: txt, dec, view } = await request(t, args);
    assert.deepEqual(plain(dec).map((p) => p.kind), ['call', 'timestamp']);
    assertNoCumulativeCap(dec);
    assert.deepEqual(view.can, ['Can execute: Uniswap V3 swaps only', 'Max per trade: $50 USDC', 'Total limit: $1000 USDC',
        expLine(86400), 'Fees: at most 0.005 ETH per trade', 'Max slippage: 1% below the Uniswap quote; a trade asking a worse price is refused before signing', 'You can revoke anytime']);
    assert.deepEqual(view.notes, ['Enforced on chain by the Kernel account: the contract, the functions, the spend token, the recipient, ' +
        'the per-trade cap, the expiry; enforced only by this server: the total limit, the maximum slippage, the fee cap']);
    assertSameWords(sc, txt, view);
});

test('rate limit 3 per 10 minutes: the reset contract {interval 600, count 3}', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({ perm: { rateLimit: { count: 3, period: 600 } } }));
    const rl = dec.policies.find((p) => p.kind === 'rateLimit');
    assert.deepEqual({ reset: rl.reset, interval: rl.interval, count: rl.count }, { reset: true, interval: 600, count: 3 });
    assert.equal(lc(rl.address), lc(RATE_LIMIT_POLICY_WITH_RESET_CONTRACT));
    assertNoCumulativeCap(dec);
    assert.equal(view.can[4], 'Rate limit: 3 trades per 10 minutes');
    assertSameWords(sc, txt, view);
});

test('30 days, 1 trade per day, CallPolicy 0.0.5: {interval 86400, count 30}', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({
        perm: { rateLimit: { count: 1, period: 86400 } }, over: { duration: 30 * 86400 }, account: { callPolicyVersion: '0.0.5' },
    }));
    assert.equal(dec.policies[0].version, '0.0.5');
    assert.equal(lc(dec.policies[0].address), lc(CALL_POLICY_CONTRACT_V0_0_5));
    const rl = dec.policies[1];
    assert.deepEqual({ reset: rl.reset, interval: rl.interval, count: rl.count, startAt: rl.startAt }, { reset: false, interval: 86400, count: 30, startAt: 0 });
    assert.deepEqual({ a: dec.policies[2].validAfter, u: dec.policies[2].validUntil }, { a: T0, u: T0 + 30 * 86400 - 1 });
    assert.deepEqual(view.can.slice(3, 5), [expLine(2592000), 'Rate limit: 1 trade per day']);
    assertSameWords(sc, txt, view);
});

test('1 trade per 7 hours over 25 hours: ceil(90000 / 25200) = 4 UserOps; WETH limits', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({
        perm: { rateLimit: { count: 1, period: 25200 }, maxPerTransaction: '0.5', maxTotal: '2' },
        over: { duration: 90000, spendToken: BASE_WETH },
    }));
    const wallet = kernelAccount();
    assert.deepEqual(dec.policies[0].permissions, [swapPerm(BASE_ROUTER, EXACT_INPUT_SINGLE, BASE_WETH, wallet, 5n * 10n ** 17n)]);
    assert.deepEqual({ interval: dec.policies[1].interval, count: dec.policies[1].count }, { interval: 25200, count: 4 });
    assert.deepEqual(view.can, ['Can execute: Uniswap V3 swaps only', 'Max per trade: 0.5 WETH', 'Total limit: 2 WETH',
        expLine(90000), 'Rate limit: 1 trade per 7 hours', 'Fees: at most 0.005 ETH per trade', 'Max slippage: 1% below the Uniswap quote; a trade asking a worse price is refused before signing', 'You can revoke anytime']);
    assertSameWords(sc, txt, view);
});

test('exactOutputSingle: the cap is on amountInMaximum (offset 160)', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({ perm: { allowedFunctions: ['exactOutputSingle'] } }));
    const sel = toFunctionSelector('function exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))');
    assert.deepEqual(dec.policies[0].permissions, [swapPerm(BASE_ROUTER, sel, BASE_USDC, kernelAccount(), 50_000_000n, 160)]);
    assert.equal(view.can[1], 'Max per trade: $50 USDC');
    assertSameWords(sc, txt, view);
});

test('CallPolicy 0.0.1 (one bytes32 per rule) decodes to the same words', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({ account: { callPolicyVersion: '0.0.1' } }));
    assert.equal(lc(dec.policies[0].address), lc(CALL_POLICY_CONTRACT_V0_0_1));
    assert.deepEqual(dec.policies[0].permissions, [swapPerm(BASE_ROUTER, EXACT_INPUT_SINGLE, BASE_USDC, kernelAccount(), 50_000_000n)]);
    assert.deepEqual(view.notes.at(-1), ALL_ON_CHAIN);
    assertSameWords(sc, txt, view);
});

test('SwapRouter (v1) on Ethereum: a deadline field moves amountIn to offset 160', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({ perm: { chainId: 1, contractAddress: ETH_ROUTER_V1 } }));
    const sel = toFunctionSelector('function exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))');
    const usdc = REGISTRY.chains['1'].usdc;
    assert.deepEqual(dec.policies[0].permissions, [swapPerm(getAddress(ETH_ROUTER_V1), sel, usdc, kernelAccount(), 50_000_000n, 160)]);
    assert.equal(dec.chainId, 1);
    assert.deepEqual(view.can.slice(0, 2), ['Can execute: Uniswap V3 swaps only', 'Max per trade: $50 USDC']);
    assertSameWords(sc, txt, view);
});

test('two swap functions, one without chain rules: the note says which limits only the server holds', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({ perm: { allowedFunctions: ['exactInputSingle', 'exactInput'] } }));
    const perms = dec.policies[0].permissions;
    assert.equal(perms.length, 2);
    assert.deepEqual(perms[0], swapPerm(BASE_ROUTER, EXACT_INPUT_SINGLE, BASE_USDC, kernelAccount(), 50_000_000n));
    assert.deepEqual(perms[1], {
        callType: '0x00', target: BASE_ROUTER, selector: toFunctionSelector('function exactInput((bytes,address,uint256,uint256))'),
        valueLimit: 0n, rules: [],
    });
    assert.equal(view.can[0], 'Can execute: Uniswap V3 SwapRouter02: exactInputSingle, exactInput only');
    assert.deepEqual(view.enf, { contract: 'chain', functions: 'chain', spendToken: 'partly', recipient: 'partly', perTrade: 'partly', rateLimit: 'chain', expiry: 'chain', total: 'server' });
    assert.equal(view.notes.at(-1), 'Enforced on chain by the Kernel account: the contract, the functions, at most 24 trades in total, the expiry; ' +
        'enforced only by this server: the spend token, the recipient, the per-trade cap, the rate limit, the total limit, the maximum slippage, the fee cap');
    assertSameWords(sc, txt, view);
});

test('ERC-20 transfer on USDC: amount capped on chain, recipient free (warned), 2 per hour', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({
        perm: { contractAddress: BASE_USDC, allowedFunctions: ['transfer'], rateLimit: { count: 2, period: 3600 } },
    }));
    assert.deepEqual(dec.policies[0].permissions, [{
        callType: '0x00', target: BASE_USDC, selector: toFunctionSelector('function transfer(address,uint256)'), valueLimit: 0n,
        rules: [{ condition: COND.LESS_THAN_OR_EQUAL, offset: 32, params: [uintWord(50_000_000n)] }],
    }]);
    assertNoCumulativeCap(dec);
    assert.deepEqual(view.can, ['Can execute: USDC transfers only', 'Max per transaction: $50 USDC', 'Total limit: $1000 USDC',
        expLine(86400), 'Rate limit: 2 transactions per hour', 'Fees: at most 0.005 ETH per transaction', 'You can revoke anytime']);
    assert.deepEqual(view.cannot, ['Exceed spending limits', 'Access after expiration']);
    assert.deepEqual(view.warnings, ['transfer can send USDC to any address']);
    assert.deepEqual(view.notes, ['Enforced on chain by the Kernel account: the contract, the functions, the spend token, ' +
        'the per-trade cap, at most 2 transactions per hour counted in fixed windows, the expiry; enforced only by this server: the rate limit, the total limit, the fee cap']);
    assertSameWords(sc, txt, view);
});

test('ERC-20 transfer and approve on USDC: both capped, both warned', async (t) => {
    const { sc, text: txt, dec, view } = await request(t, kernelArgs({
        perm: { contractAddress: BASE_USDC, allowedFunctions: ['transfer', 'approve'] },
    }));
    assert.deepEqual(dec.policies[0].permissions.map((p) => [p.selector, p.rules]), [
        [toFunctionSelector('function transfer(address,uint256)'), [{ condition: COND.LESS_THAN_OR_EQUAL, offset: 32, params: [uintWord(50_000_000n)] }]],
        [toFunctionSelector('function approve(address,uint256)'), [{ condition: COND.LESS_THAN_OR_EQUAL, offset: 32, params: [uintWord(50_000_000n)] }]],
    ]);
    assert.deepEqual(view.can[0], 'Can execute: USDC transfers and approvals only');
    assert.deepEqual(view.warnings, ['transfer can send USDC to any address',
        'approve lets another address spend USDC from the wallet, even after this session ends']);
    assertSameWords(sc, txt, view);
});

/* ------------------------------------------------------------------------------------------ */
/* The comparison can fail: the server's real signed bytes, changed one meaning at a time (and
 * re-encoded consistently, validationId included), no longer match the user's words. */

test('signed bytes that enforce something else than the words make the comparison fail', async (t) => {
    const { sc, text: txt, dec, req } = await request(t, kernelArgs());
    const td = sc.typedData;
    const clone = () => structuredClone(dec.policies);
    const call = (ps) => ps.find((p) => p.kind === 'call').permissions[0];
    const rate = (ps) => ps.find((p) => p.kind === 'rateLimit');
    const stamp = (ps) => ps.find((p) => p.kind === 'timestamp');
    const mutations = [
        ['amountIn cap 51 USDC', (ps) => { call(ps).rules[2].params = [uintWord(51_000_000n)]; }, (v) => v.can[1] === 'Max per trade: $51 USDC'],
        ['amountIn cap 50 USDC read as 18 decimals', (ps) => { call(ps).rules[2].params = [uintWord(50n * 10n ** 18n)]; },
            (v) => v.can[1] === 'Max per trade: $50000000000000 USDC'],
        ['tokenIn WETH', (ps) => { call(ps).rules[0].params = [addrWord(BASE_WETH)]; }, (v) => v.can[1] === 'Max per trade: 0.00000000005 WETH'],
        ['recipient a stranger', (ps) => { call(ps).rules[1].params = [addrWord(STRANGER.address)]; },
            (v) => !v.cannot.includes('Transfer to other addresses') && v.unexplained.length === 1],
        ['recipient rule dropped', (ps) => { call(ps).rules.splice(1, 1); },
            (v) => !v.cannot.includes('Transfer to other addresses') && v.notes.at(-1).endsWith('only by this server: the recipient, the rate limit, the total limit, the maximum slippage, the fee cap')],
        ['amount rule dropped', (ps) => { call(ps).rules.splice(2, 1); }, (v) => v.notes.at(-1).endsWith('only by this server: the per-trade cap, the rate limit, the total limit, the maximum slippage, the fee cap')],
        ['amount rule on amountOutMinimum (offset 160)', (ps) => { call(ps).rules[2].offset = 160; }, (v) => v.unexplained.length === 1],
        ['amount rule LESS_THAN_OR_EQUAL -> GREATER_THAN_OR_EQUAL', (ps) => { call(ps).rules[2].condition = COND.GREATER_THAN_OR_EQUAL; }, (v) => v.unexplained.length === 1],
        ['one trade in total: no-reset {3600, count 1}', (ps) => { rate(ps).count = 1; },
            (v) => v.can[4] === 'Rate limit: 1 trade in total, at most 1 trade per hour'],
        ['count 23: one short of the window', (ps) => { rate(ps).count = 23; }, (v) => v.can[4] === 'Rate limit: 23 trades in total, at most 1 trade per hour'],
        ['interval 1800', (ps) => { rate(ps).interval = 1800; rate(ps).count = 48; }, (v) => v.can[4] === 'Rate limit: 1 trade per 30 minutes'],
        ['the reset contract {3600, 24}: 24 per hour', (ps) => { Object.assign(rate(ps), { reset: true, address: RATE_LIMIT_POLICY_WITH_RESET_CONTRACT, startAt: 0 }); },
            (v) => v.can[4] === 'Rate limit: 24 trades per hour'],
        ['rate limit not for UserOps (flag 0x0001)', (ps) => { rate(ps).flag = '0x0001'; }, (v) => !v.can.some((l) => l.startsWith('Rate limit'))],
        ['validUntil one hour later', (ps) => { stamp(ps).validUntil += 3600; }, (v) => v.can[3] === expLine(90000)],
        ['validUntil = valid_until (one second more)', (ps) => { stamp(ps).validUntil += 1; }, (v) => v.can[3] === expLine(86401)],
        ['no timestamp policy', (ps) => { ps.splice(ps.indexOf(stamp(ps)), 1); }, (v) => /only by this server: .*the expiry/.test(v.notes.at(-1))],
        ['ETH value allowed', (ps) => { call(ps).valueLimit = 10n ** 18n; }, (v) => v.unexplained.length === 1],
        ['a delegatecall permission', (ps) => { call(ps).callType = '0xff'; }, (v) => v.unexplained.length === 1],
        ['a gas policy added', (ps) => { ps.push({ kind: 'gas', flag: '0x0000', address: GAS_POLICY_CONTRACT, data: encodeAbiParameters([{ type: 'uint128' }, { type: 'bool' }, { type: 'address' }], [1n, false, pad('0x', { size: 20 })]) }); },
            (v) => v.unexplained.length === 1],
    ];
    // the unchanged bytes pass (the harness itself does not fail)
    const same = decodeEnable(reencode(td, clone(), dec.signer));
    assert.equal(lc(reencode(td, clone(), dec.signer).message.validatorData), lc(td.message.validatorData));
    assertSameWords(sc, txt, chainView(same, req));
    for (const [what, mutate, expectView] of mutations) {
        const ps = clone();
        mutate(ps);
        const mutated = reencode(td, ps, dec.signer);
        assert.notEqual(lc(mutated.message.validationId), lc(td.message.validationId), `${what}: another permission`);
        const view = chainView(decodeEnable(mutated), req);
        assert.ok(expectView(view), `${what}: the re-rendered view ${JSON.stringify({ can: view.can, cannot: view.cannot, notes: view.notes, unexplained: view.unexplained })}`);
        assert.throws(() => assertSameWords(sc, txt, view), assert.AssertionError, `${what}: must not match the server's words`);
    }
});

/* ------------------------------------------------------------------------------------------ */
/* What the rate-limit contracts actually let through. The tests above read the rate-limit bytes
 * as the mapping intends (zd_map.h, the doc: no-reset = "one UserOp per interval, count times").
 * The contracts' own validation code (zerodevapp/kernel-7579-plugins, policies/ratelimit/src/):
 *   RateLimitPolicy.checkUserOpPolicy (no reset): if count == 0 fail; count -= 1;
 *     startAt += interval; return validAfter = the OLD startAt, validUntil 0.
 *     So UserOp k is valid after startAt + k·interval: with startAt = 0 that is 1970, and
 *     every one of the `count` UserOps can run at once.
 *   RateLimitPolicyReset.checkUserOpPolicy: if now >= resetDate { stored = count;
 *     resetDate = now + interval }; require(stored > 0); stored -= 1 (onInstall: stored =
 *     count, resetDate = install time + interval). Fixed windows anchored at the first UserOp
 *     after the previous window ended.
 * Below, those state machines run in JS on the decoded bytes, and an adversarial schedule
 * (the enabling UserOp at validAfter, then as many as each second allows from a candidate start)
 * measures the most UserOps the chain validates in any `period` seconds of the signed window.
 * The summary promises (policy_summary.h) "at most rate_count transactions in any rate_period
 * seconds", and the note says the chain enforces the rate limit. */

function rateContract(rl, installAt) {
    if (rl.reset) {
        const s = { stored: rl.count, resetDate: installAt + rl.interval };
        return (t) => {
            const st = t >= s.resetDate ? { stored: rl.count, resetDate: t + rl.interval } : { ...s };
            if (st.stored === 0) return false; // require reverts: no state change
            Object.assign(s, st, { stored: st.stored - 1 });
            return true;
        };
    }
    const s = { count: rl.count, startAt: rl.startAt };
    return (t) => {
        if (s.count === 0 || s.startAt > t) return false; // count 0: fail; validAfter in the future: not includable
        s.count -= 1;
        s.startAt += rl.interval;
        return true;
    };
}

/* The most UserOps the rate-limit policy and the timestamp policy let through within any
 * `period` seconds (candidate starts: validAfter, each early window end and start, the end). */
function maxOnChainPerPeriod(dec, period) {
    const rl = dec.policies.find((p) => p.kind === 'rateLimit');
    const ts = dec.policies.find((p) => p.kind === 'timestamp');
    const from = ts.validAfter, until = ts.validUntil;
    const starts = new Set([from, until - period + 1]);
    for (let k = 1; k <= 3; k++) starts.add(from + k * rl.interval - 1).add(from + k * rl.interval);
    let best = 0;
    for (const x of starts) {
        if (x < from || x > until) continue;
        const validate = rateContract(rl, from);
        const times = [];
        if (validate(from)) times.push(from); // the enabling UserOp installs the policy
        for (let t = Math.max(x, from); t <= Math.min(x + period - 1, until); t++) {
            for (let n = 0; n < 10_000 && validate(t); n++) times.push(t);
        }
        best = Math.max(best, times.filter((t) => t >= x && t <= x + period - 1).length);
    }
    return best;
}

test('the rate-limit contracts, run on the signed bytes, hold exactly what the note says the chain holds', async (t) => {
    // the simulation itself: the reset contract with count 1 spaces UserOps a full interval apart
    const oneWindow = { policies: [{ kind: 'rateLimit', reset: true, interval: 3600, count: 1, startAt: 0 },
        { kind: 'timestamp', validAfter: T0, validUntil: T0 + 86399 }] };
    assert.equal(maxOnChainPerPeriod(oneWindow, 3600), 1);
    assert.equal(maxOnChainPerPeriod(oneWindow, 7200), 2);

    // No-reset: the note promises a total count on chain (and the rolling rate only from the
    // server); the contract, run on the signed bytes, lets through exactly that many over the
    // whole session, and (the reason the rate is server-only) may let them all through at once.
    for (const [name, args, total, duration] of [
        ['seed: 1 per hour for 24 hours', kernelArgs(), 24, 86400],
        ['1 per day for 30 days', kernelArgs({ perm: { rateLimit: { count: 1, period: 86400 } }, over: { duration: 30 * 86400 } }), 30, 30 * 86400],
    ]) {
        const { sc, dec } = await request(t, args);
        const note = sc.summary.notes.at(-1);
        assert.ok(note.includes(`at most ${total} trades in total`), `${name}: ${note}`);
        assert.ok(/; enforced only by this server: .*the rate limit/.test(note), `${name}: the rolling rate is the server's`);
        assert.equal(maxOnChainPerPeriod(dec, duration), total, `${name}: the chain's total`);
        assert.equal(maxOnChainPerPeriod(dec, args.permissions.rateLimit.period), total, `${name}: why the rate is not claimed for the chain`);
    }
    // Reset: the note promises count per fixed window; a window edge lets up to twice through
    // in a rolling period, which is why the rolling rate is again the server's.
    const { sc, dec } = await request(t, kernelArgs({ perm: { rateLimit: { count: 3, period: 600 } } }));
    const note = sc.summary.notes.at(-1);
    assert.ok(note.includes('at most 3 trades per 10 minutes counted in fixed windows'), note);
    assert.ok(/; enforced only by this server: .*the rate limit/.test(note), note);
    const rolling = maxOnChainPerPeriod(dec, 600);
    assert.ok(rolling > 3 && rolling < 6, `a fixed-window edge lets ${rolling} through in 600 s`);
});
