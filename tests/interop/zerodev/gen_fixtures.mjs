// gen_fixtures.mjs: writes tests/interop/zerodev/fixtures/<case>.json, the ZeroDev SDK's own
// answers for the inputs of `sessionkey-mcp zerodev approve` (see README.md here).
//
//   node tests/interop/zerodev/gen_fixtures.mjs          (from the repo root)
//
// Deterministic: fixed keys, a stub chain on 127.0.0.1 (stub_rpc.mjs), RFC 6979 signatures;
// re-running gives byte-identical files. Fails if the SDK asks the chain anything the stub
// does not expect.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getKernelAddressFromECDSA } from '@zerodev/ecdsa-validator';
import { constants } from '@zerodev/sdk';
const { getEntryPoint } = constants;
import { getAddress, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { runSdk } from './sdk_input.mjs';
import { startStub } from './stub_rpc.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'fixtures');

// Deterministic test keys (never use them for anything real).
export const keyOf = (label) => keccak256(toHex(`sessionkey-mcp zerodev fixture key: ${label}`));
const OWNER_KEY = keyOf('owner');
const OWNER2_KEY = keyOf('owner-2');
const SESSION_KEY = keyOf('session');
const OWNER = privateKeyToAccount(OWNER_KEY).address;
const OWNER2 = privateKeyToAccount(OWNER2_KEY).address;
const SESSION = privateKeyToAccount(SESSION_KEY).address;

const BASE = 8453;
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const WETH = '0x4200000000000000000000000000000000000006';
const ROUTER = '0x2626664c2603336E57B271c5C0b26F421741e481'; // Uniswap V3 SwapRouter02 on Base
const PAYMASTER = '0x00000000000000fB866DaAA79352cC568a005D96';
const word = (hex) => '0x' + hex.replace(/^0x/, '').toLowerCase().padStart(64, '0');
const num = (n) => word(BigInt(n).toString(16));

const ERC20_ABI = [
  { type: 'function', name: 'transfer', stateMutability: 'nonpayable',
    inputs: [{ name: 'to', type: 'address' }, { name: 'amount', type: 'uint256' }],
    outputs: [{ name: '', type: 'bool' }] },
  { type: 'function', name: 'approve', stateMutability: 'nonpayable',
    inputs: [{ name: 'spender', type: 'address' }, { name: 'amount', type: 'uint256' }],
    outputs: [{ name: '', type: 'bool' }] },
];
const NAMED_ABI = [
  { type: 'function', name: 'setLabel', stateMutability: 'nonpayable',
    inputs: [{ name: 'id', type: 'uint256' }, { name: 'label', type: 'string' }, { name: 'blob', type: 'bytes' }],
    outputs: [] },
  { type: 'event', name: 'Labelled', inputs: [{ name: 'id', type: 'uint256', indexed: true }], anonymous: false },
];
const ROUTER_ABI = [
  { type: 'function', name: 'exactInputSingle', stateMutability: 'payable',
    inputs: [{ name: 'params', type: 'tuple', components: [
      { name: 'tokenIn', type: 'address' }, { name: 'tokenOut', type: 'address' },
      { name: 'fee', type: 'uint24' }, { name: 'recipient', type: 'address' },
      { name: 'amountIn', type: 'uint256' }, { name: 'amountOutMinimum', type: 'uint256' },
      { name: 'sqrtPriceLimitX96', type: 'uint160' }] }],
    outputs: [{ name: 'amountOut', type: 'uint256' }] },
  { type: 'function', name: 'multicall', stateMutability: 'payable',
    inputs: [{ name: 'deadline', type: 'uint256' }, { name: 'data', type: 'bytes[]' }],
    outputs: [{ name: 'results', type: 'bytes[]' }] },
  { type: 'function', name: 'multicall', stateMutability: 'payable',
    inputs: [{ name: 'data', type: 'bytes[]' }], outputs: [{ name: 'results', type: 'bytes[]' }] },
];

// The seed example: a TWAP on SwapRouter02, tokenIn USDC, recipient the wallet, amountIn <= 50 USDC.
const uniswapCall = (account) => [{
  target: ROUTER, selector: '0x04E45AAF', valueLimit: '0',
  rules: [
    { condition: 'EQUAL', offset: 0, params: [word(USDC)] },
    { condition: 'EQUAL', offset: 96, params: [word(account)] },
    { condition: 'LESS_THAN_OR_EQUAL', offset: 128, params: [num(50_000_000)] },
  ],
}];

// Each case: the CLI input (function of the counterfactual account address) and the chain.
const CASES = [
  {
    name: 'k031-call004-twap-undeployed',
    note: 'seed example: CallPolicy 0.0.4 exactInputSingle + no-reset rate limit 24 x 1 h + timestamp',
    kernelVersion: '0.3.1', index: 0, owner: OWNER,
    input: (acct) => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.4', index: 0,
      policies: {
        call: uniswapCall(acct),
        rateLimit: { count: 24, interval: 3600 },
        timestamp: { validAfter: 1795600000, validUntil: 1795686400 },
      },
    }),
  },
  {
    name: 'k030-call004-twap-undeployed',
    note: 'same on Kernel 0.3.0 (4-argument initialize, domain version 0.3.0-beta)',
    kernelVersion: '0.3.0', index: 0, owner: OWNER,
    input: (acct) => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.0',
      callPolicyVersion: '0.0.4',
      policies: {
        call: uniswapCall(acct),
        rateLimit: { count: 24, interval: 3600 },
        timestamp: { validAfter: 1795600000, validUntil: 1795686400 },
      },
    }),
  },
  {
    name: 'k031-call005-abi-deployed',
    note: 'deployed account (currentNonce 3), ABI-form permissions: EQUAL, LESS_THAN_OR_EQUAL, ONE_OF, SLICE_EQUAL on string and bytes; reset rate limit',
    kernelVersion: '0.3.1', index: 0, owner: OWNER, deployed: { currentNonce: 3 },
    input: (acct) => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.5', accountAddress: acct,
      policies: {
        call: [
          { target: USDC, valueLimit: '0', abi: ERC20_ABI, functionName: 'transfer',
            args: [{ condition: 'EQUAL', value: acct }, { condition: 'LESS_THAN_OR_EQUAL', value: '1000000' }] },
          { target: WETH, abi: ERC20_ABI, functionName: 'approve',
            args: [{ condition: 'ONE_OF', value: [ROUTER, acct] }, null] },
          { target: ROUTER, abi: NAMED_ABI, functionName: 'setLabel',
            args: [{ condition: 'GREATER_THAN', value: 7 },
              { condition: 'SLICE_EQUAL', value: 'twap', start: 0, length: 4 },
              { condition: 'SLICE_EQUAL', value: '0xC0FFEE', start: 32, length: 3 }] },
        ],
        rateLimit: { count: 3, interval: 600, reset: true },
      },
    }),
  },
  {
    name: 'k030-call005-deployed-nonce5',
    note: 'deployed Kernel 0.3.0 (currentNonce 5), address found through getSenderAddress; manual SLICE_EQUAL; gas policy',
    kernelVersion: '0.3.0', index: 0, owner: OWNER, deployed: { currentNonce: 5 },
    input: () => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.0',
      callPolicyVersion: '0.0.5', index: 0,
      policies: {
        gas: { allowed: '5000000000000000', enforcePaymaster: true, allowedPaymaster: PAYMASTER },
        call: [{ target: ROUTER, selector: '0xac9650d8', valueLimit: '0',
          rules: [{ condition: 'SLICE_EQUAL', offset: 32, params: [num(0), num(4), keccak256('0x04e45aaf')] }] }],
      },
    }),
  },
  {
    name: 'k031-call001-conditions',
    note: 'CallPolicy 0.0.1 (single bytes32 params): GREATER_THAN, LESS_THAN, GREATER_THAN_OR_EQUAL, NOT_EQUAL; ABI form too',
    kernelVersion: '0.3.1', index: 0, owner: OWNER,
    input: () => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: 1, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.1',
      policies: {
        call: [
          { target: ROUTER, selector: '0x04e45aaf', valueLimit: '0', rules: [
            { condition: 'GREATER_THAN', offset: 128, params: [num(1)] },
            { condition: 'LESS_THAN', offset: 128, params: ['0x00000000000000000000000000000000000000000000000000000000000F4240'] },
            { condition: 'GREATER_THAN_OR_EQUAL', offset: 160, params: num(0) },
            { condition: 'NOT_EQUAL', offset: 32, params: [word(USDC)] },
          ] },
          { target: USDC, abi: ERC20_ABI, functionName: 'approve',
            args: [{ condition: 'EQUAL', value: ROUTER }, { condition: 'LESS_THAN', value: 5000 }] },
        ],
        timestamp: { validAfter: 0, validUntil: 1800000000 },
      },
    }),
  },
  {
    name: 'k031-call002-oneof-native-wildcard',
    note: 'CallPolicy 0.0.2: ONE_OF, native transfer (no selector), zero-address target, batch and delegate call types, rule keys in another order; rate limit with startAt',
    kernelVersion: '0.3.1', index: 0, owner: OWNER,
    input: (acct) => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION.toLowerCase(), chainId: BASE, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.2',
      policies: {
        rateLimit: { interval: 86400, count: 7, startAt: 1795600000 },
        call: [
          { target: USDC, selector: '0xa9059cbb', rules: [
            { offset: 0, params: [word(acct), word(OWNER)], condition: 'ONE_OF' },
            { params: [num(10_000_000)], condition: 'LESS_THAN_OR_EQUAL', offset: 32 }] },
          { target: OWNER, valueLimit: '1000000000000000000' },
          { target: '0x0000000000000000000000000000000000000000', selector: '0x095ea7b3',
            rules: [{ condition: 'EQUAL', offset: 0, params: [word(ROUTER)] }] },
          { callType: '0x01', target: ROUTER, selector: '0x5ae401dc' },
          { target: ROUTER, selector: '0x12345678', callType: '0xff' },
        ],
      },
    }),
  },
  {
    name: 'k030-call003-erc20-index7',
    note: 'CallPolicy 0.0.3, ABI form with callType first and an explicit overload selector, index 7',
    kernelVersion: '0.3.0', index: 7, owner: OWNER,
    input: (acct) => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: 84532, kernelVersion: '0.3.0',
      callPolicyVersion: '0.0.3', index: 7,
      policies: {
        call: [
          { callType: '0x00', target: USDC, abi: ERC20_ABI, functionName: 'transfer', valueLimit: '0',
            args: [{ condition: 'EQUAL', value: acct.toLowerCase() }, { condition: 'LESS_THAN_OR_EQUAL', value: '250000000' }] },
          { target: ROUTER, abi: ROUTER_ABI, functionName: 'multicall', selector: '0x5AE401DC',
            args: [{ condition: 'LESS_THAN_OR_EQUAL', value: '1900000000' }, null] },
        ],
        sudo: true,
      },
    }),
  },
  {
    name: 'k031-gas-sigcaller-sudo',
    note: 'no CallPolicy: gas (defaults), signature caller with a flag, sudo, timestamp with a flag',
    kernelVersion: '0.3.1', index: 0, owner: OWNER,
    input: () => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: 10, kernelVersion: '0.3.1',
      policies: {
        sudo: true,
        gas: { allowed: '0' },
        signatureCaller: { allowedCallers: [ROUTER, USDC.toLowerCase()], flag: '0x0001' },
        timestamp: { validAfter: 1795600000, validUntil: 1795686400, flag: '0x0002' },
      },
    }),
  },
  {
    name: 'k031-owner-address-typed-data-only',
    note: 'ownerAddress (lower case) without key or signature: typed data to sign, no serialized approval',
    kernelVersion: '0.3.1', index: 3, owner: OWNER2,
    input: (acct) => ({
      ownerAddress: OWNER2.toLowerCase(), sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.4', index: 3,
      policies: { call: uniswapCall(acct), rateLimit: { count: 1, interval: 3600, reset: true } },
    }),
  },
  {
    name: 'k031-owner-address-with-signature',
    note: 'ownerAddress plus the enableSignature the owner made elsewhere: serialized approval (the confirm_session flow)',
    kernelVersion: '0.3.1', index: 3, owner: OWNER2, signWith: OWNER2_KEY,
    input: (acct) => ({
      ownerAddress: OWNER2, sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.4', index: 3,
      policies: { call: uniswapCall(acct), rateLimit: { count: 1, interval: 3600, reset: true } },
    }),
  },
  {
    name: 'k031-deployed-big-index',
    note: 'deployed Kernel 0.3.1 with currentNonce 2 and an index above 2^64 (decimal string)',
    kernelVersion: '0.3.1', index: 18446744073709551621n, owner: OWNER, deployed: { currentNonce: 2 },
    input: (acct) => ({
      ownerPrivateKey: OWNER_KEY, sessionKeyAddress: SESSION, chainId: BASE, kernelVersion: '0.3.1',
      callPolicyVersion: '0.0.5', index: '18446744073709551621', accountAddress: acct,
      policies: { call: uniswapCall(acct), timestamp: { validAfter: 0, validUntil: 0 } },
    }),
  },
];

async function accountOf(c) {
  return getKernelAddressFromECDSA({
    entryPoint: getEntryPoint('0.7'), kernelVersion: c.kernelVersion, eoaAddress: c.owner,
    index: BigInt(c.index), initCodeHash: constants.KernelVersionToAddressesMap[c.kernelVersion].initCodeHash,
  });
}

export async function buildCase(c, stub) {
  const acct = getAddress(await accountOf(c));
  const input = c.input(acct);
  stub.state.chainId = input.chainId;
  stub.state.accounts = c.deployed ? { [acct.toLowerCase()]: { kernelVersion: c.kernelVersion, ...c.deployed } } : {};
  stub.log.length = 0;
  const expected = await runSdk(input, stub.url, c.signWith);
  if (stub.unexpected.length) throw new Error(`${c.name}: unexpected RPC ${JSON.stringify(stub.unexpected)}`);
  if (c.signWith) input.enableSignature = expected.enableSignature;
  return {
    name: c.name, note: c.note, input,
    chain: { deployed: Boolean(c.deployed), ...(c.deployed ?? {}), account: acct },
    sessionPrivateKey: SESSION_KEY,
    rpcLog: [...stub.log],
    expected,
  };
}

export { CASES };

async function main() {
  const stub = await startStub({ chainId: BASE, accounts: {} });
  try {
    mkdirSync(OUT, { recursive: true });
    for (const f of readdirSync(OUT)) if (f.endsWith('.json')) rmSync(join(OUT, f));
    for (const c of CASES) {
      const fx = await buildCase(c, stub);
      writeFileSync(join(OUT, `${c.name}.json`), JSON.stringify(fx, null, 2) + '\n');
      console.log(`${c.name}: ${fx.expected.permissionId} ${fx.expected.accountAddress}`);
    }
  } finally {
    await stub.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
