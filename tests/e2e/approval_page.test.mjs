// approval_page.test.mjs: the loopback approval page in a real browser (Debian's chromium,
// headless, driven by puppeteer-core). A test wallet is injected into the page (EIP-6963
// announcement, or window.ethereum) and signs with viem in this process; the MCP side is the
// real binary under the official SDK client. Screenshots go to build/approval-*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { BIN, REPO, tempHome } from './lib.mjs';
import { OWNER, STRANGER, BASE_ROUTER, T0, ok, seedArgs, startServer, testClock, text } from './lifecycle_lib.mjs';
import { click, launchBrowser, openPage, visibleText, waitLoaded, waitStatus } from './approval_lib.mjs';

let browser;
before(async () => {
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
});

const OTHER = { type: 'other' };

async function pending(t, { args = seedArgs({ account: OTHER }), env = {}, home = tempHome(t), checkSecrets = true } = {}) {
    // Kernel typed data carries long hex (the Enable data) that the secrets check cannot tell apart
    const srv = await startServer(t, { home, env, checkSecrets });
    const sc = ok(await srv.call('request_session_approval', args));
    assert.match(sc.approvalUrl, /^http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]{43}$/);
    return { srv, sc };
}

async function statusOf(srv, sessionId) {
    return ok(await srv.call('confirm_session', { sessionId })).status;
}

function onlyLoopback(requests) {
    for (const u of requests) assert.match(u, /^http:\/\/127\.0\.0\.1:\d+\//, `the page requested ${u}`);
}

test('the seed TWAP: every summary line shown, wallet switches chain, signs, the session is active', async (t) => {
    const { srv, sc } = await pending(t);
    assert.ok(text(await srv.call('request_session_approval', seedArgs({ account: OTHER, label: 'x' }))).length > 0);
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 1 }], viewport: { width: 1280, height: 800 } });
    t.after(() => w.page.close());
    assert.equal(w.response.status(), 200);
    const h = w.response.headers();
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(h['referrer-policy'], 'no-referrer');
    assert.equal(h['cache-control'], 'no-store');
    await waitLoaded(w.page);
    const shown = await visibleText(w.page);
    const lines = sc.summaryText.split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 8);
    for (const l of lines) assert.ok(shown.includes(l), `page shows "${l}"`);
    // same order as the tool result
    const items = await w.page.$$eval('#summary li', (els) => els.map((e) => e.textContent));
    assert.deepEqual(items, lines);
    assert.ok(shown.includes(sc.summary.can[0]));
    assert.ok(shown.includes('Base (chain id 8453)'));
    assert.ok(shown.includes(OWNER.address));
    mkdirSync(path.join(REPO, 'build'), { recursive: true });
    await w.page.screenshot({ path: path.join(REPO, 'build/approval-1280x800.png'), fullPage: false });
    await w.page.setViewport({ width: 390, height: 844 });
    await w.page.screenshot({ path: path.join(REPO, 'build/approval-390x844.png'), fullPage: false });
    await w.page.setViewport({ width: 1280, height: 800 });

    assert.equal(await statusOf(srv, sc.sessionId), 'pending');
    await click(w.page, 'approve');
    const done = await waitStatus(w.page, /Approved\./);
    assert.match(done, /Session approved! Your TWAP order is now active\./);
    const calls = await w.page.evaluate(() => window.__skmCalls.map((c) => c.method));
    assert.deepEqual(calls, ['eth_requestAccounts', 'eth_chainId', 'wallet_switchEthereumChain', 'eth_signTypedData_v4']);
    // the wallet signed exactly the stored typed data
    assert.equal(w.signed.length, 1);
    assert.deepEqual(JSON.parse(w.signed[0].typedJson), sc.typedData);
    const c = ok(await srv.call('confirm_session', { sessionId: sc.sessionId }));
    assert.equal(c.status, 'active');
    const list = ok(await srv.call('list_automations', { walletAddress: sc.typedData.message?.wallet ?? seedArgs().walletAddress }));
    assert.ok(JSON.stringify(list).includes(sc.sessionId));
    await w.page.screenshot({ path: path.join(REPO, 'build/approval-done-1280x800.png') });
    onlyLoopback(w.requests);
    // no script error and no CSP violation (a blocked inline script or style would log one)
    assert.deepEqual(w.console, []);
});

test('decline from the page records the rejection like confirm_session {decision: "reject"}', async (t) => {
    const { srv, sc } = await pending(t);
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'decline');
    await waitStatus(w.page, /Declined\./);
    assert.equal(await statusOf(srv, sc.sessionId), 'declined');
    const h = ok(await srv.call('get_session_history', { sessionId: sc.sessionId }));
    assert.ok(JSON.stringify(h).includes('declined'));
    assert.equal(w.signed.length, 0);
});

test('the wrong account: the page names the owner and the request stays pending', async (t) => {
    const { srv, sc } = await pending(t);
    // a wallet whose account is not the owner
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: STRANGER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'approve');
    const s = await waitStatus(w.page, /must be signed by the owner/);
    assert.ok(s.includes(OWNER.address), 'names the expected owner');
    assert.equal(w.signed.length, 0);
    assert.equal(await statusOf(srv, sc.sessionId), 'pending');

    // a wallet that claims the owner's address but signs with another key: the server refuses
    const w2 = await openPage(browser, sc.approvalUrl, { wallets: [{ account: STRANGER, address: OWNER.address, chainId: 8453 }] });
    t.after(() => w2.page.close());
    await waitLoaded(w2.page);
    await click(w2.page, 'approve');
    const s2 = await waitStatus(w2.page, /does not approve session/);
    assert.match(s2, /stays pending/);
    assert.equal(await statusOf(srv, sc.sessionId), 'pending');
});

test('the wallet rejects (4001), then a retry approves', async (t) => {
    const { srv, sc } = await pending(t);
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }], reject: 1 });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'approve');
    const s = await waitStatus(w.page, /You rejected the signature/);
    assert.match(s, /try again/);
    assert.equal(await statusOf(srv, sc.sessionId), 'pending');
    await click(w.page, 'approve');
    await waitStatus(w.page, /Approved\./);
    assert.equal(await statusOf(srv, sc.sessionId), 'active');
});

test('the wrong chain: a wallet that cannot switch is told which network to add; nothing is signed', async (t) => {
    const { srv, sc } = await pending(t);
    const w = await openPage(browser, sc.approvalUrl, {
        wallets: [{ account: OWNER, chainId: 1, switchError: { code: 4902, message: 'Unrecognized chain ID' } }],
    });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'approve');
    const s = await waitStatus(w.page, /does not know Base/);
    assert.match(s, /Add that network in your wallet/);
    const w2 = await openPage(browser, sc.approvalUrl, {
        wallets: [{ account: OWNER, chainId: 1, switchError: { code: 4001, message: 'User rejected the request.' } }],
    });
    t.after(() => w2.page.close());
    await waitLoaded(w2.page);
    await click(w2.page, 'approve');
    await waitStatus(w2.page, /did not switch to Base/);
    assert.equal(w.signed.length + w2.signed.length, 0);
    assert.equal(await statusOf(srv, sc.sessionId), 'pending');
});

test('two wallets announce: the user chooses, only the chosen one is asked', async (t) => {
    const { srv, sc } = await pending(t);
    const w = await openPage(browser, sc.approvalUrl, {
        wallets: [{ account: STRANGER, name: 'Other Wallet', chainId: 8453 }, { account: OWNER, name: 'Owner Wallet', chainId: 8453 }],
    });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'approve');
    await w.page.waitForSelector('#chooser button[data-wallet="org.example.wallet2"]', { visible: true });
    const names = await w.page.$$eval('#chooser button', (els) => els.map((e) => e.textContent));
    assert.deepEqual(names, ['Other Wallet', 'Owner Wallet']);
    await w.page.click('#chooser button[data-wallet="org.example.wallet2"]');
    await waitStatus(w.page, /Approved\./);
    const used = await w.page.evaluate(() => [...new Set(window.__skmCalls.map((c) => c.wallet))]);
    assert.deepEqual(used, [1]);
    assert.equal(await statusOf(srv, sc.sessionId), 'active');
});

test('window.ethereum is the fallback; no wallet at all says so in plain words', async (t) => {
    const { srv, sc } = await pending(t);
    const none = await openPage(browser, sc.approvalUrl, { announce: 'none' });
    t.after(() => none.page.close());
    await waitLoaded(none.page);
    await click(none.page, 'approve');
    await waitStatus(none.page, /No wallet was found/);
    assert.equal(await statusOf(srv, sc.sessionId), 'pending');
    const w = await openPage(browser, sc.approvalUrl, { announce: 'ethereum', wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'approve');
    await waitStatus(w.page, /Approved\./);
    assert.equal(await statusOf(srv, sc.sessionId), 'active');
});

test('a used link and an unknown link say so; a settled request cannot be approved again', async (t) => {
    const { srv, sc } = await pending(t);
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await click(w.page, 'approve');
    await waitStatus(w.page, /Approved\./);
    const again = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => again.page.close());
    assert.equal(again.response.status(), 410);
    const s = await waitStatus(again.page, /already used/);
    assert.ok(!(await again.page.$eval('#actions', (e) => !e.hidden)), 'no buttons on a used link');
    assert.ok(!s.includes('Approve in my wallet'));
    const bad = await openPage(browser, sc.approvalUrl.replace(/[A-Za-z0-9_-]{43}$/, 'A'.repeat(43)));
    t.after(() => bad.page.close());
    assert.equal(bad.response.status(), 404);
    await waitStatus(bad.page, /not known to the server/);
    // settled in the chat: the link dies with the request
    const second = ok(await srv.call('request_session_approval', seedArgs({ account: OTHER, label: 'Second', permissions: { ...seedArgs().permissions, allowedFunctions: ['exactInput'] } })));
    ok(await srv.call('confirm_session', { sessionId: second.sessionId, decision: 'reject' }));
    const dead = await openPage(browser, second.approvalUrl);
    t.after(() => dead.page.close());
    assert.equal(dead.response.status(), 410);
    await waitStatus(dead.page, /no longer waiting/);
});

test('an expired link (test clock): nothing can be approved, the words say what to do', async (t) => {
    const home = tempHome(t);
    const clock = testClock(t, home, T0);
    const { srv, sc } = await pending(t, { home, env: clock.env, args: seedArgs({ account: OTHER }) });
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    clock.set(T0 + 15 * 60 + 1);
    await click(w.page, 'approve');
    await waitStatus(w.page, /expired/);
    const again = await openPage(browser, sc.approvalUrl);
    t.after(() => again.page.close());
    assert.equal(again.response.status(), 410);
    await waitStatus(again.page, /has expired/);
    assert.equal(await statusOf(srv, sc.sessionId), 'lapsed');
});

test('the server gone: the page says so and that nothing was approved', async (t) => {
    const { srv, sc } = await pending(t);
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    await srv.close();
    await click(w.page, 'decline');
    await waitStatus(w.page, /not answering/);
});

function kernelAccount() {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: STRANGER.address, chainId: 8453, kernelVersion: '0.3.1',
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

test('a Kernel v3 request: the page shows what the Enable data installs, and signing it activates the session', async (t) => {
    const wallet = kernelAccount();
    const args = seedArgs({
        walletAddress: wallet,
        account: { type: 'kernel-v3', kernelVersion: '0.3.1', onchain: { deployed: false, currentNonce: 1 } },
    });
    delete args.spendToken;
    args.permissions = { ...args.permissions, contractAddress: BASE_ROUTER };
    const { srv, sc } = await pending(t, { args, checkSecrets: false });
    assert.equal(sc.accountType, 'kernel-v3');
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }], viewport: { width: 1280, height: 800 } });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    const shown = await visibleText(w.page);
    for (const l of sc.summaryText.split('\n').filter((x) => x !== '')) assert.ok(shown.includes(l), `page shows "${l}"`);
    assert.match(shown, /ZeroDev Kernel 0\.3\.1/);
    assert.match(shown, /permission validator/);
    assert.match(shown, /Call policy: may call 0x2626664c2603336E57B271c5C0b26F421741e481/i);
    await w.page.screenshot({ path: path.join(REPO, 'build/approval-kernel-1280x800.png'), fullPage: true });
    await click(w.page, 'approve');
    await waitStatus(w.page, /Approved\./);
    assert.equal(JSON.parse(w.signed[0].typedJson).primaryType, 'Enable');
    const c = ok(await srv.call('confirm_session', { sessionId: sc.sessionId }));
    assert.equal(c.status, 'active');
    const again = ok(await srv.call('confirm_session', { sessionId: sc.sessionId, signature: w.signed[0].signature }));
    assert.equal(again.status, 'active');
    assert.equal(typeof again.serializedApproval, 'string');
});

test('a Kernel v3 request nobody could read on chain: the page shows the "assumed not deployed" note like the tool result', async (t) => {
    const args = seedArgs({ walletAddress: kernelAccount(), account: { type: 'kernel-v3', kernelVersion: '0.3.1' } });
    delete args.spendToken;
    args.permissions = { ...args.permissions, contractAddress: BASE_ROUTER };
    const { sc } = await pending(t, { args, checkSecrets: false });
    assert.equal(sc.accountType, 'kernel-v3');
    assert.match(sc.summaryText, /\nℹ This wallet is assumed not deployed yet \(no RPC endpoint is configured for Base/);
    const w = await openPage(browser, sc.approvalUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => w.page.close());
    await waitLoaded(w.page);
    const lines = sc.summaryText.split('\n').filter((x) => x !== '');
    const items = await w.page.$$eval('#summary li', (els) => els.map((e) => e.textContent));
    assert.deepEqual(items, lines, 'the same lines in the same order');
});

test('the view page may be framed and only links to the approve page; the approve page refuses to be framed', async (t) => {
    const { srv, sc } = await pending(t);
    const viewUrl = sc.approvalUrl.replace('/approve/', '/view/');
    const v = await openPage(browser, viewUrl, { wallets: [{ account: OWNER, chainId: 8453 }] });
    t.after(() => v.page.close());
    await waitLoaded(v.page);
    const shown = await visibleText(v.page);
    for (const l of sc.summaryText.split('\n').filter((x) => x !== '')) assert.ok(shown.includes(l));
    assert.equal(await v.page.$eval('#actions', (e) => e.hidden), true, 'no approve/decline in the view');
    assert.equal(await v.page.$eval('#view-link', (a) => a.href), sc.approvalUrl);

    // framed by another page: the view loads, the approve page does not
    const host = await browser.newPage();
    t.after(() => host.close());
    await host.setContent(`<iframe id="v" src="${viewUrl}"></iframe><iframe id="a" src="${sc.approvalUrl}"></iframe>`);
    await new Promise((r) => setTimeout(r, 1500));
    const frames = host.frames();
    const viewFrame = frames.find((f) => f.url() === viewUrl);
    assert.ok(viewFrame, 'the view is framed');
    await viewFrame.waitForFunction(() => !document.getElementById('summary-card').hidden, { timeout: 10000 });
    const approveFrame = frames.find((f) => f.url() === sc.approvalUrl);
    const approveText = approveFrame ? await approveFrame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
    assert.ok(!approveText.includes('Approve in my wallet'), 'the approve page is not rendered inside a frame');
    assert.equal(await statusOf(srv, sc.sessionId), 'pending');
});
