// chain_rpc.test.mjs: `sessionkey-mcp chain ...` against a real node (anvil, from the npm
// package) and against loopback HTTP servers that misbehave on purpose: hangs, garbage, 503s,
// 429s, JSON-RPC errors, oversized and mismatched answers. Also checks that libcurl is not
// linked into the binary but is loaded (dlopen) once a request is made.
//
// Run from the repo root: node --test tests/interop/chain_rpc.test.mjs
// SKM_BIN overrides the binary. Everything listens on 127.0.0.1 only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createTestClient, getAddress, http, parseAbi } from 'viem';
import { foundry } from 'viem/chains';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = resolve(ROOT, process.env.SKM_BIN ?? 'build/sessionkey-mcp');
const ANVIL = resolve(ROOT, 'tests/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');
const FUNDED = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'; // anvil's account 0
const TOKEN = getAddress('0x00000000000000000000000000000000000c0de1');
const OLD_TOKEN = getAddress('0x00000000000000000000000000000000000c0de2'); // bytes32 symbol, like MKR
const BAD_TOKEN = getAddress('0x00000000000000000000000000000000000c0de3'); // symbol with an RTL override
const GOOD_HASH = '0x' + 'ab'.repeat(32);

// ---------------------------------------------------------------------------------------------
// A tiny EVM assembler: enough to hand-write the test contract (there is no solc here).

const OPS = {
  EQ: 0x14, AND: 0x16, SHL: 0x1b, SHR: 0x1c, CALLDATALOAD: 0x35, CODECOPY: 0x39, MSTORE: 0x52,
  JUMPI: 0x57, JUMPDEST: 0x5b, DUP1: 0x80, RETURN: 0xf3, REVERT: 0xfd,
};

// items: opcode names, { push: '0x..' } (PUSH1..PUSH32), { ref: 'label' } (PUSH2 of a label's
// offset), { label: 'name' } (a JUMPDEST here), { data: 'name', hex: '..' } (raw bytes).
function assemble(items) {
  const size = (it) => typeof it === 'string' ? 1
    : it.push ? 1 + (it.push.length - 2) / 2 : it.ref ? 3 : it.label ? 1 : (it.hex.length - 2) / 2;
  const at = {};
  let pc = 0;
  for (const it of items) {
    if (it.label || it.data) at[it.label ?? it.data] = pc;
    pc += size(it);
  }
  const out = [];
  for (const it of items) {
    if (typeof it === 'string') out.push(OPS[it]);
    else if (it.push) out.push(0x5f + (it.push.length - 2) / 2, ...Buffer.from(it.push.slice(2), 'hex'));
    else if (it.ref) out.push(0x61, at[it.ref] >> 8, at[it.ref] & 0xff);
    else if (it.label) out.push(OPS.JUMPDEST);
    else out.push(...Buffer.from(it.hex.slice(2), 'hex'));
  }
  return '0x' + Buffer.from(out).toString('hex');
}

const word = (n) => BigInt(n).toString(16).padStart(64, '0');
const returnWordOnStack = [{ push: '0x00' }, 'MSTORE', { push: '0x20' }, { push: '0x00' }, 'RETURN'];

// The contract answers: balanceOf(a) = uint160(a) (so the test proves the argument was
// encoded), decimals(), symbol() (a blob copied from the code), currentNonce() = 7, and
// isValidSignature(h, sig) = magic only for GOOD_HASH with a 65-byte signature.
function tokenContract(decimals, symbolBlob) {
  const route = (sel, label) => ['DUP1', { push: sel }, 'EQ', { ref: label }, 'JUMPI'];
  return assemble([
    { push: '0x00' }, 'CALLDATALOAD', { push: '0xe0' }, 'SHR',
    ...route('0x70a08231', 'balanceOf'), ...route('0x313ce567', 'decimals'),
    ...route('0x95d89b41', 'symbol'), ...route('0xadb610a3', 'nonce'),
    ...route('0x1626ba7e', 'isValid'),
    { push: '0x00' }, 'DUP1', 'REVERT',
    { label: 'balanceOf' }, { push: '0x04' }, 'CALLDATALOAD', ...returnWordOnStack,
    { label: 'decimals' }, { push: '0x' + decimals.toString(16).padStart(2, '0') }, ...returnWordOnStack,
    { label: 'nonce' }, { push: '0x07' }, ...returnWordOnStack,
    { label: 'symbol' }, { push: '0x' + ((symbolBlob.length - 2) / 2).toString(16).padStart(4, '0') },
    { ref: 'symdata' }, { push: '0x00' }, 'CODECOPY',
    { push: '0x' + ((symbolBlob.length - 2) / 2).toString(16).padStart(4, '0') }, { push: '0x00' }, 'RETURN',
    { label: 'isValid' }, { push: '0x04' }, 'CALLDATALOAD', { push: GOOD_HASH }, 'EQ',
    { push: '0x44' }, 'CALLDATALOAD', { push: '0x41' }, 'EQ', 'AND', { ref: 'valid' }, 'JUMPI',
    { push: '0xffffffff' }, { push: '0xe0' }, 'SHL', ...returnWordOnStack,
    { label: 'valid' }, { push: '0x1626ba7e' }, { push: '0xe0' }, 'SHL', ...returnWordOnStack,
    { data: 'symdata', hex: symbolBlob },
  ]);
}

function abiString(text) {
  const bytes = Buffer.from(text, 'utf8');
  const padded = Buffer.alloc(Math.ceil(bytes.length / 32) * 32);
  bytes.copy(padded);
  return '0x' + word(32) + word(bytes.length) + padded.toString('hex');
}

const bytes32Text = (text) => '0x' + Buffer.from(text).toString('hex').padEnd(64, '0');

// ---------------------------------------------------------------------------------------------
// Processes and servers

function freePort() {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// Run the CLI; resolve with exit code, parsed stdout and elapsed milliseconds.
function cli(args, { onSpawn } = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(BIN, ['chain', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', rej);
    child.on('close', (code) => {
      let json;
      try { json = JSON.parse(out); } catch { return rej(new Error(`not JSON (exit ${code}): ${out} ${err}`)); }
      res({ code, json, stderr: err, ms: performance.now() - t0 });
    });
    if (onSpawn) onSpawn(child);
  });
}

let anvil, anvilUrl, rpc;
let fake, fakeUrl;
const hits = {};          // requests per scenario path of the fake server
const hanging = new Set(); // responses the "hang" scenario never ends

async function waitForAnvil(url) {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const r = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (r.ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('anvil did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The misbehaving endpoint: the first path segment picks the scenario.
function fakeHandler(req, res) {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const scenario = req.url.split('/')[1];
    const n = (hits[scenario] = (hits[scenario] ?? 0) + 1);
    const id = (() => { try { return JSON.parse(body).id; } catch { return null; } })();
    const reply = (status, text) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    const ok = (result) => reply(200, JSON.stringify({ jsonrpc: '2.0', id, result }));
    switch (scenario) {
      case 'hang': hanging.add(res); return;
      case 'garbage': return reply(200, 'this is not json {');
      case 'flaky': return n <= 2 ? reply(503, 'busy') : ok('0x7a69');
      case 'ratelimited': return reply(429, '{}');
      case 'rpcerror':
        return reply(200, JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: 'the method eth_chainId does not exist' } }));
      case 'wrongid': return reply(200, JSON.stringify({ jsonrpc: '2.0', id: id + 100, result: '0x7a69' }));
      case 'huge': return reply(200, JSON.stringify({ jsonrpc: '2.0', id, result: '0x' + '00'.repeat(2.5 * 1024 * 1024) }));
      case 'auth':
        hits.authHeader = req.headers.authorization;
        return reply(401, '{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"invalid api key"}}');
      default: return reply(404, 'no such scenario');
    }
  });
}

before(async () => {
  assert.ok(existsSync(BIN), `binary ${BIN} missing: run make first`);
  assert.ok(existsSync(ANVIL), `anvil missing at ${ANVIL}: install tests/package.json`);
  const port = await freePort();
  anvilUrl = `http://127.0.0.1:${port}`;
  anvil = spawn(ANVIL, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', '31337', '--silent'],
    { stdio: 'ignore' });
  fake = createServer(fakeHandler);
  await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${fake.address().port}`;
  await waitForAnvil(anvilUrl);
  rpc = ['--rpc', `31337=${anvilUrl}`];
  const testClient = createTestClient({ chain: foundry, mode: 'anvil', transport: http(anvilUrl) });
  await testClient.setCode({ address: TOKEN, bytecode: tokenContract(6, abiString('TST')) });
  await testClient.setCode({ address: OLD_TOKEN, bytecode: tokenContract(18, bytes32Text('MKR')) });
  await testClient.setCode({ address: BAD_TOKEN, bytecode: tokenContract(18, abiString('\u202eDSU')) });
});

after(async () => {
  for (const r of hanging) r.destroy();
  fake?.closeAllConnections?.();
  await new Promise((r) => (fake ? fake.close(r) : r()));
  if (anvil && anvil.exitCode === null) {
    const gone = new Promise((r) => anvil.once('exit', r));
    anvil.kill('SIGTERM');
    await gone;
  }
});

// ---------------------------------------------------------------------------------------------
// Against anvil

test('chain-id', async () => {
  const r = await cli(['chain-id', ...rpc]);
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.deepEqual(r.json, { chainId: '31337' });
});

test('balance of the funded account is 10000 ETH in wei', async () => {
  const r = await cli(['balance', FUNDED.toLowerCase(), ...rpc]);
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.deepEqual(r.json, { chainId: '31337', address: FUNDED, balance: '10000000000000000000000' });
});

test('erc20-balance encodes the owner and matches viem', async () => {
  const owner = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
  const r = await cli(['erc20-balance', TOKEN, owner, '--chain', '31337', ...rpc]);
  assert.equal(r.code, 0, JSON.stringify(r.json));
  const client = createPublicClient({ chain: foundry, transport: http(anvilUrl) });
  const viaViem = await client.readContract({
    address: TOKEN, abi: parseAbi(['function balanceOf(address) view returns (uint256)']),
    functionName: 'balanceOf', args: [owner],
  });
  assert.equal(r.json.balance, BigInt(owner).toString());
  assert.equal(r.json.balance, viaViem.toString());
  assert.equal(r.json.owner, owner);
  assert.equal(r.json.token, getAddress(TOKEN));
});

test('erc20-info: ABI string symbol and bytes32 symbol (MKR style)', async () => {
  const a = await cli(['erc20-info', TOKEN, ...rpc]);
  assert.equal(a.code, 0, JSON.stringify(a.json));
  assert.deepEqual(a.json, { chainId: '31337', token: getAddress(TOKEN), decimals: '6', symbol: 'TST' });
  const b = await cli(['erc20-info', OLD_TOKEN, ...rpc]);
  assert.equal(b.code, 0, JSON.stringify(b.json));
  assert.equal(b.json.symbol, 'MKR');
  assert.equal(b.json.decimals, '18');
});

test('erc20-info refuses a symbol with a direction override', async () => {
  const r = await cli(['erc20-info', BAD_TOKEN, ...rpc]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /symbol\(\) of 0x0+c0De3 returned text that is not clean UTF-8/i);
});

test('erc20-info on an account without code says so', async () => {
  const r = await cli(['erc20-info', FUNDED, ...rpc]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /decimals\(\) of 0xf39F.* returned no data/);
});

test('code returns the installed bytecode', async () => {
  const code = tokenContract(6, abiString('TST'));
  const r = await cli(['code', TOKEN, ...rpc]);
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.equal(r.json.code, code);
  assert.equal(r.json.size, String((code.length - 2) / 2));
  const none = await cli(['code', FUNDED, ...rpc]);
  assert.equal(none.json.code, '0x');
  assert.equal(none.json.size, '0');
});

test('current-nonce reads Kernel v3 currentNonce() (uint32)', async () => {
  const r = await cli(['current-nonce', TOKEN, ...rpc]);
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.deepEqual(r.json, { chainId: '31337', account: getAddress(TOKEN), nonce: '7' });
});

test('is-valid-signature (ERC-1271) passes hash and signature through', async () => {
  const sig = '0x' + '11'.repeat(65);
  const yes = await cli(['is-valid-signature', TOKEN, GOOD_HASH, sig, ...rpc]);
  assert.equal(yes.code, 0, JSON.stringify(yes.json));
  assert.equal(yes.json.valid, true);
  assert.equal(yes.json.magicValue, '0x1626ba7e');
  const otherHash = await cli(['is-valid-signature', TOKEN, '0x' + 'cd'.repeat(32), sig, ...rpc]);
  assert.equal(otherHash.json.valid, false);
  assert.equal(otherHash.json.magicValue, '0xffffffff');
  const shortSig = await cli(['is-valid-signature', TOKEN, GOOD_HASH, '0x' + '11'.repeat(64), ...rpc]);
  assert.equal(shortSig.json.valid, false);
});

test('wrong chain: the error names both chain ids', async () => {
  const r = await cli(['balance', FUNDED, '--rpc', `8453=${anvilUrl}`]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /^chain 8453 \(http:\/\/127\.0\.0\.1:\d+\): eth_chainId says 31337, expected 8453/);
});

test('endpoint from the environment (SKM_RPC_<CHAINID>)', async () => {
  const r = await new Promise((res, rej) => {
    const child = spawn(BIN, ['chain', 'chain-id', '--chain', '31337'],
      { env: { ...process.env, SKM_RPC_31337: anvilUrl } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', rej);
    child.on('close', (code) => res({ code, json: JSON.parse(out) }));
  });
  assert.equal(r.code, 0);
  assert.deepEqual(r.json, { chainId: '31337' });
});

test('usage errors exit 2 with a JSON error', async () => {
  const r = await cli(['balance', ...rpc]);
  assert.equal(r.code, 2);
  assert.match(r.json.error, /chain balance takes ADDR/);
  const bad = await cli(['balance', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', ...rpc]);
  assert.equal(bad.code, 1);
  assert.match(bad.json.error, /checksum/);
});

// ---------------------------------------------------------------------------------------------
// Against the misbehaving endpoint

// The message names the budget that ended the call and the endpoint saw one request; the
// test-level timeout only guards against a hang (no timing is asserted).
test('an endpoint that never answers times out within the budget, without retrying', { timeout: 30000 }, async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/hang`, '--timeout-ms', '800']);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /^chain 31337 \(http:\/\/127\.0\.0\.1:\d+\/\.\.\.\): eth_chainId: timed out after 800 ms$/);
  assert.equal(hits.hang, 1);
});

test('garbage is reported as invalid JSON and not retried', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/garbage`]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /eth_chainId: answered with invalid JSON/);
  assert.equal(hits.garbage, 1);
});

test('503 twice, then an answer: succeeds on the third attempt', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/flaky`]);
  assert.equal(r.code, 0, JSON.stringify(r.json));
  assert.deepEqual(r.json, { chainId: '31337' });
  assert.equal(hits.flaky, 3);
});

test('429 on every attempt: gives up after the configured attempts', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/ratelimited`, '--attempts', '2', '--backoff-ms', '50']);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /HTTP 429 \(rate limited\) after 2 attempts/);
  assert.equal(hits.ratelimited, 2);
});

test('a JSON-RPC error answer is reported and never retried', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/rpcerror`]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /answered with error -32601: the method eth_chainId does not exist/);
  assert.equal(hits.rpcerror, 1);
});

test('an answer with another id is refused', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/wrongid`]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /answered with id 101, expected 1/);
});

test('an oversized answer is cut off at 4 MiB', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/huge`]);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /larger than the 4 MiB limit/);
  assert.equal(hits.huge, 1);
});

test('credentials in the URL are used but never shown', async () => {
  const r = await cli(['chain-id', '--rpc', `31337=http://alice:hunter2@127.0.0.1:${fake.address().port}/auth/SECRETKEY?apikey=SECRET2`]);
  assert.equal(r.code, 1);
  assert.equal(hits.authHeader, 'Basic ' + Buffer.from('alice:hunter2').toString('base64'));
  assert.match(r.json.error, /^chain 31337 \(http:\/\/127\.0\.0\.1:\d+\/\.\.\.\): eth_chainId: HTTP 401 \(the endpoint refused/);
  assert.match(r.json.error, /invalid api key/);
  for (const secret of ['alice', 'hunter2', 'SECRETKEY', 'SECRET2']) {
    assert.ok(!r.json.error.includes(secret), `error shows ${secret}`);
    assert.ok(!r.stderr.includes(secret), `stderr shows ${secret}`);
  }
});

test('connection refused is retried, then reported', async () => {
  const port = await freePort();
  const r = await cli(['chain-id', '--rpc', `31337=http://127.0.0.1:${port}`, '--backoff-ms', '20']);
  assert.equal(r.code, 1);
  assert.match(r.json.error, /eth_chainId: connection refused after 3 attempts/);
});

// ---------------------------------------------------------------------------------------------
// libcurl: not linked, loaded on first use

test('libcurl is not linked into the binary', () => {
  const ldd = spawnSync('ldd', [BIN], { encoding: 'utf8' });
  assert.equal(ldd.status, 0, ldd.stderr);
  assert.ok(!/curl/.test(ldd.stdout), ldd.stdout);
});

test('libcurl is mapped once a request is in flight', async () => {
  let seen;
  const before = hits.hang ?? 0;
  const r = await cli(['chain-id', '--rpc', `31337=${fakeUrl}/hang`, '--timeout-ms', '3000', '--attempts', '1'], {
    onSpawn: (child) => {
      const poll = setInterval(() => {
        if ((hits.hang ?? 0) > before && seen === undefined) {
          try { seen = readFileSync(`/proc/${child.pid}/maps`, 'utf8'); } catch (e) { seen = String(e); }
          clearInterval(poll);
          for (const res of hanging) res.destroy(); // end the request early
        }
      }, 10);
      child.on('close', () => clearInterval(poll));
    },
  });
  assert.equal(r.code, 1);
  assert.ok(seen !== undefined, 'the request never arrived');
  assert.match(seen, /libcurl\.so\.4/);
});
