// executor_stub.mjs: a loopback chain RPC and ERC-4337 bundler for the executor's e2e tests.
// Not a chain: it keeps just the state the executor reads (account code, EntryPoint nonces per
// key, the permission's installation, a price) and models what matters about a bundler: one
// inclusion per (sender, nonce), receipts by user operation hash, rejections, being down.
// Every user operation is checked as EntryPoint v0.7 + Kernel v3 would see it: its hash
// (viem getUserOperationHash), the nonce against the account's current one for its key, the
// session key's signature (0xff || ECDSA over the EIP-191 hash of the hash), and, in enable
// mode, the enable-mode signature layout (hook || abi.encode(bytes x5)) with the owner's
// Enable signature.
import http from 'node:http';
import {
    decodeAbiParameters, decodeFunctionData, encodeAbiParameters, getAddress, keccak256, parseAbi, recoverMessageAddress,
    toHex,
} from 'viem';
import { getUserOperationHash } from 'viem/account-abstraction';

export const EP = '0x0000000071727De22E5E9d8BAf0edAc6f37da032';
const sel = (sig) => keccak256(toHex(sig)).slice(0, 10);
const SEL = {
    getNonce: sel('getNonce(address,uint192)'),
    validationConfig: sel('validationConfig(bytes21)'),
    quote: sel('quoteExactInputSingle((address,address,uint256,uint24,uint160))'),
    allowance: sel('allowance(address,address)'),
};
const kernelAbi = parseAbi(['function execute(bytes32 mode, bytes executionCalldata)']);
const routerAbi = parseAbi([
    'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96))',
]);
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

export async function startStub({ chainId = 8453, sessionKey, weth, price = 333333333333333n, gasPrice = 1000000n } = {}) {
    const s = {
        chainId, deployedSet: new Set(), installedSet: new Set(), nonces: new Map(), price, sessionKey, weth,
        sends: [], included: [], rejectNext: 0, down: false, holdReceipts: false, pending: new Map(), receipts: new Map(),
        problems: [], gasPrice,
    };
    // price: WETH base units out per 1 USDC base unit x 1e12 ... kept as: out = amountIn * price / 1e6
    const nonceOf = (sender, key) => s.nonces.get(`${sender.toLowerCase()}:${key}`) ?? 0n;

    function ethCall({ to, data }) {
        const d = data.slice(0, 10);
        if (d === SEL.getNonce) {
            const [sender, key] = decodeAbiParameters([{ type: 'address' }, { type: 'uint192' }], '0x' + data.slice(10));
            return encodeAbiParameters([{ type: 'uint256' }], [(key << 64n) | nonceOf(sender, key)]);
        }
        if (d === SEL.validationConfig) {
            return encodeAbiParameters([{ type: 'uint32' }, { type: 'address' }],
                [1, s.installedSet.has(to.toLowerCase()) ? '0x0000000000000000000000000000000000000001' : '0x0000000000000000000000000000000000000000']);
        }
        if (d === SEL.quote) {
            const [p] = decodeAbiParameters([{ type: 'tuple', components: [
                { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint24' }, { type: 'uint160' }] }],
            '0x' + data.slice(10));
            const out = (p[2] * s.price) / 1000000n;
            return encodeAbiParameters([{ type: 'uint256' }, { type: 'uint160' }, { type: 'uint32' }, { type: 'uint256' }], [out, 0n, 1, 100000n]);
        }
        if (d === SEL.allowance) return encodeAbiParameters([{ type: 'uint256' }], [2n ** 255n]);
        throw Object.assign(new Error(`stub: unknown eth_call ${d} to ${to}`), { code: -32000 });
    }

    async function checkOp(op, estimate = false) {
        const deployed = s.deployedSet.has(op.sender.toLowerCase()), installed = s.installedSet.has(op.sender.toLowerCase());
        const hash = getUserOperationHash({ userOperation: {
            ...op, nonce: BigInt(op.nonce), callGasLimit: BigInt(op.callGasLimit), verificationGasLimit: BigInt(op.verificationGasLimit),
            preVerificationGas: BigInt(op.preVerificationGas), maxFeePerGas: BigInt(op.maxFeePerGas),
            maxPriorityFeePerGas: BigInt(op.maxPriorityFeePerGas),
            ...(op.paymaster ? { paymasterVerificationGasLimit: BigInt(op.paymasterVerificationGasLimit), paymasterPostOpGasLimit: BigInt(op.paymasterPostOpGasLimit) } : {}),
        }, entryPointAddress: EP, entryPointVersion: '0.7', chainId: s.chainId });
        const nonce = BigInt(op.nonce), key = nonce >> 64n, seq = nonce & ((1n << 64n) - 1n);
        const keyHex = key.toString(16).padStart(48, '0');
        const enable = keyHex.startsWith('01');
        if (keyHex.slice(2, 4) !== '02') s.problems.push(`nonce key ${keyHex} is not a permission key`);
        if (seq !== nonceOf(op.sender, key)) throw Object.assign(new Error(`AA25 invalid account nonce`), { code: -32507 });
        if (!deployed && !op.factory) throw Object.assign(new Error('AA20 account not deployed'), { code: -32500 });
        let sig = op.signature, enableSig = null;
        if (enable) {
            if (installed) s.problems.push('enable mode on an installed permission');
            if (!sig.startsWith('0x' + '00'.repeat(20))) s.problems.push('enable-mode signature without the empty hook');
            const parts = decodeAbiParameters(Array(5).fill({ type: 'bytes' }), '0x' + sig.slice(42));
            [, , , enableSig, sig] = parts;
            if (parts[1] !== '0x') s.problems.push('hookData not empty');
            if (!parts[2].toLowerCase().startsWith('0xe9ae5c53')) s.problems.push('selectorData not for execute');
            if (enableSig.length !== 132) s.problems.push('enable signature not 65 bytes');
        } else if (!installed) {
            s.problems.push('default mode before the permission was installed');
        }
        if (!sig.startsWith('0xff') || sig.length !== 134) s.problems.push(`session signature shape ${sig.slice(0, 6)}/${sig.length}`);
        else if (s.sessionKey && !estimate) {
            const who = await recoverMessageAddress({ message: { raw: hash }, signature: '0x' + sig.slice(4) });
            if (who.toLowerCase() !== s.sessionKey.toLowerCase()) s.problems.push(`signed by ${who}, not the session key`);
        }
        // what the operation does
        const { args: [mode, exec] } = decodeFunctionData({ abi: kernelAbi, data: op.callData });
        let swap;
        if (mode.startsWith('0x00')) swap = '0x' + exec.slice(2 + 104);
        else {
            const [execs] = decodeAbiParameters([{ type: 'tuple[]', components: [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes' }] }], exec);
            swap = execs.at(-1)[2];
        }
        const { args: [p] } = decodeFunctionData({ abi: routerAbi, data: swap });
        return { hash, key, seq, enable, enableSig, swap: p };
    }

    function include(entry) {
        const { op, info } = entry;
        const k = `${op.sender.toLowerCase()}:${info.key}`;
        s.nonces.set(k, info.seq + 1n);
        if (op.factory) s.deployedSet.add(op.sender.toLowerCase());
        if (info.enable) s.installedSet.add(op.sender.toLowerCase());
        const out = (info.swap.amountIn * s.price) / 1000000n;
        const tx = keccak256(toHex(`tx:${info.hash}`));
        const success = !entry.revert;
        s.receipts.set(info.hash, {
            userOpHash: info.hash, sender: op.sender, nonce: op.nonce, success, actualGasUsed: '0x1', actualGasCost: '0x1',
            ...(success ? {} : { reason: entry.revertData }),
            logs: success ? [{ address: s.weth, topics: [TRANSFER, '0x' + '00'.repeat(12) + '1'.repeat(40),
                '0x' + '00'.repeat(12) + op.sender.slice(2).toLowerCase()], data: encodeAbiParameters([{ type: 'uint256' }], [out]) }] : [],
            receipt: { transactionHash: tx, blockNumber: '0x1', status: success ? '0x1' : '0x0' },
        });
        s.included.push({ ...entry, tx, amountIn: info.swap.amountIn, amountOut: success ? out : 0n });
        s.pending.delete(`${op.sender.toLowerCase()}:${op.nonce}`);
    }

    async function handle(method, params) {
        switch (method) {
        case 'eth_chainId': return toHex(s.chainId);
        case 'eth_getCode': return s.deployedSet.has(params[0].toLowerCase()) ? '0xef01' : '0x';
        case 'eth_call': return ethCall(params[0]);
        case 'eth_gasPrice': return toHex(s.gasPrice);
        case 'eth_maxPriorityFeePerGas': return toHex(s.gasPrice / 10n);
        case 'eth_supportedEntryPoints': return [EP];
        case 'eth_estimateUserOperationGas': {
            await checkOp({ ...params[0], callGasLimit: '0x0', verificationGasLimit: '0x0', preVerificationGas: '0x0' }, true);
            return { callGasLimit: '0x30d40', verificationGasLimit: '0x7a120', preVerificationGas: '0xc350' };
        }
        case 'eth_sendUserOperation': {
            const op = params[0];
            const info = await checkOp(op);
            s.sends.push({ op, info });
            if (s.rejectNext > 0) {
                s.rejectNext--;
                throw Object.assign(new Error('execution reverted: Too little received'), { code: -32521 });
            }
            const entry = { op, info };
            s.pending.set(`${op.sender.toLowerCase()}:${op.nonce}`, entry);
            if (!s.holdReceipts) include(entry);
            s.onSend?.(entry);
            return info.hash;
        }
        case 'eth_getUserOperationReceipt': return s.receipts.get(params[0]) ?? null;
        default: throw Object.assign(new Error(`stub: method ${method} not served`), { code: -32601 });
        }
    }

    const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', async () => {
            const isBundler = req.url.startsWith('/bundler');
            if (isBundler && s.down) {
                res.writeHead(503);
                res.end('down');
                return;
            }
            let msg;
            try {
                msg = JSON.parse(body);
            } catch {
                res.writeHead(400);
                res.end();
                return;
            }
            const out = { jsonrpc: '2.0', id: msg.id };
            try {
                out.result = await handle(msg.method, msg.params ?? []);
            } catch (e) {
                out.error = { code: e.code ?? -32603, message: e.message };
            }
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? toHex(v) : v)));
        });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    s.rpcUrl = `${base}/rpc`;
    s.bundlerUrl = `${base}/bundler`;
    s.close = () => new Promise((r) => server.close(r));
    s.includePending = () => { for (const e of [...s.pending.values()]) include(e); };
    return s;
}
