// lifecycle.test.mjs: the session lifecycle through the official v1 SDK client against the real
// binary, with viem signing the typed data exactly as a wallet would: approve (exact summary,
// typed data and digest checked by viem), wrong signer / altered data, reject, duplicates,
// list pagination, TWAP and stop-loss side by side, manual revoke (by id, by feature,
// candidates, again), history, file modes, and full result texts pinned in tests/golden/e2e.
//
// Every test starts its own server(s) on a fresh data dir and kills them when it ends; every
// byte they print is scanned for 64-hex values that are not known digests (lifecycle_lib.mjs).
import assert from 'node:assert/strict';
import { wordsWhen, shortAddr, unix } from './words_lib.mjs';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { recoverTypedDataAddress, toFunctionSelector, verifyTypedData } from 'viem';

import { BIN, REPO } from './lib.mjs';
import {
    BASE_ROUTER,
    BASE_USDC,
    OWNER,
    OWNER2,
    SMART_WALLET,
    SMART_WALLET2,
    STRANGER,
    T0,
    approve,
    errText,
    golden,
    normalize,
    ok,
    readDb,
    seedArgs,
    signTyped,
    startServer,
    tempHome,
    testClock,
    text,
} from './lifecycle_lib.mjs';

const SEED_GOLDEN = readFileSync(path.join(REPO, 'tests/golden/summary/seed.txt'), 'utf8');
/* The golden seed summary with its end as of a request made at validAfter (the golden is
 * rendered for 2026-01-01T00:00:00Z). */
const seedSummary = (validAfter) => SEED_GOLDEN.replace(/^✓ Expires: .*$/m,
    `✓ Expires: ${wordsWhen(validAfter + 86400, validAfter)} (24 hours after the request)`);
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const lower = (a) => a.toLowerCase();
/* An error as the user reads it: the handler's words plus the manual fallback (err_words). */
const FALLBACK = ' If this keeps failing, the user can always make each trade themselves by signing it in their own wallet.';
const full = (m) => m + FALLBACK;

/* A server of the test flavour on a fresh dir with its clock at T0. */
async function clocked(t, opts = {}) {
    const home = opts.home ?? tempHome(t);
    const clock = testClock(t, home);
    const srv = await startServer(t, { home, env: { ...clock.env, ...(opts.env ?? {}) }, args: opts.args ?? [] });
    return { srv, clock, home };
}

function stripTypes(td) {
    const { EIP712Domain, ...types } = td.types;
    return { domain: td.domain, types, primaryType: td.primaryType, message: td.message };
}

test('approve: the seed request shows the exact summary, viem verifies its typed data and digest, and the signature activates the session (release binary)', async (t) => {
    const home = tempHome(t);
    const srv = await startServer(t, { bin: BIN, home });
    const r = await srv.call('request_session_approval', seedArgs());
    const req = ok(r);
    const SEED_SUMMARY = seedSummary(req.typedData.message.validAfter);

    // The summary, exactly as pinned for the seed request, then what an "other" account adds:
    // who enforces the limits, and that nothing confirmed the owner (no RPC endpoint).
    const otherNotes = [
        'Only this server enforces these limits: nothing is installed on your wallet contract.',
        `Owner not verified: nothing on chain confirms that ${OWNER.address} owns this wallet (no RPC endpoint is configured to check it).`,
    ];
    const SEED_TEXT = SEED_SUMMARY + otherNotes.map((l) => `ℹ ${l}\n`).join('');
    assert.equal(req.summaryText, SEED_TEXT);
    assert.equal(req.accountType, 'other');
    assert.deepEqual(SEED_SUMMARY.split('\n').slice(0, 3), [
        'Session Permissions:',
        '✓ Can execute: Uniswap V3 swaps only',
        '✓ Max per trade: $50 USDC',
    ]);
    assert.deepEqual(req.summary, {
        can: [
            'Can execute: Uniswap V3 swaps only',
            'Max per trade: $50 USDC',
            'Total limit: $1000 USDC',
            `Expires: ${wordsWhen(req.typedData.message.validUntil, req.typedData.message.validAfter)} (24 hours after the request)`,
            'Rate limit: 1 trade per hour',
            'Fees: at most 0.005 ETH per trade',
            'Max slippage: 1% below the Uniswap quote; a trade asking a worse price is refused before signing',
            'You can revoke anytime',
        ],
        cannot: ['Transfer to other addresses', 'Exceed spending limits', 'Access after expiration'],
        notes: otherNotes,
        warnings: [],
    });
    assert.equal(req.summaryText, ['Session Permissions:', ...req.summary.can.map((l) => `✓ ${l}`),
        ...req.summary.cannot.map((l) => `✗ Cannot: ${l}`), ...otherNotes.map((l) => `ℹ ${l}`), ''].join('\n'));
    assert.equal(req.status, 'pending');
    assert.match(req.sessionId, /^ses_[a-z2-7]{26}$/);

    // The typed data: eth_signTypedData_v4 with EIP712Domain, every field what was asked.
    const td = req.typedData;
    assert.deepEqual(td.domain, { name: 'sessionkey-mcp', version: '1', chainId: 8453 });
    assert.equal(td.primaryType, 'SessionApproval');
    assert.deepEqual(td.types.EIP712Domain.map((f) => f.name), ['name', 'version', 'chainId']);
    const m = td.message;
    const validAfter = m.validAfter;
    assert.deepEqual(m, {
        sessionId: req.sessionId,
        wallet: SMART_WALLET,
        owner: OWNER.address,
        sessionKey: req.sessionKeyAddress,
        target: BASE_ROUTER,
        selectors: [toFunctionSelector('exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))')],
        spendToken: BASE_USDC,
        maxPerTransaction: '50000000',
        maxTotal: '1000000000',
        rateLimitCount: 1,
        rateLimitPeriod: 3600,
        validAfter,
        validUntil: validAfter + 86400,
        summary: SEED_TEXT,
        summaryHash: m.summaryHash,
        policyHash: m.policyHash,
    });
    assert.ok(Math.abs(validAfter - Date.now() / 1000) < 600, `validAfter ${validAfter} is now`);
    assert.equal(req.expiresAt, iso(validAfter + 86400));
    assert.equal(req.approvalDeadline, iso(validAfter + 900));
    assert.match(req.sessionKeyAddress, /^0x[0-9a-fA-F]{40}$/);
    assert.notEqual(lower(req.sessionKeyAddress), lower(OWNER.address));
    // digest == viem's hashTypedData (checked in Srv.learn); say it here too.
    assert.match(req.digest, /^0x[0-9a-f]{64}$/);

    // The text: summary, the instructions, the balance note, and the same typed data.
    const body = text(r);
    const marker = '\n\nTyped data to sign:\n';
    assert.equal(body.slice(0, SEED_TEXT.length), SEED_TEXT);
    assert.deepEqual(JSON.parse(body.slice(body.indexOf(marker) + marker.length)), td);
    assert.equal(body.slice(SEED_TEXT.length, body.indexOf(marker)),
        'Help (what each line means, how to cancel, what happens if this server is down): ' +
        'https://github.com/sessionkey-mcp/sessionkey-mcp/blob/main/docs/user-guide.md\n' +
        `\nSession ${req.sessionId} is waiting for the user's approval until ${wordsWhen(validAfter + 900, validAfter)} (15 minutes).\n` +
        'Show the summary above to the user exactly as written, then this link: "Open this page to review and approve ' +
        `in your wallet: ${req.approvalUrl}". The page shows the same summary and asks their wallet (${OWNER.address}) ` +
        `for the signature. When they are done, call confirm_session {"sessionId": "${req.sessionId}"} to get the ` +
        'result. Without the page, they can sign the typed data below (eth_signTypedData_v4) and you call ' +
        'confirm_session with the signature; if they decline, call confirm_session with decision "reject".\n' +
        "The wallet's USDC balance was not checked: no RPC endpoint is configured for Base.");

    // A wallet signs; viem agrees the signature is the owner's over exactly this digest.
    const sig = await signTyped(OWNER, td);
    assert.equal(await recoverTypedDataAddress({ ...stripTypes(td), signature: sig }), OWNER.address);
    assert.ok(await verifyTypedData({ address: OWNER.address, ...stripTypes(td), signature: sig }));

    const c = await srv.call('confirm_session', { sessionId: req.sessionId, signature: sig });
    const conf = ok(c);
    assert.equal(conf.sessionId, req.sessionId);
    assert.equal(conf.status, 'active');
    assert.equal(conf.expiresAt, req.expiresAt);
    assert.equal(conf.message, text(c));
    // The end as a time, fixed at the request: the same words however late the user signs.
    assert.equal(conf.message,
        'Session approved! Your TWAP order is now active. The backend may now make trades of up to $50 USDC each, ' +
        `at most 1 trade per hour, $1000 USDC in total, until ${wordsWhen(validAfter + 86400, validAfter)}. ` +
        `You can check status or cancel anytime by saying 'show my automations'. (Session id: ${req.sessionId})`);

    // Idempotent.
    const again = await srv.call('confirm_session', { sessionId: req.sessionId, signature: sig });
    assert.deepEqual(ok(again), {
        sessionId: req.sessionId,
        status: 'active',
        expiresAt: req.expiresAt,
        message: "This session is already active; nothing more to confirm. Say 'show my automations' to check on it. " +
            `(Session id: ${req.sessionId})`,
    });

    const list = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET }));
    assert.equal(list.sessions.length, 1);
    assert.ok(!('nextCursor' in list));
    const s = list.sessions[0];
    assert.equal(s.expiresIn, `active until ${wordsWhen(validAfter + 86400, validAfter)}`);
    assert.deepEqual(s, {
        sessionId: req.sessionId,
        label: 'ETH TWAP',
        feature: 'twap',
        status: 'active',
        chainId: 8453,
        can: req.summary.can,
        cannot: req.summary.cannot,
        expiresAt: req.expiresAt,
        expiresIn: s.expiresIn,
        spent: '$0 USDC',
        remaining: '$1000 USDC',
        inFlightAmount: '$0 USDC',
        accountType: 'other',
        ownerVerified: false, // no RPC endpoint: nothing confirmed that OWNER owns SMART_WALLET
        executed: 0,
        inFlight: 0,
        // a TWAP-labelled session without an automation: slices = maxTotal / maxPerTransaction
        slicesTotal: 20,
        slicesDone: 0,
        slicesLeft: 20,
        howToRevoke: `say 'cancel my ETH TWAP' (revoke_session {"sessionId": "${req.sessionId}"})`,
        revokeWords: 'cancel my ETH TWAP',
    });

    const hist = ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET }));
    assert.deepEqual(hist.entries.map((e) => [e.seq, e.event, e.sessionId]), [
        [2, 'approved', req.sessionId],
        [1, 'requested', req.sessionId],
    ]);
    assert.deepEqual(hist.entries[1].details, {
        chainId: 8453,
        contract: lower(BASE_ROUTER),
        expiresAt: validAfter + 86400,
        maxPerTransaction: '$50 USDC',
        maxTotal: '$1000 USDC',
        sessionKey: lower(req.sessionKeyAddress),
    });
    assert.ok(!('nextCursor' in hist));
    // The approval records who signed; the text says it in words, times as dates, never JSON.
    assert.deepEqual(hist.entries[0].details,
        { signer: OWNER.address, signatureChecked: true, signed: 'session approval (EIP-712)' });
    const htext = text(await srv.call('get_session_history', { walletAddress: SMART_WALLET }));
    const lines = htext.split('\n');
    assert.equal(lines[0], `History of wallet ${shortAddr(SMART_WALLET)}, newest first:`);
    assert.equal(lines[1], `${wordsWhen(unix(hist.entries[0].at))} — ETH TWAP: approved by ${shortAddr(OWNER.address)} (signature checked)`);
    assert.equal(lines[2], `${wordsWhen(unix(hist.entries[1].at))} — ETH TWAP: requested: up to $1000 USDC in total, ` +
        `$50 USDC per trade, until ${wordsWhen(validAfter + 86400, unix(hist.entries[1].at))}; waiting for the owner's signature`);
    assert.doesNotMatch(htext, /[{}]|\b1\d{9}\b|000000\b/, 'no JSON, epoch seconds or base units');

    // On disk: one active session, its sealed key, the approval.
    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((x) => [x.id, x.status, x.feature]), [[req.sessionId, 'active', 'twap']]);
    assert.deepEqual(db.session_keys, [{ session_id: req.sessionId, wallet: lower(SMART_WALLET) }]);
    assert.deepEqual(db.approvals, [{ session_id: req.sessionId }]);
});

test('the data dir is created 0700; master.key, the database and its WAL files are 0600', async (t) => {
    const home = path.join(tempHome(t), 'nested', 'data');
    const { srv } = await clocked(t, { home });
    await approve(srv, seedArgs());
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(path.dirname(home)).mode & 0o777, 0o700);
    const files = readdirSync(home).sort();
    assert.ok(files.includes('master.key') && files.includes('sessionkey.db'), files.join(' '));
    for (const f of files) {
        if (!/^(master\.key|sessionkey\.db(-wal|-shm)?)$/.test(f)) continue;
        assert.equal(statSync(path.join(home, f)).mode & 0o777, 0o600, `${f} mode`);
    }
    assert.equal(statSync(path.join(home, 'master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(home, 'sessionkey.db')).mode & 0o777, 0o600);
});

test('a wrong signer or altered typed data is refused with both addresses, the request stays pending, and the right signature still works', async (t) => {
    const { srv, home } = await clocked(t);
    const req = ok(await srv.call('request_session_approval', seedArgs()));
    const id = req.sessionId;
    // What the handler says (kept in the audit log) and what the user reads: the same, with the
    // manual fallback added.
    const refusal = (who) =>
        `This signature does not approve session ${id}: it was made by ${who}, not by the wallet owner ${OWNER.address}. ` +
        'Nothing changed: the request stays pending until Thu 1 Jan, 00:15 UTC. Ask the user to sign the exact typed ' +
        'data from request_session_approval with that wallet and call confirm_session again.';
    const shown = (who) => `${refusal(who)} If this keeps failing, the user can always make each trade themselves by ` +
        'signing it in their own wallet.';

    // Another account signs the right data.
    const strangerSig = await signTyped(STRANGER, req.typedData);
    assert.equal(errText(await srv.call('confirm_session', { sessionId: id, signature: strangerSig })), shown(STRANGER.address));

    // The owner signs altered data (a bigger total): it recovers to some other address.
    const altered = structuredClone(req.typedData);
    altered.message.maxTotal = '1000000000000';
    const alteredSig = await signTyped(OWNER, altered);
    const recovered = await recoverTypedDataAddress({ ...stripTypes(req.typedData), signature: alteredSig });
    assert.notEqual(recovered, OWNER.address);
    assert.equal(errText(await srv.call('confirm_session', { sessionId: id, signature: alteredSig })), shown(recovered));

    // 65 bytes that are no signature (r = s = 0), and a malformed one (refused by the schema).
    assert.match(errText(await srv.call('confirm_session', { sessionId: id, signature: '0x' + '00'.repeat(64) + '1b' })),
        new RegExp(`^This is not a valid signature, so session ${id} was not approved\\. Nothing changed: the request ` +
            'stays pending until Thu 1 Jan, 00:15 UTC\\. Ask the user to sign the typed data again'));
    assert.match(errText(await srv.call('confirm_session', { sessionId: id, signature: '0x1234' })),
        /^Invalid arguments for confirm_session: /);

    // Still pending, everywhere.
    const live = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'pending' }));
    assert.deepEqual(live.sessions.map((s) => [s.sessionId, s.status, s.expiresIn]),
        [[id, 'pending', 'waiting for your signature until Thu 1 Jan, 00:15 UTC']]);
    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'active' })).sessions, []);
    let db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.status), ['pending']);
    assert.deepEqual(db.approvals, []);
    const hist = ok(await srv.call('get_session_history', { sessionId: id }));
    assert.deepEqual(hist.entries.map((e) => e.event), ['signature_refused', 'signature_refused', 'signature_refused', 'requested']);
    assert.deepEqual(hist.entries[1].details, { reason: refusal(recovered) });
    assert.deepEqual(hist.entries[2].details, { reason: refusal(STRANGER.address) });
    assert.deepEqual(hist.entries[3].details.sessionKey, lower(req.sessionKeyAddress));

    // The right signature still works.
    const sig = await signTyped(OWNER, req.typedData);
    assert.equal(ok(await srv.call('confirm_session', { sessionId: id, signature: sig })).status, 'active');
    db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.status), ['active']);
    assert.deepEqual(db.audit.map((a) => a.event), ['requested', 'signature_refused', 'signature_refused', 'signature_refused', 'approved']);
});

test('reject: the request is declined, its key destroyed, with a kind message and the manual alternative', async (t) => {
    const { srv, home } = await clocked(t);
    const req = ok(await srv.call('request_session_approval', seedArgs()));
    const id = req.sessionId;
    assert.deepEqual((await readDb(t, home)).session_keys.map((k) => k.session_id), [id]);

    const r = await srv.call('confirm_session', { sessionId: id, decision: 'reject' });
    const msg = 'No problem: the request was declined and its session key destroyed, so nothing can run on the wallet. ' +
        'The user can set up the automation again any time, or simply sign each trade themselves in their own wallet.';
    assert.deepEqual(ok(r), { sessionId: id, status: 'declined', expiresAt: req.expiresAt, message: msg });
    assert.equal(text(r), msg);

    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => [s.id, s.status]), [[id, 'declined']]);
    assert.deepEqual(db.session_keys, [], 'the sealed key is gone');

    // Settled: again is fine, a signature now is refused, revoke has nothing to do.
    assert.equal(ok(await srv.call('confirm_session', { sessionId: id, decision: 'reject' })).message,
        `This request was already declined; nothing more to do. (Session id: ${id})`);
    const sig = await signTyped(OWNER, req.typedData);
    assert.equal(errText(await srv.call('confirm_session', { sessionId: id, signature: sig })),
        `Session ${id} is declined, so it cannot be confirmed; nothing changed. Use list_automations to see the wallet's ` +
        'sessions, or call request_session_approval to set the automation up again. Meanwhile nothing is automated: the ' +
        'user can still make each trade themselves by signing every transaction in their own wallet.');
    assert.equal(errText(await srv.call('revoke_session', { sessionId: id })),
        full(`Session ${id} is declined: it never became active and has no key left, so there is nothing to revoke and ` +
            'nothing changed. Call list_automations to see what is active.'));
    assert.match(errText(await srv.call('confirm_session', { sessionId: id, decision: 'reject', signature: sig })),
        /^Give either a signature or decision "reject", not both\. Nothing was changed\. Correct the value named above and call confirm_session again\. If this keeps/);

    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET })).sessions, []);
    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'declined' })).sessions
        .map((s) => [s.sessionId, s.status, s.expiresIn]), [[id, 'declined', 'declined on Thu 1 Jan, 00:00 UTC']]);
    assert.deepEqual(ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET })).entries.map((e) => e.event),
        ['declined', 'requested']);

    // Declined is not live: the same automation can be requested again.
    const again = ok(await srv.call('request_session_approval', seedArgs()));
    assert.notEqual(again.sessionId, id);
    assert.notEqual(again.sessionKeyAddress, req.sessionKeyAddress);
});

test('duplicate: a second live TWAP (or the same contract and functions without a feature) is refused, naming the existing session and how to revoke it', async (t) => {
    const { srv, home } = await clocked(t);
    const first = ok(await srv.call('request_session_approval', seedArgs()));
    const dupText = (what, line) =>
        `This wallet already has a session for ${what}: ${line}. Nothing new was created. Either keep using it ` +
        `(nothing to do), or revoke it with revoke_session {"sessionId": "${first.sessionId}"} and then request the new one again.` + FALLBACK;

    // Same feature (label says TWAP), other amounts and label: refused while pending...
    const other = seedArgs({ label: 'Weekly twap into cbBTC' });
    other.permissions = { ...other.permissions, maxTotal: '500', allowedFunctions: ['exactInput'] };
    assert.equal(errText(await srv.call('request_session_approval', other)),
        dupText('twap', `${first.sessionId} "ETH TWAP" (waiting for your signature until Thu 1 Jan, 00:15 UTC)`));
    // ...and while active.
    const sig = await signTyped(OWNER, first.typedData);
    ok(await srv.call('confirm_session', { sessionId: first.sessionId, signature: sig }));
    assert.equal(errText(await srv.call('request_session_approval', seedArgs())),
        dupText('twap', `${first.sessionId} "ETH TWAP" (active until Fri 2 Jan, 00:00 UTC)`));

    // Another wallet may have its own TWAP.
    const w2 = ok(await srv.call('request_session_approval', seedArgs({ walletAddress: SMART_WALLET2, ownerAddress: OWNER2.address })));

    // Without a label: the same chain + contract + functions is a duplicate (even of the TWAP,
    // which has exactly those), other functions are not.
    const plain = seedArgs();
    delete plain.label;
    assert.equal(errText(await srv.call('request_session_approval', plain)),
        `This wallet already has a session for the same contract and functions: ${first.sessionId} "ETH TWAP" (active ` +
        'until Fri 2 Jan, 00:00 UTC). Nothing new was created. Either keep using it (nothing to do), or revoke it with ' +
        `revoke_session {"sessionId": "${first.sessionId}"} and then request the new one again.` + FALLBACK);
    plain.permissions = { ...plain.permissions, allowedFunctions: ['exactOutputSingle'] };
    const p1 = ok(await srv.call('request_session_approval', plain));
    const dup2 = errText(await srv.call('request_session_approval', plain));
    assert.equal(dup2,
        `This wallet already has a session for the same contract and functions: ${p1.sessionId} (waiting for your ` +
        'signature until Thu 1 Jan, 00:15 UTC). Nothing new was created. Either keep using it (nothing to do), or revoke it with ' +
        `revoke_session {"sessionId": "${p1.sessionId}"} and then request the new one again.` + FALLBACK);
    const plainOther = structuredClone(plain);
    plainOther.permissions.allowedFunctions = ['exactOutputSingle', 'exactOutput'];
    const p2 = ok(await srv.call('request_session_approval', plainOther));

    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.id).sort(), [first.sessionId, w2.sessionId, p1.sessionId, p2.sessionId].sort());
    assert.equal(db.session_keys.length, 4, 'no key was made for a refused duplicate');
    assert.equal(db.audit.filter((a) => a.event === 'requested').length, 4);

    // After revoking, the TWAP can be requested again.
    ok(await srv.call('revoke_session', { sessionId: first.sessionId }));
    const fresh = ok(await srv.call('request_session_approval', seedArgs()));
    assert.notEqual(fresh.sessionId, first.sessionId);
});

test('list: 5 sessions paged 2 at a time, newest first, no repeats and none missing; bad cursors refused', async (t) => {
    const { srv, clock } = await clocked(t);
    const made = [];
    for (let i = 1; i <= 5; i++) {
        if (i === 4) clock.set(T0 + 1); // three sessions share a second, two the next: ties break by id
        const args = seedArgs({ label: `Job ${i}` });
        const { req } = i % 2 ? await approve(srv, args) : { req: ok(await srv.call('request_session_approval', args)) };
        made.push({ id: req.sessionId, at: i >= 4 ? T0 + 1 : T0 });
    }
    const expected = [...made].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((m) => m.id);

    for (const status of ['live', 'all']) {
        const seen = [];
        const sizes = [];
        let cursor;
        for (let page = 0; page < 10; page++) {
            const r = await srv.call('list_automations', { walletAddress: SMART_WALLET, status, limit: 2, ...(cursor ? { cursor } : {}) });
            const sc = ok(r);
            sizes.push(sc.sessions.length);
            seen.push(...sc.sessions.map((s) => s.sessionId));
            cursor = sc.nextCursor;
            if (cursor === undefined) {
                assert.ok(!text(r).includes('More sessions'));
                break;
            }
            assert.match(cursor, /^c:\d+:ses_[a-z2-7]{26}$/);
            assert.ok(text(r).endsWith(`\nMore sessions: call again with cursor "${cursor}".\n`));
        }
        assert.deepEqual(sizes, [2, 2, 1], status);
        assert.deepEqual(seen, expected, `${status}: every session once, newest first`);
    }
    const onlyActive = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'active', limit: 100 }));
    assert.deepEqual(onlyActive.sessions.map((s) => s.sessionId), expected.filter((id) => [made[0], made[2], made[4]].some((m) => m.id === id)));
    const onlyPending = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'pending' }));
    assert.deepEqual(onlyPending.sessions.map((s) => s.label).sort(), ['Job 2', 'Job 4']);
    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET2 })).sessions, []);

    for (const cursor of ['c:0:ses_x', 'garbage', `c:${T0}:SES_X`, `c:${T0}:ses_abc;drop`]) {
        assert.match(errText(await srv.call('list_automations', { walletAddress: SMART_WALLET, cursor })),
            /^cursor: ".*" is not a cursor this tool returned; pass nextCursor from the previous page, or omit it\. Nothing was changed\. Correct the value named above and call list_automations again\. If this keeps/);
    }
});

test('TWAP and stop-loss run side by side on one wallet; revoking one leaves the other active', async (t) => {
    const { srv, home } = await clocked(t);
    const twap = await approve(srv, seedArgs({ label: 'ETH TWAP' }));
    const slArgs = seedArgs({ label: 'ETH stop-loss at $2,900' });
    slArgs.permissions = { ...slArgs.permissions, maxPerTransaction: '1000', maxTotal: '1000', rateLimit: { count: 1, period: 86400 } };
    const sl = await approve(srv, slArgs);

    const both = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET }));
    assert.deepEqual(both.sessions.map((s) => [s.feature, s.status, s.label]).sort(), [
        ['stop_loss', 'active', 'ETH stop-loss at $2,900'],
        ['twap', 'active', 'ETH TWAP'],
    ]);
    const slView = both.sessions.find((s) => s.feature === 'stop_loss');
    assert.ok(slView.can.includes('Rate limit: 1 trade per day'), slView.can.join(' | '));

    const r = ok(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'Stop-Loss', reason: 'price recovered' }));
    assert.deepEqual(r, {
        revoked: [sl.req.sessionId],
        alreadyRevoked: [],
        candidates: [],
        message: `Done: your ETH stop-loss at $2,900 is revoked and its session key destroyed, so it can never execute again. (Session id: ${sl.req.sessionId})\n`,
    });
    const after = ok(await srv.call('list_automations', { walletAddress: SMART_WALLET }));
    assert.deepEqual(after.sessions.map((s) => [s.sessionId, s.status]), [[twap.req.sessionId, 'active']]);
    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'revoked' })).sessions
        .map((s) => [s.sessionId, s.status]), [[sl.req.sessionId, 'revoked']]);
    const db = await readDb(t, home);
    assert.deepEqual(db.session_keys.map((k) => k.session_id), [twap.req.sessionId]);
    const h = ok(await srv.call('get_session_history', { sessionId: sl.req.sessionId }));
    assert.deepEqual(h.entries.map((e) => e.event), ['revoked', 'approved', 'requested']);
    assert.deepEqual(h.entries[0].details, { previousStatus: 'active', reason: 'price recovered' });
});

test('manual revoke by id and by feature "twap"; revoking again reports alreadyRevoked, not an error', async (t) => {
    const { srv, home } = await clocked(t);
    const a = await approve(srv, seedArgs({ label: 'ETH TWAP' }));
    const bArgs = seedArgs({ label: 'Rebalance', walletAddress: SMART_WALLET2, ownerAddress: OWNER2.address });
    const b = await approve(srv, bArgs, OWNER2);
    const revokedMsg = (id, name) => `Done: your ${name} is revoked and its session key destroyed, so it can never execute again. (Session id: ${id})\n`;
    const againMsg = (id) => `Session ${id} was already revoked; nothing more to do.\n`;

    // By id.
    const r1 = await srv.call('revoke_session', { sessionId: b.req.sessionId, reason: 'not needed' });
    assert.deepEqual(ok(r1), { revoked: [b.req.sessionId], alreadyRevoked: [], candidates: [], message: revokedMsg(b.req.sessionId, 'Rebalance') });
    assert.equal(text(r1), revokedMsg(b.req.sessionId, 'Rebalance'));
    assert.deepEqual(ok(await srv.call('revoke_session', { sessionId: b.req.sessionId })),
        { revoked: [], alreadyRevoked: [b.req.sessionId], candidates: [], message: againMsg(b.req.sessionId) });

    // By feature.
    assert.deepEqual(ok(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'twap' })),
        { revoked: [a.req.sessionId], alreadyRevoked: [], candidates: [], message: revokedMsg(a.req.sessionId, 'ETH TWAP') });
    assert.deepEqual(ok(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'twap' })),
        { revoked: [], alreadyRevoked: [a.req.sessionId], candidates: [], message: againMsg(a.req.sessionId) });
    assert.deepEqual(ok(await srv.call('revoke_session', { sessionId: a.req.sessionId })).alreadyRevoked, [a.req.sessionId]);

    // Nothing live left, keys gone, a confirm of a revoked session is refused.
    assert.deepEqual(ok(await srv.call('list_automations', { walletAddress: SMART_WALLET })).sessions, []);
    const db = await readDb(t, home);
    assert.deepEqual(db.session_keys, []);
    assert.deepEqual(db.sessions.map((s) => s.status), ['revoked', 'revoked']);
    assert.deepEqual(db.audit.map((e) => e.event), ['requested', 'approved', 'requested', 'approved', 'revoked', 'revoked']);
    assert.equal(errText(await srv.call('confirm_session', { sessionId: a.req.sessionId, signature: a.sig })),
        `Session ${a.req.sessionId} is revoked, so it cannot be confirmed; nothing changed. Use list_automations to see the ` +
        "wallet's sessions, or call request_session_approval to set the automation up again. Meanwhile nothing is automated: " +
        'the user can still make each trade themselves by signing every transaction in their own wallet.');

    // Unknown ids and features.
    assert.equal(errText(await srv.call('revoke_session', { sessionId: 'ses_nosuchsession' })),
        full('There is no session ses_nosuchsession. Call list_automations to see the wallet\'s sessions and their ids. Nothing was changed.'));
    assert.equal(errText(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'stop_loss' })),
        full('No active automation on this wallet matches "stop_loss", so nothing was revoked. Call list_automations to see ' +
            'them (each says the words that cancel it) and try again with those words or its sessionId. This wallet has no ' +
            'active automation at all.'));
    assert.match(errText(await srv.call('revoke_session', {})), /^Say which session to revoke: sessionId, or walletAddress with the user's words/);
});

test('revoke by a feature that matches several live sessions lists the candidates and revokes nothing', async (t) => {
    const { srv, home } = await clocked(t);
    // Labels that differ only in case are different features but both match "weekly buy".
    const x = await approve(srv, seedArgs({ label: 'Weekly buy' }));
    const yArgs = seedArgs({ label: 'weekly BUY' });
    yArgs.permissions = { ...yArgs.permissions, allowedFunctions: ['exactInput'] };
    const y = ok(await srv.call('request_session_approval', yArgs));
    const r = await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'weekly buy' });
    const sc = ok(r);
    assert.deepEqual(sc.revoked, []);
    assert.deepEqual(sc.alreadyRevoked, []);
    assert.deepEqual(sc.candidates, [
        { sessionId: y.sessionId, label: 'weekly BUY', feature: 'weekly BUY', status: 'pending', revokeWords: 'cancel my weekly BUY' },
        { sessionId: x.req.sessionId, label: 'Weekly buy', feature: 'Weekly buy', status: 'active', revokeWords: 'cancel my Weekly buy' },
    ].sort((a, b) => (a.sessionId < b.sessionId ? 1 : -1)));
    assert.ok(text(r).startsWith('Several automations match. Nothing was revoked. Say which one to cancel:\n'));
    assert.ok(text(r).includes(`- ${x.req.sessionId} "Weekly buy" (active until Fri 2 Jan, 00:00 UTC): say 'cancel my Weekly buy'\n`));
    assert.ok(text(r).includes(`- ${y.sessionId} "weekly BUY" (waiting for your signature until Thu 1 Jan, 00:15 UTC): say 'cancel my weekly BUY'\n`));
    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.status).sort(), ['active', 'pending']);
    assert.equal(db.session_keys.length, 2);
    assert.ok(!db.audit.some((e) => e.event === 'revoked'));
});

test('history: newest first for a wallet or one session, paged with nextCursor', async (t) => {
    const { srv, clock } = await clocked(t);
    const a = await approve(srv, seedArgs());
    clock.set(T0 + 60);
    const b = ok(await srv.call('request_session_approval', seedArgs({ label: 'Exit stop loss' })));
    ok(await srv.call('confirm_session', { sessionId: b.sessionId, decision: 'reject' }));
    clock.set(T0 + 120);
    ok(await srv.call('revoke_session', { sessionId: a.req.sessionId, reason: 'done' }));
    const all = [
        [5, 'revoked', a.req.sessionId, '2026-01-01T00:02:00Z'],
        [4, 'declined', b.sessionId, '2026-01-01T00:01:00Z'],
        [3, 'requested', b.sessionId, '2026-01-01T00:01:00Z'],
        [2, 'approved', a.req.sessionId, '2026-01-01T00:00:00Z'],
        [1, 'requested', a.req.sessionId, '2026-01-01T00:00:00Z'],
    ];
    const full = ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET }));
    assert.deepEqual(full.entries.map((e) => [e.seq, e.event, e.sessionId, e.at]), all);

    const got = [];
    const cursors = [];
    let cursor;
    do {
        const r = await srv.call('get_session_history', { walletAddress: SMART_WALLET, limit: 2, ...(cursor ? { cursor } : {}) });
        const sc = ok(r);
        got.push(...sc.entries.map((e) => e.seq));
        cursor = sc.nextCursor;
        cursors.push(cursor);
        if (cursor) assert.ok(text(r).endsWith(`More entries: call again with cursor "${cursor}".\n`));
    } while (cursor && got.length < 10);
    assert.deepEqual(got, [5, 4, 3, 2, 1]);
    assert.deepEqual(cursors, ['before:4', 'before:2', undefined]);

    const one = ok(await srv.call('get_session_history', { sessionId: a.req.sessionId }));
    assert.deepEqual(one.entries.map((e) => e.seq), [5, 2, 1]);
    assert.deepEqual(ok(await srv.call('get_session_history', { walletAddress: SMART_WALLET2 })).entries, []);
    assert.match(errText(await srv.call('get_session_history', { walletAddress: SMART_WALLET, cursor: 'before:x' })),
        /^cursor: "before:x" is not a cursor this tool returned/);
});

test('golden: the whole walk\'s result texts, normalized, match tests/golden/e2e', async (t) => {
    const { srv, clock } = await clocked(t);
    const out = [];
    const keys = [];
    const show = (title, r) => out.push(`=== ${title}${r.isError ? ' (isError)' : ''}\n${text(r)}\n`);

    const r1 = await srv.call('request_session_approval', seedArgs());
    const req = ok(r1);
    keys.push(req.sessionKeyAddress);
    show('request_session_approval seed', r1);
    show('request_session_approval duplicate', await srv.call('request_session_approval', seedArgs()));
    show('confirm_session wrong signer', await srv.call('confirm_session', { sessionId: req.sessionId, signature: await signTyped(STRANGER, req.typedData) }));
    show('confirm_session', await srv.call('confirm_session', { sessionId: req.sessionId, signature: await signTyped(OWNER, req.typedData) }));
    const slArgs = seedArgs({ label: 'ETH stop-loss' });
    const r2 = await srv.call('request_session_approval', slArgs);
    keys.push(ok(r2).sessionKeyAddress);
    show('confirm_session reject', await srv.call('confirm_session', { sessionId: ok(r2).sessionId, decision: 'reject' }));
    clock.set(T0 + 3600);
    show('list_automations', await srv.call('list_automations', { walletAddress: SMART_WALLET }));
    show('revoke_session twap', await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'twap', reason: 'user asked' }));
    show('revoke_session again', await srv.call('revoke_session', { sessionId: req.sessionId }));
    show('get_session_history', await srv.call('get_session_history', { walletAddress: SMART_WALLET }));
    golden('lifecycle_walk', normalize(out.join('\n'), keys));
});

test('revoke_session with only walletAddress lists what could be revoked and revokes nothing, even the only live session', async (t) => {
    const { srv, home } = await clocked(t);
    const only = await approve(srv, seedArgs({ label: 'ETH TWAP' }));
    const r = await srv.call('revoke_session', { walletAddress: SMART_WALLET });
    const sc = ok(r);
    assert.deepEqual(sc.revoked, []);
    assert.deepEqual(sc.alreadyRevoked, []);
    assert.deepEqual(sc.candidates, [{ sessionId: only.req.sessionId, label: 'ETH TWAP', feature: 'twap', status: 'active',
        revokeWords: 'cancel my ETH TWAP' }]);
    assert.equal(text(r), 'No automation was named. Nothing was revoked. Say which one to cancel:\n' +
        `- ${only.req.sessionId} "ETH TWAP" (active until Fri 2 Jan, 00:00 UTC): say 'cancel my ETH TWAP'\n`);
    // Words that name nothing in particular are the same as none.
    assert.deepEqual(ok(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'cancel my automation' })).revoked, []);
    const db = await readDb(t, home);
    assert.deepEqual(db.sessions.map((s) => s.status), ['active']);
    assert.ok(!db.audit.some((e) => e.event === 'revoked'));
    // With no live session at all it says so, and still revokes nothing.
    ok(await srv.call('revoke_session', { walletAddress: SMART_WALLET, feature: 'my ETH TWAP' }));
    assert.equal(text(await srv.call('revoke_session', { walletAddress: SMART_WALLET })),
        'You have no active automations on this wallet, so there is nothing to revoke.\n');
});
