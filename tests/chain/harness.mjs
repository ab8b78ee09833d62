// harness.mjs: a local chain for the executor tests, offline. Starts anvil (npm
// @foundry-rs/anvil-linux-amd64) as Base (chain id 8453, so the server's registry, its token and
// router addresses line up) on a free loopback port, deploys everything a Kernel v3.1 session
// swap needs, and starts the test bundler (bundler.mjs).
//
// What is real (bytecode from npm packages) and what is ours:
//   real  EntryPoint v0.7        @account-abstraction/contracts 0.7.0 artifacts/EntryPoint.json,
//                                through anvil's CREATE2 deployer with the canonical salt: lands
//                                at 0x0000000071727De22E5E9d8BAf0edAc6f37da032 (checked).
//   real  Kernel v3.1 + factory  @rhinestone/modulekit 0.5.9 KernelPrecompiles.sol (npm pack,
//                                scripts/fetch-kernel-bytecode.sh), deployed with their
//                                constructor arguments (EntryPoint; implementation), runtime code
//                                copied with anvil_setCode to the SDK's canonical addresses.
//   real  Uniswap V3             factory and pool (@uniswap/v3-core), QuoterV2
//                                (@uniswap/v3-periphery), SwapRouter02
//                                (@uniswap/swap-router-contracts). The factory stays where it is
//                                deployed; SwapRouter02 and QuoterV2 (their immutables point at
//                                it) are copied to their Base addresses.
//   ours  tests/chain/contracts: ECDSA validator, ECDSA signer, CallPolicy, RateLimitPolicy
//                                (plain and with reset), TimestampPolicy, meta factory (written
//                                from ZeroDev's published interfaces, placed at the addresses of
//                                server/zd_const.h), USDC (6 decimals) and WETH (18) test tokens
//                                at Base's USDC/WETH addresses (data/registry.json), and
//                                PoolDriver (adds liquidity, moves the price).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    concat, createPublicClient, createTestClient, createWalletClient, defineChain, encodeAbiParameters,
    encodeFunctionData, getAddress, http, keccak256, pad, parseAbi, toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { compileTestContracts } from './compile.mjs';
import { startBundler } from './bundler.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const NM = join(ROOT, 'tests', 'node_modules');
const require = createRequire(join(ROOT, 'tests', 'package.json'));
export const ANVIL = join(NM, '@foundry-rs/anvil-linux-amd64/bin/anvil');
export const KERNEL_PRECOMPILES = join(NM, '.cache/modulekit-0.5.9/KernelPrecompiles.sol');

// anvil's default mnemonic: account 0 deploys and funds, account 1 is the bundler's.
export const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const BUNDLER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

const CREATE2_PROXY = '0x4e59b44847b379578588920ca78fbf26c0b4956c';
const ENTRY_POINT_SALT = '0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3';

/* Canonical addresses, as server/zd_const.h and data/registry.json spell them. */
export const CANONICAL = {
    entryPoint: '0x0000000071727De22E5E9d8BAf0edAc6f37da032',
    kernelImpl: '0xBAC849bB641841b44E965fB01A4Bf5F074f84b4D',
    kernelFactory: '0xaac5D4240AF87249B3f71BC8E4A2cae074A3E419',
    metaFactory: '0xd703aaE79538628d27099B8c4f621bE4CCd142d5',
    ecdsaValidator: '0x845ADb2C711129d4f3966735eD98a9F09fC4cE57',
    ecdsaSigner: '0x6A6F069E2a08c2468e7724Ab3250CdBFBA14D4FF',
    callPolicy: '0x9a52283276A0ec8740DF50bF01B28A80D880eaf2', // 0.0.4, the server's default
    callPolicyV0_0_2: '0x67Fa43ca2D689beA4d10b9F2C96828828A2Ab275',
    callPolicyV0_0_3: '0xB3CB5f502250360335614df1421f2AAbE98CE503',
    callPolicyV0_0_5: '0x85770b902D1e503D5f5141d9eaC16d0d08eEaDd2',
    rateLimitPolicy: '0xf63d4139B25c836334edD76641356c6b74C86873',
    rateLimitResetPolicy: getAddress('0x6a06358e6b283921deceabe7e8a3741d506cca9b'),
    timestampPolicy: '0xB9f8f524bE6EcD8C945b1b87f9ae5C192FdCE20F',
    usdc: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    weth: '0x4200000000000000000000000000000000000006',
    swapRouter02: '0x2626664c2603336E57B271c5C0b26F421741e481',
    quoterV2: '0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a',
};

export const ERC20_ABI = parseAbi([
    'function balanceOf(address) view returns (uint256)',
    'function allowance(address,address) view returns (uint256)',
    'function approve(address,uint256) returns (bool)',
    'function mint(address,uint256)',
    'function decimals() view returns (uint8)',
]);
export const POOL_ABI = parseAbi([
    'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool)',
    'function initialize(uint160)',
    'function token0() view returns (address)',
    'function liquidity() view returns (uint128)',
]);
export const ROUTER_ABI = parseAbi([
    'struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
    'function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)',
]);
export const QUOTER_ABI = parseAbi([
    'struct QuoteExactInputSingleParams { address tokenIn; address tokenOut; uint256 amountIn; uint24 fee; uint160 sqrtPriceLimitX96; }',
    'function quoteExactInputSingle(QuoteExactInputSingleParams params) returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)',
]);
const FACTORY_ABI = parseAbi([
    'function createPool(address,address,uint24) returns (address)',
    'function getPool(address,address,uint24) view returns (address)',
]);
const KERNEL_FACTORY_ABI = parseAbi(['function getAddress(bytes data, bytes32 salt) view returns (address)']);

function artifact(rel) {
    return JSON.parse(readFileSync(require.resolve(rel), 'utf8'));
}

export function freePort() {
    return new Promise((res, rej) => {
        const s = createNetServer();
        s.on('error', rej);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => res(port));
        });
    });
}

/* Kernel v3.1 and KernelFactory creation code from modulekit's KernelPrecompiles.sol. */
export function kernelBytecode() {
    if (!existsSync(KERNEL_PRECOMPILES))
        throw new Error(`${KERNEL_PRECOMPILES} missing: run sh scripts/fetch-kernel-bytecode.sh ` +
                        '(npm pack @rhinestone/modulekit@0.5.9)');
    const src = readFileSync(KERNEL_PRECOMPILES, 'utf8');
    const get = (name) => {
        const m = src.match(new RegExp(`bytes public constant ${name} =\\s*hex"([0-9a-fA-F]+)"`));
        if (!m) throw new Error(`${name} not found in KernelPrecompiles.sol`);
        return '0x' + m[1];
    };
    return { kernel: get('KERNEL_BYTECODE'), factory: get('KERNEL_FACTORY_BYTECODE') };
}

/* sqrtPriceX96 of the pool for a price in USDC per WETH (token order taken into account):
 * sqrt(token1 / token0 in base units) * 2^96. */
export function sqrtPriceX96For(usdPerEth, wethIsToken0) {
    const u = BigInt(Math.round(usdPerEth * 1e6)); // USDC base units per 1e18 WETH base units
    const e18 = 10n ** 18n;
    return isqrt(wethIsToken0 ? (u << 192n) / e18 : (e18 << 192n) / u);
}

function isqrt(n) {
    if (n < 2n) return n;
    let x = n, y = (x + 1n) / 2n;
    while (y < x) {
        x = y;
        y = (x + n / x) / 2n;
    }
    return x;
}

/* Price in USDC per WETH from a sqrtPriceX96. */
export function priceFromSqrtX96(sqrtX96, wethIsToken0) {
    const p = Number(sqrtX96) / 2 ** 96;
    const raw = p * p; // token1 per token0 in base units
    return wethIsToken0 ? raw * 1e12 : 1e12 / raw;
}

async function waitForRpc(url, child, deadline) {
    for (;;) {
        if (child.exitCode !== null) throw new Error(`anvil exited with ${child.exitCode}`);
        try {
            const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
            if (r.ok) return;
        } catch { /* not yet */ }
        if (Date.now() > deadline) throw new Error('anvil did not start');
        await new Promise((r) => setTimeout(r, 50));
    }
}

/*
 * opts: { chainId = 8453, ethPrice = 3000 (USDC per WETH), fee = 500, liquidity (pool L, default
 *         ~900 WETH + 2.7M USDC deep at 3000), bundler = true, bundlerPort, log,
 *         clockFile (kept equal to the chain's time, for SKM_TEST_CLOCK) }
 * returns { rpcUrl, bundlerUrl, chainId, addresses, publicClient, testClient, wethIsToken0,
 *           setPoolPrice(usdPerEth), poolPrice(), quote(usdcAmount), fund(address, {...}),
 *           balances(address), advanceTime(seconds), setNextTimestamp(t), now(),
 *           bundler: { stop(), start() }, stop() }
 */
export async function startChain(opts = {}) {
    const chainId = opts.chainId ?? 8453;
    const fee = opts.fee ?? 500;
    if (!existsSync(ANVIL)) throw new Error(`anvil missing at ${ANVIL}: install tests/package.json`);
    const kb = kernelBytecode();
    const own = compileTestContracts();
    // A free port can be taken by another process before anvil binds it (the test files run in
    // parallel): anvil then exits, and is started again on another port.
    let anvil, rpcUrl, anvilErr = '';
    for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        rpcUrl = `http://127.0.0.1:${port}`;
        anvil = spawn(ANVIL, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId),
            '--disable-code-size-limit', '--silent', '--gas-limit', '60000000'], { stdio: ['ignore', 'ignore', 'pipe'] });
        anvilErr = '';
        anvil.stderr.on('data', (c) => { anvilErr += c; });
        try {
            await waitForRpc(rpcUrl, anvil, Date.now() + 60000);
            break;
        } catch (e) {
            if (anvil.exitCode === null) anvil.kill('SIGKILL');
            if (attempt >= 3) throw new Error(`${e.message}: ${anvilErr.slice(-500)}`);
        }
    }
    let bundler = null;
    const stop = async () => {
        if (bundler) await bundler.stop().catch(() => {});
        if (anvil.exitCode === null) {
            anvil.kill('SIGKILL');
            await new Promise((r) => anvil.once('exit', r));
        }
    };
    try {
        const chain = defineChain({ id: chainId, name: `anvil-${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
            rpcUrls: { default: { http: [rpcUrl] } } });
        const transport = http(rpcUrl, { retryCount: 0 });
        const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
        const testClient = createTestClient({ chain, transport, mode: 'anvil' });
        const deployer = privateKeyToAccount(DEPLOYER_KEY);
        const wallet = createWalletClient({ chain, transport, account: deployer });

        const send = async (tx) => {
            const hash = await wallet.sendTransaction(tx);
            const rc = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
            if (rc.status !== 'success') throw new Error(`transaction ${hash} reverted`);
            return rc;
        };
        const deploy = async (bytecode, ctorTypes = [], ctorArgs = []) => {
            const data = ctorTypes.length ? concat([bytecode, encodeAbiParameters(ctorTypes, ctorArgs)]) : bytecode;
            const rc = await send({ data, gas: 30_000_000n });
            return getAddress(rc.contractAddress);
        };
        const place = async (at, from) => {
            const code = await publicClient.getCode({ address: from });
            await testClient.setCode({ address: at, bytecode: code });
        };
        const write = (address, abi, functionName, args) =>
            send({ to: address, data: encodeFunctionData({ abi, functionName, args }), gas: 10_000_000n });

        // EntryPoint v0.7 through the CREATE2 deployer proxy.
        const ep = artifact('@account-abstraction/contracts/artifacts/EntryPoint.json');
        const notes = [];
        if (!(await publicClient.getCode({ address: CREATE2_PROXY })))
            throw new Error('anvil has no CREATE2 deployer proxy');
        await send({ to: CREATE2_PROXY, data: concat([ENTRY_POINT_SALT, ep.bytecode]), gas: 10_000_000n });
        const epCode = await publicClient.getCode({ address: CANONICAL.entryPoint });
        if (!epCode || epCode === '0x')
            throw new Error('EntryPoint did not land at the canonical address through CREATE2');
        notes.push('EntryPoint: CREATE2 via 0x4e59b448 -> canonical address');

        // Kernel v3.1 implementation and factory (modulekit bytecode) at the canonical addresses.
        const kImpl = await deploy(kb.kernel, [{ type: 'address' }], [CANONICAL.entryPoint]);
        await place(CANONICAL.kernelImpl, kImpl);
        const kFactory = await deploy(kb.factory, [{ type: 'address' }], [CANONICAL.kernelImpl]);
        await place(CANONICAL.kernelFactory, kFactory);

        // Our ZeroDev module stand-ins.
        const placeOwn = async (name, at, types = [], args = []) => place(at, await deploy(own[name].bytecode, types, args));
        await placeOwn('TestECDSAValidator', CANONICAL.ecdsaValidator);
        await placeOwn('TestECDSASigner', CANONICAL.ecdsaSigner);
        const cp = await deploy(own.TestCallPolicy.bytecode);
        for (const k of ['callPolicy', 'callPolicyV0_0_2', 'callPolicyV0_0_3', 'callPolicyV0_0_5'])
            await place(CANONICAL[k], cp);
        await placeOwn('TestRateLimitPolicy', CANONICAL.rateLimitPolicy, [{ type: 'bool' }], [false]);
        await placeOwn('TestRateLimitPolicy', CANONICAL.rateLimitResetPolicy, [{ type: 'bool' }], [true]);
        await placeOwn('TestTimestampPolicy', CANONICAL.timestampPolicy);
        await placeOwn('TestMetaFactory', CANONICAL.metaFactory);

        // Tokens at Base's USDC and WETH addresses.
        await placeOwn('TestUSDC', CANONICAL.usdc);
        await placeOwn('TestWETH', CANONICAL.weth);

        // Uniswap V3: factory, pool (created, initialized, liquidity), SwapRouter02, QuoterV2.
        const uf = artifact('@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json');
        const pa = artifact('@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json');
        if (keccak256(pa.bytecode) !== '0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54')
            throw new Error('UniswapV3Pool bytecode does not match the periphery POOL_INIT_CODE_HASH');
        const uniswapFactory = await deploy(uf.bytecode);
        await write(uniswapFactory, FACTORY_ABI, 'createPool', [CANONICAL.usdc, CANONICAL.weth, fee]);
        const pool = await publicClient.readContract({ address: uniswapFactory, abi: FACTORY_ABI, functionName: 'getPool',
            args: [CANONICAL.usdc, CANONICAL.weth, fee] });
        const wethIsToken0 = BigInt(CANONICAL.weth) < BigInt(CANONICAL.usdc);
        const ethPrice = opts.ethPrice ?? 3000;
        await write(pool, POOL_ABI, 'initialize', [sqrtPriceX96For(ethPrice, wethIsToken0)]);
        const driverAddr = await deploy(own.PoolDriver.bytecode);
        const spacing = { 100: 1, 500: 10, 3000: 60, 10000: 200 }[fee];
        const maxTick = Math.floor(887272 / spacing) * spacing;
        const liquidity = opts.liquidity ?? 50_000_000_000_000_000n; // ~ 900 WETH + 2.7M USDC at 3000
        await write(driverAddr, own.PoolDriver.abi, 'addLiquidity', [pool, -maxTick, maxTick, liquidity]);

        const routerArt = artifact('@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json');
        const zero = '0x0000000000000000000000000000000000000000';
        const router = await deploy(routerArt.bytecode, [{ type: 'address' }, { type: 'address' }, { type: 'address' }, { type: 'address' }],
            [zero, uniswapFactory, zero, CANONICAL.weth]);
        await place(CANONICAL.swapRouter02, router);
        const quoterArt = artifact('@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json');
        const quoter = await deploy(quoterArt.bytecode, [{ type: 'address' }, { type: 'address' }], [uniswapFactory, CANONICAL.weth]);
        await place(CANONICAL.quoterV2, quoter);

        const addresses = { ...CANONICAL, uniswapFactory, pool, poolDriver: driverAddr, fee };

        const poolPrice = async () => {
            const [sq] = await publicClient.readContract({ address: pool, abi: POOL_ABI, functionName: 'slot0' });
            return priceFromSqrtX96(sq, wethIsToken0);
        };
        // Moves the pool's price to usdPerEth with one big swap through PoolDriver.
        const setPoolPrice = async (usdPerEth) => {
            const [sq] = await publicClient.readContract({ address: pool, abi: POOL_ABI, functionName: 'slot0' });
            const target = sqrtPriceX96For(usdPerEth, wethIsToken0);
            if (target === sq) return poolPrice();
            await write(driverAddr, own.PoolDriver.abi, 'pushPrice', [pool, target < sq, target]);
            return poolPrice();
        };
        const quote = async (usdcAmount) => {
            const { result } = await publicClient.simulateContract({ address: CANONICAL.quoterV2, abi: QUOTER_ABI,
                functionName: 'quoteExactInputSingle',
                args: [{ tokenIn: CANONICAL.usdc, tokenOut: CANONICAL.weth, amountIn: usdcAmount, fee, sqrtPriceLimitX96: 0n }] });
            return result[0];
        };
        // Mints test tokens, sets ETH, and (approveRouter, or an exact allowance) sets the USDC and
        // WETH allowances of `who` for SwapRouter02 directly in storage (allowance is slot 1 of
        // the test tokens), the way an owner's earlier approval would have.
        const fund = async (who, { usdc = 0n, weth = 0n, eth, approveRouter = false, allowance } = {}) => {
            if (usdc > 0n) await write(CANONICAL.usdc, ERC20_ABI, 'mint', [who, usdc]);
            if (weth > 0n) await write(CANONICAL.weth, ERC20_ABI, 'mint', [who, weth]);
            if (eth !== undefined) await testClient.setBalance({ address: who, value: eth });
            if (approveRouter || allowance !== undefined) {
                const inner = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [who, 1n]));
                const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [CANONICAL.swapRouter02, inner]));
                const v = allowance ?? (2n ** 256n - 1n);
                for (const token of [CANONICAL.usdc, CANONICAL.weth])
                    await testClient.setStorageAt({ address: token, index: slot, value: pad(toHex(v), { size: 32 }) });
            }
        };
        const balances = async (who) => ({
            usdc: await publicClient.readContract({ address: CANONICAL.usdc, abi: ERC20_ABI, functionName: 'balanceOf', args: [who] }),
            weth: await publicClient.readContract({ address: CANONICAL.weth, abi: ERC20_ABI, functionName: 'balanceOf', args: [who] }),
            eth: await publicClient.getBalance({ address: who }),
        });
        const now = async () => Number((await publicClient.getBlock()).timestamp);
        // Chain time and the server's test clock move together: the rate-limit and timestamp
        // policies read the chain's, the gate and the executor the server's (opts.clockFile is
        // the file SKM_TEST_CLOCK names; it gets the latest block's timestamp).
        const syncClock = async () => {
            const t = await now();
            if (opts.clockFile) writeFileSync(opts.clockFile, `${t}\n`);
            return t;
        };
        const advanceTime = async (seconds) => {
            await testClient.increaseTime({ seconds: Math.round(seconds) });
            await testClient.mine({ blocks: 1 });
            return syncClock();
        };
        const setNextTimestamp = async (t) => {
            await testClient.setNextBlockTimestamp({ timestamp: BigInt(t) });
            await testClient.mine({ blocks: 1 });
            return syncClock();
        };
        await syncClock();
        // The counterfactual Kernel account the real factory would deploy (factory.getAddress).
        const kernelAddress = async (initData, index = 0n) => publicClient.readContract({ address: CANONICAL.kernelFactory,
            abi: KERNEL_FACTORY_ABI, functionName: 'getAddress', args: [initData, pad(toHex(index), { size: 32 })] });

        let bundlerUrl = null;
        if (opts.bundler !== false) {
            await testClient.setBalance({ address: privateKeyToAccount(BUNDLER_KEY).address, value: 10n ** 22n });
            bundler = await startBundler({ rpcUrl, chainId, entryPoint: CANONICAL.entryPoint, privateKey: BUNDLER_KEY,
                port: opts.bundlerPort, log: opts.log });
            bundlerUrl = bundler.url;
        }
        return {
            rpcUrl, bundlerUrl, chainId, chain, addresses, publicClient, testClient, wethIsToken0, notes, contracts: own,
            setPoolPrice, poolPrice, quote, fund, balances, now, advanceTime, setNextTimestamp, kernelAddress,
            bundler, stop, anvilStderr: () => anvilErr,
        };
    } catch (e) {
        await stop();
        throw e;
    }
}
