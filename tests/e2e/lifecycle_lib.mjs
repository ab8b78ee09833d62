// lifecycle_lib.mjs: helpers for the session-lifecycle end-to-end tests (lifecycle*.test.mjs).
// Not a test. Everything here drives the REAL binary through the official v1 SDK client
// (Client + StdioClientTransport), signs with viem exactly as a wallet would, and records every
// byte each server process writes (stdout and stderr) so that a test can prove no secret ever
// left the process. Shared basics (temp dirs, defer, runGroup) come from lib.mjs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { hashTypedData, keccak256, stringToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { BIN, NODE22, NODE_MODULES, REPO, alive, defer, sleep, tempHome, waitGone } from './lib.mjs';

/* The test flavour (clock and fault hooks). */
export const TEST_BIN = process.env.SKM_TEST_BIN
    ? path.resolve(process.env.SKM_TEST_BIN)
    : path.join(REPO, 'build/test/sessionkey-mcp');
export const ANVIL = path.join(NODE_MODULES, '@foundry-rs/anvil-linux-amd64/bin/anvil');

/* Fixed test wallets. The owner keys are throwaway test keys (never funded anywhere). */
export const OWNER = privateKeyToAccount('0x' + '11'.repeat(32));
export const STRANGER = privateKeyToAccount('0x' + '22'.repeat(32));
export const OWNER2 = privateKeyToAccount('0x' + '33'.repeat(32));
export const SMART_WALLET = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
export const SMART_WALLET2 = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
export const BASE_ROUTER = '0x2626664c2603336E57B271c5C0b26F421741e481';
export const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
export const T0 = 1767225600; // 2026-01-01T00:00:00Z, the test clock's start

/* The seed request (tests/golden/summary/seed.json), signed by OWNER. */
export function seedArgs(over = {}) {
    return {
        walletAddress: SMART_WALLET,
        ownerAddress: OWNER.address,
        duration: 86400,
        permissions: {
            chainId: 8453,
            contractAddress: BASE_ROUTER,
            allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50',
            maxTotal: '1000',
            rateLimit: { count: 1, period: 3600 },
        },
        spendToken: BASE_USDC,
        label: 'ETH TWAP',
        // The generic flow (the server's own SessionApproval): SMART_WALLET is no Kernel account
        // of OWNER, and a request naming no account gets Kernel v3.
        account: { type: 'other' },
        ...over,
    };
}

/* Environment for the server: no inherited SKM_* or SESSIONKEY_* variables, no chain RPC
 * unless a test gives one (a request on a chain without RPC skips the balance check). */
function serverEnv(home, env) {
    return { ...getDefaultEnvironment(), SESSIONKEY_MCP_HOME: home, ...env };
}

/* Every 64+-digit hex run in s. */
export function hexRuns(s) {
    return s.match(/[0-9a-fA-F]{64,}/g) ?? [];
}

/* A running server with an SDK client. Records every stdout byte (raw, before the SDK parses
 * it) and every stderr byte. `known` collects the 32-byte values the server may legitimately
 * print (digests and the hashes inside typed data, checked against viem by call()); at the end
 * of the test, every hex run of 64+ digits on stdout and stderr must be one of them, which is
 * how the tests prove no session private key (or master key) ever leaves the process. */
export class Srv {
    constructor(transport, client, home) {
        this.transport = transport;
        this.client = client;
        this.home = home;
        this.stdout = '';
        this.stderr = '';
        this.known = new Set();
    }

    get pid() {
        return this.pid_;
    }

    /* tools/call; returns the result (isError results too). Registers known hashes. */
    async call(name, args) {
        const r = await this.client.callTool({ name, arguments: args });
        if (!r.isError && name === 'request_session_approval') this.learn(r.structuredContent);
        return r;
    }

    learn(sc) {
        const td = sc.typedData;
        assert.equal(sc.digest, typedDigest(td), 'digest is the EIP-712 hash of the typed data');
        this.known.add(sc.digest.slice(2).toLowerCase());
        if (td.primaryType !== 'SessionApproval') return; // Kernel v3: ZeroDev's Enable data
        assert.equal(td.message.summaryHash, keccak256(stringToHex(td.message.summary)));
        for (const h of [td.message.summaryHash, td.message.policyHash]) this.known.add(h.slice(2).toLowerCase());
    }

    /* The hex runs of 64+ digits this process wrote that are not known hashes. */
    unknownHex(extraKnown = []) {
        const ok = new Set([...this.known, ...extraKnown.map((h) => h.replace(/^0x/, '').toLowerCase())]);
        return hexRuns(this.stdout + '\n' + this.stderr).filter((h) => !ok.has(h.toLowerCase()));
    }

    async close() {
        const pid = this.pid_;
        try {
            await this.client.close();
        } catch {
            /* already gone */
        }
        if (pid && alive(pid)) {
            try {
                process.kill(pid, 'SIGKILL');
            } catch {
                /* gone */
            }
        }
        if (pid) await waitGone(pid);
    }
}

/* Start bin (default: the test flavour) on home with an SDK client, connected. Killed when the
 * test ends; at that point its stdout and stderr are checked for unknown 64-hex values. */
export async function startServer(t, { bin = TEST_BIN, home, args = [], env = {}, checkSecrets = true } = {}) {
    assert.ok(existsSync(bin), `${bin} missing: run make (and make FLAVOUR=test)`);
    const transport = new StdioClientTransport({ command: bin, args, env: serverEnv(home, env), stderr: 'pipe' });
    const client = new Client({ name: 'skm-e2e-lifecycle', version: '0.0.0' });
    const srv = new Srv(transport, client, home);
    transport.stderr.on('data', (c) => (srv.stderr += c));
    const start = transport.start.bind(transport);
    transport.start = async () => {
        await start();
        srv.pid_ = transport.pid;
        // Raw stdout, next to the SDK's own reader (the stream is already flowing).
        transport._process.stdout.on('data', (c) => (srv.stdout += c));
    };
    defer(t, async () => {
        await srv.close();
        if (checkSecrets) {
            const bad = srv.unknownHex();
            assert.deepEqual(bad, [], `server ${bin} printed 64-hex values that are not known digests/hashes`);
        }
    });
    await client.connect(transport);
    return srv;
}

/* The EIP-712 digest of typed data as a wallet computes it (viem). */
export function typedDigest(td) {
    const { EIP712Domain, ...types } = td.types;
    assert.ok(Array.isArray(EIP712Domain), 'typed data carries EIP712Domain (eth_signTypedData_v4)');
    return hashTypedData({ domain: td.domain, types, primaryType: td.primaryType, message: td.message });
}

/* Sign typed data exactly as a wallet does for eth_signTypedData_v4. */
export function signTyped(account, td) {
    const { EIP712Domain, ...types } = td.types;
    return account.signTypedData({ domain: td.domain, types, primaryType: td.primaryType, message: td.message });
}

export function text(r) {
    assert.equal(r.content.length, 1, JSON.stringify(r));
    assert.equal(r.content[0].type, 'text');
    return r.content[0].text;
}

/* An honest error: isError, one text block, no structuredContent. Returns the text. */
export function errText(r) {
    assert.equal(r.isError, true, `expected isError, got ${JSON.stringify(r).slice(0, 600)}`);
    assert.ok(!('structuredContent' in r));
    return text(r);
}

/* A success: no isError, structuredContent present. Returns structuredContent. */
export function ok(r) {
    assert.ok(!r.isError, `expected success, got ${JSON.stringify(r).slice(0, 800)}`);
    assert.equal(typeof r.structuredContent, 'object');
    return r.structuredContent;
}

/* request_session_approval, then sign with account and confirm. Returns {req, conf}. */
export async function approve(srv, args, account = OWNER) {
    const req = ok(await srv.call('request_session_approval', args));
    const sig = await signTyped(account, req.typedData);
    const conf = ok(await srv.call('confirm_session', { sessionId: req.sessionId, signature: sig }));
    assert.equal(conf.status, 'active', conf.message);
    return { req, conf, sig };
}

/* A test clock file for SKM_TEST_CLOCK, starting at `at`; set(n) moves it. */
export function testClock(t, home, at = T0) {
    const dir = mkdtempSync(path.join(tmpdir(), 'skm-clock-'));
    defer(t, () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'now');
    writeFileSync(file, String(at));
    return { file, set: (n) => writeFileSync(file, String(n)), env: { SKM_TEST_CLOCK: file } };
}

/* Run JavaScript under Node 22 (node:sqlite) in its own process group; returns
 * {code, stdout, stderr}. The script gets the database path as process.argv[2]. */
export function node22(t, script, dbPath, extraArgs = []) {
    return new Promise((resolve, reject) => {
        const child = spawn(NODE22, ['--no-warnings', '-e', script, '--', dbPath, ...extraArgs], {
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
        });
        defer(t, () => killGroup(child));
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
}

function killGroup(child) {
    try {
        process.kill(-child.pid, 'SIGKILL');
    } catch {
        /* gone */
    }
}

/* Read tables of the server's database read-only (a separate Node 22 process). Returns
 * {sessions: [...], session_keys: [{session_id, wallet}], audit: [...], approvals: [...]}. */
export async function readDb(t, home) {
    const script = `
        const { DatabaseSync } = require('node:sqlite');
        const db = new DatabaseSync(process.argv[1], { readOnly: true });
        const has = (n) => db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type='table' AND name=?").get(n).n > 0;
        const all = (sql) => db.prepare(sql).all();
        const out = {
            tables: all("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").map((r) => r.name),
            sessions: has('sessions') ? all('SELECT id, wallet, status, feature, label FROM sessions ORDER BY id') : [],
            session_keys: has('session_keys') ? all('SELECT session_id, wallet FROM session_keys ORDER BY session_id') : [],
            audit: has('audit') ? all('SELECT seq, session_id, event FROM audit ORDER BY seq') : [],
            approvals: has('approvals') ? all('SELECT session_id FROM approvals ORDER BY session_id') : [],
        };
        db.close();
        process.stdout.write(JSON.stringify(out));`;
    const r = await node22(t, script, path.join(home, 'sessionkey.db'));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
}

/* Hold the database's write lock from another process (Node 22 node:sqlite, BEGIN EXCLUSIVE)
 * until release() is called (or 20 s pass). Resolves once the lock is held. */
export async function holdWriteLock(t, home) {
    const script = `
        const { DatabaseSync } = require('node:sqlite');
        const db = new DatabaseSync(process.argv[1]);
        db.exec('BEGIN EXCLUSIVE');
        process.stdout.write('locked\\n');
        const done = () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); };
        process.stdin.on('data', done);
        setTimeout(done, 20000);`;
    const child = spawn(NODE22, ['--no-warnings', '-e', script, '--', path.join(home, 'sessionkey.db')], {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
    });
    defer(t, () => killGroup(child));
    let out = '';
    let err = '';
    const exited = new Promise((r) => child.on('close', (code) => r(code)));
    child.stderr.on('data', (c) => (err += c));
    await new Promise((resolve, reject) => {
        child.stdout.on('data', (c) => {
            out += c;
            if (out.includes('locked\n')) resolve();
        });
        child.on('close', (code) => reject(new Error(`lock holder exited ${code} before locking: ${err}`)));
    });
    return {
        async release() {
            child.stdin.end('go\n');
            const code = await exited;
            assert.equal(code, 0, err);
            assert.match(out, /released\n$/);
        },
    };
}

/* `sessionkey-mcp audit verify --data-dir home`: {code, json}. */
export function auditVerify(home, bin = BIN) {
    const r = spawnSync(bin, ['audit', 'verify', '--data-dir', home], { encoding: 'utf8', env: {} });
    let json;
    try {
        json = JSON.parse(r.stdout);
    } catch {
        throw new Error(`audit verify printed ${JSON.stringify(r.stdout)} (exit ${r.status}), stderr ${r.stderr}`);
    }
    assert.equal(r.stdout.split('\n').length, 2, 'one line of JSON');
    return { code: r.status, json, stdout: r.stdout, stderr: r.stderr };
}

/* Replace what varies between runs (approval links, session ids, session key addresses, hashes) by
 * placeholders numbered in order of first appearance. */
export function normalize(s, keyAddresses = []) {
    const ids = new Map();
    const hashes = new Map();
    let out = s.replace(/http:\/\/127\.0\.0\.1:\d+\/(approve|view)\/[A-Za-z0-9_-]{43}/g, '<$1Url>');
    out = out.replace(/ses_[a-z2-7]{26}/g, (m) => {
        if (!ids.has(m)) ids.set(m, `ses_<${ids.size + 1}>`);
        return ids.get(m);
    });
    keyAddresses.forEach((k, i) => {
        out = out.split(k).join(`<sessionKey${i + 1}>`).split(k.toLowerCase()).join(`<sessionKey${i + 1}>`);
    });
    out = out.replace(/0x[0-9a-f]{64}/g, (m) => {
        if (!hashes.has(m)) hashes.set(m, `0x<hash${hashes.size + 1}>`);
        return hashes.get(m);
    });
    return out;
}

/* Compare text with tests/golden/e2e/<name>.txt (SKM_UPDATE_GOLDEN=1 rewrites it). */
export function golden(name, actual) {
    const file = path.join(REPO, 'tests/golden/e2e', `${name}.txt`);
    if (process.env.SKM_UPDATE_GOLDEN === '1') {
        writeFileSync(file, actual);
        return;
    }
    assert.ok(existsSync(file), `golden file ${file} missing (SKM_UPDATE_GOLDEN=1 writes it)`);
    assert.equal(actual, readFileSync(file, 'utf8'), `differs from ${file}`);
}

export function freePort() {
    return new Promise((res, rej) => {
        const s = createNetServer();
        s.once('error', rej);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => res(port));
        });
    });
}

/* A JSON-RPC call to a node. */
export async function rpc(url, method, params = []) {
    const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const j = await r.json();
    if (j.error) throw new Error(`${method}: ${JSON.stringify(j.error)}`);
    return j.result;
}

/* Start anvil (chain 31337) on a free loopback port; stopped when `after` runs. */
export async function startAnvil() {
    assert.ok(existsSync(ANVIL), `anvil missing at ${ANVIL}`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(ANVIL, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', '31337', '--silent'], {
        stdio: 'ignore',
    });
    const deadline = Date.now() + 20000;
    for (;;) {
        try {
            if ((await rpc(url, 'eth_chainId')) === '0x7a69') break;
        } catch {
            /* not up yet */
        }
        if (child.exitCode !== null) throw new Error(`anvil exited ${child.exitCode}`);
        if (Date.now() > deadline) throw new Error('anvil did not start');
        await sleep(100);
    }
    return {
        url,
        async stop() {
            if (child.exitCode === null && child.signalCode === null) {
                const gone = new Promise((r) => child.once('exit', r));
                child.kill('SIGKILL');
                await gone;
            }
        },
    };
}

/* A minimal ERC-20 balanceOf: balanceOf(a) returns storage slot a (anvil_setStorageAt sets
 * a balance); every other call reverts. Hand-assembled (there is no solc here). */
export const BALANCE_OF_CODE = (() => {
    const b = [
        0x60, 0x00, 0x35, 0x60, 0xe0, 0x1c, // PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR
        0x63, 0x70, 0xa0, 0x82, 0x31, 0x14, // PUSH4 balanceOf EQ
        0x61, 0x00, 0x14, 0x57, // PUSH2 0x0014 JUMPI
        0x60, 0x00, 0x80, 0xfd, // PUSH1 0 DUP1 REVERT
        0x5b, 0x60, 0x04, 0x35, 0x54, // 0x14: JUMPDEST PUSH1 4 CALLDATALOAD SLOAD
        0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3, // PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    ];
    return '0x' + Buffer.from(b).toString('hex');
})();

export const word = (n) => '0x' + BigInt(n).toString(16).padStart(64, '0');

export { tempHome, sleep };
