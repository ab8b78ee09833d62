// approval_app.test.mjs: the MCP App (MCP Apps extension, stable 2026-01-26) for a pending
// approval. Through the real binary and the official v1 SDK client: the ui:// resource in
// resources/list and resources/read, and _meta.ui.resourceUri on request_session_approval.
// Then the app's HTML, exactly as the server returned it, runs in headless Debian chromium
// (puppeteer-core, pinned) inside a fake host page that speaks the extension's postMessage
// protocol: it answers ui/initialize, sends the real tool result, and records the
// ui/open-link request. The frame gets the spec's restrictive default CSP and every network
// request is refused and recorded: the app must work with none.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import puppeteer from 'puppeteer-core';

import { META_CAPS, META_VERSION, MODERN, REPO, RawServer, defer, initializeParams, tempHome } from './lib.mjs';
import { TEST_BIN, ok, seedArgs } from './lifecycle_lib.mjs';

const CHROMIUM = '/usr/bin/chromium';
const URI = 'ui://sessionkey/approval';
const MIME = 'text/html;profile=mcp-app';
const BASE = 'http://127.0.0.1:9/approve/';
const ARGS = seedArgs({ account: { type: 'other' } });
// The host behaviour the spec requires when a UI resource declares no csp.
const DEFAULT_CSP =
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self' data:; connect-src 'none';";

async function connect(t, env = {}) {
    const home = tempHome(t);
    const transport = new StdioClientTransport({
        command: TEST_BIN,
        args: [],
        env: { ...getDefaultEnvironment(), SESSIONKEY_MCP_HOME: home, SKM_TEST_APPROVAL_URL: BASE, ...env },
        stderr: 'pipe',
    });
    const client = new Client({ name: 'skm-e2e-app', version: '0.0.0' });
    defer(t, () => client.close().catch(() => {}));
    await client.connect(transport);
    return client;
}

describe('the MCP App resource over MCP (v1 SDK client)', () => {
    test('resources/list, resources/read and the tool _meta', async (t) => {
        const client = await connect(t);
        assert.deepEqual(client.getServerCapabilities().resources, {});
        const { resources } = await client.listResources();
        assert.equal(resources.length, 1);
        assert.equal(resources[0].uri, URI);
        assert.equal(resources[0].mimeType, MIME);
        assert.deepEqual(resources[0]._meta, { ui: { prefersBorder: true } });
        const { resourceTemplates } = await client.listResourceTemplates();
        assert.deepEqual(resourceTemplates, []);
        const read = await client.readResource({ uri: URI });
        assert.equal(read.contents.length, 1);
        const c = read.contents[0];
        assert.equal(c.uri, URI);
        assert.equal(c.mimeType, MIME);
        assert.ok(c.text.startsWith('<!DOCTYPE html>'));
        // self-contained: no external script, style, image, font or frame
        assert.doesNotMatch(c.text, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
        assert.doesNotMatch(c.text, /@import|url\(\s*["']?(https?:)?\/\//i);
        const { tools } = await client.listTools();
        const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
        assert.deepEqual(byName.request_session_approval._meta, { ui: { resourceUri: URI }, 'ui/resourceUri': URI });
        for (const tool of tools) if (tool.name !== 'request_session_approval') assert.ok(!('_meta' in tool), tool.name);
        await assert.rejects(client.readResource({ uri: 'ui://sessionkey/other' }), (err) => err.code === -32002);
    });
});

describe('the MCP App resource over the raw protocol (release binary)', () => {
    for (const version of ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25']) {
        test(`${version}: resources/list and resources/read with that version's fields`, async (t) => {
            const srv = RawServer.start(t);
            assert.deepEqual((await srv.request('initialize', initializeParams(version), 0)).result.capabilities.resources, {});
            await srv.notify('notifications/initialized');
            const full = version >= '2025-06-18';
            const list = (await srv.request('resources/list', {})).result;
            assert.deepEqual(Object.keys(list), ['resources']);
            assert.deepEqual(Object.keys(list.resources[0]).sort(), full ? ['_meta', 'description', 'mimeType', 'name', 'title', 'uri'] : ['description', 'mimeType', 'name', 'uri']);
            const read = (await srv.request('resources/read', { uri: URI })).result;
            assert.deepEqual(Object.keys(read.contents[0]).sort(), full ? ['_meta', 'mimeType', 'text', 'uri'] : ['mimeType', 'text', 'uri']);
            assert.equal(read.contents[0].mimeType, MIME);
            const tools = (await srv.request('tools/list', {})).result.tools;
            const rsa = tools.find((x) => x.name === 'request_session_approval');
            assert.equal('_meta' in rsa, full, 'Tool._meta exists from 2025-06-18 on');
            const missing = await srv.request('resources/read', { uri: 'ui://sessionkey/missing' });
            assert.equal(missing.error.code, -32002);
            assert.equal((await srv.request('resources/subscribe', { uri: URI })).error.code, -32601);
        });
    }

    test('2026-07-28: cache hints on list and read, -32602 for an unknown resource', async (t) => {
        const srv = RawServer.start(t);
        const meta = { [META_VERSION]: MODERN, [META_CAPS]: {} };
        const list = (await srv.request('resources/list', { _meta: meta })).result;
        assert.equal(list.resultType, 'complete');
        assert.ok(Number.isInteger(list.ttlMs) && ['public', 'private'].includes(list.cacheScope));
        assert.equal(list.resources[0].uri, URI);
        const read = (await srv.request('resources/read', { _meta: meta, uri: URI })).result;
        assert.equal(read.resultType, 'complete');
        assert.ok(Number.isInteger(read.ttlMs) && ['public', 'private'].includes(read.cacheScope));
        assert.equal(read.contents[0].mimeType, MIME);
        assert.equal((await srv.request('resources/read', { _meta: meta, uri: 'ui://x' })).error.code, -32602);
        const tpl = (await srv.request('resources/templates/list', { _meta: meta })).result;
        assert.deepEqual(tpl.resourceTemplates, []);
    });
});

/* A host page: one sandboxed iframe (srcdoc = the app HTML with the default CSP), a JSON-RPC
 * peer on postMessage that records everything the view sends. */
const HOST = `<!DOCTYPE html><html><body style="margin:0;background:#e9ebef">
<iframe id="view" sandbox="allow-scripts" style="border:0;width:100%;height:600px"></iframe>
<script>
window.log = [];
window.hostCaps = null;
window.openLinkReply = {};
window.initialized = false;
window.addEventListener('message', (ev) => {
  const frame = document.getElementById('view');
  if (ev.source !== frame.contentWindow) return;
  const m = ev.data;
  window.log.push(m);
  const reply = (result) => frame.contentWindow.postMessage({ jsonrpc: '2.0', id: m.id, result }, '*');
  if (m.method === 'ui/initialize') reply({ protocolVersion: '2026-01-26', hostInfo: { name: 'fake-host', version: '1' },
      hostCapabilities: window.hostCaps, hostContext: { theme: 'light', displayMode: 'inline', platform: 'web' } });
  else if (m.method === 'ui/open-link') reply(window.openLinkReply);
  else if (m.method === 'ui/notifications/initialized') window.initialized = true;
});
window.send = (method, params) => document.getElementById('view').contentWindow.postMessage({ jsonrpc: '2.0', method, params }, '*');
</script></body></html>`;

describe('the MCP App in headless chromium with a fake host', { skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium' }, () => {
    let browser;
    before(async () => {
        browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    });
    after(async () => {
        await browser?.close();
    });

    async function hostPage(t, html, hostCaps, openLinkReply = {}) {
        const page = await browser.newPage();
        defer(t, () => page.close());
        await page.setViewport({ width: 640, height: 700 });
        const requests = [];
        await page.setRequestInterception(true);
        page.on('request', (r) => {
            const u = r.url();
            if (u === 'about:blank' || u.startsWith('data:') || u === 'about:srcdoc') return r.continue();
            requests.push(u);
            return r.abort();
        });
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.setContent(HOST);
        const doc = html.replace('<head>', `<head><meta http-equiv="Content-Security-Policy" content="${DEFAULT_CSP}">`);
        await page.evaluate((caps, reply, srcdoc) => {
            window.hostCaps = caps;
            window.openLinkReply = reply;
            document.getElementById('view').srcdoc = srcdoc;
        }, hostCaps, openLinkReply, doc);
        await page.waitForFunction(() => window.initialized === true, { timeout: 10000 });
        const frame = page.frames().find((f) => f !== page.mainFrame());
        return { page, frame, requests, errors };
    }

    test('renders the tool result summary and opens the approval page through ui/open-link', async (t) => {
        const client = await connect(t);
        const html = (await client.readResource({ uri: URI })).contents[0].text;
        const result = await client.callTool({ name: 'request_session_approval', arguments: ARGS });
        const sc = ok(result);
        // the test provider's link, or (with the page module built in) the page's own loopback link
        assert.match(sc.approvalUrl, /^http:\/\/127\.0\.0\.1:\d+\/approve\/\S+$/);

        const { page, frame, requests, errors } = await hostPage(t, html, { openLinks: {} });
        const init = await page.evaluate(() => window.log.find((m) => m.method === 'ui/initialize'));
        assert.equal(init.params.protocolVersion, '2026-01-26');
        assert.equal(typeof init.params.appInfo.name, 'string');
        assert.equal(typeof init.params.appCapabilities, 'object');
        // the host sends the tool input, then the tool result (the spec's order)
        await page.evaluate((a) => window.send('ui/notifications/tool-input', { arguments: a }), ARGS);
        await page.evaluate((r) => window.send('ui/notifications/tool-result', r), result);
        await frame.waitForFunction(() => !document.querySelector('[data-action="open-approval"]').disabled, { timeout: 5000 });
        const visible = await frame.evaluate(() => document.body.innerText);
        const lines = sc.summaryText.split('\n').filter((l) => l.trim() !== '');
        assert.ok(lines.length >= 4, sc.summaryText);
        let from = 0;
        for (const l of lines) {
            const at = visible.indexOf(l.trim(), from);
            assert.ok(at >= 0, `summary line missing or out of order: ${l}\n---\n${visible}`);
            from = at;
        }
        assert.ok(visible.includes(sc.sessionId));

        await frame.click('[data-action="open-approval"]');
        await page.waitForFunction(() => window.log.some((m) => m.method === 'ui/open-link'), { timeout: 5000 });
        const open = await page.evaluate(() => window.log.filter((m) => m.method === 'ui/open-link'));
        assert.equal(open.length, 1);
        assert.equal(typeof open[0].id === 'number' || typeof open[0].id === 'string', true);
        assert.deepEqual(open[0].params, { url: sc.approvalUrl });
        await frame.waitForFunction(() => /Opened in your browser/.test(document.getElementById('status').textContent), { timeout: 5000 });
        assert.ok((await page.evaluate(() => window.log)).some((m) => m.method === 'ui/notifications/size-changed'));
        mkdirSync(path.join(REPO, 'build'), { recursive: true });
        await page.screenshot({ path: path.join(REPO, 'build/mcp-app-approval.png') });
        assert.deepEqual(requests, [], 'the app made no network request');
        assert.deepEqual(errors, []);
    });

    test('a host that cannot open links: the button stays off and the link is shown; an error result shows its words', async (t) => {
        const client = await connect(t);
        const html = (await client.readResource({ uri: URI })).contents[0].text;
        const result = await client.callTool({ name: 'request_session_approval', arguments: ARGS });
        const sc = ok(result);
        const a = await hostPage(t, html, {});
        await a.page.evaluate((r) => window.send('ui/notifications/tool-result', r), result);
        await a.frame.waitForFunction(() => document.getElementById('status').textContent.includes('http://'), { timeout: 5000 });
        assert.equal(await a.frame.evaluate(() => document.querySelector('[data-action="open-approval"]').disabled), true);
        assert.ok((await a.frame.evaluate(() => document.body.innerText)).includes(sc.approvalUrl));

        // a failed request (the same arguments again: a duplicate) is shown in plain words
        const dup = await client.callTool({ name: 'request_session_approval', arguments: ARGS });
        assert.equal(dup.isError, true);
        const b = await hostPage(t, html, { openLinks: {} });
        await b.page.evaluate((r) => window.send('ui/notifications/tool-result', r), dup);
        await b.frame.waitForFunction(() => /not created/.test(document.body.innerText), { timeout: 5000 });
        assert.ok((await b.frame.evaluate(() => document.body.innerText)).includes(dup.content[0].text.slice(0, 60)));
        assert.equal(await b.frame.evaluate(() => document.querySelector('[data-action="open-approval"]').disabled), true);

        // a link that is not the loopback approval page is never opened
        const forged = structuredClone(result);
        forged.structuredContent.approvalUrl = 'https://evil.example/approve';
        const c = await hostPage(t, html, { openLinks: {} });
        await c.page.evaluate((r) => window.send('ui/notifications/tool-result', r), forged);
        await c.frame.waitForFunction(() => /approval page is off/.test(document.body.innerText), { timeout: 5000 });
        assert.equal(await c.frame.evaluate(() => document.querySelector('[data-action="open-approval"]').disabled), true);
        for (const h of [a, b, c]) assert.deepEqual(h.requests, []);
    });
});
