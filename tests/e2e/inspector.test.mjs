// inspector.test.mjs: the MCP Inspector CLI 2.12 (Node 22, run as a subprocess) against the
// real binary: tools/list, tools/call, prompts/list, prompts/get, the --strict schema
// portability check, and --protocol-era modern (server/discover, then 2026-07-28 requests).
import assert from 'node:assert/strict';
import { schemaTail } from './words_lib.mjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { BIN, INSPECTOR, MODERN, NODE22, OFFLINE_RPC_ENV, PROMPT_NAMES, REPO, WALLET, runGroup, tempHome, toolListProblem } from './lib.mjs';

const UNPORTABLE = path.join(REPO, 'tests/e2e/fixtures/unportable_server.mjs');
const ready = existsSync(NODE22) && existsSync(INSPECTOR);

/* inspector --cli <options> -- <server command>. The server gets a fresh data dir through
 * -e, and HOME points at a temp dir so the Inspector's own files stay out of the real one. */
async function inspector(t, options, target = [BIN, '--log-level', 'info']) {
    const home = tempHome(t);
    const args = [INSPECTOR, '--cli', '-e', `SESSIONKEY_MCP_HOME=${home}`];
    for (const [k, v] of Object.entries(OFFLINE_RPC_ENV)) args.push('-e', `${k}=${v}`);
    args.push(...options, '--', ...target);
    return runGroup(t, NODE22, args, { env: { HOME: home, SESSIONKEY_MCP_HOME: home }, timeoutMs: 60000 });
}

function jsonOut(r) {
    const line = r.stdout.trim();
    assert.ok(line.length > 0, `no stdout; stderr: ${r.stderr}`);
    return JSON.parse(line);
}

describe('Inspector CLI 2.12', { skip: !ready && 'Node 22 or the Inspector is not installed in tests/node_modules' }, () => {
    test('tools/list: every tool, and no schema-portability findings', async (t) => {
        const r = await inspector(t, ['--format', 'json', '--method', 'tools/list']);
        assert.equal(r.code, 0, r.stderr);
        const { result } = jsonOut(r);
        assert.equal(toolListProblem(result.tools.map((x) => x.name)), null);
        for (const tool of result.tools) {
            assert.equal(tool.inputSchema.type, 'object');
            assert.equal(typeof tool.outputSchema, 'object');
            assert.equal(typeof tool.title, 'string');
        }
        assert.ok(!r.stderr.includes('Schema portability'), r.stderr); // printed only when there are findings
        assert.match(r.stderr, /initialize: client asked for 2025-11-25, using 2025-11-25/);
    });

    test('tools/call with --tool-args-json: valid arguments pass validation', async (t) => {
        const r = await inspector(t, ['--format', 'json', '--method', 'tools/call', '--tool-name', 'list_automations', '--tool-args-json', JSON.stringify({ walletAddress: WALLET, status: 'active' })]);
        const { result } = JSON.parse(r.stdout.trim().split('\n')[0]);
        assert.equal(result.content[0].type, 'text');
        assert.ok(!result.content[0].text.startsWith('Invalid arguments'), result.content[0].text);
        if (result.isError) {
            assert.equal(r.code, 5, 'the Inspector exits 5 for an isError result');
            assert.ok(!('structuredContent' in result));
            assert.match(r.stderr + r.stdout, /"code":"tool_is_error"/);
        } else {
            assert.equal(r.code, 0, r.stderr);
            assert.equal(typeof result.structuredContent, 'object');
        }
    });

    test('tools/call with bad --tool-args-json: an isError result naming the field', async (t) => {
        const r = await inspector(t, ['--format', 'json', '--method', 'tools/call', '--tool-name', 'list_automations', '--tool-args-json', JSON.stringify({ walletAddress: WALLET, limit: 1000 })]);
        assert.equal(r.code, 5, r.stderr);
        const { result } = JSON.parse(r.stdout.trim().split('\n')[0]);
        assert.equal(result.isError, true);
        assert.equal(result.content[0].text, 'Invalid arguments for list_automations: limit: must be at most 100, got 1000' + schemaTail('list_automations'));
    });

    test('prompts/list and prompts/get with --prompt-args', async (t) => {
        const list = await inspector(t, ['--format', 'json', '--method', 'prompts/list']);
        assert.equal(list.code, 0, list.stderr);
        assert.deepEqual(jsonOut(list).result.prompts.map((p) => p.name), PROMPT_NAMES);

        const get = await inspector(t, ['--format', 'json', '--method', 'prompts/get', '--prompt-name', 'setup_automation', '--prompt-args', 'goal=DCA 100 USDC into ETH daily', `walletAddress=${WALLET}`]);
        assert.equal(get.code, 0, get.stderr);
        const text = jsonOut(get).result.messages[0].content.text;
        assert.ok(text.includes('automation on my wallet: DCA 100 USDC into ETH daily\n'), text.slice(0, 200));
        assert.ok(text.includes(`My wallet: ${WALLET}\n`));
    });

    test('--strict is able to fail (a fixture with an unportable schema exits 6)', async (t) => {
        const r = await inspector(t, ['--strict', '--method', 'tools/list'], [NODE22, UNPORTABLE]);
        assert.equal(r.code, 6, r.stderr);
        assert.match(r.stderr, /1 error, 1 warning across 1 tool/);
    });

    test('--strict tools/list on our server: exit 0, no errors and no warnings', async (t) => {
        // No -q (it would hide the report) and the server at its default, quiet log level: any
        // byte on stderr is a finding or an Inspector complaint.
        const r = await inspector(t, ['--strict', '--method', 'tools/list'], [BIN]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.equal(toolListProblem(JSON.parse(r.stdout).tools.map((x) => x.name)), null);
    });

    test('--protocol-era modern: server/discover, then stateless 2026-07-28 requests', async (t) => {
        const r = await inspector(t, ['--format', 'json', '--protocol-era', 'modern', '--method', 'tools/list']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(toolListProblem(jsonOut(r).result.tools.map((x) => x.name)), null);
        assert.match(r.stderr, new RegExp(`first request carries the ${MODERN} envelope`));
        assert.ok(!r.stderr.includes('initialize: client asked'), r.stderr);

        const call = await inspector(t, ['--format', 'json', '--protocol-era', 'modern', '--method', 'tools/call', '--tool-name', 'revoke_session', '--tool-args-json', '{"sessionId":""}']);
        assert.equal(call.code, 5, call.stderr);
        const { result } = JSON.parse(call.stdout.trim().split('\n')[0]);
        assert.equal(result.isError, true);
        assert.match(result.content[0].text, /^Invalid arguments for revoke_session: sessionId: /);
    });
});
