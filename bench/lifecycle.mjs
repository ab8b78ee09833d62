// lifecycle.mjs: issue-5 goals, measured through the real binary over pipes (raw JSON lines,
// no SDK in the loop): request_session_approval round trips (key generation, sealing, one
// durable SQLite commit each) and list_automations for one wallet among 10,000 stored sessions.
//   node bench/lifecycle.mjs BINARY [--sessions 10000] [--wallets 100] [--lists 1000]
// Prints one JSON object. Nothing is asserted: make bench reports met / not met.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const bin = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i > 0 ? Number(args[i + 1]) : dflt;
};
const SESSIONS = opt('--sessions', 10000);
const WALLETS = opt('--wallets', 100);
const LISTS = opt('--lists', 1000);

const dir = mkdtempSync(path.join(tmpdir(), 'skm-bench-life-'));
const child = spawn(bin, ['--data-dir', dir], { stdio: ['pipe', 'pipe', 'ignore'] });
const lines = createInterface({ input: child.stdout });
const waiting = [];
lines.on('line', (l) => waiting.shift()?.(JSON.parse(l)));
let nextId = 1;
const call = (method, params) =>
  new Promise((resolve) => {
    waiting.push(resolve);
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) + '\n');
  });

const wallet = (i) => '0x' + (0x1000 + i).toString(16).padStart(40, '0');
const request = (i) => ({
  name: 'request_session_approval',
  arguments: {
    walletAddress: wallet(i % WALLETS),
    duration: 86400,
    label: `bench ${i}`,
    account: { type: 'other' }, // the server's own approval: any wallet, no counterfactual account to derive
    permissions: {
      chainId: 8453,
      contractAddress: '0x2626664c2603336E57B271c5C0b26F421741e481',
      allowedFunctions: ['exactInputSingle'],
      maxPerTransaction: '50',
      maxTotal: '1000',
      rateLimit: { count: 1, period: 3600 },
    },
  },
});

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { n: s.length, median_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), max_ms: s[s.length - 1] };
}

async function timed(method, params, check) {
  const t0 = process.hrtime.bigint();
  const r = await call(method, params);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!check(r)) throw new Error(`${method} failed: ${JSON.stringify(r).slice(0, 300)}`);
  return ms;
}

const ok = (r) => r.result && !r.result.isError;
try {
  await call('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  const req = [];
  for (let i = 0; i < SESSIONS; i++) req.push(await timed('tools/call', request(i), ok));
  // Cold: the first list of each wallet renders every session's summary from its stored policy.
  const cold = [];
  for (let w = 0; w < WALLETS; w++) {
    const a = { name: 'list_automations', arguments: { walletAddress: wallet(w), status: 'all', limit: 20 } };
    cold.push(await timed('tools/call', a, ok));
  }
  // Warm: the same wallet again; the immutable per-session rendering is cached in the process.
  const listOne = { name: 'list_automations', arguments: { walletAddress: wallet(7), status: 'all', limit: 20 } };
  const list = [];
  for (let i = 0; i < 20; i++) await timed('tools/call', listOne, ok); // warm-up
  for (let i = 0; i < LISTS; i++) list.push(await timed('tools/call', listOne, ok));
  console.log(JSON.stringify({
    sessions: SESSIONS, wallets: WALLETS, per_wallet: SESSIONS / WALLETS,
    request_session_approval: { first_500: stats(req.slice(0, 500)), all: stats(req) },
    list_automations_one_wallet_page_20: stats(list),
    list_automations_first_list_per_wallet: stats(cold),
  }));
} finally {
  child.stdin.end();
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
