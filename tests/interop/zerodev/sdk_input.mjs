// sdk_input.mjs: turns the input of `sessionkey-mcp zerodev approve` into the arguments the
// ZeroDev SDK takes, the way an SDK user would write them, and runs the SDK's owner-side
// approval (signerToEcdsaValidator + toEmptyECDSASigner + toPermissionValidator +
// createKernelAccount + serializePermissionAccount). Shared by gen_fixtures.mjs and the test.
//
// Conversions (the only places where JSON and the SDK's JavaScript values differ):
//   condition names ("EQUAL") -> ParamCondition numbers; valueLimit, gas.allowed, index and
//   decimal-string ABI arg values -> BigInt; 0.0.1 rule params ["0x.."] -> "0x..".
// Everything else, key order included, is passed through as written.
import { constants, createKernelAccount } from '@zerodev/sdk';
const { getEntryPoint } = constants;
import { signerToEcdsaValidator } from '@zerodev/ecdsa-validator';
import {
  PolicyFlags, RATE_LIMIT_POLICY_WITH_RESET_CONTRACT, serializePermissionAccount,
  toPermissionValidator,
} from '@zerodev/permissions';
import {
  CallPolicyVersion, ParamCondition, toCallPolicy, toGasPolicy, toRateLimitPolicy,
  toSignatureCallerPolicy, toSudoPolicy, toTimestampPolicy,
} from '@zerodev/permissions/policies';
import { toEmptyECDSASigner } from '@zerodev/permissions/signers';
import {
  concat, createPublicClient, getTypesForEIP712Domain, hashDomain, hashStruct, hashTypedData, http,
} from 'viem';
import { privateKeyToAccount, toAccount } from 'viem/accounts';

const cond = (c) => (typeof c === 'string' ? ParamCondition[c] : c);
const DEC = /^[0-9]+$/;

function argValue(v) {
  if (Array.isArray(v)) return v.map(argValue);
  return typeof v === 'string' && DEC.test(v) ? BigInt(v) : v;
}

function sdkArgs(args) {
  return args.map((a) => {
    if (a === null) return null;
    const o = {};
    for (const [k, v] of Object.entries(a)) o[k] = k === 'condition' ? cond(v) : k === 'value' ? argValue(v) : v;
    return o;
  });
}

function sdkRules(rules, v001) {
  return rules.map((r) => {
    const o = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === 'condition') o[k] = cond(v);
      else if (k === 'params' && v001 && Array.isArray(v)) o[k] = v[0];
      else o[k] = v;
    }
    return o;
  });
}

function sdkPermission(p, v001) {
  const o = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'valueLimit') o[k] = BigInt(v);
    else if (k === 'rules') o[k] = sdkRules(v, v001);
    else if (k === 'args') o[k] = sdkArgs(v);
    else o[k] = v;
  }
  return o;
}

const withFlag = (spec, params) => (spec.flag ? { ...params, policyFlag: spec.flag } : params);

export function sdkPolicies(input) {
  const out = [];
  for (const [kind, spec] of Object.entries(input.policies)) {
    if (kind === 'call') {
      const version = input.callPolicyVersion;
      if (!Object.values(CallPolicyVersion).includes(version)) throw new Error(`callPolicyVersion ${version}`);
      out.push(toCallPolicy({
        policyVersion: version,
        permissions: spec.map((p) => sdkPermission(p, version === '0.0.1')),
      }));
    } else if (kind === 'rateLimit') {
      const params = { interval: spec.interval, count: spec.count };
      if (spec.startAt !== undefined) params.startAt = spec.startAt;
      if (spec.reset) params.policyAddress = RATE_LIMIT_POLICY_WITH_RESET_CONTRACT;
      out.push(toRateLimitPolicy(withFlag(spec, params)));
    } else if (kind === 'timestamp') {
      out.push(toTimestampPolicy(withFlag(spec, { validAfter: spec.validAfter, validUntil: spec.validUntil })));
    } else if (kind === 'gas') {
      const params = {};
      if (spec.allowed !== undefined) params.allowed = BigInt(spec.allowed);
      if (spec.enforcePaymaster !== undefined) params.enforcePaymaster = spec.enforcePaymaster;
      if (spec.allowedPaymaster !== undefined) params.allowedPaymaster = spec.allowedPaymaster;
      out.push(toGasPolicy(withFlag(spec, params)));
    } else if (kind === 'signatureCaller') {
      out.push(toSignatureCallerPolicy(withFlag(spec, { allowedCallers: spec.allowedCallers })));
    } else if (kind === 'sudo') {
      out.push(toSudoPolicy({}));
    } else {
      throw new Error(`unknown policy kind ${kind}`);
    }
  }
  return out;
}

const replacer = (_, v) => (typeof v === 'bigint' ? v.toString() : v);
export const plain = (x) => JSON.parse(JSON.stringify(x, replacer));

// Run the SDK for one input against the chain at rpcUrl. ownerKey signs when the input has
// no ownerPrivateKey but the case wants a signature (the "confirm later" flow).
export async function runSdk(input, rpcUrl, ownerKey) {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const entryPoint = getEntryPoint('0.7');
  const kernelVersion = input.kernelVersion;
  const captured = [];
  const key = input.ownerPrivateKey ?? ownerKey;
  const real = key ? privateKeyToAccount(key) : null;
  const owner = toAccount({
    address: input.ownerPrivateKey ? real.address : input.ownerAddress,
    async signMessage() { throw new Error('not used'); },
    async signTransaction() { throw new Error('not used'); },
    async signTypedData(td) {
      captured.push(td);
      if (!input.ownerPrivateKey) throw new Error('owner key not available');
      return real.signTypedData(td);
    },
  });
  const sudo = await signerToEcdsaValidator(client, { signer: owner, entryPoint, kernelVersion });
  const signer = toEmptyECDSASigner(input.sessionKeyAddress);
  const policies = sdkPolicies(input);
  const regular = await toPermissionValidator(client, { signer, policies, entryPoint, kernelVersion });
  const account = await createKernelAccount(client, {
    entryPoint, kernelVersion, plugins: { sudo, regular },
    index: BigInt(input.index ?? 0),
    ...(input.accountAddress ? { address: input.accountAddress } : {}),
  });

  let typedData;
  let enableSignature;
  let serializedApproval;
  if (input.ownerPrivateKey) {
    serializedApproval = await serializePermissionAccount(account);
    typedData = captured[0];
    enableSignature = await account.kernelPluginManager.getPluginEnableSignature(account.address);
  } else {
    typedData = await account.kernelPluginManager.getPluginsEnableTypedData(account.address);
    if (ownerKey) {
      enableSignature = await real.signTypedData(typedData);
      serializedApproval = await serializePermissionAccount(account, undefined, enableSignature);
    }
  }
  const types = { EIP712Domain: getTypesForEIP712Domain({ domain: typedData.domain }), ...typedData.types };
  const out = {
    accountAddress: account.address,
    initCode: await account.generateInitCode(),
    permissionId: regular.getIdentifier(),
    validationId: typedData.message.validationId,
    policies: policies.map((p) => ({
      type: p.policyParams.type, info: p.getPolicyInfoInBytes(), data: p.getPolicyData(),
    })),
    signerElement: concat([PolicyFlags.FOR_ALL_VALIDATION, signer.signerContractAddress, signer.getSignerData()]),
    enableData: await regular.getEnableData(account.address),
    enableTypedData: plain(typedData),
    eip712: {
      domainSeparator: hashDomain({ domain: typedData.domain, types }),
      structHash: hashStruct({ data: typedData.message, primaryType: 'Enable', types }),
      digest: hashTypedData(typedData),
    },
  };
  if (enableSignature) out.enableSignature = enableSignature;
  if (serializedApproval) out.serializedApproval = serializedApproval;
  return out;
}
