// approval_link.test.mjs: getting the approval link to the user (issue 12), through the real
// binary. Every request_session_approval result carries approvalUrl; confirm_session
// {sessionId} reports the state; a 2025-11-25 client that declared URL elicitation gets the
// standard -32042 (URLElicitationRequiredError) and later notifications/elicitation/complete,
// tested with the official v1 SDK client; in 2026-07-28 the same elicitation comes inside an
// input_required (MRTR) result, and nothing but responses is ever written to stdout.
//
// The link comes from the approval page module in production. These tests run the test
// flavour with SKM_TEST_APPROVAL_URL, whose provider returns that base + the session id, so
// they do not depend on the page; the completion event is produced by the same code path the
// page uses (confirm_session's checks), driven here by confirm_session on the same connection.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitationCompleteNotificationSchema, ErrorCode, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';

import { BIN, META_CAPS, META_VERSION, MODERN, RawServer, defer, initializeParams, sleep, tempHome, waitFor } from './lib.mjs';
import { OWNER, STRANGER, TEST_BIN, ok, seedArgs, signTyped } from './lifecycle_lib.mjs';

const BASE = 'http://127.0.0.1:9/approve/'; // never fetched: the tests only check it is passed on
const ARGS = seedArgs({ account: { type: 'other' } });
const LINK_WORDS = 'Open this page to review and approve in your wallet';
// With the loopback page module built in (--approval-port), the link is the page's own
// (http://127.0.0.1:PORT/approve/<token>); without it, the test provider's BASE + session id.
const HAS_PAGE = spawnSync(BIN, ['--help'], { encoding: 'utf8' }).stdout.includes('--approval-port');
const NO_PAGE_ARGS = HAS_PAGE ? ['--approval-port', 'off'] : [];
function assertLink(url, sessionId) {
    if (url === BASE + sessionId) return;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]{20,}$/, 'a loopback approval link');
}

function env(home, extra = {}) {
    const e = { ...getDefaultEnvironment(), SESSIONKEY_MCP_HOME: home, SKM_TEST_APPROVAL_URL: BASE, ...extra };
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    return e;
}

/* An SDK v1 client with the given capabilities, connected to bin; completion notifications are
 * collected in `completed`. */
async function sdkClient(t, { bin = TEST_BIN, args = [], home = tempHome(t), capabilities = {}, extraEnv = {} } = {}) {
    const transport = new StdioClientTransport({ command: bin, args, env: env(home, extraEnv), stderr: 'pipe' });
    let stderr = '';
    transport.stderr.on('data', (c) => (stderr += c));
    const client = new Client({ name: 'skm-e2e-elicit', version: '0.0.0' }, { capabilities });
    const completed = [];
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => completed.push(n.params));
    defer(t, async () => {
        await client.close().catch(() => {});
    });
    await client.connect(transport);
    return { client, completed, home, stderr: () => stderr };
}

const call = (c, name, args) => c.client.callTool({ name, arguments: args });

describe('approvalUrl in results (test link provider)', () => {
    test('request_session_approval carries approvalUrl in structuredContent and the text', async (t) => {
        const c = await sdkClient(t);
        const req = ok(await call(c, 'request_session_approval', ARGS));
        assertLink(req.approvalUrl, req.sessionId);
        const r = await call(c, 'request_session_approval', { ...ARGS, label: 'other', permissions: { ...ARGS.permissions, allowedFunctions: ['exactInput'] } });
        assert.ok(!r.isError, JSON.stringify(r).slice(0, 400));
        const text = r.content[0].text;
        assertLink(r.structuredContent.approvalUrl, r.structuredContent.sessionId);
        assert.ok(text.includes(r.structuredContent.approvalUrl), text.slice(0, 800));
        assert.ok(text.includes(LINK_WORDS), text.slice(0, 800));
        assert.ok(text.startsWith(r.structuredContent.summaryText), 'the summary stays first');
    });

    test('without a link provider there is no approvalUrl and the text says how to sign by hand', async (t) => {
        const c = await sdkClient(t, { bin: BIN, args: NO_PAGE_ARGS, capabilities: { elicitation: { url: {} } } });
        const req = ok(await call(c, 'request_session_approval', ARGS));
        assert.ok(!('approvalUrl' in req));
        // a client that can open URLs still gets a plain state report: there is no URL to give
        const st = ok(await call(c, 'confirm_session', { sessionId: req.sessionId }));
        assert.equal(st.status, 'pending');
        assert.ok(!('approvalUrl' in st));
        assert.match(st.message, /sign the typed data/i);
    });

    test('confirm_session {sessionId} reports pending (with the link), active, declined', async (t) => {
        const c = await sdkClient(t); // no elicitation capability: plain results, never -32042
        const req = ok(await call(c, 'request_session_approval', ARGS));
        let st = ok(await call(c, 'confirm_session', { sessionId: req.sessionId }));
        assert.equal(st.status, 'pending');
        assert.equal(st.approvalUrl, req.approvalUrl);
        assert.ok(st.message.includes(LINK_WORDS) && st.message.includes(req.approvalUrl), st.message);
        const sig = await signTyped(OWNER, req.typedData);
        assert.equal(ok(await call(c, 'confirm_session', { sessionId: req.sessionId, signature: sig })).status, 'active');
        st = ok(await call(c, 'confirm_session', { sessionId: req.sessionId }));
        assert.equal(st.status, 'active');
        assert.ok(!('approvalUrl' in st));
        assert.deepEqual(c.completed, []); // nothing was elicited, so nothing completes

        const req2 = ok(await call(c, 'request_session_approval', { ...ARGS, walletAddress: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359' }));
        assert.equal(ok(await call(c, 'confirm_session', { sessionId: req2.sessionId, decision: 'reject' })).status, 'declined');
        st = ok(await call(c, 'confirm_session', { sessionId: req2.sessionId }));
        assert.equal(st.status, 'declined');
    });
});

describe('URL elicitation, 2025-11-25, official v1 SDK client', () => {
    test('-32042 lists the approval page; the page completing sends notifications/elicitation/complete', async (t) => {
        const c = await sdkClient(t, { capabilities: { elicitation: { url: {} } } });
        const req = ok(await call(c, 'request_session_approval', ARGS));
        let first;
        await assert.rejects(call(c, 'confirm_session', { sessionId: req.sessionId }), (err) => {
            assert.ok(err instanceof UrlElicitationRequiredError, `expected UrlElicitationRequiredError, got ${err}`);
            assert.equal(err.code, ErrorCode.UrlElicitationRequired);
            assert.equal(err.code, -32042);
            assert.equal(err.elicitations.length, 1);
            first = err.elicitations[0];
            assert.deepEqual(Object.keys(first).sort(), ['elicitationId', 'message', 'mode', 'url']);
            assert.equal(first.mode, 'url');
            assert.equal(first.url, req.approvalUrl);
            assert.match(first.elicitationId, /^eli_[a-z2-7]{26}$/);
            assert.match(first.message, /approve it in your wallet/);
            return true;
        });
        // asking again names the same elicitation (one per session and connection)
        await assert.rejects(call(c, 'confirm_session', { sessionId: req.sessionId }), (err) => {
            assert.equal(err.elicitations[0].elicitationId, first.elicitationId);
            return true;
        });
        // a refused signature settles nothing: no completion
        const bad = await call(c, 'confirm_session', { sessionId: req.sessionId, signature: await signTyped(STRANGER, req.typedData) });
        assert.equal(bad.isError, true);
        await sleep(100);
        assert.deepEqual(c.completed, []);
        // the approval (the page's path: confirm_session's checks) completes the elicitation
        const sig = await signTyped(OWNER, req.typedData);
        assert.equal(ok(await call(c, 'confirm_session', { sessionId: req.sessionId, signature: sig })).status, 'active');
        await waitFor(() => c.completed.length === 1, 'notifications/elicitation/complete');
        assert.deepEqual(c.completed, [{ elicitationId: first.elicitationId }]);
        // and the retried call now returns the active session; no second notification
        const st = ok(await call(c, 'confirm_session', { sessionId: req.sessionId }));
        assert.equal(st.status, 'active');
        assert.equal(ok(await call(c, 'confirm_session', { sessionId: req.sessionId, signature: sig })).status, 'active');
        await sleep(100);
        assert.equal(c.completed.length, 1);
    });

    test('a declined request completes its elicitation too', async (t) => {
        const c = await sdkClient(t, { capabilities: { elicitation: { url: {} } } });
        const req = ok(await call(c, 'request_session_approval', ARGS));
        let id;
        await assert.rejects(call(c, 'confirm_session', { sessionId: req.sessionId }), (err) => {
            id = err.elicitations[0].elicitationId;
            return true;
        });
        assert.equal(ok(await call(c, 'confirm_session', { sessionId: req.sessionId, decision: 'reject' })).status, 'declined');
        await waitFor(() => c.completed.length === 1, 'notifications/elicitation/complete');
        assert.deepEqual(c.completed, [{ elicitationId: id }]);
    });

    test('form-only elicitation, or no elicitation: a plain pending result with the link', async (t) => {
        for (const capabilities of [{ elicitation: {} }, { elicitation: { form: {} } }, {}]) {
            const c = await sdkClient(t, { capabilities });
            const req = ok(await call(c, 'request_session_approval', ARGS));
            const st = ok(await call(c, 'confirm_session', { sessionId: req.sessionId }));
            assert.equal(st.status, 'pending', JSON.stringify(capabilities));
            assert.equal(st.approvalUrl, req.approvalUrl);
        }
    });
});

/* A raw line client on the test binary (RawServer drives the release binary). */
function rawTest(t, extraEnv = {}) {
    const home = tempHome(t);
    const child = spawn(TEST_BIN, [], { env: { ...env(home), ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    const srv = new RawServer(child, home);
    defer(t, async () => {
        await srv.kill();
        assert.deepEqual(srv.nonJson, [], 'stdout carried only JSON lines');
    });
    return srv;
}

/* Every line the server wrote is a response (id + result/error) or a notification, never a
 * request: a server-to-client request has both method and id. */
function assertNoServerRequests(srv) {
    for (const { msg } of srv.all) assert.ok(!(msg.method !== undefined && msg.id !== undefined), `a request on stdout: ${JSON.stringify(msg)}`);
}

describe('URL elicitation on other protocol versions (raw)', () => {
    test('2025-06-18 has no URL mode: a plain pending result even if the client claims url', async (t) => {
        const srv = rawTest(t);
        const p = initializeParams('2025-06-18');
        p.capabilities = { elicitation: { url: {} } };
        assert.ok((await srv.request('initialize', p, 0)).result);
        await srv.notify('notifications/initialized');
        const req = (await srv.request('tools/call', { name: 'request_session_approval', arguments: ARGS })).result.structuredContent;
        const r = await srv.request('tools/call', { name: 'confirm_session', arguments: { sessionId: req.sessionId } });
        assert.equal(r.result.structuredContent.status, 'pending');
        assert.equal(r.result.structuredContent.approvalUrl, req.approvalUrl);
        assertLink(req.approvalUrl, req.sessionId);
        assertNoServerRequests(srv);
    });
});

describe('2026-07-28: input_required (MRTR), raw protocol', () => {
    const meta = (caps) => ({ [META_VERSION]: MODERN, [META_CAPS]: caps });
    const URL_CAPS = { elicitation: { url: {} } };

    test('the elicitation comes inside input_required; the retry echoes requestState; never a request on stdout', async (t) => {
        const srv = rawTest(t);
        const created = await srv.request('tools/call', { _meta: meta({}), name: 'request_session_approval', arguments: ARGS });
        const req = created.result.structuredContent;
        assertLink(req.approvalUrl, req.sessionId);

        // 1. a client that declared URL elicitation on this request
        const r1 = (await srv.request('tools/call', { _meta: meta(URL_CAPS), name: 'confirm_session', arguments: { sessionId: req.sessionId } })).result;
        assert.equal(r1.resultType, 'input_required');
        assert.deepEqual(Object.keys(r1.inputRequests), ['approval']);
        assert.deepEqual(r1.inputRequests.approval, {
            method: 'elicitation/create',
            params: { mode: 'url', url: req.approvalUrl, message: r1.inputRequests.approval.params.message },
        }); // no elicitationId in 2026-07-28
        assert.match(r1.inputRequests.approval.params.message, /approve it in your wallet/);
        assert.equal(typeof r1.requestState, 'string');
        assert.ok(!('content' in r1) && !('structuredContent' in r1));
        assert.equal(r1._meta['io.modelcontextprotocol/serverInfo'].name, 'sessionkey-mcp');

        // 2. the retry (new id, inputResponses + the echoed requestState) while still pending:
        //    a complete result that says it is still waiting (no loop on the same prompt)
        const retry = { _meta: meta(URL_CAPS), name: 'confirm_session', arguments: { sessionId: req.sessionId }, inputResponses: { approval: { action: 'accept' } } };
        const r2 = (await srv.request('tools/call', { ...retry, requestState: r1.requestState })).result;
        assert.equal(r2.resultType, 'complete');
        assert.equal(r2.structuredContent.status, 'pending');
        assert.equal(r2.structuredContent.approvalUrl, req.approvalUrl);

        // 3. a tampered or foreign requestState is not trusted: the elicitation again
        const forged = r1.requestState.replace(/.$/, (ch) => (ch === '0' ? '1' : '0'));
        for (const state of [forged, 'v1.99999999999.' + '0'.repeat(64), 'x', '']) {
            const r = (await srv.request('tools/call', { ...retry, requestState: state })).result;
            assert.equal(r.resultType, 'input_required', state);
        }
        // the state is bound to the session: another session's state does not skip its prompt
        const other = (await srv.request('tools/call', { _meta: meta({}), name: 'request_session_approval', arguments: { ...ARGS, walletAddress: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359' } })).result.structuredContent;
        const r3 = (await srv.request('tools/call', { ...retry, arguments: { sessionId: other.sessionId }, requestState: r1.requestState })).result;
        assert.equal(r3.resultType, 'input_required');

        // 4. a client without URL elicitation on this request: a plain pending result
        const r4 = (await srv.request('tools/call', { _meta: meta({ elicitation: {} }), name: 'confirm_session', arguments: { sessionId: req.sessionId } })).result;
        assert.equal(r4.resultType, 'complete');
        assert.equal(r4.structuredContent.status, 'pending');

        // 5. approved: the same request now completes with the active session
        const sig = await signTyped(OWNER, req.typedData);
        const r5 = (await srv.request('tools/call', { _meta: meta({}), name: 'confirm_session', arguments: { sessionId: req.sessionId, signature: sig } })).result;
        assert.equal(r5.structuredContent.status, 'active');
        const r6 = (await srv.request('tools/call', { _meta: meta(URL_CAPS), name: 'confirm_session', arguments: { sessionId: req.sessionId } })).result;
        assert.equal(r6.resultType, 'complete');
        assert.equal(r6.structuredContent.status, 'active');

        await sleep(100);
        assert.equal(srv.lines.length, 0, 'no unsolicited line (no notifications/elicitation/complete in 2026-07-28)');
        assertNoServerRequests(srv);
    });
});

describe('2026-07-28: input_required with the official v2 client (@modelcontextprotocol/client 2.4.0)', () => {
    test('the client fulfils the URL elicitation through its elicitation/create handler and retries', async (t) => {
        const { Client: Client2 } = await import('@modelcontextprotocol/client');
        const { StdioClientTransport: Stdio2, getDefaultEnvironment: env2 } = await import('@modelcontextprotocol/client/stdio');
        const home = tempHome(t);
        const transport = new Stdio2({ command: TEST_BIN, args: [], env: { ...env2(), SESSIONKEY_MCP_HOME: home, SKM_TEST_APPROVAL_URL: BASE }, stderr: 'pipe' });
        const client = new Client2(
            { name: 'skm-e2e-v2-mrtr', version: '0.0.0' },
            { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: { pin: MODERN } } },
        );
        const asked = [];
        client.setRequestHandler('elicitation/create', async (req) => {
            asked.push(req.params);
            return { action: 'accept' };
        });
        defer(t, () => client.close().catch(() => {}));
        await client.connect(transport);
        const req = (await client.callTool({ name: 'request_session_approval', arguments: ARGS })).structuredContent;
        assertLink(req.approvalUrl, req.sessionId);
        const r = await client.callTool({ name: 'confirm_session', arguments: { sessionId: req.sessionId } });
        assert.equal(asked.length, 1, 'one elicitation round');
        assert.equal(asked[0].mode, 'url');
        assert.equal(asked[0].url, req.approvalUrl);
        assert.ok(!('elicitationId' in asked[0]));
        assert.equal(r.structuredContent.status, 'pending'); // the retry: still waiting, no second round
        const sig = await signTyped(OWNER, req.typedData);
        assert.equal((await client.callTool({ name: 'confirm_session', arguments: { sessionId: req.sessionId, signature: sig } })).structuredContent.status, 'active');
        assert.equal((await client.callTool({ name: 'confirm_session', arguments: { sessionId: req.sessionId } })).structuredContent.status, 'active');
        assert.equal(asked.length, 1);
    });
});

/* POST a decision to the approval page the way its own script does (same origin). */
async function postDecision(pageUrl, body) {
    const { request } = await import('node:http');
    const u = new URL(pageUrl + '/decision');
    const data = JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const req = request(
            { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { Host: u.host, Origin: u.origin, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
            (res) => {
                let text = '';
                res.on('data', (c) => (text += c));
                res.on('end', () => resolve({ status: res.statusCode, text }));
            },
        );
        req.on('error', reject);
        req.end(data);
    });
}

// Runs once the loopback page module is built in (after the merge with it): the real page
// settling the session is what completes the elicitation.
describe('the approval page completes the URL elicitation', { skip: !HAS_PAGE && 'the approval page module is not built in' }, () => {
    for (const action of ['approve', 'decline']) {
        test(`${action} on the page: notifications/elicitation/complete, then confirm_session returns the state`, async (t) => {
            const c = await sdkClient(t, { extraEnv: { SKM_TEST_APPROVAL_URL: undefined }, capabilities: { elicitation: { url: {} } } });
            const req = ok(await call(c, 'request_session_approval', ARGS));
            let el;
            await assert.rejects(call(c, 'confirm_session', { sessionId: req.sessionId }), (err) => {
                el = err.elicitations[0];
                return err.code === -32042;
            });
            assert.notEqual(el.url, BASE + req.sessionId, 'the page\'s own link');
            const body = action === 'approve' ? { action, signature: await signTyped(OWNER, req.typedData) } : { action };
            const r = await postDecision(el.url, body);
            assert.equal(r.status, 200, r.text);
            await waitFor(() => c.completed.length === 1, 'notifications/elicitation/complete');
            assert.deepEqual(c.completed, [{ elicitationId: el.elicitationId }]);
            const st = ok(await call(c, 'confirm_session', { sessionId: req.sessionId }));
            assert.equal(st.status, action === 'approve' ? 'active' : 'declined');
            await sleep(100);
            assert.equal(c.completed.length, 1);
        });
    }
});
