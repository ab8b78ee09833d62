// executor_bench.mjs: `sessionkey-mcp run` following N active TWAP sessions (default 1000)
// against the loopback stub RPC + bundler (tests/e2e/executor_stub.mjs): the executor's peak
// RSS, and the delay from each slice's due time to its submission to the bundler (the
// executor's own "slice_sent" delayMs, which includes its RPC round trips to the stub).
// Goals (issue 13): RSS <= 20 MB with 1,000 sessions; delay <= 50 ms. Reported, never asserted.
//   node tests/bench/executor_bench.mjs [--sessions N] [--bin build/sessionkey-mcp]
// Setup: one MCP server creates N - M Kernel v3 sessions (TWAPs of one slice an hour, each on
// its own counterfactual account; the owner signs each) whose first slices run in a `run --once`
// pass (its throughput is reported), then M sessions of one slice a minute, each approved and its
// first slice run (`run --once`) about 1.1 s after the previous one;
// then `run` follows all N for --seconds (default 90) while the M second slices come due, each in
// its own second. The delay counted is that of those second slices.
//   [--measured M (20)] [--seconds S (90)]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { privateKeyToAccount } from 'viem/accounts';
import { startStub } from '../e2e/executor_stub.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('--sessions', 1000));
const SECONDS = Number(arg('--seconds', 90));
const BIN = path.resolve(arg('--bin', path.join(REPO, 'build/sessionkey-mcp')));
const CHAIN = 8453;
const OWNER = privateKeyToAccount('0x' + '11'.repeat(32));
const WETH = '0x4200000000000000000000000000000000000006';
const TWAP_HOURLY = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '24', duration: 86400, interval: 3600 };
const TWAP_MINUTE = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '60', duration: 3600, interval: 60 };
const M = Number(arg('--measured', 20));
const say = (s) => process.stderr.write(`executor-bench: ${s}\n`);

function wallets(n) {
    const out = [];
    for (let i = 0; i < n; i++) {
        const input = JSON.stringify({ ownerAddress: OWNER.address, sessionKeyAddress: OWNER.address, chainId: CHAIN,
            kernelVersion: '0.3.1', callPolicyVersion: '0.0.4', index: String(i), onchain: { deployed: false, currentNonce: 1 },
            policies: { sudo: true } });
        out.push(JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress);
    }
    return out;
}

function rssKb(pid) {
    try {
        const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
        return m ? Number(m[1]) : 0;
    } catch {
        return 0;
    }
}

function pct(a, p) {
    if (a.length === 0) return NaN;
    const s = [...a].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const home = mkdtempSync(path.join(tmpdir(), 'skm-exec-bench-'));
try {
    say(`computing ${N} counterfactual accounts`);
    const ws = wallets(N);
    const transport = new StdioClientTransport({ command: BIN, args: [], env: { ...process.env, SESSIONKEY_MCP_HOME: home }, stderr: 'ignore' });
    const client = new Client({ name: 'executor-bench', version: '0' });
    await client.connect(transport);
    const stub = await startStub({ chainId: CHAIN, weth: WETH });
    const approveOne = async (i, automation) => {
        const account = { type: 'kernel-v3', kernelVersion: '0.3.1', index: String(i), onchain: { deployed: false, currentNonce: 1 } };
        const planned = await client.callTool({ name: 'plan_automation', arguments: { walletAddress: ws[i], ownerAddress: OWNER.address, account, chainId: CHAIN, automation } });
        if (planned.isError) throw new Error(planned.content[0].text);
        const plan = planned.structuredContent;
        const r = await client.callTool({ name: 'request_session_approval', arguments: { ...plan.proposal, ownerAddress: OWNER.address, account } });
        if (r.isError) throw new Error(r.content[0].text);
        const sc = r.structuredContent;
        const { EIP712Domain, ...types } = sc.typedData.types;
        const signature = await OWNER.signTypedData({ domain: sc.typedData.domain, types, primaryType: sc.typedData.primaryType, message: sc.typedData.message });
        const c = await client.callTool({ name: 'confirm_session', arguments: { sessionId: sc.sessionId, signature } });
        if (c.isError) throw new Error(c.content[0].text);
    };
    const common = ['run', '--data-dir', home, '--rpc', `${CHAIN}=${stub.rpcUrl}`, '--bundler', `${CHAIN}=${stub.bundlerUrl}`,
        '--receipt-poll-ms', '10', '--log-level', process.env.BENCH_EXEC_LEVEL || 'info'];
    const events = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const run = (extra, seconds) => new Promise((resolve) => {
        const child = spawn(BIN, [...common, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '', peak = 0;
        child.stderr.on('data', (c) => (err += c));
        const iv = setInterval(() => { peak = Math.max(peak, rssKb(child.pid)); }, 100);
        const timer = seconds ? setTimeout(() => child.kill('SIGTERM'), seconds * 1000) : null;
        child.on('exit', () => {
            if (process.env.BENCH_EXEC_LOG) writeFileSync(process.env.BENCH_EXEC_LOG, err);
            clearInterval(iv);
            if (timer) clearTimeout(timer);
            resolve({ events: events(err), peakKb: peak });
        });
    });
    // 1. the followed crowd: TWAPs of one slice an hour; their first slices run in a --once pass
    const crowd = N - M;
    say(`approving ${crowd} sessions (one slice an hour)`);
    let t0 = Date.now();
    for (let i = 0; i < crowd; i++) await approveOne(i, TWAP_HOURLY);
    say(`approved in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    t0 = Date.now();
    const first = await run(['--once'], 0);
    const firstSent = first.events.filter((e) => e.event === 'slice_sent').length;
    const passS = (Date.now() - t0) / 1000;
    say(`first pass (--once): ${firstSent} slices sent in ${passS.toFixed(1)} s (${(firstSent / passS).toFixed(1)} slices/s), peak RSS ${(first.peakKb / 1024).toFixed(1)} MB`);
    // 2. the measured few: one slice a minute, approved about 1.1 s apart so that their second
    //    slices come due in different seconds, while the executor follows all N
    say(`approving ${M} measured sessions (one slice a minute), 1.1 s apart`);
    for (let i = crowd; i < N; i++) {
        await approveOne(i, TWAP_MINUTE);
        await run(['--once'], 0); // its first slice now, so the second comes due a minute later, alone
        await new Promise((r) => setTimeout(r, 1100));
    }
    await client.close();
    const follow = await run(['--tick-ms', '1000'], SECONDS);
    const sent = follow.events.filter((e) => e.event === 'slice_sent' && e.slice >= 1);
    const delays = sent.map((e) => e.delayMs);
    const result = {
        sessions: N, measured: M, followSeconds: SECONDS, peakRssMb: +(follow.peakKb / 1024).toFixed(1),
        firstPassPeakRssMb: +(first.peakKb / 1024).toFixed(1), firstPassSlicesPerSecond: +(firstSent / passS).toFixed(1),
        slicesSent: sent.length,
        delayMs: { p50: pct(delays, 50), p95: pct(delays, 95), max: delays.length ? Math.max(...delays) : NaN },
        stubProblems: stub.problems.length,
    };
    console.log(JSON.stringify(result));
    say(`RSS following ${N} sessions: ${result.peakRssMb} MB (goal <= 20 MB: ${result.peakRssMb <= 20 ? 'met' : 'NOT met'})`);
    say(`due -> submitted (second slices of the measured sessions, their RPC round trips to the loopback stub included): p50 ${result.delayMs.p50} ms, p95 ${result.delayMs.p95} ms, max ${result.delayMs.max} ms over ${sent.length} slices (goal <= 50 ms: ${result.delayMs.p95 <= 50 ? 'met at p95' : 'NOT met at p95'})`);
    await stub.close();
} finally {
    rmSync(home, { recursive: true, force: true });
}
