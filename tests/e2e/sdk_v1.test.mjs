// sdk_v1.test.mjs: the official v1 TypeScript client (@modelcontextprotocol/sdk 1.32.2,
// Client + StdioClientTransport) drives the real binary the way most hosts do today.
import assert from 'node:assert/strict';
import { schemaTail } from './words_lib.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

import {
    BIN,
    OFFLINE_RPC_ENV,
    PROMPT_NAMES,
    TOOL_NAMES,
    VALID_ARGS,
    WALLET,
    assertCallResultForValidArgs,
    defer,
    readJson,
    serverVersion,
    tempHome,
    toolListProblem,
    waitFor,
    waitGone,
} from './lib.mjs';

function connectClient(home, { args = [] } = {}) {
    const transport = new StdioClientTransport({
        command: BIN,
        args: ['--log-level', 'info', ...args],
        env: { ...getDefaultEnvironment(), ...OFFLINE_RPC_ENV, SESSIONKEY_MCP_HOME: home },
        stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr.on('data', (c) => (stderr += c));
    const client = new Client({ name: 'skm-e2e-v1', version: '0.0.0' });
    return { client, transport, stderr: () => stderr };
}

async function rejectsWithCode(promise, code) {
    await assert.rejects(promise, (err) => {
        assert.ok(err instanceof McpError, `expected McpError, got ${err}`);
        assert.equal(err.code, code, err.message);
        return true;
    });
}

describe('v1 SDK client over stdio', () => {
    let c;
    let pid;
    let home;

    before(async () => {
        home = mkdtempSync(path.join(tmpdir(), 'skm-e2e-'));
        c = connectClient(home);
        await c.client.connect(c.transport);
        pid = c.transport.pid;
    });

    after(async () => {
        try {
            if (c) await c.client.close(); // stdin EOF, then SIGTERM/SIGKILL escalation by the SDK
            if (pid) await waitGone(pid);
        } finally {
            rmSync(home, { recursive: true, force: true });
        }
    });

    test('connect negotiates 2025-11-25 and exposes server info, capabilities and instructions', async () => {
        assert.deepEqual(c.client.getServerVersion(), {
            name: 'sessionkey-mcp',
            version: serverVersion(),
            title: 'Session Key Approvals',
            description: 'Approve, list, audit and revoke ERC-4337 session keys for wallet automations',
        });
        assert.deepEqual(c.client.getServerCapabilities(), { tools: {}, prompts: {}, resources: {}, logging: {} });
        assert.match(c.client.getInstructions(), /confirm_session/);
        const logged = /sessionkey-mcp: info: initialize: client asked for 2025-11-25, using 2025-11-25\n/;
        await waitFor(() => logged.test(c.stderr()), 'the initialize log line on stderr');
    });

    test('listTools: every tool with inputSchema, outputSchema, title and annotations', async () => {
        const { tools } = await c.client.listTools();
        assert.equal(toolListProblem(tools.map((x) => x.name)), null);
        for (const tool of tools) {
            assert.equal(tool.inputSchema.type, 'object', tool.name);
            assert.equal(tool.outputSchema.type, 'object', tool.name);
            assert.equal(typeof tool.title, 'string');
            assert.equal(tool.annotations.title, tool.title);
            assert.equal(typeof tool.description, 'string');
        }
    });

    test('callTool with valid arguments: the SDK accepts the result (its outputSchema check does not throw)', async () => {
        await c.client.listTools(); // the SDK compiles output validators from the list
        for (const name of TOOL_NAMES) {
            const r = await c.client.callTool({ name, arguments: VALID_ARGS[name] });
            assertCallResultForValidArgs(r, name, '2025-11-25');
        }
    });

    test('callTool with bad arguments: isError naming the fields', async () => {
        const r = await c.client.callTool({ name: 'list_automations', arguments: { walletAddress: 'nope', status: 'sleeping' } });
        assert.equal(r.isError, true);
        assert.equal(r.structuredContent, undefined);
        const text = r.content[0].text;
        assert.ok(text.startsWith('Invalid arguments for list_automations: '), text);
        assert.match(text, /walletAddress: [^;]*got "nope"/);
        const statuses = readJson('schemas/list_automations.input.json').properties.status.enum;
        assert.ok(text.includes(`status: expected one of ${statuses.map((x) => JSON.stringify(x)).join(', ')}`), text);
        assert.ok(text.endsWith('"sleeping"' + schemaTail('list_automations')), text);
    });

    test('callTool of an unknown tool: McpError -32602', async () => {
        await rejectsWithCode(c.client.callTool({ name: 'no_such_tool', arguments: {} }), -32602);
    });

    test('listPrompts and getPrompt', async () => {
        const { prompts } = await c.client.listPrompts();
        assert.deepEqual(prompts.map((p) => p.name), PROMPT_NAMES);
        const r = await c.client.getPrompt({ name: 'setup_automation', arguments: { goal: 'sell 2 ETH if it drops below 2500 USDC' } });
        assert.equal(r.messages[0].role, 'user');
        assert.match(r.messages[0].content.text, /automation on my wallet: sell 2 ETH if it drops below 2500 USDC\n/);
        const m = await c.client.getPrompt({ name: 'manage_sessions', arguments: { walletAddress: WALLET } });
        assert.ok(m.messages[0].content.text.includes(WALLET));
    });

    test('getPrompt without a required argument: McpError -32602', async () => {
        await rejectsWithCode(c.client.getPrompt({ name: 'setup_automation', arguments: {} }), -32602);
        await rejectsWithCode(c.client.getPrompt({ name: 'no_such_prompt', arguments: {} }), -32602);
    });

    test('ping and setLoggingLevel', async () => {
        assert.deepEqual(await c.client.ping(), {});
        assert.deepEqual(await c.client.setLoggingLevel('warning'), {});
    });
});

test('v1 SDK: close() ends the server process', async (t) => {
    const c = connectClient(tempHome(t));
    defer(t, () => c.client.close());
    await c.client.connect(c.transport);
    const pid = c.transport.pid;
    assert.ok(pid > 0);
    await c.client.close();
    await waitGone(pid);
    await waitFor(() => c.stderr().includes('sessionkey-mcp: info: exiting\n'), 'the exit log line');
});
