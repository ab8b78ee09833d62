// gen_executor_vectors.mjs: byte vectors for the executor's encoders (server/run_userop.c),
// produced by @zerodev/sdk and viem, pinned in tests/golden/run/vectors.json and checked by
// tests/unit/test_run.c. Re-run after an SDK upgrade:
//   node tests/interop/zerodev/gen_executor_vectors.mjs > tests/golden/run/vectors.json
import { constants, createKernelAccount, encodeCallDataEpV07, getEncodedPluginsData } from '@zerodev/sdk';
import { signerToEcdsaValidator } from '@zerodev/ecdsa-validator';
import { toPermissionValidator } from '@zerodev/permissions';
import { toSudoPolicy } from '@zerodev/permissions/policies';
import { toEmptyECDSASigner } from '@zerodev/permissions/signers';
import { concatHex, createPublicClient, custom, encodeFunctionData, pad, parseAbi, toHex, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getUserOperationHash } from 'viem/account-abstraction';

const ROUTER = '0x2626664c2603336e57b271c5c0b26f421741e481';
const USDC = '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913';
const WETH = '0x4200000000000000000000000000000000000006';
const WALLET = '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed';
const abi = parseAbi([
    'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96))',
    'function approve(address spender, uint256 amount)',
]);
const swap = encodeFunctionData({ abi, functionName: 'exactInputSingle', args: [{
    tokenIn: USDC, tokenOut: WETH, fee: 500, recipient: WALLET, amountIn: 41670000n, amountOutMinimum: 13750000000000000n,
    sqrtPriceLimitX96: 0n }] });
const approve = encodeFunctionData({ abi, functionName: 'approve', args: [ROUTER, 41670000n] });
const single = await encodeCallDataEpV07([{ to: ROUTER, value: 0n, data: swap }]);
const batch = await encodeCallDataEpV07([{ to: USDC, value: 0n, data: approve }, { to: ROUTER, value: 0n, data: swap }]);

const enableData = '0x' + 'ab'.repeat(70);
const enableSignature = '0x' + '11'.repeat(64) + '1b';
const userOpSignature = '0xff' + '22'.repeat(64) + '1c';
const enableMode = await getEncodedPluginsData({
    enableSignature, userOpSignature, enableData,
    action: { selector: '0xe9ae5c53', address: zeroAddress },
});

// The nonce key from the SDK's own plugin manager (getNonceKey) for a permission validator on an
// undeployed account (so enable mode), offline: a viem custom transport answers eth_call "0x".
const client = createPublicClient({
    chain: { id: 8453, name: 'base', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['http://127.0.0.1:1'] } } },
    transport: custom({ async request({ method }) {
        if (method === 'eth_chainId') return toHex(8453);
        if (method === 'eth_call' || method === 'eth_getCode') return '0x';
        throw new Error(`offline: ${method}`);
    } }),
});
const ep = constants.getEntryPoint('0.7');
const sudo = await signerToEcdsaValidator(client, { signer: privateKeyToAccount('0x' + '11'.repeat(32)), entryPoint: ep, kernelVersion: '0.3.1' });
const regular = await toPermissionValidator(client, { signer: await toEmptyECDSASigner('0x' + '22'.repeat(20)),
    policies: [toSudoPolicy({})], entryPoint: ep, kernelVersion: '0.3.1' });
const kernel = await createKernelAccount(client, { plugins: { sudo, regular }, entryPoint: ep, kernelVersion: '0.3.1', address: WALLET });
const permissionId = regular.getIdentifier();
const sdkNonceKey = async (custom) => toHex(await kernel.kernelPluginManager.getNonceKey(WALLET, custom), { size: 24 });
// default mode (installed permission): the same layout with mode 0x00, as the SDK's
// toKernelPluginManager.getNonceKey concatenates it (mode, type, identifier padded right to 20
// bytes, 2-byte key)
const nonceKey = (mode, custom) => pad(concatHex([mode, '0x02', pad(permissionId, { size: 20, dir: 'right' }),
    pad(toHex(custom), { size: 2 })]), { size: 24 });
const nonceKeyEnable = await sdkNonceKey(0n), nonceKeyEnable7 = await sdkNonceKey(7n);

const op = {
    sender: WALLET, nonce: (BigInt(nonceKeyEnable) << 64n) | 5n, factory: '0xd703aaE79538628d27099B8c4f621bE4CCd142d5',
    factoryData: '0xc5265d5d' + '00'.repeat(40), callData: single, callGasLimit: 200000n, verificationGasLimit: 500000n,
    preVerificationGas: 50000n, maxFeePerGas: 2100000n, maxPriorityFeePerGas: 100000n, signature: '0x',
};
const userOpHash = getUserOperationHash({ userOperation: op, entryPointAddress: '0x0000000071727De22E5E9d8BAf0edAc6f37da032',
    entryPointVersion: '0.7', chainId: 8453 });

console.log(JSON.stringify({
    router: ROUTER, usdc: USDC, weth: WETH, wallet: WALLET, swap, approve, single, batch,
    enableData, enableSignature, userOpSignature, enableMode,
    permissionId, nonceKeyEnable, nonceKeyEnable7, nonceKeyDefault: nonceKey('0x00', 7n),
    userOp: { ...op, nonce: toHex(op.nonce), callGasLimit: toHex(op.callGasLimit), verificationGasLimit: toHex(op.verificationGasLimit),
        preVerificationGas: toHex(op.preVerificationGas), maxFeePerGas: toHex(op.maxFeePerGas), maxPriorityFeePerGas: toHex(op.maxPriorityFeePerGas) },
    userOpHash,
}, null, 2));
