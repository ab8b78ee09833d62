// sdk_v2.test.mjs: the v2 TypeScript client (@modelcontextprotocol/client 2.4.0) in its three
// version-negotiation modes: "legacy" (the default: initialize), { pin: "2026-07-28" } (modern,
// stateless, per-request _meta envelope) and "auto" (probe with server/discover, then modern).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Client, ProtocolError } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';

import {
    BIN,
    MODERN,
    OFFLINE_RPC_ENV,
    PROMPT_NAMES,
    TOOL_NAMES,
    VALID_ARGS,
    WALLET,
    assertCallResultForValidArgs,
    defer,
    serverVersion,
    tempHome,
    toolListProblem,
    waitFor,
    waitGone,
} from './lib.mjs';

const SERVER_INFO = {
    name: 'sessionkey-mcp',
    version: serverVersion(),
    title: 'Session Key Approvals',
    description: 'Approve, list, audit and revoke ERC-4337 session keys for wallet automations',
};

async function connect(t, mode) {
    const transport = new StdioClientTransport({
        command: BIN,
        args: ['--log-level', 'info'],
        env: { ...getDefaultEnvironment(), ...OFFLINE_RPC_ENV, SESSIONKEY_MCP_HOME: tempHome(t) },
        stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr.on('data', (c) => (stderr += c));
    const options = mode === undefined ? {} : { versionNegotiation: { mode } };
    const client = new Client({ name: 'skm-e2e-v2', version: '0.0.0' }, options);
    defer(t, () => client.close());
    await client.connect(transport);
    return { client, transport, stderr: () => stderr };
}

async function rejectsWithCode(promise, code) {
    await assert.rejects(promise, (err) => {
        assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${err?.constructor?.name}: ${err}`);
        assert.equal(err.code, code, err.message);
        return true;
    });
}

/* The same feature walk for every mode. */
async function exercise(client, eraVersion) {
    const tl = await client.listTools();
    assert.equal(toolListProblem(tl.tools.map((x) => x.name)), null);
    for (const tool of tl.tools) {
        assert.equal(tool.inputSchema.type, 'object');
        assert.equal(typeof tool.outputSchema, 'object');
        assert.equal(typeof tool.title, 'string');
        assert.equal(typeof tool.annotations, 'object');
    }
    for (const name of TOOL_NAMES) {
        const r = await client.callTool({ name, arguments: VALID_ARGS[name] });
        assertCallResultForValidArgs(r, name, eraVersion);
    }
    const bad = await client.callTool({ name: 'revoke_session', arguments: { walletAddress: '0x12', bogus: true } });
    assert.equal(bad.isError, true);
    assert.ok(bad.content[0].text.startsWith('Invalid arguments for revoke_session: '), bad.content[0].text);
    assert.match(bad.content[0].text, /walletAddress: /);
    assert.match(bad.content[0].text, /bogus: is not a known field/);
    await rejectsWithCode(client.callTool({ name: 'no_such_tool', arguments: {} }), -32602);

    const pl = await client.listPrompts();
    assert.deepEqual(pl.prompts.map((p) => p.name), PROMPT_NAMES);
    const g = await client.getPrompt({ name: 'manage_sessions', arguments: { walletAddress: WALLET } });
    assert.equal(g.messages[0].role, 'user');
    assert.ok(g.messages[0].content.text.includes(WALLET));
    await rejectsWithCode(client.getPrompt({ name: 'explain_denial', arguments: {} }), -32602);
    return { tl, pl };
}

describe('v2 client, legacy mode (the default)', () => {
    test('initialize negotiates 2025-11-25; tools, prompts, ping work', async (t) => {
        const c = await connect(t);
        assert.equal(c.client.getNegotiatedProtocolVersion(), '2025-11-25');
        assert.deepEqual(c.client.getServerVersion(), SERVER_INFO);
        assert.deepEqual(c.client.getServerCapabilities(), { tools: {}, prompts: {}, resources: {}, logging: {} });
        await exercise(c.client, '2025-11-25');
        assert.deepEqual(await c.client.ping(), {});
        await waitFor(() => c.stderr().includes('initialize: client asked for 2025-11-25, using 2025-11-25'), 'the initialize log line');
    });

    test('close() ends the server process', async (t) => {
        const c = await connect(t, 'legacy');
        const pid = c.transport.pid;
        await c.client.close();
        await waitGone(pid);
    });
});

for (const mode of [{ pin: MODERN }, 'auto']) {
    const label = typeof mode === 'string' ? mode : `pin ${mode.pin}`;
    describe(`v2 client, ${label} mode`, () => {
        test('talks 2026-07-28 to the server: tools, prompts, errors', async (t) => {
            const c = await connect(t, mode);
            assert.equal(c.client.getNegotiatedProtocolVersion(), MODERN);
            assert.deepEqual(c.client.getServerCapabilities(), { tools: {}, prompts: {}, resources: {} });
            assert.match(c.client.getInstructions(), /request_session_approval/);
            const { tl, pl } = await exercise(c.client, MODERN);
            for (const r of [tl, pl]) {
                assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0, JSON.stringify(Object.keys(r)));
                assert.ok(['public', 'private'].includes(r.cacheScope));
            }
            // ping does not exist in 2026-07-28: the client refuses it locally.
            await assert.rejects(c.client.ping());
            // The server really served this process statelessly (no initialize was sent).
            await waitFor(() => c.stderr().includes(`first request carries the ${MODERN} envelope`), 'the modern-era log line');
            assert.ok(!c.stderr().includes('initialize: client asked'));
        });

        test('serverInfo comes from the server/discover result', async (t) => {
            // The client reads it from discover's _meta["io.modelcontextprotocol/serverInfo"].
            const c = await connect(t, mode);
            assert.deepEqual(c.client.getServerVersion(), SERVER_INFO);
        });
    });
}
