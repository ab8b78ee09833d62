// abi_eip712.test.mjs: `sessionkey-mcp eth abi-encode | typed-data-hash | sign-typed-data`
// against viem on hundreds of random inputs: ABI encodings (random nested tuples and arrays)
// byte for byte, decoding of viem's encodings and of corrupted ones, EIP-712 digests of random
// typed data (nested structs, arrays of structs, nested arrays), and signatures byte for byte
// (both RFC 6979) that viem recovers to the signer. Cases go through each command's --batch
// mode, so the binary starts a handful of times, not once per case.
//
// Run from the repo root: node --test tests/interop/abi_eip712.test.mjs
// SKM_BIN overrides the binary; SKM_SEED=<number> replays a run (the seed is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeAbiParameters,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  hashDomain,
  hashTypedData,
  recoverTypedDataAddress,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hashStruct } from 'viem/utils';

import { BIN, CURVE_N, SEED, makeRng } from './seeded.mjs';

// Run `sessionkey-mcp eth <args>` with the given stdin lines; returns one parsed object per line.
function runBatch(args, lines) {
  const r = spawnSync(BIN, ['eth', ...args], {
    input: lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  assert.equal(r.error, undefined, `spawn ${BIN}: ${r.error}`);
  const out = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  assert.equal(out.length, lines.length, `one answer per line; stderr: ${r.stderr}`);
  return { out, status: r.status };
}

function run(args, input) {
  const r = spawnSync(BIN, ['eth', ...args], { input: input ?? '', encoding: 'utf8' });
  assert.equal(r.error, undefined, `spawn ${BIN}: ${r.error}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: r.stdout ? JSON.parse(r.stdout) : null };
}

// ---- random values shared by ABI and EIP-712 ----

function randomInt(rng, bits, signed) {
  const width = rng.int(4) === 0 ? Math.min(bits, 8 * (1 + rng.int(2))) : bits; // small ones too
  let v = 0n;
  for (const byte of rng.bytes(width / 8)) v = (v << 8n) | BigInt(byte);
  if (rng.int(6) === 0) v = rng.bool() ? (1n << BigInt(width)) - 1n : 0n; // edges
  if (signed && v >= 1n << BigInt(bits - 1)) v -= 1n << BigInt(bits); // two's complement
  if (signed && width < bits && rng.bool()) v = -v;
  return v;
}

// The same integer as our JSON accepts it: decimal string, JSON number (if exact) or hex.
function intJson(rng, v) {
  const r = rng.int(3);
  if (r === 0 && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (r === 1 && v >= 0n) return '0x' + v.toString(16);
  return v.toString();
}

function randomAddress(rng) {
  const lower = toHex(rng.bytes(20));
  return rng.bool() ? getAddress(lower) : lower;
}

function randomText(rng) {
  const alphabet = ['a', 'Z', '0', ' ', '\n', '"', '\\', 'é', '€', '🌍', '\u0001', 'x', '(', ','];
  let s = '';
  for (let n = rng.int(40); n > 0; n--) s += rng.pick(alphabet);
  return s;
}

function hexCase(rng, hex) {
  return rng.int(4) === 0 ? '0x' + hex.slice(2).toUpperCase() : hex;
}

// ---- ABI: random type trees ----
// node: {k:'elem', t} | {k:'tuple', comps:[{node, name}]} | {k:'array', elem, len (null = T[])}

const NAMES = ['a', 'b', 'to', 'amount', 'x_1', '$y', 'data'];

function randomElem(rng) {
  switch (rng.int(7)) {
    case 0: return 'address';
    case 1: return 'bool';
    case 2: return `uint${8 * (1 + rng.int(32))}`;
    case 3: return `int${8 * (1 + rng.int(32))}`;
    case 4: return `bytes${1 + rng.int(32)}`;
    case 5: return 'bytes';
    default: return 'string';
  }
}

function randomNode(rng, depth) {
  const r = rng.int(depth >= 3 ? 6 : 10);
  if (r < 6) return { k: 'elem', t: randomElem(rng) };
  if (r < 8) {
    const n = 1 + rng.int(4);
    const named = rng.bool();
    return { k: 'tuple', comps: Array.from({ length: n }, (_, i) => ({ node: randomNode(rng, depth + 1), name: named ? NAMES[i] : undefined })) };
  }
  return { k: 'array', elem: randomNode(rng, depth + 1), len: rng.bool() ? null : 1 + rng.int(3) };
}

// viem AbiParameter for a node.
function toViem(node, name) {
  const p = (() => {
    if (node.k === 'elem') return { type: node.t };
    if (node.k === 'tuple') return { type: 'tuple', components: node.comps.map((c) => toViem(c.node, c.name)) };
    const inner = toViem(node.elem);
    return { ...inner, type: `${inner.type}[${node.len ?? ''}]` };
  })();
  return name === undefined ? p : { ...p, name };
}

// Our type string, with component names (and random spacing) where the tuple has them.
function toSig(rng, node) {
  if (node.k === 'elem') return node.t;
  if (node.k === 'array') return `${toSig(rng, node.elem)}[${node.len ?? ''}]`;
  const sep = rng.int(4) === 0 ? ', ' : ',';
  return `(${node.comps.map((c) => toSig(rng, c.node) + (c.name ? ` ${c.name}` : '')).join(sep)})`;
}

// A random value: {v: for viem, j: for our JSON}.
function randomValue(rng, node) {
  if (node.k === 'elem') {
    const t = node.t;
    if (t === 'address') { const a = randomAddress(rng); return { v: a, j: a }; }
    if (t === 'bool') { const b = rng.bool(); return { v: b, j: b }; }
    if (t === 'string') { const s = randomText(rng); return { v: s, j: s }; }
    if (t === 'bytes') { const h = toHex(rng.bytes(rng.int(3) === 0 ? 32 * rng.int(3) : rng.int(80))); return { v: h, j: hexCase(rng, h) }; }
    if (t.startsWith('bytes')) { const h = toHex(rng.bytes(Number(t.slice(5)))); return { v: h, j: hexCase(rng, h) }; }
    const signed = t.startsWith('int');
    const v = randomInt(rng, Number(t.slice(signed ? 3 : 4)), signed);
    return { v, j: intJson(rng, v) };
  }
  if (node.k === 'array') {
    const n = node.len ?? rng.int(4);
    const items = Array.from({ length: n }, () => randomValue(rng, node.elem));
    return { v: items.map((x) => x.v), j: items.map((x) => x.j) };
  }
  const items = node.comps.map((c) => randomValue(rng, c.node));
  const named = node.comps.every((c) => c.name !== undefined);
  if (named && rng.bool()) { // as an object, for both
    const v = {}, j = {};
    node.comps.forEach((c, i) => { v[c.name] = items[i].v; j[c.name] = items[i].j; });
    return { v, j };
  }
  return { v: items.map((x) => x.v), j: items.map((x) => x.j) };
}

// viem's decoded value in our decoder's JSON form.
function normDecoded(node, val) {
  if (node.k === 'elem') return typeof val === 'bigint' || typeof val === 'number' ? val.toString() : val;
  if (node.k === 'array') return val.map((x) => normDecoded(node.elem, x));
  const named = node.comps.every((c) => c.name !== undefined);
  if (named) return Object.fromEntries(node.comps.map((c) => [c.name, normDecoded(c.node, val[c.name])]));
  return node.comps.map((c, i) => normDecoded(c.node, val[i]));
}

function randomCase(rng) {
  const params = Array.from({ length: rng.int(5) }, () => randomNode(rng, 0));
  const values = params.map((p) => randomValue(rng, p));
  const abiParams = params.map((p) => toViem(p));
  const list = params.map((p) => toSig(rng, p)).join(rng.bool() ? ',' : ', ');
  // "(a,b)" is the parameter list a,b; one tuple parameter must be written "((a,b))"
  const bare = params.length === 1 && params[0].k === 'tuple';
  const types = bare || rng.bool() ? `(${list})` : list;
  return { params, abiParams, values, list, types };
}

test(`abi-encode: random nested types and values equal viem's encodings (seed ${SEED})`, (t) => {
  t.diagnostic(`seed=${SEED}`);
  const rng = makeRng(SEED);
  const cases = [], lines = [];
  for (let i = 0; i < 800; i++) {
    const c = randomCase(rng);
    const asCall = rng.bool();
    if (asCall) {
      const name = rng.pick(['f', 'transfer', 'execute', 'doIt_2', '$go']);
      c.expect = encodeFunctionData({ abi: [{ type: 'function', name, inputs: c.abiParams, outputs: [], stateMutability: 'nonpayable' }], functionName: name, args: c.values.map((x) => x.v) });
      lines.push({ types: `${name}(${c.list})`, args: c.values.map((x) => x.j) });
    } else {
      c.expect = encodeAbiParameters(c.abiParams, c.values.map((x) => x.v));
      lines.push({ types: c.types, args: c.values.map((x) => x.j) });
    }
    cases.push(c);
  }
  const { out, status } = runBatch(['abi-encode', '--batch'], lines);
  out.forEach((o, i) => assert.deepEqual(o, { data: cases[i].expect }, `case ${i}: ${JSON.stringify(lines[i])}`));
  assert.equal(status, 0);
});

test(`abi-encode --batch decodes viem's encodings to the same values (seed ${SEED})`, () => {
  const rng = makeRng(SEED + 1);
  const cases = [], lines = [];
  for (let i = 0; i < 600; i++) {
    const c = randomCase(rng);
    c.data = encodeAbiParameters(c.abiParams, c.values.map((x) => x.v));
    c.expect = decodeAbiParameters(c.abiParams, c.data).map((v, k) => normDecoded(c.params[k], v));
    cases.push(c);
    lines.push({ types: c.types, data: c.data });
  }
  const { out, status } = runBatch(['abi-encode', '--batch'], lines);
  out.forEach((o, i) => assert.deepEqual(o, { values: cases[i].expect }, `case ${i}: ${JSON.stringify(lines[i])}`));
  assert.equal(status, 0);
});

// Corrupted encodings: we are stricter than viem, so whatever we accept viem must accept too
// and decode to the same values; what we reject must come with a message.
test(`abi-encode --batch on corrupted data: accepted only when viem agrees (seed ${SEED})`, () => {
  const rng = makeRng(SEED + 2);
  const cases = [], lines = [];
  while (cases.length < 600) {
    const c = randomCase(rng);
    if (c.params.length === 0) continue;
    const bytes = Buffer.from(encodeAbiParameters(c.abiParams, c.values.map((x) => x.v)).slice(2), 'hex');
    for (let m = 1 + rng.int(3); m > 0; m--) {
      const at = rng.int(bytes.length);
      bytes[at] = rng.int(3) === 0 ? rng.int(256) : bytes[at] ^ (1 << rng.int(8));
    }
    c.data = '0x' + bytes.subarray(0, rng.int(4) === 0 ? rng.int(bytes.length) : bytes.length).toString('hex');
    cases.push(c);
    lines.push({ types: c.types, data: c.data });
  }
  const { out } = runBatch(['abi-encode', '--batch'], lines);
  let accepted = 0;
  out.forEach((o, i) => {
    const c = cases[i];
    if (o.error !== undefined) {
      assert.match(o.error, /\S/);
      return;
    }
    accepted++;
    const viem = decodeAbiParameters(c.abiParams, c.data).map((v, k) => normDecoded(c.params[k], v));
    assert.deepEqual(o.values, viem, `case ${i}: ${JSON.stringify(lines[i])}`);
  });
  assert.ok(accepted > 0 && accepted < out.length, `accepted ${accepted} of ${out.length}`);
});

// Non-canonical layouts viem (like Solidity) reads: trailing bytes, a gap before a tail, one
// tail shared by two offsets. We refuse each; viem decodes each to values, so the refusal is
// ours alone, and the canonical encoding of the same values still decodes (above).
test('abi-encode --batch refuses non-canonical layouts that viem accepts', () => {
  const params = [{ type: 'bytes' }, { type: 'bytes' }];
  const canonical = encodeAbiParameters(params, ['0xaa', '0xbb']);
  const w = (n) => n.toString(16).padStart(64, '0');
  const tailA = w(1) + 'aa'.padEnd(64, '0'), tailB = w(1) + 'bb'.padEnd(64, '0');
  const bad = {
    trailing: canonical + w(0),
    gap: '0x' + w(0x60) + w(0xa0) + w(0) + tailA + tailB,
    shared: '0x' + w(0x40) + w(0x40) + tailA,
  };
  const lines = [{ types: 'bytes,bytes', data: canonical }, ...Object.values(bad).map((data) => ({ types: 'bytes,bytes', data }))];
  const { out } = runBatch(['abi-encode', '--batch'], lines);
  assert.deepEqual(out[0], { values: ['0xaa', '0xbb'] });
  Object.keys(bad).forEach((k, i) => {
    assert.ok(decodeAbiParameters(params, bad[k]).length === 2, `viem reads the ${k} layout`);
    assert.match(out[i + 1].error ?? '', /canonical ABI encoding|follow the encoding/, `${k}: ${JSON.stringify(out[i + 1])}`);
  });
});

test('abi-encode: command line, exit codes and messages', () => {
  const transfer = run(['abi-encode', 'transfer(address,uint256)', '["0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826","1000"]']);
  assert.equal(transfer.status, 0);
  assert.deepEqual(transfer.json, { data: encodeFunctionData({ abi: [{ type: 'function', name: 'transfer', inputs: [{ type: 'address' }, { type: 'uint256' }], outputs: [], stateMutability: 'nonpayable' }], args: ['0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', 1000n] }) });
  assert.equal(transfer.stdout.split('\n').length, 2, 'one line');
  const params = run(['abi-encode', '(address,uint256)', '["0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",1000]']);
  assert.equal(params.json.data, '0x' + transfer.json.data.slice(10));
  const bad = run(['abi-encode', 'transfer(address,uint8)', '["0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",256]']);
  assert.equal(bad.status, 1);
  assert.deepEqual(Object.keys(bad.json), ['error']);
  assert.match(bad.json.error, /args\[1\]: 256 is out of range for uint8 \(0 to 255\)/);
  const badJson = run(['abi-encode', 'address', '[0x12']);
  assert.equal(badJson.status, 1);
  assert.match(badJson.json.error, /ARGS_JSON: invalid JSON/);
  const decoded = run(['abi-encode', '--decode', 'transfer(address to,uint256 amount)', transfer.json.data]);
  assert.deepEqual(decoded.json, { values: ['0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', '1000'] });
  const wrongSel = run(['abi-encode', '--decode', 'approve(address,uint256)', transfer.json.data]);
  assert.equal(wrongSel.status, 1);
  assert.match(wrongSel.json.error, /selector 0xa9059cbb is not approve's selector 0x095ea7b3/);
  const usage = run(['abi-encode', 'transfer(address,uint256)']);
  assert.equal(usage.status, 2);
  assert.equal(usage.stdout, '');
  assert.match(usage.stderr, /usage:/);
  const batchBad = runBatch(['abi-encode', '--batch'], ['{"types":"uint8","args":[1]}', 'not json', '{"types":"uint8"}']);
  assert.equal(batchBad.status, 1);
  assert.ok(batchBad.out[0].data && batchBad.out[1].error && batchBad.out[2].error);
});

// ---- EIP-712: random typed data ----

function fieldType(rng, structNames, depth) {
  let base;
  const r = rng.int(10);
  if (r < 3 && structNames.length > 0) base = rng.pick(structNames);
  else base = randomElem(rng);
  let type = base;
  for (let dims = rng.int(4) === 0 ? 1 + rng.int(depth < 2 ? 2 : 1) : 0; dims > 0; dims--) {
    type += rng.bool() ? '[]' : `[${1 + rng.int(3)}]`;
  }
  return type;
}

// Structs S_k may only refer to S_j with j > k, so the types are acyclic.
function randomTypes(rng) {
  const pool = ['Person', 'Mail', 'Order', 'Item', 'Permit', 'Leaf', 'A_b', 'x$', 'ns:Thing', 'Z9'];
  const n = 1 + rng.int(4);
  const names = [];
  while (names.length < n) {
    const name = rng.pick(pool);
    if (!names.includes(name)) names.push(name);
  }
  const types = {};
  names.forEach((name, k) => {
    const later = names.slice(k + 1);
    const fields = [];
    for (let f = 1 + rng.int(5); f > 0; f--) {
      fields.push({ name: `${rng.pick(['f', 'amount', 'to', 'data', 'v'])}${fields.length}`, type: fieldType(rng, later, k) });
    }
    types[name] = fields;
  });
  return { types, primaryType: names[0] };
}

// A value for an EIP-712 field type: {v: viem, j: our JSON}.
function typedValue(rng, types, type) {
  const m = type.match(/^(.*)\[(\d*)\]$/);
  if (m) {
    const n = m[2] === '' ? rng.int(4) : Number(m[2]);
    const items = Array.from({ length: n }, () => typedValue(rng, types, m[1]));
    return { v: items.map((x) => x.v), j: items.map((x) => x.j) };
  }
  if (types[type]) {
    const v = {}, j = {};
    for (const f of types[type]) {
      const x = typedValue(rng, types, f.type);
      v[f.name] = x.v;
      j[f.name] = x.j;
    }
    return { v, j };
  }
  return randomValue(rng, { k: 'elem', t: type });
}

const DOMAIN_FIELDS = [
  ['name', 'string'], ['version', 'string'], ['chainId', 'uint256'], ['verifyingContract', 'address'], ['salt', 'bytes32'],
];

function randomTypedData(rng) {
  const { types, primaryType } = randomTypes(rng);
  const domainV = {}, domainJ = {};
  for (const [name, type] of DOMAIN_FIELDS) {
    if (rng.int(3) === 0) continue;
    const x = name === 'chainId' ? (() => { const c = BigInt(1 + rng.int(100000)); return { v: c, j: rng.bool() ? Number(c) : c.toString() }; })()
      : typedValue(rng, {}, type);
    domainV[name] = x.v;
    domainJ[name] = x.j;
  }
  const typesV = { ...types }, typesJ = { ...types };
  if (rng.bool()) { // EIP712Domain spelled out, else derived from the domain's keys
    const decl = DOMAIN_FIELDS.filter(([name]) => name in domainV).map(([name, type]) => ({ name, type }));
    typesV.EIP712Domain = decl;
    typesJ.EIP712Domain = decl;
  }
  const msg = typedValue(rng, types, primaryType);
  return {
    viem: { types: typesV, primaryType, domain: domainV, message: msg.v },
    json: { types: typesJ, primaryType, domain: domainJ, message: msg.j },
  };
}

test(`typed-data-hash: random typed data equals viem's hashTypedData (seed ${SEED})`, () => {
  const rng = makeRng(SEED + 3);
  const cases = Array.from({ length: 600 }, () => randomTypedData(rng));
  const { out, status } = runBatch(['typed-data-hash', '--batch'], cases.map((c) => c.json));
  out.forEach((o, i) => {
    const v = cases[i].viem;
    const types = { EIP712Domain: DOMAIN_FIELDS.filter(([n]) => n in v.domain).map(([name, type]) => ({ name, type })), ...v.types };
    assert.deepEqual(o, {
      domainSeparator: hashDomain({ domain: v.domain, types }),
      structHash: hashStruct({ data: v.message, primaryType: v.primaryType, types }),
      digest: hashTypedData(v),
    }, `case ${i}: ${JSON.stringify(cases[i].json)}`);
  });
  assert.equal(status, 0);
});

function randomKey(rng) {
  for (;;) {
    const pk = toHex(rng.bytes(32));
    if (BigInt(pk) > 0n && BigInt(pk) < CURVE_N) return pk;
  }
}

test(`sign-typed-data: signatures equal viem's byte for byte and recover (seed ${SEED})`, async () => {
  const rng = makeRng(SEED + 4);
  const dir = mkdtempSync(join(tmpdir(), 'skm-712-'));
  try {
    for (let k = 0; k < 3; k++) {
      const pk = randomKey(rng);
      const account = privateKeyToAccount(pk);
      const keyFile = join(dir, `key${k}`);
      writeFileSync(keyFile, pk + '\n', { mode: 0o600 });
      const cases = Array.from({ length: 50 }, () => randomTypedData(rng));
      const { out, status } = runBatch(['sign-typed-data', '--batch', '--key-file', keyFile], cases.map((c) => c.json));
      assert.equal(status, 0);
      for (let i = 0; i < cases.length; i++) {
        const sig = await account.signTypedData(cases[i].viem);
        assert.deepEqual(out[i], { digest: hashTypedData(cases[i].viem), signature: sig }, `key ${k} case ${i}`);
        assert.equal(await recoverTypedDataAddress({ ...cases[i].viem, signature: out[i].signature }), account.address);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const MAIL = {
  types: {
    EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }],
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

test('typed-data-hash and sign-typed-data: files, stdin, key-file rules, errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skm-712-'));
  try {
    const file = join(dir, 'mail.json');
    writeFileSync(file, JSON.stringify(MAIL, null, 2));
    const h = run(['typed-data-hash', file]);
    assert.equal(h.status, 0);
    assert.deepEqual(h.json, {
      domainSeparator: '0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f',
      structHash: '0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e',
      digest: '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2',
    });
    assert.deepEqual(run(['typed-data-hash', '-'], JSON.stringify(MAIL)).json, h.json);
    const key = join(dir, 'cow.key');
    writeFileSync(key, '0xc85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4\n', { mode: 0o600 });
    const s = run(['sign-typed-data', file, '--key-file', key]);
    assert.equal(s.status, 0);
    assert.deepEqual(s.json, {
      digest: h.json.digest,
      signature: '0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c',
    });
    chmodSync(key, 0o640);
    const loose = run(['sign-typed-data', file, '--key-file', key]);
    assert.equal(loose.status, 1);
    assert.match(loose.json.error, /group or others can access it/);
    assert.doesNotMatch(loose.stdout + loose.stderr, /c85ef7d7/);
    const missing = run(['sign-typed-data', file]);
    assert.equal(missing.status, 2);
    const bad = run(['typed-data-hash', '-'], JSON.stringify({ ...MAIL, message: { ...MAIL.message, extra: 1 } }));
    assert.equal(bad.status, 1);
    assert.match(bad.json.error, /message: "extra" is not a field of Mail/);
    const noFile = run(['typed-data-hash', join(dir, 'nope.json')]);
    assert.equal(noFile.status, 1);
    assert.match(noFile.json.error, /nope\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
