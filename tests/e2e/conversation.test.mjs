// conversation.test.mjs: the seed's whole conversation, played through the real binary using
// only what the tools return, and written to build/conversation.txt so a person can read it.
//
// plan → request → the summary shown → the owner signs (viem) → confirm → list → history; a
// stop-loss next to the TWAP; the executor's first slice, a refusal in words; every error a
// user can meet on the way; every management command (list, revoke by the user's words,
// history). The assertions are on the words: the seed's sentences, the end as a time, and the
// four parts of every error.
//
// The session's account is given explicitly ({type: "other"} with the owner's address): the
// server's own signed approval, which needs no chain.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { defaultQuoteEnv, swapCall, usdc } from './gate_lib.mjs';
import { REPO } from './lib.mjs';
import {
    OWNER,
    SMART_WALLET,
    STRANGER,
    T0,
    errText,
    ok,
    signTyped,
    startServer,
    tempHome,
    testClock,
    text,
} from './lifecycle_lib.mjs';
import { errorProblems, shortAddr, wordsWhen } from './words_lib.mjs';

const WETH = '0x4200000000000000000000000000000000000006';
const ACCOUNT = { type: 'other' };
const TRANSCRIPT = path.join(REPO, 'build/conversation.txt');
const HOUR = 3600;

/* The transcript: what the user says, what the assistant calls, what the tool answers. */
class Transcript {
    constructor() {
        this.lines = [];
    }

    user(words) {
        this.lines.push(`\nUSER: ${words}`);
    }

    note(words) {
        this.lines.push(`(${words})`);
    }

    async tool(srv, name, args) {
        const r = await srv.call(name, args);
        this.lines.push(`ASSISTANT calls ${name} ${JSON.stringify(args)}`);
        this.lines.push(`${name}${r.isError ? ' (error)' : ''} says:\n${r.content.map((c) => c.text).join('\n').replace(/\n+$/, '')}`);
        return r;
    }

    write() {
        mkdirSync(path.dirname(TRANSCRIPT), { recursive: true });
        writeFileSync(TRANSCRIPT, this.lines.join('\n').trimStart() + '\n');
    }
}

/* An error a user reads: what happened (the pattern), whether anything changed, how to retry,
 * the manual fallback, no path. Returns the text. */
function userError(r, what) {
    const msg = errText(r);
    assert.match(msg, what);
    assert.deepEqual(errorProblems(msg), [], `incomplete error: ${msg}`);
    return msg;
}

test('the seed conversation, end to end, in words (transcript in build/conversation.txt)', async (t) => {
    const home = tempHome(t);
    const clock = testClock(t, home);
    const srv = await startServer(t, { home, env: clock.env });
    // the automation executor is its own server on the same data directory (--executor serves
    // authorize_execution and report_execution; the chat client's server does not list them),
    // with a price source for the swaps' minimum output (a loopback QuoterV2, gate_lib.mjs)
    const executor = await startServer(t, { home, env: { ...clock.env, ...(await defaultQuoteEnv()) }, args: ['--executor'] });
    const say = new Transcript();
    try {
        await conversation(srv, executor, clock, say);
    } finally {
        say.write();
    }
});

async function conversation(srv, executor, clock, say) {
    const END = wordsWhen(T0 + 86400); // Fri 2 Jan, 00:00 UTC
    const twapAutomation = { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: HOUR };

    // ---- the TWAP ----
    say.user('Buy $1000 of ETH over the next 24 hours, once an hour.');
    const who = { walletAddress: SMART_WALLET, ownerAddress: OWNER.address, account: ACCOUNT, chainId: 8453 };
    let r = await say.tool(srv, 'plan_automation', { ...who, automation: { ...twapAutomation, buyToken: 'ETH' } });
    userError(r, /ETH itself is not a token the swap router trades; did you mean WETH/);
    say.note('the assistant follows the suggestion: WETH');
    r = await say.tool(srv, 'plan_automation', { ...who, automation: twapAutomation });
    const plan = ok(r);
    assert.equal(plan.covered, false);
    assert.match(text(r), /^Plan: \$41\.67 USDC into WETH every hour for 24 hours/);

    // The request exactly as the plan proposes it, with the owner and the account.
    const request = { ...plan.proposal, ownerAddress: OWNER.address, account: ACCOUNT };
    r = await say.tool(srv, 'request_session_approval', request);
    const req = ok(r);
    const shown = text(r);
    for (const line of ['✓ Can execute: Uniswap V3 swaps only', '✓ Total limit: $1000 USDC',
        `✓ Expires: ${END} (24 hours after the request)`, '✓ Rate limit: 1 trade per hour', '✓ You can revoke anytime',
        '✗ Cannot: Transfer to other addresses', '✗ Cannot: Exceed spending limits', '✗ Cannot: Access after expiration'])
        assert.ok(shown.includes(`${line}\n`), `the summary says "${line}"`);
    assert.match(shown, /\nHelp \(what each line means, how to cancel, what happens if this server is down\): https:\/\/\S+user-guide\.md\n/);
    assert.equal(req.helpUrl.endsWith('docs/user-guide.md'), true);

    say.user('Looks right. (The wallet asks the owner to sign the typed data.)');
    // A mistake first: the wrong account signs, then a broken signature.
    r = await say.tool(srv, 'confirm_session', { sessionId: req.sessionId, signature: await signTyped(STRANGER, req.typedData) });
    userError(r, new RegExp(`it was made by ${STRANGER.address}, not by the wallet owner ${OWNER.address}\\. Nothing changed`));
    r = await say.tool(srv, 'confirm_session', { sessionId: req.sessionId, signature: '0x' + '00'.repeat(64) + '12' });
    const broken = userError(r, /^This is not a valid signature, so session \S+ was not approved\. Nothing changed/);
    assert.doesNotMatch(broken, /\bv is\b|27 or 28|recovery/, 'no jargon');

    clock.set(T0 + 5 * 60); // signed five minutes later: the end does not move
    const sig = await signTyped(OWNER, req.typedData);
    r = await say.tool(srv, 'confirm_session', { sessionId: req.sessionId, signature: sig });
    const conf = ok(r);
    assert.equal(conf.status, 'active');
    assert.equal(text(r),
        `Session approved! Your TWAP order is now active. I'll execute $41.67 USDC trades into WETH every hour until ${END} ` +
        "(24 trades; the last one $41.59 USDC). You can check status or cancel anytime by saying 'show my automations'. " +
        `(Session id: ${req.sessionId})`);
    assert.equal(conf.sessionId, req.sessionId);

    // The same automation again: the plan says it is covered by that very session, and a second
    // request is refused and nothing is made (one rule decides both).
    say.user('Set up the same TWAP again.');
    r = await say.tool(srv, 'plan_automation', { ...who, automation: twapAutomation });
    const again = ok(r);
    assert.equal(again.covered, true, 'the plan and the duplicate check agree');
    assert.match(text(r), new RegExp(req.sessionId));
    r = await say.tool(srv, 'request_session_approval', request);
    userError(r, /already has a session that runs this automation: \S+ "USDC to WETH TWAP" \(active until /);

    // ---- the stop-loss, side by side ----
    say.user('Also sell 0.5 ETH if the price falls to $2400.');
    const slAutomation = { kind: 'stop_loss', token: 'WETH', amount: '0.5', triggerPrice: '2400', receiveToken: 'USDC' };
    r = await say.tool(srv, 'plan_automation', { ...who, automation: slAutomation });
    const slPlan = ok(r);
    r = await say.tool(srv, 'request_session_approval', { ...slPlan.proposal, ownerAddress: OWNER.address, account: ACCOUNT });
    const slReq = ok(r);
    say.user('(signs)');
    r = await say.tool(srv, 'confirm_session', { sessionId: slReq.sessionId, signature: await signTyped(OWNER, slReq.typedData) });
    const slEnd = wordsWhen(slReq.typedData.message.validUntil, T0);
    assert.equal(text(r),
        `Session approved! Your stop-loss is now active. I'll sell 0.5 WETH for USDC once the price of WETH falls to $2400, ` +
        `at any time until ${slEnd}. You can check status or cancel anytime by saying 'show my automations'. ` +
        `(Session id: ${slReq.sessionId})`);

    // ---- the executor runs the first slice; a trade in the wrong token is refused in words ----
    say.note('an hour later the executor asks for the first slice');
    clock.set(T0 + HOUR);
    r = await say.tool(executor, 'authorize_execution', { sessionId: req.sessionId, calls: [swapCall({ amountIn: usdc(41.67), recipient: SMART_WALLET })] });
    const allowed = r.structuredContent;
    assert.equal(allowed.allowed, true, JSON.stringify(allowed));
    executor.known.add('ab'.repeat(32)); // the transaction hash is echoed back; it is no secret
    srv.known.add('ab'.repeat(32));
    r = await say.tool(executor, 'report_execution', { reservationId: allowed.reservationId, outcome: 'executed', txHash: '0x' + 'ab'.repeat(32) });
    assert.ok(!r.isError, JSON.stringify(r));
    r = await say.tool(executor, 'authorize_execution', { sessionId: req.sessionId, calls: [swapCall({ amountIn: usdc(41.67), recipient: SMART_WALLET, tokenIn: WETH })] });
    assert.equal(r.structuredContent?.allowed, false);
    assert.match(text(r), /pays with WETH; the session may only spend USDC/);
    assert.doesNotMatch(text(r), new RegExp(WETH, 'i'), 'the denial names the token, not its address');

    // ---- management: list, history ----
    say.user('Show my automations.');
    r = await say.tool(srv, 'list_automations', { walletAddress: SMART_WALLET });
    const list = text(r);
    assert.ok(list.startsWith(`You have 2 automations on ${SMART_WALLET} (active or waiting for your signature):\n`), list);
    assert.ok(list.includes(`\n• USDC to WETH TWAP — active until ${END}\n`), list);
    assert.ok(list.includes(`\n• WETH stop-loss — active until ${slEnd}\n`), list);
    assert.ok(list.includes('  ✗ Cannot: Exceed spending limits\n'));
    assert.ok(list.includes('  Spent $41.67 USDC in 1 trade; $0 USDC in flight (0 trades); $958.33 USDC left.\n'), list);
    assert.ok(list.includes('  Slices: 1 of 24 done, 23 left.\n'), list);
    assert.ok(list.includes("  To cancel it, say 'cancel my USDC to WETH TWAP'.\n"), list);
    assert.ok(list.includes("  To cancel it, say 'cancel my WETH stop-loss'.\n"), list);

    say.user('What happened so far?');
    r = await say.tool(srv, 'get_session_history', { walletAddress: SMART_WALLET });
    const hist = text(r);
    assert.ok(hist.includes(`${wordsWhen(T0 + 300)} — USDC to WETH TWAP: approved by ${shortAddr(OWNER.address)} (signature checked)\n`), hist);
    assert.ok(hist.includes(`${wordsWhen(T0 + HOUR)} — USDC to WETH TWAP: a trade of $41.67 USDC went through (transaction 0xababababab…)\n`), hist);
    assert.ok(hist.includes('a trade of $41.67 USDC was refused: This call pays with WETH; the session may only spend USDC.'), hist);
    assert.ok(hist.includes(`— USDC to WETH TWAP: requested: up to $1000 USDC in total`), hist);
    assert.doesNotMatch(hist, /[{}]|\b1\d{9}\b|41670000/, 'no JSON, epoch seconds or base units');

    // ---- revoking by words ----
    say.user('Cancel something.');
    r = await say.tool(srv, 'revoke_session', { walletAddress: SMART_WALLET });
    const which = ok(r);
    assert.deepEqual(which.revoked, []);
    assert.equal(which.candidates.length, 2);
    assert.match(text(r), /^No automation was named\. Nothing was revoked\. Say which one to cancel:\n/);

    say.user('Cancel my DAI order.');
    r = await say.tool(srv, 'revoke_session', { walletAddress: SMART_WALLET, feature: 'my DAI order' });
    userError(r, /^No active automation on this wallet matches "my DAI order", so nothing was revoked/);

    say.user('Cancel the stop loss.');
    r = await say.tool(srv, 'revoke_session', { walletAddress: SMART_WALLET, feature: 'the stop loss', reason: 'changed my mind' });
    assert.deepEqual(ok(r).revoked, [slReq.sessionId]);
    assert.match(text(r), /^Done: your WETH stop-loss is revoked and its session key destroyed/);

    say.user('Show my automations.');
    r = await say.tool(srv, 'list_automations', { walletAddress: SMART_WALLET, status: 'all' });
    const after = text(r);
    const slPart = after.slice(after.indexOf('• WETH stop-loss')).split('\n•')[0];
    assert.match(slPart, /^• WETH stop-loss — revoked on Thu 1 Jan, 01:00 UTC\n/);
    assert.ok(!slPart.includes('To cancel it'), 'an ended session has no revoke line');

    say.user('Cancel my ETH TWAP.');
    r = await say.tool(srv, 'revoke_session', { walletAddress: SMART_WALLET, feature: 'my ETH TWAP' });
    assert.deepEqual(ok(r).revoked, [req.sessionId]);
    r = await say.tool(srv, 'list_automations', { walletAddress: SMART_WALLET });
    assert.equal(text(r), 'You have no active automations.');
    r = await say.tool(srv, 'list_automations', { walletAddress: SMART_WALLET, status: 'revoked' });
    const ended = text(r);
    assert.ok(ended.includes('  Slices: 1 of 24 done.\n') && !ended.includes('left.\n  Slices') && !ended.includes('To cancel'), ended);

    // ---- the errors a user can still meet ----
    say.user('Set the TWAP up again, but let me sign later.');
    const first = ok(await say.tool(srv, 'request_session_approval', request));
    say.user('I lost that request; make it again.');
    r = await say.tool(srv, 'request_session_approval', request);
    const late = ok(r);
    assert.equal(late.replacedSessionId, first.sessionId, 'the unsigned request is replaced, not a duplicate');
    assert.match(text(r), new RegExp(`It replaces the earlier unsigned request ${first.sessionId} for the same automation`));
    r = await say.tool(srv, 'get_session_history', { sessionId: first.sessionId });
    assert.match(text(r), /UTC — replaced by a new request for the same automation before it was signed; its session key was destroyed\n/);
    say.user('Did I sign it yet?');
    r = await say.tool(srv, 'confirm_session', { sessionId: late.sessionId });
    assert.match(text(r), new RegExp(`^Session ${late.sessionId} is still waiting for the owner's signature \\(until ${wordsWhen(T0 + HOUR + 900)}\\)`));
    clock.set(T0 + HOUR + 16 * 60);
    r = await say.tool(srv, 'confirm_session', { sessionId: late.sessionId, signature: await signTyped(OWNER, late.typedData) });
    userError(r, /lapsed: it was not signed within 15 minutes/);
    r = await say.tool(srv, 'request_session_approval', { ...request, permissions: { ...request.permissions, maxTotal: '5000' } });
    userError(r, /maxTotal/);
    r = await say.tool(srv, 'confirm_session', { sessionId: 'ses_nosuchsession', decision: 'reject' });
    userError(r, /There is no session ses_nosuchsession/);
    r = await say.tool(srv, 'list_automations', { walletAddress: '0x1234' });
    userError(r, /walletAddress/);
    r = await say.tool(srv, 'get_session_history', {});
    userError(r, /Give walletAddress/);
}

test('a deployment links its own guide: helpUrl in the config file ends every summary', async (t) => {
    const home = tempHome(t);
    const config = path.join(home, 'config.json');
    writeFileSync(config, JSON.stringify({ helpUrl: 'https://help.example.org/sessions' }));
    const srv = await startServer(t, { home, args: ['--config', config] });
    const r = await srv.call('request_session_approval', { walletAddress: SMART_WALLET, ownerAddress: OWNER.address,
        account: ACCOUNT, duration: 86400, label: 'ETH TWAP', permissions: { chainId: 8453,
            contractAddress: '0x2626664c2603336E57B271c5C0b26F421741e481', allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50', maxTotal: '1000', rateLimit: { count: 1, period: HOUR } } });
    assert.equal(ok(r).helpUrl, 'https://help.example.org/sessions');
    assert.match(text(r), /\nHelp \(what each line means, how to cancel, what happens if this server is down\): https:\/\/help\.example\.org\/sessions\n/);
});
