// kernel.test.mjs: a ZeroDev Kernel v3 account through the real server and the official SDK
// client. The owner (viem, as a wallet would) signs the exact Enable typed data the server
// returns; confirm_session returns the serialized approval; the ZeroDev SDK's own
// deserializePermissionAccount accepts it and finds the same account and permission. The
// session key never leaves the server: the SDK gets a signer that knows only its address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants } from '@zerodev/sdk';
import { deserializePermissionAccount } from '@zerodev/permissions';
import { toECDSASigner } from '@zerodev/permissions/signers';
import { createPublicClient, hashTypedData, http } from 'viem';
import { toAccount } from 'viem/accounts';
import { BIN } from './lib.mjs';
import { OWNER, STRANGER, BASE_ROUTER, errText, startServer, text } from './lifecycle_lib.mjs';
import { startStub } from '../interop/zerodev/stub_rpc.mjs';

const CHAIN = 8453;

/* The counterfactual Kernel 0.3.1 account of OWNER at index 0, from our CLI (whose every
 * field is checked byte for byte against the SDK in tests/interop/zerodev.test.mjs). */
function kernelAccount() {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: STRANGER.address, chainId: CHAIN, kernelVersion: '0.3.1',
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

function kernelArgs(wallet, over = {}) {
    return {
        walletAddress: wallet,
        ownerAddress: OWNER.address,
        duration: 86400,
        label: 'ETH TWAP',
        permissions: {
            chainId: CHAIN, contractAddress: BASE_ROUTER, allowedFunctions: ['exactInputSingle'],
            maxPerTransaction: '50', maxTotal: '1000', rateLimit: { count: 1, period: 3600 },
        },
        account: { type: 'kernel-v3', kernelVersion: '0.3.1', onchain: { deployed: false, currentNonce: 1 } },
        ...over,
    };
}

function home(t) {
    const dir = mkdtempSync(path.join(tmpdir(), 'skm-kernel-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}

test('a Kernel v3 session: Enable data signed by the owner, serialized approval accepted by the ZeroDev SDK', async (t) => {
    const wallet = kernelAccount();
    const srv = await startServer(t, { home: home(t), checkSecrets: false });
    const r = await srv.call('request_session_approval', kernelArgs(wallet));
    assert.equal(r.isError, undefined, text(r));
    const sc = r.structuredContent;
    assert.equal(sc.accountType, 'kernel-v3');
    assert.equal(sc.typedData.primaryType, 'Enable');
    assert.equal(sc.typedData.domain.verifyingContract, wallet);
    assert.equal(sc.digest, hashTypedData(sc.typedData));
    // the summary is the policy's, plus who enforces what
    assert.match(text(r), /^Session Permissions:\n✓ Can execute: Uniswap V3 swaps only\n/);
    assert.match(sc.summary.notes.at(-1), /^Enforced on chain by the Kernel account: .*at most 24 trades in total.*; enforced only by this server: .*the rate limit, the total limit, the maximum slippage, the fee cap$/);

    const sig = await OWNER.signTypedData(sc.typedData);
    const c = await srv.call('confirm_session', { sessionId: sc.sessionId, signature: sig });
    assert.equal(c.isError, undefined, text(c));
    assert.equal(c.structuredContent.status, 'active');
    const b64 = c.structuredContent.serializedApproval;
    assert.match(b64, /^[A-Za-z0-9+/]+=*$/);
    assert.ok(!Buffer.from(b64, 'base64').toString().includes('privateKey'), 'no key material in the approval');

    // list_automations hands it to the executor on request only
    const plain = (await srv.call('list_automations', { walletAddress: wallet })).structuredContent.sessions[0];
    assert.equal(plain.accountType, 'kernel-v3');
    assert.ok(!('serializedApproval' in plain));
    const withA = (await srv.call('list_automations', { walletAddress: wallet, includeApproval: true }))
        .structuredContent.sessions[0];
    assert.equal(withA.serializedApproval, b64);

    // the SDK accepts it: same account, the permission it describes
    const stub = await startStub({ chainId: CHAIN, accounts: {} });
    t.after(() => stub.close());
    const client = createPublicClient({ transport: http(stub.url) });
    const keyOnly = toAccount({
        address: sc.sessionKeyAddress,
        signMessage: () => { throw new Error('the session key lives in the server'); },
        signTransaction: () => { throw new Error('the session key lives in the server'); },
        signTypedData: () => { throw new Error('the session key lives in the server'); },
    });
    const signer = await toECDSASigner({ signer: keyOnly });
    const account = await deserializePermissionAccount(client, constants.getEntryPoint('0.7'), '0.3.1', b64, signer);
    assert.equal(account.address, wallet);
    assert.equal(await account.kernelPluginManager.getPluginEnableSignature(account.address), sig.toLowerCase());
});

test('a Kernel request with no RPC and no stated nonce: the owner\'s counterfactual account is assumed undeployed and says so; any other wallet is refused', async (t) => {
    const srv = await startServer(t, { home: home(t), checkSecrets: false });
    const args = kernelArgs(kernelAccount());
    delete args.account.onchain;
    const r = await srv.call('request_session_approval', args);
    assert.equal(r.isError, undefined, text(r));
    const assumed = 'This wallet is assumed not deployed yet (no RPC endpoint is configured for Base to read it), so the ' +
        'approval deploys it with its first trade. If this account is already deployed, configure --rpc 8453=URL so ' +
        'the right nonce is used, and request again.';
    assert.ok(r.structuredContent.summary.notes.includes(assumed), JSON.stringify(r.structuredContent.summary.notes));
    assert.ok(r.structuredContent.summaryText.includes(`ℹ ${assumed}\n`));
    assert.ok(text(r).includes(assumed));
    // The Enable data is the undeployed account's: its nonce is 1.
    assert.equal(r.structuredContent.typedData.message.nonce, 1);

    // A wallet that is not OWNER's account: refused in words, nothing stored.
    const stranger = kernelArgs('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
    delete stranger.account.onchain;
    const bad = await srv.call('request_session_approval', stranger);
    assert.equal(bad.isError, true);
    assert.match(errText(bad), new RegExp(`^ownerAddress ${OWNER.address} does not own 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ` +
        `as a ZeroDev Kernel v3 0\\.3\\.1 account: that owner's account at index 0 is ${args.walletAddress}\\. Nothing was created\\.`));
    const list = await srv.call('list_automations', { walletAddress: stranger.walletAddress, status: 'all' });
    assert.deepEqual(list.structuredContent.sessions, []);
});

test('a Kernel approval signed by someone else is refused and stays pending', async (t) => {
    const srv = await startServer(t, { home: home(t), checkSecrets: false });
    const r = await srv.call('request_session_approval', kernelArgs(kernelAccount()));
    const sc = r.structuredContent;
    const bad = await srv.call('confirm_session', { sessionId: sc.sessionId, signature: await STRANGER.signTypedData(sc.typedData) });
    assert.equal(bad.isError, true);
    assert.match(errText(bad), new RegExp(`recovers ${STRANGER.address}.*not the owner ${OWNER.address}`, 's'));
    const good = await srv.call('confirm_session', { sessionId: sc.sessionId, signature: await OWNER.signTypedData(sc.typedData) });
    assert.equal(good.structuredContent.status, 'active');
});
