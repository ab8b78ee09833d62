// approval_http.test.mjs: the approval page's HTTP side over plain sockets, against the real
// binary: nothing bound before the first approval request, Host and Origin checks, safety
// headers, size limits, unknown tokens, slow-loris connections and 100 parallel clients,
// while the server keeps answering MCP on stdio throughout. No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';

import { tempHome } from './lib.mjs';
import { OWNER, ok, seedArgs, signTyped, startServer, text } from './lifecycle_lib.mjs';
import { headerOf, rawHttp, statusOf } from './approval_lib.mjs';

const OTHER = { type: 'other' };

/* The TCP sockets the process holds (its stdio are Unix socket pairs, not counted). */
function sockets(pid) {
    const inodes = new Set();
    for (const f of readdirSync(`/proc/${pid}/fd`)) {
        try {
            const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${f}`));
            if (m) inodes.add(m[1]);
        } catch {
            /* closed meanwhile */
        }
    }
    const rows = ['tcp', 'tcp6'].flatMap((n) => readFileSync(`/proc/${pid}/net/${n}`, 'utf8').split('\n').slice(1));
    return rows.filter((l) => l.trim() && inodes.has(l.trim().split(/\s+/)[9])).length;
}

async function pending(t, args = []) {
    const srv = await startServer(t, { home: tempHome(t), args });
    const before = sockets(srv.pid);
    const sc = ok(await srv.call('request_session_approval', seedArgs({ account: OTHER })));
    const u = new URL(sc.approvalUrl);
    return { srv, sc, port: Number(u.port), path: u.pathname, before };
}

function get(port, path, host = `127.0.0.1:${port}`, extra = '') {
    return rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`);
}

function post(port, path, body, { host = `127.0.0.1:${port}`, origin = `http://127.0.0.1:${port}`, type = 'application/json' } = {}) {
    const o = origin === null ? '' : `Origin: ${origin}\r\n`;
    return rawHttp(port, `POST ${path} HTTP/1.1\r\nHost: ${host}\r\n${o}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

async function mcpAlive(srv) {
    const r = await srv.client.listTools();
    assert.ok(r.tools.length >= 4);
}

test('nothing is bound before the first approval request; then only 127.0.0.1', async (t) => {
    const { srv, sc, port, before } = await pending(t);
    assert.equal(before, 0, 'no socket before the first request_session_approval');
    assert.ok(sockets(srv.pid) >= 1);
    assert.match(text(await srv.call('request_session_approval', seedArgs({ account: OTHER, label: 'Another', permissions: { ...seedArgs().permissions, allowedFunctions: ['exactInput'] } }))), new RegExp(`http://127\\.0\\.0\\.1:${port}/approve/`));
    // the listener is on loopback only
    const tcp = readFileSync(`/proc/${srv.pid}/net/tcp`, 'utf8');
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const listen = tcp.split('\n').filter((l) => l.includes(`:${hexPort} `) && / 0A /.test(l));
    assert.equal(listen.length, 1);
    assert.match(listen[0], new RegExp(`^\\s*\\d+: 0100007F:${hexPort} `));
    assert.ok(sc.approvalUrl.startsWith(`http://127.0.0.1:${port}/approve/`));
});

test('headers: CSP with a nonce, frame-ancestors none (the view may be framed), no-store, no-referrer', async (t) => {
    const { port, path } = await pending(t);
    const a = await get(port, path);
    assert.equal(statusOf(a), 200);
    const csp = headerOf(a, 'Content-Security-Policy');
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)[1];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(a.includes(`<script nonce="${nonce}">`));
    assert.ok(!/<script[^>]+src=/.test(a), 'no external script');
    assert.ok(!/https?:\/\/(?!127\.0\.0\.1)[a-z]/i.test(a.split('\r\n\r\n')[1].replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'no external URL in the page');
    assert.equal(headerOf(a, 'Cache-Control'), 'no-store');
    assert.equal(headerOf(a, 'Referrer-Policy'), 'no-referrer');
    assert.equal(headerOf(a, 'X-Frame-Options'), 'DENY');
    const b = await get(port, path);
    assert.notEqual(/nonce-([^']+)/.exec(headerOf(b, 'Content-Security-Policy'))[1], nonce, 'a fresh nonce per answer');
    const v = await get(port, path.replace('/approve/', '/view/'));
    assert.equal(statusOf(v), 200);
    assert.ok(!/frame-ancestors/.test(headerOf(v, 'Content-Security-Policy')));
    assert.equal(headerOf(v, 'X-Frame-Options'), undefined);
    const d = await get(port, path + '/data', `localhost:${port}`);
    assert.equal(statusOf(d), 200);
    assert.match(headerOf(d, 'Content-Type'), /^application\/json/);
    const data = JSON.parse(d.split('\r\n\r\n')[1]);
    assert.equal(data.owner, OWNER.address);
    assert.equal(data.chainName, 'Base');
    assert.ok(!JSON.stringify(data).includes('privateKey'));
});

test('wrong Host (DNS rebinding), foreign or missing Origin, wrong content type: refused, nothing changes', async (t) => {
    const { srv, sc, port, path } = await pending(t);
    for (const host of [`evil.example:${port}`, '127.0.0.1', `127.0.0.1:${port + 1}`, `localhost.evil:${port}`]) {
        assert.equal(statusOf(await get(port, path, host)), 403, host);
    }
    assert.equal(statusOf(await rawHttp(port, `GET ${path} HTTP/1.0\r\n\r\n`)), 403, 'no Host at all');
    const sig = await signTyped(OWNER, sc.typedData);
    const body = JSON.stringify({ action: 'approve', signature: sig });
    assert.equal(statusOf(await post(port, path + '/decision', body, { origin: 'http://evil.example' })), 403);
    assert.equal(statusOf(await post(port, path + '/decision', body, { origin: null })), 403);
    assert.equal(statusOf(await post(port, path + '/decision', body, { origin: `http://localhost:${port}` })), 403, 'origin must match the Host the page came from');
    assert.equal(statusOf(await post(port, path + '/decision', body, { type: 'text/plain' })), 415);
    assert.equal(statusOf(await post(port, path + '/decision', '{"action":"approve","signature":"0x12"}')), 400);
    assert.equal(statusOf(await post(port, path + '/decision', 'not json')), 400);
    assert.equal(statusOf(await rawHttp(port, `DELETE ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)), 405);
    assert.equal(statusOf(await post(port, path, body)), 405, 'POST to the page itself');
    assert.equal(ok(await srv.call('confirm_session', { sessionId: sc.sessionId })).status, 'pending');
    // the right origin and signature approve it
    const good = await post(port, path + '/decision', body);
    assert.equal(statusOf(good), 200, good);
    assert.equal(ok(await srv.call('confirm_session', { sessionId: sc.sessionId })).status, 'active');
    assert.equal(statusOf(await post(port, path + '/decision', body)), 410, 'single use');
});

test('oversize body and head, unknown and malformed tokens, unknown paths', async (t) => {
    const { srv, port, path } = await pending(t);
    const big = await rawHttp(port, `POST ${path}/decision HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`);
    assert.equal(statusOf(big), 413);
    const head = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
    assert.equal(statusOf(head), 431);
    const many = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${Array.from({ length: 60 }, (_, i) => `X-${i}: y\r\n`).join('')}\r\n`);
    assert.equal(statusOf(many), 431);
    assert.equal(statusOf(await rawHttp(port, `POST ${path}/decision HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`)), 501);
    assert.equal(statusOf(await rawHttp(port, 'garbage\r\n\r\n')), 400);
    const unknown = await get(port, '/approve/' + 'B'.repeat(43) + '/data');
    assert.equal(statusOf(unknown), 404);
    assert.match(unknown, /not known to the server/);
    assert.equal(statusOf(await get(port, '/approve/short')), 404);
    assert.equal(statusOf(await get(port, '/')), 404);
    assert.equal(statusOf(await get(port, '/favicon.ico')), 404);
    assert.equal(statusOf(await get(port, path + '/other')), 404);
    await mcpAlive(srv);
});

test('slow-loris connections and 100 parallel clients: the page and MCP on stdio keep answering', async (t) => {
    const { srv, port, path } = await pending(t);
    // 60 connections that send a partial head and then trickle one byte now and then
    const slow = [];
    for (let i = 0; i < 60; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.answer = '';
        s.gone = false;
        s.on('data', (c) => (s.answer += c));
        s.on('close', () => (s.gone = true));
        s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
        slow.push(s);
    }
    const trickle = setInterval(() => slow.forEach((s) => !s.gone && s.write('X')), 300);
    t.after(() => {
        clearInterval(trickle);
        slow.forEach((s) => s.destroy());
    });
    await new Promise((r) => setTimeout(r, 1500));
    // ordinary clients still get the page, and MCP still answers
    for (let i = 0; i < 5; i++) {
        assert.equal(statusOf(await get(port, path + '/data')), 200);
        await mcpAlive(srv);
    }
    // 100 parallel clients, with MCP calls in between
    const answers = await Promise.all([
        ...Array.from({ length: 100 }, (_, i) => (i % 2 ? get(port, path + '/data') : get(port, path))),
        mcpAlive(srv), mcpAlive(srv),
    ]);
    const codes = answers.slice(0, 100).map(statusOf);
    assert.deepEqual(codes, Array(100).fill(200));
    // the slow connections do not stay forever: each is closed (408 or dropped to make room)
    for (let i = 0; i < 80 && !slow.every((s) => s.gone); i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(slow.every((s) => s.gone), `${slow.filter((s) => !s.gone).length} slow connections still open`);
    // one slow client alone (nobody needs its slot): it is told it took too long
    const lone = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, { timeoutMs: 20000 });
    assert.equal(statusOf(lone), 408);
    await mcpAlive(srv);
    assert.equal(statusOf(await get(port, path + '/data')), 200);
});

test('--approval-port off: no page, no socket, the typed data is the way; a fixed port is used as given', async (t) => {
    const off = await startServer(t, { home: tempHome(t), args: ['--approval-port', 'off'] });
    const r = ok(await off.call('request_session_approval', seedArgs({ account: OTHER })));
    assert.equal(r.approvalUrl, undefined);
    assert.equal(sockets(off.pid), 0);
    const st = ok(await off.call('confirm_session', { sessionId: r.sessionId }));
    assert.equal(st.status, 'pending');
    assert.match(st.message, /approval page is not available \(The approval page is turned off/);

    const port = await new Promise((res) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
            const p = s.address().port;
            s.close(() => res(p));
        });
    });
    const fixed = await startServer(t, { home: tempHome(t), args: [`--approval-port=${port}`] });
    const f = ok(await fixed.call('request_session_approval', seedArgs({ account: OTHER })));
    assert.ok(f.approvalUrl.startsWith(`http://127.0.0.1:${port}/approve/`));
    // the port is taken now: a second server on it says so in words and still answers
    const clash = await startServer(t, { home: tempHome(t), args: [`--approval-port=${port}`] });
    const c = await clash.call('request_session_approval', seedArgs({ account: OTHER }));
    const sc = ok(c);
    assert.equal(sc.approvalUrl, undefined);
    const cs = ok(await clash.call('confirm_session', { sessionId: sc.sessionId }));
    assert.match(cs.message, new RegExp(`could not start on 127\\.0\\.0\\.1:${port}`));
});

test('confirm_session without a signature reports each state', async (t) => {
    const { srv, sc, port, path } = await pending(t);
    let s = ok(await srv.call('confirm_session', { sessionId: sc.sessionId }));
    assert.equal(s.status, 'pending');
    assert.equal(s.approvalUrl, sc.approvalUrl, 'the same link while it lives');
    assert.match(s.message, /Open this page to review and approve in your wallet/);
    assert.equal(statusOf(await post(port, path + '/decision', '{"action":"decline"}')), 200);
    s = ok(await srv.call('confirm_session', { sessionId: sc.sessionId }));
    assert.equal(s.status, 'declined');
    assert.equal(s.approvalUrl, undefined);
    const r2 = ok(await srv.call('request_session_approval', seedArgs({ account: OTHER })));
    ok(await srv.call('confirm_session', { sessionId: r2.sessionId, signature: await signTyped(OWNER, r2.typedData) }));
    s = ok(await srv.call('confirm_session', { sessionId: r2.sessionId }));
    assert.equal(s.status, 'active');
    assert.match(s.message, /is active/);
});
