// quote_node.mjs: a loopback JSON-RPC node for the execution gate's price checks. It answers
//   eth_chainId                          the chain it plays
//   eth_getCode                          "0x" (no account is deployed)
//   eth_call balanceOf(address)          a large balance (request_session_approval's check)
//   eth_call QuoterV2 quoteExactInputSingle / quoteExactInput / quoteExactOutputSingle /
//            quoteExactOutput            state.quote({ kind, amount, tokenIn, tokenOut }) -> bigint,
//                                        encoded as QuoterV2 returns it
// and records every call in `log`; anything else is a JSON-RPC error (recorded in unexpected).
import { createServer } from 'node:http';
import { decodeFunctionData, encodeAbiParameters, parseAbi, toHex } from 'viem';

export const QUOTER_BASE = '0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a'; // QuoterV2 on Base (data/registry.json)

const quoterAbi = parseAbi([
    'function quoteExactInputSingle((address tokenIn, address tokenOut, uint256 amountIn, uint24 fee, uint160 sqrtPriceLimitX96) params) returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)',
    'function quoteExactOutputSingle((address tokenIn, address tokenOut, uint256 amount, uint24 fee, uint160 sqrtPriceLimitX96) params) returns (uint256 amountIn, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)',
    'function quoteExactInput(bytes path, uint256 amountIn) returns (uint256 amountOut, uint160[] sqrtPriceX96AfterList, uint32[] initializedTicksCrossedList, uint256 gasEstimate)',
    'function quoteExactOutput(bytes path, uint256 amountOut) returns (uint256 amountIn, uint160[] sqrtPriceX96AfterList, uint32[] initializedTicksCrossedList, uint256 gasEstimate)',
]);

function encodeQuote(name, value) {
    if (name.endsWith('Single'))
        return encodeAbiParameters([{ type: 'uint256' }, { type: 'uint160' }, { type: 'uint32' }, { type: 'uint256' }], [value, 0n, 1, 100000n]);
    return encodeAbiParameters([{ type: 'uint256' }, { type: 'uint160[]' }, { type: 'uint32[]' }, { type: 'uint256' }], [value, [0n], [1], 100000n]);
}

/* Decode a QuoterV2 call (calldata hex) into { kind, amount, tokenIn/tokenOut/fee | path }. Throws
 * on calldata that is not one of the four quote functions. */
export function decodeQuote(data) {
    const { functionName, args } = decodeFunctionData({ abi: quoterAbi, data });
    return functionName.endsWith('Single')
        ? { kind: functionName, amount: functionName.includes('Input') ? args[0].amountIn : args[0].amount, tokenIn: args[0].tokenIn, tokenOut: args[0].tokenOut, fee: args[0].fee }
        : { kind: functionName, amount: args[1], path: args[0] };
}

/* The eth_call result QuoterV2 would return for quote q when the quote is value. */
export function encodeQuoteResult(q, value) {
    return encodeQuote(q.kind, value);
}

/* state: { chainId, quote(q) -> bigint, quoter? }. Returns { url, log, unexpected, state, close }. */
export async function startQuoteNode(state) {
    const log = [];
    const unexpected = [];
    const quoter = (state.quoter ?? QUOTER_BASE).toLowerCase();

    function handle({ id, method, params }) {
        const ok = (result) => ({ jsonrpc: '2.0', id, result });
        if (method === 'eth_chainId') return ok(toHex(state.chainId));
        if (method === 'eth_getCode') return ok('0x');
        if (method === 'eth_call') {
            const { to, data } = params[0];
            if (data.startsWith('0x70a08231')) return ok(encodeAbiParameters([{ type: 'uint256' }], [10n ** 30n]));
            if (to.toLowerCase() === quoter) {
                try {
                    const q = decodeQuote(data);
                    log.push(q);
                    return ok(encodeQuote(q.kind, state.quote(q)));
                } catch (e) {
                    unexpected.push({ method, to, data, error: String(e) });
                    return { jsonrpc: '2.0', id, error: { code: 3, message: 'execution reverted' } };
                }
            }
        }
        unexpected.push({ method, params });
        return { jsonrpc: '2.0', id, error: { code: -32601, message: `quote node: unexpected ${method}` } };
    }

    const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            let msg;
            try {
                msg = JSON.parse(body);
            } catch {
                res.writeHead(400).end();
                return;
            }
            const out = Array.isArray(msg) ? msg.map(handle) : handle(msg);
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
        });
    });
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    server.unref();
    return {
        url: `http://127.0.0.1:${server.address().port}`,
        log,
        unexpected,
        state,
        close: () => new Promise((ok) => server.close(ok)),
    };
}
