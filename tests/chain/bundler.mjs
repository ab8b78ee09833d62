// bundler.mjs: a small ERC-4337 v0.7 bundler for the local-chain tests (npm @pimlico/alto is not
// installed here). JSON-RPC over HTTP on 127.0.0.1:
//   eth_chainId, eth_supportedEntryPoints,
//   eth_estimateUserOperationGas  simulateHandleOp of EntryPointSimulations
//                                 (@account-abstraction/contracts 0.7.0, given to eth_call as a
//                                 state override of the EntryPoint's code, the sender's balance
//                                 overridden too); validation failures are errors (-32500);
//   eth_sendUserOperation         eth_call of handleOps first (a validation failure is a
//                                 -32500 error with the EntryPoint's FailedOp reason and the
//                                 account's revert data), then handleOps sent from a funded
//                                 account, one bundle per operation; keeps the receipt;
//   eth_getUserOperationReceipt, eth_getUserOperationByHash,
//   pimlico_getUserOperationGasPrice and zd_getUserOperationGasPrice (ZeroDev's SDK asks it):
//                                 from the chain's base fee.
// stop() closes the port (the "bundler down" case); start() opens it again on the same port;
// faults.reject = n refuses the next n sends; faults.holdReceipts keeps receipts back.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    concat, createPublicClient, createWalletClient, decodeErrorResult, decodeEventLog, decodeFunctionResult,
    defineChain, encodeFunctionData, http, pad, toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const require = createRequire(join(ROOT, 'tests', 'package.json'));
const EP = JSON.parse(readFileSync(require.resolve('@account-abstraction/contracts/artifacts/EntryPoint.json'), 'utf8'));
const SIM = JSON.parse(readFileSync(require.resolve('@account-abstraction/contracts/artifacts/EntryPointSimulations.json'), 'utf8'));

// Kernel v3.1 errors worth naming in a refusal (the account's revert data inside FailedOpWithRevert).
const KERNEL_ERRORS = [
    { type: 'error', name: 'PolicyFailed', inputs: [{ name: 'i', type: 'uint256' }] },
    { type: 'error', name: 'SignerPrefixNotPresent', inputs: [] },
    { type: 'error', name: 'PolicyDataTooLarge', inputs: [] },
    { type: 'error', name: 'InvalidNonce', inputs: [] },
    { type: 'error', name: 'EnableNotApproved', inputs: [] },
    { type: 'error', name: 'InvalidValidator', inputs: [] },
    { type: 'error', name: 'Error', inputs: [{ name: 'message', type: 'string' }] },
];

const hex = (v) => (v === undefined || v === null ? undefined : toHex(BigInt(v)));
const big = (v) => (v === undefined || v === null || v === '0x' ? 0n : BigInt(v));

/* RPC (unpacked v0.7) user operation -> PackedUserOperation. */
export function packUserOp(op) {
    const initCode = op.factory && op.factory !== '0x' ? concat([op.factory, op.factoryData ?? '0x']) : '0x';
    const paymasterAndData = op.paymaster && op.paymaster !== '0x'
        ? concat([op.paymaster, pad(hex(big(op.paymasterVerificationGasLimit)), { size: 16 }),
            pad(hex(big(op.paymasterPostOpGasLimit)), { size: 16 }), op.paymasterData ?? '0x'])
        : '0x';
    return {
        sender: op.sender,
        nonce: big(op.nonce),
        initCode,
        callData: op.callData ?? '0x',
        accountGasLimits: concat([pad(hex(big(op.verificationGasLimit)), { size: 16 }), pad(hex(big(op.callGasLimit)), { size: 16 })]),
        preVerificationGas: big(op.preVerificationGas),
        gasFees: concat([pad(hex(big(op.maxPriorityFeePerGas)), { size: 16 }), pad(hex(big(op.maxFeePerGas)), { size: 16 })]),
        paymasterAndData,
        signature: op.signature ?? '0x',
    };
}

class RpcError extends Error {
    constructor(code, message, data) {
        super(message);
        this.code = code;
        this.data = data;
    }
}

/* Words for an EntryPoint revert (FailedOp / FailedOpWithRevert with the account's error). */
export function describeRevert(data) {
    if (!data || data === '0x') return { message: 'reverted without data' };
    try {
        const e = decodeErrorResult({ abi: EP.abi, data });
        if (e.errorName === 'FailedOp') return { message: e.args[1], reason: e.args[1] };
        if (e.errorName === 'FailedOpWithRevert') {
            let inner = e.args[2];
            try {
                const k = decodeErrorResult({ abi: KERNEL_ERRORS, data: e.args[2] });
                inner = `${k.errorName}(${k.args ? k.args.map(String).join(',') : ''})`;
            } catch { /* raw */ }
            return { message: `${e.args[1]} ${inner}`, reason: e.args[1], inner, innerData: e.args[2] };
        }
        return { message: `${e.errorName}(${(e.args ?? []).map(String).join(',')})` };
    } catch {
        return { message: `revert ${data.slice(0, 74)}` };
    }
}

function revertData(err) {
    let e = err;
    for (let i = 0; e && i < 10; i++) {
        if (typeof e.data === 'string' && e.data.startsWith('0x')) return e.data;
        if (e.data && typeof e.data.data === 'string') return e.data.data;
        if (typeof e.raw === 'string') return e.raw;
        e = e.cause;
    }
    const m = /(0x[0-9a-fA-F]{8,})/.exec(String(err?.details ?? err?.message ?? ''));
    return m ? m[1] : undefined;
}

export async function startBundler({ rpcUrl, chainId, entryPoint, privateKey, port = 0, log }) {
    const chain = defineChain({ id: chainId, name: 'local', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } } });
    const transport = http(rpcUrl, { retryCount: 0 });
    const client = createPublicClient({ chain, transport, pollingInterval: 20 });
    const account = privateKeyToAccount(privateKey);
    const wallet = createWalletClient({ chain, transport, account });
    const receipts = new Map(); // userOpHash -> receipt
    const ops = new Map(); // userOpHash -> { userOperation, transactionHash, blockNumber, blockHash }
    const stats = { attempts: 0, sent: 0, refused: 0, estimated: 0, injected: 0 }; // attempts: every eth_sendUserOperation
    // Fault injection for the executor's tests: the next `reject` eth_sendUserOperation calls
    // fail with a -32500 error (nothing is sent), like a bundler that refuses an operation.
    // holdReceipts: included operations get no receipt (null) until it is set back to false.
    const faults = { reject: 0, holdReceipts: false };
    let queue = Promise.resolve();
    const say = (m) => { if (log) log(`bundler: ${m}`); };

    const raw = (method, params) => client.request({ method, params });
    const userOpHash = async (packed) => {
        const data = await raw('eth_call', [{ to: entryPoint, data: encodeFunctionData({ abi: EP.abi, functionName: 'getUserOpHash', args: [packed] }) }, 'latest']);
        return decodeFunctionResult({ abi: EP.abi, functionName: 'getUserOpHash', data });
    };

    const checkEntryPoint = (ep) => {
        if (!ep || ep.toLowerCase() !== entryPoint.toLowerCase())
            throw new RpcError(-32602, `unsupported EntryPoint ${ep}: this bundler serves ${entryPoint}`);
    };

    async function estimate(op, ep) {
        checkEntryPoint(ep);
        const trial = { ...op, verificationGasLimit: 5_000_000n, callGasLimit: 5_000_000n, preVerificationGas: 0n,
            maxFeePerGas: 1n, maxPriorityFeePerGas: 1n };
        if (op.paymaster) {
            trial.paymasterVerificationGasLimit = big(op.paymasterVerificationGasLimit) || 1_000_000n;
            trial.paymasterPostOpGasLimit = big(op.paymasterPostOpGasLimit) || 1_000_000n;
        }
        const packed = packUserOp(trial);
        const data = encodeFunctionData({ abi: SIM.abi, functionName: 'simulateHandleOp',
            args: [packed, '0x0000000000000000000000000000000000000000', '0x'] });
        const override = { [entryPoint]: { code: SIM.deployedBytecode } };
        if (!op.paymaster) override[op.sender] = { balance: toHex(10n ** 24n) };
        let out;
        try {
            out = await raw('eth_call', [{ to: entryPoint, data, gas: toHex(30_000_000n) }, 'latest', override]);
        } catch (e) {
            const d = describeRevert(revertData(e));
            throw new RpcError(-32500, `user operation validation failed: ${d.message}`, d);
        }
        const r = decodeFunctionResult({ abi: SIM.abi, functionName: 'simulateHandleOp', data: out });
        const preOpGas = r.preOpGas, actual = r.paid; // gas price 1 wei: paid = gas used
        if ((BigInt(r.accountValidationData) & ((1n << 160n) - 1n)) > 1n)
            throw new RpcError(-32500, 'aggregated signatures are not supported');
        // v0.7 charges 10% of the unused execution gas limit: actual = preOp + used + (L - used) / 10
        const L = 5_000_000n;
        const used = (actual - preOpGas) * 10n > L ? ((actual - preOpGas) * 10n - L) / 9n : 0n;
        const pvg = preVerificationGas(op);
        stats.estimated++;
        return {
            preVerificationGas: hex(pvg),
            verificationGasLimit: hex(preOpGas * 3n / 2n + 50_000n),
            callGasLimit: hex(used * 13n / 10n + 50_000n),
            paymasterVerificationGasLimit: op.paymaster ? hex(300_000n) : undefined,
            paymasterPostOpGasLimit: op.paymaster ? hex(100_000n) : undefined,
        };
    }

    // calldata cost of the operation (16 per non-zero byte, 4 per zero byte) + a share of the
    // bundle's fixed cost.
    function preVerificationGas(op) {
        const p = packUserOp({ ...op, signature: op.signature && op.signature !== '0x' ? op.signature : '0x' + 'ff'.repeat(200) });
        const bytes = Buffer.from(concat([p.sender, pad(hex(p.nonce)), p.initCode, p.callData, p.accountGasLimits,
            pad(hex(p.preVerificationGas)), p.gasFees, p.paymasterAndData, p.signature]).slice(2), 'hex');
        let g = 0n;
        for (const b of bytes) g += b === 0 ? 4n : 16n;
        return g + 21_000n + 20_000n;
    }

    async function send(op, ep) {
        checkEntryPoint(ep);
        const packed = packUserOp(op);
        const hash = await userOpHash(packed);
        if (faults.reject > 0) {
            faults.reject--;
            stats.injected++;
            throw new RpcError(-32500, 'user operation refused (injected by the test)', { userOpHash: hash });
        }
        if (receipts.has(hash)) throw new RpcError(-32602, `user operation ${hash} was already included`);
        const data = encodeFunctionData({ abi: EP.abi, functionName: 'handleOps', args: [[packed], account.address] });
        let gas;
        try {
            await raw('eth_call', [{ from: account.address, to: entryPoint, data }, 'latest']);
            gas = await client.estimateGas({ account: account.address, to: entryPoint, data });
        } catch (e) {
            stats.refused++;
            const d = describeRevert(revertData(e));
            say(`refused ${hash}: ${d.message}`);
            throw new RpcError(-32500, `user operation refused in validation: ${d.message}`, { userOpHash: hash, ...d });
        }
        const txHash = await wallet.sendTransaction({ to: entryPoint, data, gas: gas * 6n / 5n + 100_000n });
        const rc = await client.waitForTransactionReceipt({ hash: txHash, pollingInterval: 20 });
        let event = null, reason;
        const opLogs = [];
        for (const l of rc.logs) {
            if (l.address.toLowerCase() !== entryPoint.toLowerCase()) {
                opLogs.push(l);
                continue;
            }
            try {
                const ev = decodeEventLog({ abi: EP.abi, data: l.data, topics: l.topics });
                if (ev.args.userOpHash !== hash) continue;
                if (ev.eventName === 'UserOperationEvent') event = ev.args;
                if (ev.eventName === 'UserOperationRevertReason') reason = ev.args.revertReason;
            } catch { /* other EntryPoint event */ }
        }
        if (!event) throw new RpcError(-32500, `handleOps transaction ${txHash} carried no UserOperationEvent for ${hash}`);
        stats.sent++;
        const receipt = {
            userOpHash: hash, entryPoint, sender: event.sender, nonce: hex(event.nonce),
            paymaster: event.paymaster, actualGasCost: hex(event.actualGasCost), actualGasUsed: hex(event.actualGasUsed),
            success: event.success, reason: reason ?? undefined,
            logs: opLogs.map(jsonLog),
            receipt: jsonReceipt(rc),
        };
        receipts.set(hash, receipt);
        ops.set(hash, { userOperation: op, transactionHash: txHash, blockNumber: hex(rc.blockNumber), blockHash: rc.blockHash });
        say(`included ${hash} in ${txHash} success=${event.success}`);
        return hash;
    }

    async function gasPrice() {
        const block = await client.getBlock();
        const prio = 1_000_000n;
        const fee = (block.baseFeePerGas ?? 0n) * 2n + prio;
        const tier = { maxFeePerGas: hex(fee), maxPriorityFeePerGas: hex(prio) };
        return { slow: tier, standard: tier, fast: tier };
    }

    const handlers = {
        eth_chainId: async () => hex(chainId),
        eth_supportedEntryPoints: async () => [entryPoint],
        eth_estimateUserOperationGas: async ([op, ep]) => estimate(op, ep),
        eth_sendUserOperation: async ([op, ep]) => {
            stats.attempts++;
            const run = queue.then(() => send(op, ep));
            queue = run.catch(() => {});
            return run;
        },
        eth_getUserOperationReceipt: async ([h]) => (faults.holdReceipts ? null : receipts.get(h) ?? null),
        eth_getUserOperationByHash: async ([h]) => {
            const o = ops.get(h);
            return o ? { ...o, entryPoint } : null;
        },
        pimlico_getUserOperationGasPrice: async () => gasPrice(),
        zd_getUserOperationGasPrice: async () => gasPrice(), // what the ZeroDev SDK's client asks
    };

    async function handle(msg) {
        const { id = null, method, params = [] } = msg ?? {};
        const f = handlers[method];
        if (!f) return { jsonrpc: '2.0', id, error: { code: -32601, message: `method ${method} not supported by the test bundler` } };
        try {
            return { jsonrpc: '2.0', id, result: await f(params) };
        } catch (e) {
            if (e instanceof RpcError) return { jsonrpc: '2.0', id, error: { code: e.code, message: e.message, data: e.data } };
            return { jsonrpc: '2.0', id, error: { code: -32603, message: String(e?.shortMessage ?? e?.message ?? e) } };
        }
    }

    let server = null, boundPort = port;
    const sockets = new Set();
    const start = () => new Promise((res, rej) => {
        server = createServer((req, resp) => {
            let body = '';
            req.on('data', (c) => { body += c; });
            req.on('end', async () => {
                let out;
                try {
                    const msg = JSON.parse(body);
                    out = Array.isArray(msg) ? await Promise.all(msg.map(handle)) : await handle(msg);
                } catch {
                    out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } };
                }
                resp.writeHead(200, { 'content-type': 'application/json' });
                resp.end(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? toHex(v) : v)));
            });
        });
        server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
        server.on('error', rej);
        server.listen(boundPort, '127.0.0.1', () => {
            boundPort = server.address().port;
            res();
        });
    });
    await start();
    const stop = () => new Promise((res) => {
        if (!server) return res();
        const s = server;
        server = null;
        for (const k of sockets) k.destroy();
        s.close(() => res());
    });
    return {
        url: `http://127.0.0.1:${boundPort}`, address: account.address, stats, receipts, faults,
        stop, start: () => (server ? Promise.resolve() : start()), running: () => server !== null,
    };
}

function jsonLog(l) {
    return { address: l.address, topics: l.topics, data: l.data, blockNumber: hex(l.blockNumber), blockHash: l.blockHash,
        transactionHash: l.transactionHash, transactionIndex: hex(l.transactionIndex), logIndex: hex(l.logIndex), removed: false };
}

function jsonReceipt(rc) {
    return {
        transactionHash: rc.transactionHash, transactionIndex: hex(rc.transactionIndex), blockHash: rc.blockHash,
        blockNumber: hex(rc.blockNumber), from: rc.from, to: rc.to, cumulativeGasUsed: hex(rc.cumulativeGasUsed),
        gasUsed: hex(rc.gasUsed), contractAddress: rc.contractAddress ?? null, logs: rc.logs.map(jsonLog),
        logsBloom: rc.logsBloom, status: rc.status === 'success' ? '0x1' : '0x0', effectiveGasPrice: hex(rc.effectiveGasPrice),
        type: '0x2',
    };
}
