// policy_typed.test.mjs: the SessionApproval typed data pinned in tests/golden/typed/ through
// viem, so that the C side (tests/unit/test_policy_typed.c checks the same files) and viem
// agree on one digest: seed.json hashed with hashTypedData must equal seed.digest, its
// summaryHash must be keccak256 of the summary text, its policyHash keccak256 of the canonical
// policy in seed.policy.json, and the summary must be the golden summary text of the seed case.
//
// Run from the repo root: node --test tests/interop/policy_typed.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAddress, hashTypedData, keccak256, stringToBytes, toFunctionSelector } from 'viem';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const golden = (name) => readFileSync(resolve(ROOT, 'tests/golden', name), 'utf8');
const typed = JSON.parse(golden('typed/seed.json'));

test('viem hashTypedData of the golden typed data equals seed.digest', () => {
  assert.equal(hashTypedData(typed), golden('typed/seed.digest').trim());
});

test('summaryHash is keccak256 of the summary, and the summary is the golden seed text', () => {
  const m = typed.message;
  assert.equal(m.summaryHash, keccak256(stringToBytes(m.summary)));
  assert.equal(m.summary, golden('summary/seed.txt'));
});

test('policyHash is keccak256 of the canonical policy', () => {
  const canonical = golden('typed/seed.policy.json').replace(/\n$/, '');
  assert.equal(typed.message.policyHash, keccak256(stringToBytes(canonical)));
  const p = JSON.parse(canonical);
  // the canonical form's keys are sorted and it is compact
  assert.equal(JSON.stringify(p, Object.keys(p).sort().concat(Object.keys(p.functions[0]).sort(), Object.keys(p.price).sort())), canonical);
  assert.equal(typed.message.selectors[0], p.functions[0].selector);
  assert.equal(toFunctionSelector(p.functions[0].signature), p.functions[0].selector);
});

test('the message names the policy: addresses checksummed, amounts in base units, times', () => {
  const m = typed.message;
  const p = JSON.parse(golden('typed/seed.policy.json'));
  for (const k of ['wallet', 'owner', 'sessionKey', 'target', 'spendToken']) {
    assert.equal(m[k], getAddress(m[k]));
    assert.equal(m[k].toLowerCase(), p[k]);
  }
  assert.equal(m.maxPerTransaction, p.maxPerTransaction);
  assert.equal(m.maxTotal, p.maxTotal);
  assert.equal(m.validAfter, p.validAfter);
  assert.equal(m.validUntil, p.validUntil);
  assert.equal(typed.domain.chainId, p.chainId);
  assert.deepEqual(typed.domain, { name: 'sessionkey-mcp', version: '1', chainId: 8453 });
});

test('changing any message field changes the digest', () => {
  const base = hashTypedData(typed);
  const alter = { ...typed, message: { ...typed.message, maxTotal: '1000000001' } };
  assert.notEqual(hashTypedData(alter), base);
  const other = { ...typed, domain: { ...typed.domain, chainId: 42161 } };
  assert.notEqual(hashTypedData(other), base);
});
