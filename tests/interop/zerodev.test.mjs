// zerodev.test.mjs: `sessionkey-mcp zerodev approve` against the ZeroDev SDK's own output.
//
// For every fixture in tests/interop/zerodev/fixtures (written by
// tests/interop/zerodev/gen_fixtures.mjs with @zerodev/sdk, @zerodev/permissions,
// @zerodev/ecdsa-validator and viem against a stub chain), our binary gets the same input and
// must produce every field byte for byte: account address, initCode, permissionId,
// validationId, each policy's info and data, the signer element, enableData, the Enable typed
// data (as JSON text), its hashes, the signature and the serialized approval. It does so twice:
// reading the chain over --rpc (the stub on 127.0.0.1), and with the state given in the input.
// Then the round trip: the SDK's deserializePermissionAccount takes OUR serialized approval
// and the session key signer and gives back the same account, permissionId, enable data and
// enable signature. Last, the failure cases: a chain that cannot say the nonce, a signature by
// someone else, an impossible account.
//
// Run from the repo root: node --test tests/interop/zerodev.test.mjs (SKM_BIN overrides the
// binary). Everything listens on 127.0.0.1 only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants } from '@zerodev/sdk';
import { deserializePermissionAccount } from '@zerodev/permissions';
import { toECDSASigner } from '@zerodev/permissions/signers';
import { createPublicClient, http, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startStub } from './zerodev/stub_rpc.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = resolve(ROOT, process.env.SKM_BIN ?? 'build/sessionkey-mcp');
const FIXTURES = join(ROOT, 'tests/interop/zerodev/fixtures');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')));

const FIELDS = ['accountAddress', 'initCode', 'permissionId', 'validationId', 'signerElement',
  'enableData', 'enableSignature', 'serializedApproval'];

let stub;
before(async () => { stub = await startStub({ chainId: 1, accounts: {} }); });
after(async () => { await stub?.close(); });

function run(args, input) {
  return new Promise((ok, fail) => {
    const p = spawn(BIN, ['zerodev', 'approve', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', fail);
    p.on('close', (code) => {
      let json = null;
      try { json = JSON.parse(out); } catch { /* reported below */ }
      ok({ code, json, out, err });
    });
    p.stdin.end(typeof input === 'string' ? input : JSON.stringify(input));
  });
}

// Point the stub at a fixture's chain: its chain id and, if deployed, the account.
function chainFor(fx, extra = {}) {
  stub.state.chainId = fx.input.chainId;
  stub.state.accounts = fx.chain.deployed
    ? { [fx.chain.account.toLowerCase()]: { kernelVersion: fx.input.kernelVersion ?? '0.3.1',
      currentNonce: fx.chain.currentNonce, ...extra } }
    : {};
  stub.state.fail = {};
  stub.unexpected.length = 0;
  return ['--rpc', `${fx.input.chainId}=${stub.url}`];
}

const decoded = (b64) => Buffer.from(b64, 'base64').toString('utf8');

function assertSame(got, want, name) {
  for (const f of FIELDS) {
    if (f === 'serializedApproval' && want[f] !== undefined && got[f] !== want[f])
      assert.equal(decoded(got[f] ?? ''), decoded(want[f]), `${name}: serializedApproval (decoded)`);
    assert.equal(got[f], want[f], `${name}: ${f}`);
  }
  assert.deepEqual(got.policies, want.policies, `${name}: policies`);
  assert.equal(JSON.stringify(got.enableTypedData), JSON.stringify(want.enableTypedData),
    `${name}: enableTypedData`);
  assert.deepEqual(got.eip712, want.eip712, `${name}: eip712`);
}

for (const fx of fixtures) {
  test(`${fx.name}: byte-identical, chain read over --rpc`, async () => {
    const r = await run(chainFor(fx), fx.input);
    assert.equal(r.code, 0, r.out + r.err);
    assertSame(r.json, fx.expected, fx.name);
    assert.equal(r.json.onchain.source, 'rpc');
    assert.equal(r.json.onchain.deployed, fx.chain.deployed);
    assert.deepEqual(stub.unexpected, []);
    if (fx.chain.deployed) assert.ok(stub.log.some((l) => l.call === 'currentNonce'), 'nonce read');
  });

  test(`${fx.name}: byte-identical, chain state given in the input`, async () => {
    const input = { ...fx.input };
    if (fx.chain.deployed) input.onchain = { deployed: true, currentNonce: fx.chain.currentNonce };
    const r = await run([], input);
    assert.equal(r.code, 0, r.out + r.err);
    assertSame(r.json, fx.expected, fx.name);
    if (fx.chain.deployed) {
      assert.equal(r.json.onchain.source, 'input');
      assert.deepEqual(r.json.warnings.filter((w) => /assumed/.test(w)), []);
    } else {
      assert.equal(r.json.onchain.source, 'assumed');
      assert.ok(r.json.warnings.some((w) => /assumed NOT deployed/.test(w)), 'flagged');
    }
  });

  if (fx.expected.serializedApproval) {
    test(`${fx.name}: the SDK deserializes our approval to the same account`, async () => {
      chainFor(fx);
      const r = await run([], fx.chain.deployed
        ? { ...fx.input, onchain: { deployed: true, currentNonce: fx.chain.currentNonce } }
        : fx.input);
      assert.equal(r.code, 0, r.out);
      const client = createPublicClient({ transport: http(stub.url) });
      const signer = await toECDSASigner({ signer: privateKeyToAccount(fx.sessionPrivateKey) });
      const account = await deserializePermissionAccount(client, constants.getEntryPoint('0.7'),
        fx.input.kernelVersion, r.json.serializedApproval, signer);
      const mgr = account.kernelPluginManager;
      // The SDK re-derives initCode and enable data from decoded values, so their hex comes
      // back lower case (and with the signer's EIP-55 address): equal bytes, other spelling.
      const lc = (s) => s.toLowerCase();
      assert.equal(account.address, fx.expected.accountAddress);
      assert.equal(mgr.regularValidator.getIdentifier(), fx.expected.permissionId);
      assert.equal(lc(await mgr.regularValidator.getEnableData(account.address)), lc(fx.expected.enableData));
      assert.equal(await mgr.getPluginEnableSignature(account.address), fx.expected.enableSignature);
      assert.equal(lc(await account.generateInitCode()), lc(fx.expected.initCode));
      assert.deepEqual(stub.unexpected, []);
    });
  }
}

// ---- failures ---------------------------------------------------------------------------

const deployedFx = fixtures.find((f) => f.chain.deployed && f.input.kernelVersion === '0.3.1');
const plainFx = fixtures.find((f) => f.name === 'k031-call004-twap-undeployed');

test('kernelVersion is read from the deployed account (accountId) when left out', async () => {
  const { kernelVersion, ...input } = deployedFx.input;
  const r = await run(chainFor(deployedFx), input);
  assert.equal(r.code, 0, r.out);
  assertSame(r.json, deployedFx.expected, deployedFx.name);
  assert.equal(r.json.kernelVersion, kernelVersion);
  assert.ok(stub.log.some((l) => l.call === 'accountId'));
});

test('a deployed account whose currentNonce() cannot be read: refused, never guessed', async () => {
  const args = chainFor(deployedFx);
  stub.state.fail = { currentNonce: 'rpc-error' };
  const r = await run(args, deployedFx.input);
  assert.equal(r.code, 1, r.out);
  assert.match(r.json.error, /currentNonce/);
  assert.match(r.json.error, /AA23/);
  assert.equal(r.json.serializedApproval, undefined);
});

test('a chain that cannot say whether the account is deployed: refused', async () => {
  const args = chainFor(plainFx);
  stub.state.fail = { eth_getCode: 'rpc-error' };
  const r = await run(args, plainFx.input);
  assert.equal(r.code, 1, r.out);
  assert.match(r.json.error, /not guessing/);
});

test('a deployed account answering currentNonce() 0 is not a Kernel: refused', async () => {
  const args = chainFor(deployedFx, { currentNonce: 0 });
  const r = await run(args, deployedFx.input);
  assert.equal(r.code, 1, r.out);
  assert.match(r.json.error, /currentNonce\(\) is 0/);
});

test('an enable signature by another key: refused, naming who signed', async () => {
  const fx = fixtures.find((f) => f.input.enableSignature);
  const other = privateKeyToAccount(keccak256(toHex('not the owner')));
  const sig = await other.signTypedData(fx.expected.enableTypedData);
  const r = await run([], { ...fx.input, enableSignature: sig });
  assert.equal(r.code, 1, r.out);
  assert.ok(r.json.error.includes(other.address), r.json.error);
  assert.match(r.json.error, /not the owner/);
});

test('ownerAddress without a signature: typed data only, nothing serialized', async () => {
  const fx = fixtures.find((f) => f.input.ownerAddress && !f.input.enableSignature);
  const r = await run([], fx.input);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.json.serializedApproval, undefined);
  assert.equal(r.json.eip712.digest, fx.expected.eip712.digest);
});

test('an undeployed account that owner and index would not deploy: refused', async () => {
  const input = { ...plainFx.input, accountAddress: deployedFx.chain.account === plainFx.chain.account
    ? '0x000000000000000000000000000000000000dEaD' : deployedFx.chain.account, index: 5 };
  const r = await run([], input);
  assert.equal(r.code, 1, r.out);
  assert.match(r.json.error, /would deploy/);
});

test('a no-reset rate limit with count 1 is flagged as one UserOp in total', async () => {
  const input = structuredClone(plainFx.input);
  input.policies.rateLimit = { count: 1, interval: 3600 };
  const r = await run([], input);
  assert.equal(r.code, 0, r.out);
  assert.ok(r.json.warnings.some((w) => /ONE UserOp in total/.test(w)), JSON.stringify(r.json.warnings));
});

test('inputs the contracts would reject are refused before signing', async () => {
  const bad = [
    [{ ...plainFx.input, callPolicyVersion: '0.0.1', policies: { call: [{ target: '0x0000000000000000000000000000000000000000', selector: '0xa9059cbb' }] } }, /0\.0\.2 or later/],
    [{ ...plainFx.input, policies: { call: [{ target: plainFx.input.policies.call[0].target, selector: '0x04e45aaf' }, { target: plainFx.input.policies.call[0].target.toLowerCase(), selector: '0x04E45AAF' }] } }, /duplicate permissionHash/],
    [{ ...plainFx.input, policies: { call: [{ target: plainFx.input.policies.call[0].target, selector: '0x04e45aaf', rules: [{ condition: 'SLICE_EQUAL', offset: 0, params: ['0x' + '00'.repeat(32), '0x' + '00'.repeat(32), '0x' + '00'.repeat(32)] }] }] } }, /SLICE_EQUAL needs CallPolicy 0\.0\.5/],
    [{ ...plainFx.input, kernelVersion: '0.3.3' }, /not supported/],
    [{ ...plainFx.input, policies: { rateLimit: { count: 2, interval: 60, reset: true, startAt: 5 } } }, /startAt/],
  ];
  for (const [input, re] of bad) {
    const r = await run([], input);
    assert.equal(r.code, 1, r.out);
    assert.match(r.json.error, re);
  }
});
