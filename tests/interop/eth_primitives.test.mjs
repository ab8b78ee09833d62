// eth_primitives.test.mjs: `sessionkey-mcp eth ...` against viem on hundreds of random inputs:
// keccak, addresses of private keys, signing (byte for byte: both RFC 6979), recovery, EIP-55,
// token units, EIP-191 hashes; plus the CLI's exit codes and key-file rules.
//
// Run from the repo root: node --test tests/interop/eth_primitives.test.mjs
// SKM_BIN overrides the binary; SKM_SEED=<number> replays a run (the seed is printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatUnits, getAddress, hashMessage, keccak256, parseUnits, recoverAddress, stringToHex, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { BIN, CURVE_N, SEED, makeRng } from './seeded.mjs';

function randomKey(rng) {
  for (;;) {
    const pk = toHex(rng.bytes(32));
    const k = BigInt(pk);
    if (k > 0n && k < CURVE_N) return pk;
  }
}

// A random uint256 with a random bit length, so small and huge values both occur.
function randomU256(rng) {
  const bits = rng.int(257);
  let v = 0n;
  for (let i = 0; i < 32; i++) v = (v << 8n) | BigInt(rng.bytes(1)[0]);
  return bits === 0 ? 0n : v >> BigInt(256 - bits);
}

function randomText(rng) {
  const alphabet = ['a', 'Z', '0', ' ', '\n', '"', '\\', 'é', '€', '🌍', '\u0019', 'x'];
  let s = '';
  for (let n = rng.int(40); n > 0; n--) s += alphabet[rng.int(alphabet.length)];
  return s;
}

function run(args, input) {
  return spawnSync(BIN, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
}

// Run many commands through one process: each is an argv array; returns one parsed object each.
function batch(commands) {
  const r = run(['eth', '--batch'], commands.map((c) => JSON.stringify(c)).join('\n') + '\n');
  assert.equal(r.error, undefined, `cannot run ${BIN}: ${r.error}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, commands.length, `one answer per command; stderr: ${r.stderr}`);
  return lines.map((l) => JSON.parse(l));
}

// A private directory with one mode-0600 key file per key.
function keyFiles(keys) {
  const dir = mkdtempSync(join(tmpdir(), 'skm-eth-'));
  const files = keys.map((pk, i) => {
    const f = join(dir, `key${i}`);
    writeFileSync(f, `${pk}\n`, { mode: 0o600 });
    return f;
  });
  return { dir, files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('keccak of random bytes and texts equals viem keccak256', (t) => {
  t.diagnostic(`seed=${SEED} (replay with SKM_SEED=${SEED})`);
  const rng = makeRng(SEED);
  const inputs = [0, 1, 135, 136, 137, 271, 272, 273, 408, 600].map((n) => toHex(rng.bytes(n)));
  for (let i = 0; i < 300; i++) inputs.push(toHex(rng.bytes(rng.int(601))));
  const texts = ['', 'abc', '0x1234', 'héllo 🌍'];
  for (let i = 0; i < 50; i++) texts.push(randomText(rng));
  const out = batch([...inputs.map((h) => ['keccak', h]), ...texts.map((s) => ['keccak', '--text', s])]);
  inputs.forEach((h, i) => assert.deepEqual(out[i], { hash: keccak256(h) }, `input ${h}`));
  texts.forEach((s, i) => assert.deepEqual(out[inputs.length + i], { hash: keccak256(stringToHex(s)) }, `text ${JSON.stringify(s)}`));
});

test('keccak through a plain command line (no batch) equals viem', () => {
  const rng = makeRng(SEED + 1);
  const hex = toHex(rng.bytes(137));
  const r = run(['eth', 'keccak', hex]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `{"hash":"${keccak256(hex)}"}\n`);
  const r2 = run(['eth', 'keccak', 'hello']);
  assert.equal(r2.stdout, `{"hash":"${keccak256(stringToHex('hello'))}"}\n`);
});

test('address of random private keys equals privateKeyToAccount', (t) => {
  const rng = makeRng(SEED + 2);
  const keys = ['0x' + '0'.repeat(63) + '1'];
  for (let i = 0; i < 40; i++) keys.push(randomKey(rng));
  const kf = keyFiles(keys);
  t.after(kf.cleanup);
  const out = batch(kf.files.map((f) => ['address', '--key-file', f]));
  assert.deepEqual(out[0], { address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf' });
  keys.forEach((pk, i) => assert.deepEqual(out[i], { address: privateKeyToAccount(pk).address }));
});

test('sign-hash equals viem byte for byte and recovers in viem', async (t) => {
  const rng = makeRng(SEED + 3);
  const keys = Array.from({ length: 30 }, () => randomKey(rng));
  const kf = keyFiles(keys);
  t.after(kf.cleanup);
  const jobs = [];
  keys.forEach((pk, i) => {
    for (let j = 0; j < 3; j++) jobs.push({ pk, file: kf.files[i], hash: toHex(rng.bytes(32)) });
  });
  const out = batch(jobs.map((j) => ['sign-hash', j.hash, '--key-file', j.file]));
  for (const [i, j] of jobs.entries()) {
    const account = privateKeyToAccount(j.pk);
    assert.equal(out[i].signature, await account.sign({ hash: j.hash }), `hash ${j.hash}`);
    assert.equal(await recoverAddress({ hash: j.hash, signature: out[i].signature }), account.address);
  }
});

test('recover returns the signer of viem signatures, v as 27/28 and as 0/1', async () => {
  const rng = makeRng(SEED + 4);
  const jobs = [];
  for (let i = 0; i < 100; i++) {
    const account = privateKeyToAccount(randomKey(rng));
    const hash = toHex(rng.bytes(32));
    const sig = await account.sign({ hash });
    const v = parseInt(sig.slice(-2), 16);
    assert.ok(v === 27 || v === 28);
    const sig01 = sig.slice(0, -2) + (v === 27 ? '00' : '01');
    jobs.push({ address: account.address, hash, sig: i % 2 ? sig01 : sig });
  }
  const out = batch(jobs.map((j) => ['recover', j.hash, j.sig]));
  jobs.forEach((j, i) => assert.deepEqual(out[i], { address: j.address }, `sig ${j.sig}`));
});

test('recover rejects the high-s twin of a valid signature', async () => {
  const rng = makeRng(SEED + 5);
  const account = privateKeyToAccount(randomKey(rng));
  const hash = toHex(rng.bytes(32));
  const sig = await account.sign({ hash });
  const s = BigInt('0x' + sig.slice(66, 130));
  const v = parseInt(sig.slice(-2), 16);
  const twin = sig.slice(0, 66) + (CURVE_N - s).toString(16).padStart(64, '0') + (v === 27 ? '1c' : '1b');
  // viem (noble) accepts the malleated form and finds the same signer; we refuse it on purpose.
  assert.equal(await recoverAddress({ hash, signature: twin }), account.address);
  const [res] = batch([['recover', hash, twin]]);
  assert.match(res.error, /^signature: s is in the upper half of the curve order/);
});

test('checksum equals viem getAddress; wrong mixed case is refused', () => {
  const rng = makeRng(SEED + 6);
  const addrs = Array.from({ length: 200 }, () => toHex(rng.bytes(20)));
  const upper = addrs.slice(0, 20).map((a) => '0x' + a.slice(2).toUpperCase());
  const out = batch([...addrs, ...upper].map((a) => ['checksum', a]));
  [...addrs, ...upper].forEach((a, i) => assert.deepEqual(out[i], { address: getAddress(a) }));
  // Flip the case of one letter of checksummed addresses that stay mixed-case.
  const bad = [];
  for (const a of addrs.map((x) => getAddress(x))) {
    const i = [...a].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c));
    if (i < 0) continue;
    const c = a[i];
    const flipped = a.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + a.slice(i + 1);
    if (/[a-f]/.test(flipped.slice(2)) && /[A-F]/.test(flipped.slice(2))) bad.push({ flipped, good: a });
  }
  assert.ok(bad.length > 100);
  const res = batch(bad.map((b) => ['checksum', b.flipped]));
  bad.forEach((b, i) => assert.match(res[i].error, new RegExp(`^address: checksum mismatch \\(did you mean ${b.good}\\?\\)`)));
});

test('to-units and from-units equal viem parseUnits and formatUnits', () => {
  const rng = makeRng(SEED + 7);
  const cases = [];
  for (let i = 0; i < 300; i++) {
    const decimals = i < 250 ? rng.int(31) : rng.int(78);
    cases.push({ value: randomU256(rng), decimals });
  }
  cases.push({ value: 2n ** 256n - 1n, decimals: 0 }, { value: 2n ** 256n - 1n, decimals: 77 },
    { value: 41670000n, decimals: 6 }, { value: 1n, decimals: 77 }, { value: 0n, decimals: 18 });
  const out = batch(cases.map((c) => ['from-units', c.value.toString(), String(c.decimals)]));
  cases.forEach((c, i) => assert.deepEqual(out[i], { amount: formatUnits(c.value, c.decimals) }, `${c.value} / 10^${c.decimals}`));
  const back = batch(cases.map((c, i) => ['to-units', out[i].amount, String(c.decimals)]));
  cases.forEach((c, i) => {
    assert.deepEqual(back[i], { value: parseUnits(out[i].amount, c.decimals).toString() });
    assert.equal(back[i].value, c.value.toString());
  });
});

test('to-units refuses what is not an exact amount', () => {
  const bad = [
    ['.5', '6', /write|0\.5/], ['1.', '6', /after the decimal point/], ['1e6', '6', /exponent/],
    ['-1', '6', /negative/], [' 1', '6', /spaces/], ['41.6701', '2', /has 4 decimal places; the token has 2/],
    [(2n ** 256n).toString(), '0', /too large/], ['1', '78', /^decimals: expected a whole number from 0 to 77/],
  ];
  const out = batch(bad.map(([a, d]) => ['to-units', a, d]));
  bad.forEach(([a, , re], i) => assert.match(out[i].error, re, `amount ${JSON.stringify(a)}`));
  const ok = batch([['to-units', '00012', '0'], ['to-units', '0.0', '6'], ['to-units', '0', '0']]);
  assert.deepEqual(ok, [{ value: '12' }, { value: '0' }, { value: '0' }]);
});

test('personal-hash equals viem hashMessage for texts and raw bytes', () => {
  const rng = makeRng(SEED + 8);
  const texts = ['', 'hello world', '0x00ff'];
  for (let i = 0; i < 60; i++) texts.push(randomText(rng));
  const raws = Array.from({ length: 60 }, () => toHex(rng.bytes(rng.int(300))));
  const out = batch([...texts.map((s) => ['personal-hash', '--text', s]), ...raws.map((h) => ['personal-hash', h])]);
  texts.forEach((s, i) => assert.deepEqual(out[i], { hash: hashMessage(s) }));
  raws.forEach((h, i) => assert.deepEqual(out[texts.length + i], { hash: hashMessage({ raw: h }) }));
});

test('CLI: usage errors exit 2 with usage on stderr; bad input exits 1 with {"error"}', () => {
  const usage = run(['eth', 'to-units', '1']);
  assert.equal(usage.status, 2);
  assert.equal(usage.stdout, '');
  assert.match(usage.stderr, /to-units takes 2 arguments, got 1/);
  assert.match(usage.stderr, /usage: sessionkey-mcp eth <command>/);
  assert.equal(run(['eth', 'no-such-command']).status, 2);
  assert.equal(run(['eth', 'keccak', '0x12', '--bogus']).status, 2);
  assert.equal(run(['eth', 'sign-hash', '0x' + '00'.repeat(32)]).status, 2); // no --key-file
  const bad = run(['eth', 'recover', '0x12', '0x34']);
  assert.equal(bad.status, 1);
  assert.deepEqual(JSON.parse(bad.stdout), { error: 'hash: expected 32 bytes (64 hex digits), got 2 hex digits' });
  const notHex = run(['eth', 'keccak', '0xzz']);
  assert.equal(notHex.status, 1);
  assert.match(JSON.parse(notHex.stdout).error, /^input: 'z' at hex digit 1 is not a hex digit \(to hash the text itself, add --text\)$/);
  const help = run(['eth', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /sign-hash +<HASH> --key-file FILE/);
});

test('CLI: key files must be private, and their contents never reach the output', (t) => {
  const kf = keyFiles(['0x' + '0'.repeat(63) + '1', '0x' + 'ab'.repeat(31) + 'zz', '0x' + '00'.repeat(32)]);
  t.after(kf.cleanup);
  const [good, garbled, zero] = kf.files;
  chmodSync(good, 0o644);
  const open = run(['eth', 'address', '--key-file', good]);
  assert.equal(open.status, 1);
  assert.match(JSON.parse(open.stdout).error, /group or others can access it \(mode 644\); run chmod 600/);
  chmodSync(good, 0o600);
  assert.deepEqual(JSON.parse(run(['eth', 'address', '--key-file', good]).stdout), { address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf' });
  const g = run(['eth', 'address', '--key-file', garbled]);
  assert.equal(g.status, 1);
  assert.match(JSON.parse(g.stdout).error, /expected a private key written as 0x and 64 hex digits/);
  assert.ok(!g.stdout.includes('abab') && !g.stderr.includes('abab') && !g.stdout.includes('zz'));
  const z = run(['eth', 'sign-hash', '0x' + '11'.repeat(32), '--key-file', zero]);
  assert.equal(z.status, 1);
  assert.match(JSON.parse(z.stdout).error, /private key is not valid/);
  const missing = run(['eth', 'address', '--key-file', join(kf.dir, 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(JSON.parse(missing.stdout).error, /No such file or directory/);
});

test('batch: malformed lines get one error line each and do not stop the batch', () => {
  const r = run(['eth', '--batch'], '[]\n{"a":1}\n["keccak"]\n[1]\n\n["abi-encode","x"]\n["keccak","0x"]\n');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 6);
  for (const l of lines.slice(0, 5)) assert.match(l.error, /^usage: /);
  assert.match(lines[4].error, /abi-encode in --batch/);
  assert.deepEqual(lines[5], { hash: keccak256('0x') });
  assert.equal(r.status, 1);
});
