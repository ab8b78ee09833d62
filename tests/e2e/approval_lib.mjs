// approval_lib.mjs: helpers for the approval-page tests (approval_*.test.mjs). Not a test.
// A headless Debian chromium driven by puppeteer-core, and a test wallet injected into the
// page: an EIP-1193 provider announced over EIP-6963 (or set as window.ethereum) whose
// eth_signTypedData_v4 calls back into this process (page.exposeFunction) and signs with viem,
// exactly as a wallet signs typed data.
import { existsSync } from 'node:fs';
import net from 'node:net';

import puppeteer from 'puppeteer-core';

import { signTyped } from './lifecycle_lib.mjs';

export const CHROMIUM = process.env.SKM_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: install Debian's chromium (scripts/install-deps.sh --test)`);
    return puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
    });
}

/* The provider script injected before any page script runs. cfg: {wallets: [{uuid, name, rdns,
 * account, chainId}], announce: 'eip6963' | 'ethereum' | 'none'}. */
function injectWallets(cfg) {
    const make = (w, idx) => {
        let chain = w.chainId;
        return {
            isTestWallet: true,
            request: async ({ method, params }) => {
                window.__skmCalls = window.__skmCalls || [];
                window.__skmCalls.push({ wallet: idx, method, params });
                if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [w.account];
                if (method === 'eth_chainId') return '0x' + chain.toString(16);
                if (method === 'wallet_switchEthereumChain') {
                    if (w.switchError) {
                        const e = new Error(w.switchError.message);
                        e.code = w.switchError.code;
                        throw e;
                    }
                    chain = parseInt(params[0].chainId, 16);
                    return null;
                }
                if (method === 'eth_signTypedData_v4') {
                    const r = await window.__skmSign(idx, params[0], params[1], chain);
                    if (r.error) {
                        const e = new Error(r.error.message);
                        e.code = r.error.code;
                        throw e;
                    }
                    return r.signature;
                }
                const e = new Error('method not supported by the test wallet: ' + method);
                e.code = 4200;
                throw e;
            },
            on() {},
            removeListener() {},
        };
    };
    const providers = cfg.wallets.map(make);
    if (cfg.announce === 'ethereum') {
        window.ethereum = providers[0];
        return;
    }
    if (cfg.announce !== 'eip6963') return;
    const announce = () => {
        cfg.wallets.forEach((w, i) => {
            const detail = Object.freeze({
                info: Object.freeze({ uuid: w.uuid, name: w.name, rdns: w.rdns, icon: 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><circle cx="16" cy="16" r="14" fill="%234a7"/></svg>' }),
                provider: providers[i],
            });
            window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
        });
    };
    window.addEventListener('eip6963:requestProvider', announce);
    announce();
}

/* Open url in a new page with the test wallets. wallets: [{account (viem account used to
 * sign), address? (what the wallet reports, default account.address), name, chainId,
 * switchError? ({code, message}: how wallet_switchEthereumChain fails)}].
 * behaviour.reject: how many signature requests to refuse with 4001 first.
 * Returns {page, signed: [...], requests: [urls]}. */
export async function openPage(browser, url, { wallets = [], announce = 'eip6963', reject = 0, viewport } = {}) {
    const page = await browser.newPage();
    if (viewport) await page.setViewport(viewport);
    const state = { signed: [], requests: [], rejectLeft: reject, page };
    state.console = [];
    page.on('request', (r) => state.requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && state.console.push(m.text()));
    page.on('pageerror', (e) => state.console.push(String(e)));
    await page.exposeFunction('__skmSign', async (idx, address, typedJson, chain) => {
        const w = wallets[idx];
        const td = typeof typedJson === 'string' ? JSON.parse(typedJson) : typedJson;
        if (state.rejectLeft > 0) {
            state.rejectLeft--;
            return { error: { code: 4001, message: 'User rejected the request.' } };
        }
        if (Number(td.domain.chainId) !== chain) return { error: { code: -32000, message: 'chainId mismatch' } };
        const signature = await signTyped(w.account, td);
        state.signed.push({ idx, address, typedJson, signature });
        return { signature };
    });
    const cfg = {
        announce,
        wallets: wallets.map((w, i) => ({
            uuid: `00000000-0000-4000-8000-00000000000${i}`,
            name: w.name || `Test Wallet ${i + 1}`,
            rdns: `org.example.wallet${i + 1}`,
            account: w.address || w.account.address,
            chainId: w.chainId || 1,
            switchError: w.switchError || null,
        })),
    };
    await page.evaluateOnNewDocument(injectWallets, cfg);
    state.response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    return state;
}

/* The page's visible text. */
export function visibleText(page) {
    return page.evaluate(() => document.body.innerText);
}

/* Wait until the status box shows text matching re; returns the visible text. */
export async function waitStatus(page, re, timeout = 10000) {
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status').innerText), { timeout }, re.source);
    return visibleText(page);
}

export async function waitLoaded(page) {
    await page.waitForFunction(() => !document.getElementById('summary-card').hidden || document.getElementById('status').innerText.length > 0, { timeout: 10000 });
}

export async function click(page, action) {
    await page.click(`button[data-action="${action}"]`);
}

/* A raw HTTP/1.1 exchange on a fresh TCP connection: send `raw` (string or Buffer chunks),
 * resolve with the whole answer as text ('' if the server closed without one). */
export function rawHttp(port, raw, { timeoutMs = 10000 } = {}) {
    return new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        let out = '';
        const timer = setTimeout(() => {
            s.destroy();
            reject(new Error('no answer within ' + timeoutMs + ' ms'));
        }, timeoutMs);
        s.on('connect', () => s.write(raw));
        s.on('data', (c) => (out += c));
        s.on('error', () => {});
        s.on('close', () => {
            clearTimeout(timer);
            resolve(out);
        });
    });
}

export function statusOf(answer) {
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
    return m ? Number(m[1]) : 0;
}

export function headerOf(answer, name) {
    const head = answer.split('\r\n\r\n')[0];
    const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
    return line === undefined ? undefined : line.slice(name.length + 1).trim();
}
