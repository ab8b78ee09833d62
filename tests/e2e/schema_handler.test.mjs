// schema_handler.test.mjs: every tool's input schema says what its handler does, through the
// real binary. For each tool (from tools/list), starting from a small valid call, every
// optional property is added in turn with values generated from its schema (each enum value,
// each anyOf branch, an integer's minimum and maximum, a string matching its pattern, both
// booleans; nested objects likewise, from their required properties up): the handler must not
// refuse any of them as an invalid argument (it may still refuse on the merits: not found,
// a duplicate, a policy). Every required property, removed, is refused as required; every
// enum refuses a value outside it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

import { BIN } from './lib.mjs';
import { BASE_ROUTER, BASE_USDC, OWNER, startServer, tempHome } from './lifecycle_lib.mjs';

function kernelAccount() {
    const input = JSON.stringify({
        ownerAddress: OWNER.address, sessionKeyAddress: OWNER.address, chainId: 8453, kernelVersion: '0.3.1',
        callPolicyVersion: '0.0.4', onchain: { deployed: false, currentNonce: 1 }, policies: { sudo: true },
    });
    return JSON.parse(execFileSync(BIN, ['zerodev', 'approve'], { input })).accountAddress;
}

const WALLET = kernelAccount();
const SID = 'ses_aaaaaaaaaaaaaaaaaaaaaaaaaa';

/* Values for patterns our schemas use. */
const PATTERN_VALUES = {
    '^0x[0-9a-fA-F]{40}$': [WALLET],
    '^0x[0-9a-fA-F]{64}$': ['0x' + 'ab'.repeat(32)],
    '^0x[0-9a-fA-F]{130}$': ['0x' + '11'.repeat(65)],
    '^0x[0-9a-fA-F]*$': ['0x'],
    '^0x([0-9a-fA-F]{2})*$': ['0x'],
    '^(0|[1-9][0-9]{0,59})(\\.[0-9]{1,36})?$': ['1'],
    '^(0|[1-9][0-9]{0,77})$': ['0'],
    '^(0[xX][0-9a-fA-F]{1,64}|0|[1-9][0-9]{0,77})$': ['0x1', '7'],
    '^(0|[1-9][0-9]?)(\\.[0-9]{1,2})?$': ['1', '0.5'], // a percentage (maxSlippage)
    '^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?$': ['0.005'], // an amount of ETH (maxFeePerOperation)
};

/* Values a property of this schema may take, generated from the schema. */
function values(s, name) {
    if (s.anyOf) return s.anyOf.flatMap((b) => values(b, name));
    if (s.enum) return [...s.enum];
    switch (s.type) {
    case 'boolean': return [true, false];
    case 'integer': {
        const out = [s.minimum ?? 1];
        if (s.maximum !== undefined && s.maximum !== out[0]) out.push(s.maximum);
        return out;
    }
    case 'string':
        if (s.pattern) {
            assert.ok(PATTERN_VALUES[s.pattern], `no value for pattern ${s.pattern} (${name}): add one`);
            return PATTERN_VALUES[s.pattern];
        }
        return ['x'.repeat(Math.max(1, s.minLength ?? 1))];
    case 'array': return [values(s.items, name).slice(0, 1)];
    case 'object': {
        const o = {};
        for (const r of s.required ?? []) o[r] = values(s.properties[r], r)[0];
        return [o];
    }
    default: throw new Error(`unknown type at ${name}`);
    }
}

/* A valid call of each tool the handler accepts (it may refuse on the merits). Nested objects
 * that the generator varies must be present here when their required fields need real values. */
const BASE = {
    request_session_approval: {
        walletAddress: WALLET, ownerAddress: OWNER.address, duration: 86400,
        permissions: { chainId: 8453, contractAddress: BASE_ROUTER, allowedFunctions: ['exactInputSingle'], maxPerTransaction: '41.67', maxTotal: '1000' },
    },
    plan_automation: {
        walletAddress: WALLET, ownerAddress: OWNER.address, chainId: 8453,
        automation: { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 },
    },
    confirm_session: { sessionId: SID, signature: '0x' + '11'.repeat(65) },
    list_automations: { walletAddress: WALLET },
    revoke_session: { sessionId: SID },
    get_session_history: { walletAddress: WALLET },
    authorize_execution: { sessionId: SID, calls: [{ target: BASE_ROUTER, data: '0x' }] },
    report_execution: { reservationId: 'res_aaaaaaaaaaaaaaaaaaaaaaaaaa', outcome: 'executed', txHash: '0x' + 'ab'.repeat(32) },
};

/* Values that are valid for the schema but semantically bound to others (the description says
 * so): a better value for the generated one, by property path. */
const REAL = {
    'request_session_approval.spendToken': BASE_USDC,
    'request_session_approval.permissions.contractAddress': BASE_ROUTER,
    'plan_automation.ownerAddress': OWNER.address,
    'request_session_approval.ownerAddress': OWNER.address,
    // which fields a kind needs is in the description (JSON Schema's subset here cannot say it)
    'request_session_approval.automation': { kind: 'twap', sellToken: 'USDC', buyToken: 'WETH', totalAmount: '1000', duration: 86400, interval: 3600 },
};

/* Generated combinations the handler refuses for a documented reason. */
const EXCLUSIVE = [
    // confirm_session: a signature approves; decision "reject" declines. Not both (its description).
    { tool: 'confirm_session', path: 'decision', value: 'reject', why: /either a signature or decision "reject", not both/i },
    // a cursor is opaque: only one a previous page returned is accepted (its description)
    { tool: 'list_automations', path: 'cursor', value: 'x', why: /is not a cursor this tool returned/ },
    { tool: 'get_session_history', path: 'cursor', value: 'x', why: /cursor/ },
    // ERC-4337 v0.7 pairs: factoryData belongs to a factory, paymaster fields to a paymaster
    { tool: 'authorize_execution', path: 'userOp.factoryData', why: /factoryData without factory/ },
    { tool: 'authorize_execution', path: 'userOp.paymasterVerificationGasLimit', why: /paymaster/ },
    { tool: 'authorize_execution', path: 'userOp.paymasterPostOpGasLimit', why: /paymaster/ },
    { tool: 'authorize_execution', path: 'userOp.paymasterData', why: /paymaster/ },
];

function setPath(obj, path, v) {
    const parts = path.split('.');
    let o = obj;
    for (const p of parts.slice(0, -1)) o = o[p];
    o[parts.at(-1)] = v;
}

function getPath(obj, path) {
    return path.split('.').reduce((o, p) => (o === undefined ? undefined : o[p]), obj);
}

function delPath(obj, path) {
    const parts = path.split('.');
    let o = obj;
    for (const p of parts.slice(0, -1)) o = o[p];
    delete o[parts.at(-1)];
}

/* [path, schema, required] for every property, nested objects included (not automation's
 * kind-specific fields: which ones a kind needs is checked by the handler and said in the
 * schema's description; arrays of objects: their first item). */
function properties(s, prefix = '') {
    const out = [];
    for (const [k, v] of Object.entries(s.properties ?? {})) {
        const path = prefix + k;
        out.push([path, v, (s.required ?? []).includes(k)]);
        if (v.type === 'object' && k !== 'automation') out.push(...properties(v, path + '.'));
        if (v.type === 'array' && v.items.type === 'object') out.push(...properties(v.items, path + '.0.'));
    }
    return out;
}

const invalidArg = (r) => r.isError === true && r._meta?.['io.sessionkey-mcp/error']?.code === 'INVALID_ARGUMENT';
const textOf = (r) => r.content.map((c) => c.text).join('\n');

test('every input schema: what it accepts the handler accepts; required and enums match', async (t) => {
    const srv = await startServer(t, { home: tempHome(t), checkSecrets: false });
    const { tools } = await srv.client.listTools();
    assert.deepEqual(tools.map((x) => x.name).filter((n) => !BASE[n]), [], 'every tool has a base call here');
    let checked = 0;
    const accepts = async (name, path, v, args) => {
        const r = await srv.call(name, args);
        const ex = EXCLUSIVE.find((e) => e.tool === name && e.path === path && (e.value === undefined || e.value === v));
        if (ex && invalidArg(r)) assert.match(textOf(r), ex.why); // refused only for its documented reason
        else assert.ok(!invalidArg(r), `${name} ${path}=${JSON.stringify(v)}: schema accepts, handler refused: ${textOf(r)}`);
        checked++;
    };
    for (const tool of tools) {
        const schema = tool.inputSchema;
        const base = BASE[tool.name];
        const r0 = await srv.call(tool.name, structuredClone(base));
        assert.ok(!invalidArg(r0), `${tool.name} base call refused as invalid: ${textOf(r0)}`);
        for (const [path, ps, required] of properties(schema)) {
            const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
            if (parent && getPath(base, parent) === undefined) {
                // a nested property of an optional object the base does not hold: vary it inside
                // the object built from its required fields
                const schemaOf = (p) => properties(schema).find(([q]) => q === p)[1];
                for (const v of values(ps, path)) {
                    const args = structuredClone(base);
                    const parts = parent.split('.');
                    for (let i = 1; i <= parts.length; i++) { // build each missing ancestor from its required fields
                        const anc = parts.slice(0, i).join('.');
                        if (getPath(args, anc) === undefined) setPath(args, anc, values(schemaOf(anc), anc)[0]);
                    }
                    setPath(args, path, REAL[`${tool.name}.${path}`] ?? v);
                    await accepts(tool.name, path, v, args);
                }
                continue;
            }
            if (required) {
                const args = structuredClone(base);
                delPath(args, path);
                const r = await srv.call(tool.name, args);
                assert.ok(invalidArg(r) && /is required/.test(textOf(r)), `${tool.name} without ${path}: ${textOf(r)}`);
                checked++;
                continue;
            }
            for (const v of values(ps, path)) {
                const args = structuredClone(base);
                setPath(args, path, REAL[`${tool.name}.${path}`] ?? v);
                await accepts(tool.name, path, v, args);
            }
            if (ps.enum && getPath(base, path) === undefined) {
                const args = structuredClone(base);
                setPath(args, path, 'not-in-the-enum');
                const r = await srv.call(tool.name, args);
                assert.ok(invalidArg(r) && /expected one of/.test(textOf(r)), `${tool.name} ${path} outside its enum: ${textOf(r)}`);
                checked++;
            }
        }
    }
    t.diagnostic(`${checked} schema/handler checks`);
    assert.ok(checked > 60, `${checked} checks`);
});
