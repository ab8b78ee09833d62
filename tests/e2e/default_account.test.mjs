// default_account.test.mjs: the default account is a real one, and the owner is really the
// owner, through the real binary. A request naming no account gets ZeroDev Kernel v3 0.3.1; a
// deployment chooses another default with --account or the config file; "other" is used only
// when named and says that only this server enforces it. For Kernel, walletAddress must be the
// owner's counterfactual account, or a deployed account whose ECDSA validator names the owner
// (read from a loopback JSON-RPC node); for "other", ERC-1271 isValidSignature decides at
// confirm when an RPC endpoint exists, and otherwise the summary and the list say
// "owner not verified".
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { encodeAbiParameters, pad } from 'viem';

import { BIN, tempHome } from './lib.mjs';
import { OWNER, SMART_WALLET, STRANGER, errText, ok, seedArgs, signTyped, startServer, text } from './lifecycle_lib.mjs';

function kernelAccount(kernelVersion = '0.3.1', index) {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: OWNER.address, chainId: 8453, kernelVersion,
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
        ...(index !== undefined ? { index } : {}),
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

/* The seed request for a wallet, naming no account. */
function kernelArgs(walletAddress, over = {}) {
    const a = seedArgs({ walletAddress, ...over });
    delete a.account;
    return a;
}

const ONLY_SERVER = 'Only this server enforces these limits: nothing is installed on your wallet contract.';

/* A loopback JSON-RPC node for chain 8453 that knows one deployed wallet. */
async function chainStub(t, { wallet, kernel = true, validatorOwner = OWNER.address, erc1271 = true }) {
    const word = (hex) => pad(hex, { size: 32 });
    const answer = (data, to) => {
        const sel = data.slice(0, 10);
        if (sel === '0x70a08231') return word('0x' + (10n ** 30n).toString(16)); // balanceOf: plenty
        if (sel === '0x9cfd7cff' && kernel && to === wallet) return encodeAbiParameters([{ type: 'string' }], ['kernel.advanced.v0.3.1']);
        if (sel === '0x20709efc') return word(validatorOwner); // ecdsaValidatorStorage(wallet)
        if (sel === '0xadb610a3') return word('0x3'); // currentNonce()
        if (sel === '0x84b0196e') {
            return encodeAbiParameters(
                [{ type: 'bytes1' }, { type: 'string' }, { type: 'string' }, { type: 'uint256' }, { type: 'address' }, { type: 'bytes32' }, { type: 'uint256[]' }],
                ['0x0f', 'Kernel', '0.3.1', 8453n, wallet, pad('0x0'), []]);
        }
        if (sel === '0x1626ba7e') return pad(erc1271 ? '0x1626ba7e' : '0xffffffff', { dir: 'right', size: 32 });
        return null;
    };
    const calls = [];
    const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            const { id, method, params } = JSON.parse(body);
            let result = null;
            if (method === 'eth_chainId') result = '0x2105';
            else if (method === 'eth_getCode') result = params[0].toLowerCase() === wallet.toLowerCase() ? '0x6080604052' : '0x';
            else if (method === 'eth_call') {
                calls.push(params[0].data.slice(0, 10));
                result = answer(params[0].data, params[0].to);
            }
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify(result === null
                ? { jsonrpc: '2.0', id, error: { code: -32000, message: 'execution reverted' } }
                : { jsonrpc: '2.0', id, result }));
        });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    return { url: `http://127.0.0.1:${server.address().port}`, calls };
}

test('--help documents --account; a bad --account or config "account" stops the server with words', (t) => {
    const help = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /--account TYPE +the account a request gets when it names none: kernel-v3 \(ZeroDev Kernel v3\n/);
    assert.match(help.stdout, /kernel-v3:0\.3\.0, kernel-v3:0\.3\.1, or other/);
    const home = tempHome(t);
    const bad = spawnSync(BIN, ['--account', 'kernel-v2', '--data-dir', home], { encoding: 'utf8', input: '' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--account "kernel-v2": use kernel-v3, kernel-v3:0\.3\.0, kernel-v3:0\.3\.1, other/);
    const cfg = path.join(home, 'c.json');
    writeFileSync(cfg, JSON.stringify({ account: { type: 'kernel-v3', kernelVersion: '0.2.4' } }));
    const badFile = spawnSync(BIN, ['--config', cfg, '--data-dir', home], { encoding: 'utf8', input: '' });
    assert.equal(badFile.status, 2);
    assert.match(badFile.stderr, /"account" kernelVersion must be "0\.3\.0" or "0\.3\.1"/);
});

test('no account named: Kernel v3 0.3.1 for the owner\'s account; ownerAddress required; a stranger\'s wallet refused; index 0 and "0"', async (t) => {
    const srv = await startServer(t, { home: tempHome(t), checkSecrets: false });
    const wallet = kernelAccount();
    const r = ok(await srv.call('request_session_approval', kernelArgs(wallet)));
    assert.equal(r.accountType, 'kernel-v3');
    assert.equal(r.typedData.domain.version, '0.3.1');
    assert.equal(r.typedData.domain.verifyingContract, wallet);

    const noOwner = kernelArgs(kernelAccount('0.3.1', 5));
    delete noOwner.ownerAddress;
    assert.match(errText(await srv.call('request_session_approval', noOwner)), /^ownerAddress is required for a ZeroDev Kernel v3 account/);

    // SMART_WALLET is nobody's Kernel account of OWNER: refused, with what to do
    const stranger = errText(await srv.call('request_session_approval', kernelArgs(SMART_WALLET)));
    assert.match(stranger, /does not own 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed as a ZeroDev Kernel v3 0\.3\.1 account/);
    assert.match(stranger, /request again with account \{"type": "other"\}/);
    // the 0.3.0 account of OWNER under the 0.3.1 default: the hint names the version
    const v030 = errText(await srv.call('request_session_approval', kernelArgs(kernelAccount('0.3.0'))));
    assert.match(v030, /It is the Kernel 0\.3\.0 account of this owner: request again with account \{"type": "kernel-v3", "kernelVersion": "0\.3\.0"\}/);

    // account.index as the integer 0 and as "0"; kernelVersion optional
    for (const index of [0, '0']) {
        const w = kernelArgs(wallet, { label: `Index ${index === 0 ? 'int' : 'str'}`, account: { type: 'kernel-v3', index } });
        w.permissions = { ...w.permissions, allowedFunctions: [index === 0 ? 'exactOutputSingle' : 'exactInput'] };
        const x = await srv.call('request_session_approval', w);
        assert.equal(x.isError, undefined, text(x));
    }
});

test('--account other and a config file default (kernel-v3 0.3.0); other says only this server enforces it', async (t) => {
    const other = await startServer(t, { home: tempHome(t), args: ['--account', 'other'] });
    const r = ok(await other.call('request_session_approval', kernelArgs(SMART_WALLET)));
    assert.equal(r.accountType, 'other');
    assert.ok(r.summaryText.includes(`ℹ ${ONLY_SERVER}\n`));
    assert.ok(r.summary.notes.includes(ONLY_SERVER));

    const home = tempHome(t);
    const cfg = path.join(home, 'c.json');
    writeFileSync(cfg, JSON.stringify({ account: { type: 'kernel-v3', kernelVersion: '0.3.0' } }));
    const k030 = await startServer(t, { home, args: ['--config', cfg], checkSecrets: false });
    const k = ok(await k030.call('request_session_approval', kernelArgs(kernelAccount('0.3.0'))));
    assert.equal(k.accountType, 'kernel-v3');
    assert.equal(k.typedData.domain.version, '0.3.0-beta');
    // the command line wins over the file
    const both = await startServer(t, { home: tempHome(t), args: ['--config', cfg, '--account', 'other'] });
    assert.equal(ok(await both.call('request_session_approval', kernelArgs(SMART_WALLET))).accountType, 'other');
});

test('deployed Kernel account over RPC: its ECDSA validator must name ownerAddress', async (t) => {
    const wallet = '0x' + 'ab'.repeat(20);
    const good = await chainStub(t, { wallet });
    const srv = await startServer(t, { home: tempHome(t), args: ['--rpc', `8453=${good.url}`], checkSecrets: false });
    const r = await srv.call('request_session_approval', kernelArgs(wallet));
    assert.equal(r.isError, undefined, text(r));
    assert.equal(r.structuredContent.accountType, 'kernel-v3');
    assert.equal(r.structuredContent.typedData.message.nonce, 3, 'the nonce read from the chain');
    assert.ok(good.calls.includes('0x20709efc'), 'ecdsaValidatorStorage was read');

    const bad = await chainStub(t, { wallet, validatorOwner: STRANGER.address });
    const srv2 = await startServer(t, { home: tempHome(t), args: ['--rpc', `8453=${bad.url}`], checkSecrets: false });
    assert.match(errText(await srv2.call('request_session_approval', kernelArgs(wallet))),
        new RegExp(`^ownerAddress ${OWNER.address} does not own the Kernel account .*its ECDSA validator names ${STRANGER.address} as the owner\\. Nothing was created\\.`));
    // a deployed contract that is no Kernel account
    const notKernel = await chainStub(t, { wallet, kernel: false });
    const srv3 = await startServer(t, { home: tempHome(t), args: ['--rpc', `8453=${notKernel.url}`], checkSecrets: false });
    assert.match(errText(await srv3.call('request_session_approval', kernelArgs(wallet))),
        /is a deployed contract but not a ZeroDev Kernel v3 account .*account \{"type": "other"\}/);
});

test('other: ERC-1271 decides at confirm when an RPC endpoint exists; otherwise "owner not verified" in the summary and the list', async (t) => {
    const wallet = SMART_WALLET;
    for (const valid of [true, false]) {
        const stub = await chainStub(t, { wallet, kernel: false, erc1271: valid });
        const srv = await startServer(t, { home: tempHome(t), args: ['--rpc', `8453=${stub.url}`] });
        const req = ok(await srv.call('request_session_approval', seedArgs()));
        assert.ok(!req.summaryText.includes('Owner not verified'), 'checked at confirm instead');
        const conf = await srv.call('confirm_session', { sessionId: req.sessionId, signature: await signTyped(OWNER, req.typedData) });
        if (valid) {
            assert.equal(ok(conf).status, 'active');
            assert.ok(stub.calls.includes('0x1626ba7e'));
        } else {
            assert.match(errText(conf), /does not accept this signature as its own \(ERC-1271 isValidSignature answered 0xffffffff\)/);
            assert.equal(ok(await srv.call('list_automations', { walletAddress: wallet })).sessions[0].status, 'pending');
        }
    }
    // no RPC: said plainly, in the summary and in the list
    const srv = await startServer(t, { home: tempHome(t) });
    const req = ok(await srv.call('request_session_approval', seedArgs()));
    assert.ok(req.summaryText.includes(`ℹ Owner not verified: nothing on chain confirms that ${OWNER.address} owns this wallet`));
    const list = await srv.call('list_automations', { walletAddress: SMART_WALLET, status: 'all' });
    assert.equal(list.structuredContent.sessions[0].ownerVerified, false);
    assert.match(text(list), /Owner not verified/);
    // the wallet signing for itself needs no check
    const self = ok(await srv.call('request_session_approval', seedArgs({ walletAddress: OWNER.address, ownerAddress: undefined, label: 'Self TWAP' })));
    assert.ok(!self.summaryText.includes('Owner not verified'));
});
