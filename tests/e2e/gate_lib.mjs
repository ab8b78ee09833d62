// gate_lib.mjs: helpers for the execution-gate end-to-end tests (not a test itself): start the
// real binary with the official v1 SDK client, approve a session the way a user would (viem
// signs the typed data request_session_approval returned), build Uniswap / ERC-20 / Kernel call
// data with viem, and run `sessionkey-mcp exec`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import { startQuoteNode } from './quote_node.mjs';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { concatHex, encodeAbiParameters, encodeFunctionData, numberToHex, pad, parseAbi } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { BIN, defer } from './lib.mjs';

export const CHAIN_ID = 8453; // Base
export const ROUTER = '0x2626664c2603336E57B271c5C0b26F421741e481'; // Uniswap V3 SwapRouter02 on Base
export const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
export const WETH = '0x4200000000000000000000000000000000000006';
export const ATTACKER = '0x000000000000000000000000000000000000dEaD';
// A fixed test owner key (never a real one) and the smart wallet it owns.
export const OWNER_PK = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
export const WALLET = '0x1111111111111111111111111111111111111111';
export const usdc = (n) => BigInt(Math.round(n * 1e6));

export const routerAbi = parseAbi([
    'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96)) payable returns (uint256)',
    'function exactOutputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountOut, uint256 amountInMaximum, uint160 sqrtPriceLimitX96)) payable returns (uint256)',
    'function multicall(uint256 deadline, bytes[] data) payable returns (bytes[])',
    'function sweepToken(address token, uint256 amountMinimum, address recipient) payable',
]);
export const erc20Abi = parseAbi([
    'function approve(address spender, uint256 amount) returns (bool)',
    'function transfer(address to, uint256 amount) returns (bool)',
]);
const kernelAbi = parseAbi(['function execute(bytes32 mode, bytes executionCalldata) payable']);

/* exactInputSingle USDC -> WETH on the router, for the wallet, with a minimum out. */
export function swapData({ amountIn = usdc(50), recipient = WALLET, minOut = 1n, tokenIn = USDC } = {}) {
    return encodeFunctionData({
        abi: routerAbi,
        functionName: 'exactInputSingle',
        args: [{ tokenIn, tokenOut: WETH, fee: 500, recipient, amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n }],
    });
}

export function swapCall(opts) {
    return { target: ROUTER, value: '0', data: swapData(opts) };
}

/* Kernel v3 execute() call data: one call (mode 0x00) or a batch (mode 0x01). */
export function kernelExecute(calls) {
    if (calls.length === 1) {
        const c = calls[0];
        const packed = concatHex([c.target, numberToHex(BigInt(c.value ?? 0), { size: 32 }), c.data]);
        return encodeFunctionData({ abi: kernelAbi, functionName: 'execute', args: [pad('0x00', { dir: 'right', size: 32 }), packed] });
    }
    const batch = encodeAbiParameters(
        [{ type: 'tuple[]', components: [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes' }] }],
        [calls.map((c) => [c.target, BigInt(c.value ?? 0), c.data])],
    );
    return encodeFunctionData({ abi: kernelAbi, functionName: 'execute', args: [pad('0x01', { dir: 'right', size: 32 }), batch] });
}

/* A v0.7 user operation (RPC form) for the wallet carrying callData. */
export function userOp(callData, { sender = WALLET, nonce = 0n } = {}) {
    return {
        sender,
        nonce: numberToHex(nonce),
        callData,
        callGasLimit: '0x30d40',
        verificationGasLimit: '0x493e0',
        preVerificationGas: '0xc350',
        maxFeePerGas: '0x3b9aca00',
        maxPriorityFeePerGas: '0x5f5e100',
    };
}

/* The same operation in viem's shape (bigints), for getUserOperationHash. */
export function viemUserOp(op) {
    return {
        sender: op.sender,
        nonce: BigInt(op.nonce),
        callData: op.callData,
        callGasLimit: BigInt(op.callGasLimit),
        verificationGasLimit: BigInt(op.verificationGasLimit),
        preVerificationGas: BigInt(op.preVerificationGas),
        maxFeePerGas: BigInt(op.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(op.maxPriorityFeePerGas),
        signature: '0x',
    };
}

/* The default price source of the gate tests: a loopback node for Base whose QuoterV2 quotes
 * 1 base unit for any exact-input swap (so every minimum output above 0 is within slippage)
 * and the maximum input itself for exact-output swaps. One per process, started on first use;
 * tests of the price rules start their own (quote_node.mjs). */
let defaultNode = null;
export async function defaultQuoteEnv() {
    if (defaultNode === null)
        defaultNode = await startQuoteNode({ chainId: CHAIN_ID, quote: (q) => (q.kind.includes('Input') ? 1n : q.amount) });
    return { SKM_RPC_8453: defaultNode.url };
}

/* The SDK client on the real binary, with a data dir; closed when the test ends. Chain RPC is
 * not configured for Base, so request_session_approval skips the balance check. The server is
 * the executor's (--executor: it serves authorize_execution and report_execution) unless
 * executor is false; extra command-line arguments go in args. */
export async function connect(t, home, env = {}, { executor = true, args = [] } = {}) {
    const transport = new StdioClientTransport({
        command: env.SKM_BIN_OVERRIDE ?? BIN,
        args: [...(executor ? ['--executor'] : []), ...args],
        env: { ...getDefaultEnvironment(), ...(await defaultQuoteEnv()), SESSIONKEY_MCP_HOME: home, ...env },
        stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr.on('data', (c) => (stderr += c));
    const client = new Client({ name: 'skm-e2e-gate', version: '0.0.0' });
    await client.connect(transport);
    defer(t, () => client.close());
    client.stderrText = () => stderr;
    return client;
}

export async function call(client, name, args) {
    const r = await client.callTool({ name, arguments: args });
    return r;
}

/* request_session_approval -> the owner signs the typed data with viem -> confirm_session. */
export async function approveSession(client, { permissions = {}, label = 'USDC TWAP', duration = 86400 } = {}) {
    const owner = privateKeyToAccount(OWNER_PK);
    const req = await call(client, 'request_session_approval', {
        walletAddress: WALLET,
        ownerAddress: owner.address,
        duration,
        permissions: {
            chainId: CHAIN_ID,
            contractAddress: ROUTER,
            allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50',
            maxTotal: '1000',
            ...permissions,
        },
        label,
        account: { type: 'other' }, // the generic flow: WALLET is no Kernel account of the owner
    });
    assert.ok(!req.isError, JSON.stringify(req.content));
    const { sessionId, typedData } = req.structuredContent;
    const { EIP712Domain, ...types } = typedData.types; // viem derives the domain type itself
    void EIP712Domain;
    const signature = await owner.signTypedData({ domain: typedData.domain, types, primaryType: typedData.primaryType, message: typedData.message });
    const conf = await call(client, 'confirm_session', { sessionId, signature });
    assert.ok(!conf.isError, JSON.stringify(conf.content));
    assert.equal(conf.structuredContent.status, 'active');
    return { sessionId, sessionKey: req.structuredContent.sessionKeyAddress };
}

/* `sessionkey-mcp exec [report]` with requests (objects, one per line). Resolves to
 * {code, signal, results: parsed stdout lines, stderr}. */
export async function runExec(home, requests, { report = false, bin = BIN, env = {}, onSpawn } = {}) {
    const quoteEnv = await defaultQuoteEnv();
    return new Promise((resolve, reject) => {
        const args = ['exec', ...(report ? ['report'] : []), '--data-dir', home];
        const child = spawn(bin, args, { env: { ...process.env, ...quoteEnv, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (err += c));
        child.on('error', reject);
        child.on('close', (code, signal) => {
            // complete lines only: a process killed mid-write may leave a partial last line
            const results = out.split('\n').slice(0, -1).filter((l) => l.length > 0).map((l) => JSON.parse(l));
            resolve({ code, signal, results, stderr: err, partial: out });
        });
        child.stdin.on('error', () => {});
        child.stdin.end(requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
        if (onSpawn) onSpawn(child);
    });
}
