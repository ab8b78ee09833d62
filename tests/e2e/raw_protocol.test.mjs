// raw_protocol.test.mjs: the wire protocol of the real binary, byte by byte, with no SDK in
// between: framing, ids, every error code, the legacy handshake per version, batches, field
// gating per version, the 2026-07-28 envelope, logging notifications and process lifecycle.
import assert from 'node:assert/strict';
import { schemaTail } from './words_lib.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
    BIN,
    LEGACY_VERSIONS,
    META_SERVER_INFO,
    MODERN,
    PROMPT_NAMES,
    RawServer,
    TOOL_NAMES,
    VALID_ARGS,
    WALLET,
    assertCallResultForValidArgs,
    defer,
    initializeParams,
    modernMeta,
    notAvailableText,
    readJson,
    serverVersion,
    sleep,
    tempHome,
    toolListProblem,
    waitGone,
} from './lib.mjs';

function assertToolNames(tools) {
    assert.equal(toolListProblem(tools.map((x) => x.name)), null);
}

const VERSION = serverVersion();
const TOOL_TITLES = {
    request_session_approval: 'Request session-key approval',
    confirm_session: 'Confirm or reject a session',
    list_automations: 'List automations and sessions',
    revoke_session: 'Revoke a session',
};

function assertError(msg, id, code) {
    assert.equal(msg.jsonrpc, '2.0');
    assert.deepEqual(Object.keys(msg).sort(), ['error', 'id', 'jsonrpc']);
    assert.equal(msg.id, id);
    assert.equal(msg.error.code, code, `expected error ${code}, got ${JSON.stringify(msg)}`);
    assert.equal(typeof msg.error.message, 'string');
    assert.ok(msg.error.message.length > 0);
}

function assertResult(msg, id) {
    assert.equal(msg.jsonrpc, '2.0');
    assert.ok('result' in msg, `expected a result, got ${JSON.stringify(msg)}`);
    assert.ok(!('error' in msg));
    assert.equal(msg.id, id);
    return msg.result;
}

async function legacy(t, version = '2025-11-25', opts = {}) {
    const srv = RawServer.start(t, opts);
    await srv.initialize(version);
    return srv;
}

async function modern(t, opts = {}) {
    const srv = RawServer.start(t, opts);
    const r = await srv.request('tools/list', { _meta: modernMeta() }, 'pin');
    assertResult(r, 'pin');
    return srv;
}

describe('framing', () => {
    test('every stdout line is one compact JSON-RPC message, newline-terminated, no CR', async (t) => {
        const srv = RawServer.start(t);
        // A session that touches results, errors, batches and notifications from the server.
        await srv.send({ jsonrpc: '2.0', id: 'd', method: 'server/discover' });
        await srv.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: initializeParams('2025-03-26') });
        await srv.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
        await srv.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
        await srv.send({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
        await srv.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_automations', arguments: {} } });
        await srv.send({ jsonrpc: '2.0', id: 4, method: 'logging/setLevel', params: { level: 'debug' } });
        await srv.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
        await srv.send('[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":6,"method":"nope"}]');
        await srv.write('not json\n{"jsonrpc":"2.0","id":7,"method":"prompts/get","params":{"name":"setup_automation","arguments":{"goal":"é ✓ \\n \\u0001 \\""}}}\n');
        srv.closeStdin();
        assert.deepEqual(await srv.waitExit(), { code: 0, signal: null });
        assert.equal(srv.nonJson.length, 0, `non-JSON stdout: ${JSON.stringify(srv.nonJson)}`);
        assert.equal(srv.stdoutTail, '', 'the last message must end with a newline');
        assert.equal(srv.all.length, 10);
        for (const { raw, msg } of srv.all) {
            assert.ok(!raw.includes('\r'), `CR in ${raw}`);
            const items = Array.isArray(msg) ? msg : [msg];
            for (const m of items) assert.equal(m.jsonrpc, '2.0');
            assert.equal(raw, JSON.stringify(msg), 'compact serialization, nothing else on the line');
        }
    });

    test('CRLF line endings are accepted', async (t) => {
        const srv = RawServer.start(t);
        await srv.write(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: initializeParams('2025-11-25') }) + '\r\n');
        assert.equal(assertResult(await srv.next(), 0).protocolVersion, '2025-11-25');
        await srv.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\r\n{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n');
        assert.deepEqual(assertResult(await srv.next(), 'crlf'), {});
    });

    test('blank and whitespace-only lines are ignored', async (t) => {
        const srv = RawServer.start(t);
        await srv.write('\n\r\n   \n\t\n\n');
        await srv.pingIsNext();
    });

    test('several messages in one write are answered in order', async (t) => {
        const srv = RawServer.start(t);
        const batch = [
            { jsonrpc: '2.0', id: 0, method: 'initialize', params: initializeParams('2025-11-25') },
            { jsonrpc: '2.0', method: 'notifications/initialized' },
            { jsonrpc: '2.0', id: 1, method: 'ping' },
            { jsonrpc: '2.0', id: 2, method: 'tools/list' },
            { jsonrpc: '2.0', id: 3, method: 'nope' },
        ];
        await srv.write(batch.map((m) => JSON.stringify(m) + '\n').join(''));
        assertResult(await srv.next(), 0);
        assert.deepEqual(assertResult(await srv.next(), 1), {});
        assertToolNames(assertResult(await srv.next(), 2).tools);
        assertError(await srv.next(), 3, -32601);
    });

    test('a message split over several writes (even inside a UTF-8 character) is reassembled', async (t) => {
        const srv = await legacy(t);
        const line = Buffer.from(
            JSON.stringify({ jsonrpc: '2.0', id: 'split', method: 'prompts/get', params: { name: 'setup_automation', arguments: { goal: 'swap €5 → ETH' } } }) + '\n',
        );
        const euro = line.indexOf(Buffer.from('€'));
        const cuts = [5, 17, euro + 1, euro + 2, line.length - 1];
        let at = 0;
        for (const cut of cuts) {
            await srv.write(line.subarray(at, cut));
            await sleep(15); // let each piece reach the server on its own
            at = cut;
        }
        assert.equal(srv.lines.length, 0, 'no answer before the newline arrives');
        await srv.write(line.subarray(at));
        const r = assertResult(await srv.next(), 'split');
        assert.match(r.messages[0].content.text, /swap €5 → ETH/);
    });

    test('a last line without a newline is still answered before exit at EOF', async (t) => {
        const srv = RawServer.start(t);
        await srv.write('{"jsonrpc":"2.0","id":"last","method":"ping"}');
        srv.closeStdin();
        assert.deepEqual(assertResult(await srv.next(), 'last'), {});
        assert.deepEqual(await srv.waitExit(), { code: 0, signal: null });
    });

    test('--max-line-bytes 2048: a longer line gets -32600 id null, then the server keeps serving', async (t) => {
        const srv = RawServer.start(t, { args: ['--max-line-bytes', '2048'] });
        const fit = (n) => {
            const base = `{"jsonrpc":"2.0","id":"${n}","method":"ping","params":{"pad":""}}`;
            return base.replace('"pad":""', `"pad":"${'a'.repeat(n - base.length)}"`);
        };
        assert.equal(fit(2048).length, 2048);
        await srv.send(fit(2048)); // exactly at the limit: accepted
        assert.deepEqual(assertResult(await srv.next(), '2048'), {});
        await srv.send(fit(2049));
        const tooLong = await srv.next();
        assertError(tooLong, null, -32600);
        await srv.pingIsNext();
        // A much longer line, delivered in pieces: still exactly one error, then service.
        const huge = fit(300000);
        for (let i = 0; i < huge.length; i += 65536) await srv.write(huge.slice(i, i + 65536));
        await srv.write('\n');
        assertError(await srv.next(), null, -32600);
        await srv.pingIsNext();
    });

    test('invalid UTF-8 gets -32700 id null and the server keeps serving', async (t) => {
        const srv = RawServer.start(t);
        await srv.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}\n')]));
        assertError(await srv.next(), null, -32700);
        await srv.pingIsNext();
    });

    test('valid JSON with an escaped NUL or a lone surrogate is answered with its own id (-32602), not -32700 id null', async (t) => {
        const srv = RawServer.start(t);
        const lines = [
            ['{"jsonrpc":"2.0","id":11,"method":"ping","params":{"x":"a\\u0000b"}}', 11],
            ['{"jsonrpc":"2.0","id":"s12","method":"ping","params":{"x":"\\ud800"}}', 's12'],
            ['{"jsonrpc":"2.0","id":13,"method":"ping","params":{"x":"\\udc00\\ud800x"}}', 13],
            ['{"jsonrpc":"2.0","id":14,"method":"ping","params":{"k\\u0000":1}}', 14],
        ];
        for (const [line, id] of lines) {
            await srv.write(line + '\n');
            const e = await srv.next();
            assertError(e, id, -32602);
            assert.match(e.error.message, /escaped NUL .* or a lone surrogate/);
        }
        // a notification gets no answer; a proper pair and an escaped backslash before u are fine
        await srv.write('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"reason":"\\u0000"}}\n');
        await srv.write('{"jsonrpc":"2.0","id":15,"method":"ping","params":{"x":"\\ud83d\\ude00 \\\\u0000"}}\n');
        const okMsg = await srv.next();
        assert.equal(okMsg.id, 15);
        assert.deepEqual(okMsg.result, {});
        // still broken JSON stays a parse error
        await srv.write('{"jsonrpc":"2.0","id":16,"method":"ping","params":{"x":"\\u0000"}\n');
        assertError(await srv.next(), null, -32700);
        await srv.pingIsNext();
    });

    test('duplicate keys get -32700', async (t) => {
        const srv = RawServer.start(t);
        await srv.write('{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}\n');
        assertError(await srv.next(), null, -32700);
        await srv.write('{"jsonrpc":"2.0","id":3,"method":"ping","params":{"a":1,"a":1}}\n');
        assertError(await srv.next(), null, -32700);
        await srv.pingIsNext();
    });

    test('garbage gets -32700; JSON that is not an object gets -32600 id null', async (t) => {
        const srv = RawServer.start(t);
        for (const bad of ['not json', '{"jsonrpc":"2.0",', '\u00ef\u00bb\u00bf', '{"jsonrpc":"2.0","id":1,"method":"ping"} trailing']) {
            await srv.send(bad);
            assertError(await srv.next(), null, -32700);
        }
        for (const notObject of ['"ping"', '42', 'null', 'true']) {
            await srv.send(notObject);
            assertError(await srv.next(), null, -32600);
        }
        await srv.pingIsNext();
    });
});

describe('ids', () => {
    test('string, zero and negative ids are echoed with their JSON type', async (t) => {
        const srv = RawServer.start(t);
        for (const id of ['abc', '', '0', 0, -7, 2147483648]) {
            await srv.send({ jsonrpc: '2.0', id, method: 'ping' });
            const { raw, msg } = await srv.nextLine();
            assert.equal(msg.id, id);
            assert.ok(raw.includes(`"id":${JSON.stringify(id)},`), raw);
        }
    });

    test('id 9007199254740993 (above 2^53) is echoed digit for digit', async (t) => {
        const srv = RawServer.start(t);
        await srv.send('{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}');
        const { raw } = await srv.nextLine();
        assert.equal(raw, '{"jsonrpc":"2.0","id":9007199254740993,"result":{}}');
        await srv.send('{"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"}');
        assert.equal((await srv.nextLine()).raw, '{"jsonrpc":"2.0","id":-9223372036854775808,"result":{}}');
    });

    test('an integer id beyond 64 bits is valid JSON: -32600 id null, not a parse error', async (t) => {
        // The line parses as JSON (RFC 8259 puts no bound on integers), so -32700 "Parse error"
        // is the wrong code; the server cannot echo the id, so id null with -32600.
        const srv = RawServer.start(t);
        await srv.send('{"jsonrpc":"2.0","id":99999999999999999999,"method":"ping"}');
        assertError(await srv.next(), null, -32600);
    });

    test('null, object, array, boolean and fractional ids get -32600 with id null', async (t) => {
        const srv = RawServer.start(t);
        for (const id of ['null', '{"a":1}', '[1]', 'true', '1.5']) {
            await srv.send(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
            assertError(await srv.next(), null, -32600);
        }
        await srv.pingIsNext();
    });

    test('an invalid envelope echoes a usable id', async (t) => {
        const srv = RawServer.start(t);
        await srv.send('{"jsonrpc":"1.0","id":"v1","method":"ping"}');
        assertError(await srv.next(), 'v1', -32600);
        await srv.send('{"id":17,"method":"ping"}');
        assertError(await srv.next(), 17, -32600);
        await srv.send('{"jsonrpc":"2.0","id":18}');
        assertError(await srv.next(), 18, -32600);
        await srv.send('{"jsonrpc":"2.0","id":"m","method":42}');
        assertError(await srv.next(), 'm', -32600);
    });
});

describe('legacy handshake', () => {
    for (const version of LEGACY_VERSIONS) {
        test(`initialize ${version} is echoed, with the fields of that version`, async (t) => {
            const srv = RawServer.start(t);
            const r = assertResult(await srv.request('initialize', initializeParams(version), 0), 0);
            assert.equal(r.protocolVersion, version);
            assert.deepEqual(r.capabilities, { tools: {}, prompts: {}, resources: {}, logging: {} });
            const info = { name: 'sessionkey-mcp', version: VERSION };
            if (version >= '2025-06-18') info.title = 'Session Key Approvals';
            if (version >= '2025-11-25') info.description = 'Approve, list, audit and revoke ERC-4337 session keys for wallet automations';
            assert.deepEqual(r.serverInfo, info);
            assert.equal(typeof r.instructions, 'string');
            assert.match(r.instructions, /request_session_approval/);
            assert.deepEqual(Object.keys(r).sort(), ['capabilities', 'instructions', 'protocolVersion', 'serverInfo']);
            await srv.notify('notifications/initialized');
            await srv.pingIsNext();
        });
    }

    test('an unknown version (1999-01-01) gets 2025-11-25', async (t) => {
        const srv = RawServer.start(t);
        const r = assertResult(await srv.request('initialize', initializeParams('1999-01-01'), 0), 0);
        assert.equal(r.protocolVersion, '2025-11-25');
    });

    test('initialize without params.protocolVersion gets -32602', async (t) => {
        const srv = RawServer.start(t);
        assertError(await srv.request('initialize', { capabilities: {} }, 1), 1, -32602);
        assert.equal(assertResult(await srv.request('initialize', initializeParams('2025-06-18'), 2), 2).protocolVersion, '2025-06-18');
    });

    test('ping works before and after initialize', async (t) => {
        const srv = RawServer.start(t);
        assert.deepEqual(assertResult(await srv.request('ping', undefined, 'before'), 'before'), {});
        await srv.initialize();
        assert.deepEqual(assertResult(await srv.request('ping', undefined, 'after'), 'after'), {});
        assert.deepEqual(assertResult(await srv.request('ping', {}, 'after2'), 'after2'), {});
    });

    test('requests before initialize get -32600; so does a second initialize', async (t) => {
        const srv = RawServer.start(t);
        for (const method of ['tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'logging/setLevel'])
            assertError(await srv.request(method, {}, method), method, -32600);
        await srv.initialize('2025-06-18');
        assertError(await srv.request('initialize', initializeParams('2025-06-18'), 'again'), 'again', -32600);
        assertError(await srv.request('initialize', initializeParams('2025-11-25'), 'again2'), 'again2', -32600);
        assertToolNames(assertResult(await srv.request('tools/list', undefined, 'tl'), 'tl').tools);
    });

    test('notifications, known and unknown, and stray responses get no reply', async (t) => {
        const srv = RawServer.start(t);
        await srv.notify('notifications/unknown/thing', { x: 1 });
        await srv.notify('tools/list'); // a request method sent as a notification
        await srv.pingIsNext();
        await srv.initialize();
        await srv.notify('notifications/initialized');
        await srv.notify('notifications/cancelled', { requestId: 99, reason: 'test' });
        await srv.notify('notifications/roots/list_changed');
        await srv.notify('nope/nope');
        await srv.send({ jsonrpc: '2.0', id: 5, result: {} });
        await srv.send({ jsonrpc: '2.0', id: 6, error: { code: -1, message: 'x' } });
        await srv.pingIsNext();
    });
});

describe('error codes', () => {
    test('unknown method -32601 (before and after initialize)', async (t) => {
        const srv = RawServer.start(t);
        assertError(await srv.request('nope/nope', {}, 'a'), 'a', -32601);
        await srv.initialize();
        for (const m of ['nope/nope', 'resources/subscribe', 'completion/complete', 'Ping', 'tools/list '])
            assertError(await srv.request(m, {}, m), m, -32601);
    });

    test('params that are not an object get -32602', async (t) => {
        const srv = await legacy(t);
        for (const params of [[], 'x', 5, null, true]) assertError(await srv.request('ping', params, 'p'), 'p', -32602);
        assertError(await srv.request('tools/list', [], 'l'), 'l', -32602);
    });

    test('tools/call: unknown tool, missing name, arguments not an object: -32602', async (t) => {
        const srv = await legacy(t);
        assertError(await srv.request('tools/call', { name: 'nope', arguments: {} }, 1), 1, -32602);
        assertError(await srv.request('tools/call', { arguments: {} }, 2), 2, -32602);
        assertError(await srv.request('tools/call', { name: 5 }, 3), 3, -32602);
        for (const args of [[], 'x', 7, true]) assertError(await srv.request('tools/call', { name: 'list_automations', arguments: args }, 4), 4, -32602);
    });

    test('tools/list and prompts/list with any cursor: -32602', async (t) => {
        const srv = await legacy(t);
        for (const cursor of ['', 'abc', 0, null]) {
            assertError(await srv.request('tools/list', { cursor }, 't'), 't', -32602);
            assertError(await srv.request('prompts/list', { cursor }, 'p'), 'p', -32602);
        }
    });

    test('prompts/get: unknown prompt, missing required, unknown or non-string argument: -32602', async (t) => {
        const srv = await legacy(t);
        assertError(await srv.request('prompts/get', { name: 'nope' }, 1), 1, -32602);
        assertError(await srv.request('prompts/get', {}, 2), 2, -32602);
        assertError(await srv.request('prompts/get', { name: 'manage_sessions' }, 3), 3, -32602);
        assertError(await srv.request('prompts/get', { name: 'manage_sessions', arguments: {} }, 4), 4, -32602);
        assertError(await srv.request('prompts/get', { name: 'manage_sessions', arguments: { walletAddress: WALLET, extra: 'x' } }, 5), 5, -32602);
        assertError(await srv.request('prompts/get', { name: 'manage_sessions', arguments: { walletAddress: 5 } }, 6), 6, -32602);
        assertError(await srv.request('prompts/get', { name: 'explain_denial', arguments: { details: 'x' } }, 7), 7, -32602);
        assertError(await srv.request('prompts/get', { name: 'manage_sessions', arguments: 'x' }, 8), 8, -32602);
    });
});

describe('batches', () => {
    test('2025-03-26: an array gets an array of responses; notifications add nothing; initialize inside is refused', async (t) => {
        const srv = await legacy(t, '2025-03-26');
        await srv.send('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/whatever"},' +
            '{"jsonrpc":"2.0","id":"x","method":"nope"},{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-03-26"}},' +
            '5,{"jsonrpc":"2.0","id":4,"method":"tools/list"}]');
        const r = await srv.next();
        assert.ok(Array.isArray(r), JSON.stringify(r));
        assert.equal(r.length, 5);
        assert.deepEqual(assertResult(r[0], 1), {});
        assertError(r[1], 'x', -32601);
        assertError(r[2], 3, -32600);
        assertError(r[3], null, -32600);
        assertToolNames(assertResult(r[4], 4).tools);
    });

    test('2025-03-26: a batch of notifications only gets no reply; an empty batch gets -32600', async (t) => {
        const srv = await legacy(t, '2025-03-26');
        await srv.send('[{"jsonrpc":"2.0","method":"notifications/a"},{"jsonrpc":"2.0","method":"notifications/b"}]');
        await srv.pingIsNext();
        await srv.send('[]');
        assertError(await srv.next(), null, -32600);
    });

    for (const version of ['2025-11-25', '2025-06-18', '2024-11-05']) {
        test(`${version}: a batch gets a single -32600 with id null`, async (t) => {
            const srv = await legacy(t, version);
            await srv.send('[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]');
            assertError(await srv.next(), null, -32600);
            await srv.pingIsNext();
        });
    }

    test('before initialize: a batch gets -32600 with id null', async (t) => {
        const srv = RawServer.start(t);
        await srv.send('[{"jsonrpc":"2.0","id":1,"method":"ping"}]');
        assertError(await srv.next(), null, -32600);
    });
});

describe('tools', () => {
    // request_session_approval also links the MCP App (_meta.ui.resourceUri) from 2025-06-18 on
    const keysFor = (version, name) => {
        const keys = ['description', 'inputSchema', 'name'];
        if (version >= '2025-03-26') keys.push('annotations');
        if (version >= '2025-06-18') keys.push('outputSchema', 'title');
        if (version >= '2025-06-18' && name === 'request_session_approval') keys.push('_meta');
        return keys.sort();
    };

    for (const version of LEGACY_VERSIONS) {
        test(`tools/list for ${version}: every tool with exactly that version's fields`, async (t) => {
            const srv = await legacy(t, version);
            const r = assertResult(await srv.request('tools/list', undefined, 1), 1);
            assert.deepEqual(Object.keys(r), ['tools']);
            assertToolNames(r.tools);
            for (const tool of r.tools) {
                assert.deepEqual(Object.keys(tool).sort(), keysFor(version, tool.name), tool.name);
                assert.deepEqual(tool.inputSchema, readJson(`schemas/${tool.name}.input.json`));
                assert.equal(tool.inputSchema.type, 'object');
                assert.ok(!('$schema' in tool.inputSchema));
                assert.ok(tool.description.length > 40);
                if (version >= '2025-06-18') {
                    if (TOOL_TITLES[tool.name]) assert.equal(tool.title, TOOL_TITLES[tool.name]);
                    else assert.equal(typeof tool.title, 'string');
                    assert.deepEqual(tool.outputSchema, readJson(`schemas/${tool.name}.output.json`));
                    assert.equal(tool.outputSchema.type, 'object');
                }
                if (version >= '2025-03-26') {
                    const a = tool.annotations;
                    if (version >= '2025-06-18') assert.equal(a.title, tool.title);
                    if (TOOL_TITLES[tool.name]) {
                        assert.equal(a.title, TOOL_TITLES[tool.name]);
                        assert.equal(a.readOnlyHint, tool.name === 'list_automations');
                    }
                    assert.equal(typeof a.readOnlyHint, 'boolean');
                    if (a.readOnlyHint) {
                        assert.ok(!('destructiveHint' in a));
                    } else {
                        if (TOOL_TITLES[tool.name]) assert.equal(a.destructiveHint, tool.name === 'revoke_session');
                        assert.equal(typeof a.destructiveHint, 'boolean');
                        assert.equal(typeof a.idempotentHint, 'boolean');
                    }
                    assert.equal(typeof a.openWorldHint, 'boolean');
                }
            }
        });
    }

    for (const version of ['2025-11-25', '2024-11-05']) {
        test(`tools/call with valid arguments (${version}): accepted; an honest isError or a well-formed result`, async (t) => {
            const srv = await legacy(t, version);
            for (const name of TOOL_NAMES) {
                const r = assertResult(await srv.request('tools/call', { name, arguments: VALID_ARGS[name] }, name), name);
                assertCallResultForValidArgs(r, name, version);
            }
        });
    }

    test('a not-yet-implemented tool says so plainly, as an isError result', async (t) => {
        const srv = await legacy(t);
        let seen = 0;
        for (const name of TOOL_NAMES) {
            const r = assertResult(await srv.request('tools/call', { name, arguments: VALID_ARGS[name] }, name), name);
            if (r.isError !== true || !r.content[0].text.startsWith(notAvailableText(name))) continue;
            seen++;
            assert.equal(r.content.length, 1);
            assert.match(r.content[0].text, /nothing was created or changed/);
        }
        if (seen === 0) t.diagnostic('every core tool is implemented now: no placeholder left to check');
    });

    test('tools/call with invalid arguments: isError naming each field, what was expected and what was given', async (t) => {
        const srv = await legacy(t);
        let r = assertResult(await srv.request('tools/call', { name: 'list_automations', arguments: { walletAddress: '0xzz', limit: 0, extra: 1 } }, 1), 1);
        assert.equal(r.isError, true);
        assert.ok(!('structuredContent' in r));
        assert.equal(
            r.content[0].text,
            'Invalid arguments for list_automations: walletAddress: expected an Ethereum address (0x followed by 40 hex digits), ' +
                'got "0xzz"; limit: must be at least 1, got 0; extra: is not a known field' + schemaTail('list_automations'),
        );

        r = assertResult(await srv.request('tools/call', { name: 'list_automations' }, 2), 2);
        assert.equal(r.isError, true);
        assert.equal(r.content[0].text, 'Invalid arguments for list_automations: walletAddress: is required but missing' + schemaTail('list_automations'));

        const bad = structuredClone(VALID_ARGS.request_session_approval);
        bad.duration = 59;
        bad.permissions.chainId = '8453';
        bad.permissions.rateLimit = { count: 1 };
        r = assertResult(await srv.request('tools/call', { name: 'request_session_approval', arguments: bad }, 3), 3);
        assert.equal(r.isError, true);
        const text = r.content[0].text;
        assert.ok(text.startsWith('Invalid arguments for request_session_approval: '), text);
        assert.match(text, /duration: must be at least 60, got 59/);
        assert.match(text, /permissions\.chainId: expected an integer, got "8453"/);
        assert.match(text, /permissions\.rateLimit\.period: [^;]*missing/);

        r = assertResult(await srv.request('tools/call', { name: 'confirm_session', arguments: { sessionId: '', signature: '0x12', decision: 'maybe' } }, 4), 4);
        assert.equal(r.isError, true);
        assert.match(r.content[0].text, /^Invalid arguments for confirm_session: /);
        for (const field of ['sessionId', 'signature', 'decision']) assert.match(r.content[0].text, new RegExp(`${field}: `));
        assert.match(r.content[0].text, /"maybe"/);
    });
});

describe('prompts', () => {
    for (const version of ['2025-11-25', '2025-03-26']) {
        test(`prompts/list (${version}): three prompts with their arguments`, async (t) => {
            const srv = await legacy(t, version);
            const r = assertResult(await srv.request('prompts/list', undefined, 1), 1);
            assert.deepEqual(r.prompts.map((p) => p.name), PROMPT_NAMES);
            const args = Object.fromEntries(r.prompts.map((p) => [p.name, p.arguments.map((a) => [a.name, a.required])]));
            assert.deepEqual(args, {
                explain_denial: [['sessionId', true], ['details', false]],
                manage_sessions: [['walletAddress', true]],
                setup_automation: [['goal', true], ['walletAddress', false]],
            });
            for (const p of r.prompts) {
                assert.equal(typeof p.description, 'string');
                assert.equal('title' in p, version >= '2025-06-18', `${p.name} title gating`);
            }
        });
    }

    test('prompts/get substitutes the arguments verbatim, without re-expanding placeholders', async (t) => {
        const srv = await legacy(t);
        const goal = 'buy $1000 of ETH over 24 hours {{walletAddress}} "q" \\ </x>';
        const r = assertResult(await srv.request('prompts/get', { name: 'setup_automation', arguments: { goal, walletAddress: WALLET } }, 1), 1);
        assert.equal(r.messages.length, 1);
        assert.equal(r.messages[0].role, 'user');
        assert.equal(r.messages[0].content.type, 'text');
        const text = r.messages[0].content.text;
        assert.ok(text.includes(`automation on my wallet: ${goal}\n`), text.slice(0, 200));
        assert.ok(text.includes(`My wallet: ${WALLET}\n`));
        assert.ok(!text.includes('{{goal}}'));
        const d = assertResult(await srv.request('prompts/get', { name: 'explain_denial', arguments: { sessionId: 'sess_42' } }, 2), 2);
        assert.match(d.messages[0].content.text, /sess_42/);
    });
});

describe('modern era (2026-07-28)', () => {
    const assertServerInfo = (r) => {
        assert.equal(r.resultType, 'complete');
        assert.equal(r._meta[META_SERVER_INFO].name, 'sessionkey-mcp');
        assert.equal(r._meta[META_SERVER_INFO].version, VERSION);
    };

    test('server/discover before anything: versions, capabilities, cache hints, resultType and serverInfo', async (t) => {
        const srv = RawServer.start(t);
        const r = assertResult(await srv.request('server/discover', undefined, 'd'), 'd');
        assert.deepEqual(r.supportedVersions, [MODERN, ...LEGACY_VERSIONS]);
        assert.deepEqual(r.capabilities, { tools: {}, prompts: {}, resources: {} });
        assert.equal(typeof r.instructions, 'string');
        assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0);
        assert.ok(['public', 'private'].includes(r.cacheScope));
        assertServerInfo(r); // spec: every 2026-07-28 result has resultType; discover carries serverInfo
    });

    test('server/discover carrying the modern envelope is a modern result too', async (t) => {
        const srv = RawServer.start(t);
        const r = assertResult(await srv.request('server/discover', { _meta: modernMeta() }, 'd'), 'd');
        assertServerInfo(r);
    });

    test('server/discover does not pin the era: initialize still works after it', async (t) => {
        const srv = RawServer.start(t);
        assertResult(await srv.request('server/discover', undefined, 1), 1);
        assert.equal((await srv.initialize('2025-11-25')).protocolVersion, '2025-11-25');
        assertResult(await srv.request('server/discover', undefined, 2), 2); // answered on a legacy connection too
    });

    test('tools/list with the envelope: resultType, ttlMs, cacheScope, serverInfo and the full tool shape', async (t) => {
        const srv = RawServer.start(t);
        const r = assertResult(await srv.request('tools/list', { _meta: modernMeta() }, 1), 1);
        assertServerInfo(r);
        assert.ok(Number.isInteger(r.ttlMs) && r.ttlMs >= 0);
        assert.ok(['public', 'private'].includes(r.cacheScope));
        assertToolNames(r.tools);
        for (const tool of r.tools)
            assert.deepEqual(Object.keys(tool).sort(), [...(tool.name === 'request_session_approval' ? ['_meta'] : []), 'annotations', 'description', 'inputSchema', 'name', 'outputSchema', 'title']);
        // The same request again gets the same list (no connection history).
        const again = assertResult(await srv.request('tools/list', { _meta: modernMeta() }, 2), 2);
        assert.deepEqual(again, r);
    });

    test('prompts/list, prompts/get and tools/call with the envelope', async (t) => {
        const srv = await modern(t);
        const pl = assertResult(await srv.request('prompts/list', { _meta: modernMeta() }, 1), 1);
        assertServerInfo(pl);
        assert.ok(Number.isInteger(pl.ttlMs));
        assert.ok(['public', 'private'].includes(pl.cacheScope));
        assert.deepEqual(pl.prompts.map((p) => p.name), PROMPT_NAMES);
        const pg = assertResult(await srv.request('prompts/get', { name: 'manage_sessions', arguments: { walletAddress: WALLET }, _meta: modernMeta() }, 2), 2);
        assertServerInfo(pg);
        assert.ok(pg.messages[0].content.text.includes(WALLET));
        const tc = assertResult(await srv.request('tools/call', { name: 'list_automations', arguments: VALID_ARGS.list_automations, _meta: modernMeta() }, 3), 3);
        assertServerInfo(tc);
        assertCallResultForValidArgs(tc, 'list_automations', MODERN);
        const bad = assertResult(await srv.request('tools/call', { name: 'list_automations', arguments: {}, _meta: modernMeta() }, 4), 4);
        assert.equal(bad.isError, true);
        assert.equal(bad.content[0].text, 'Invalid arguments for list_automations: walletAddress: is required but missing' + schemaTail('list_automations'));
        assertError(await srv.request('tools/call', { name: 'nope', arguments: {}, _meta: modernMeta() }, 5), 5, -32602);
        assertError(await srv.request('tools/list', { cursor: 'x', _meta: modernMeta() }, 6), 6, -32602);
    });

    test('after pinning, a request without the full envelope gets -32602', async (t) => {
        const srv = await modern(t);
        assertError(await srv.request('tools/list', undefined, 1), 1, -32602);
        assertError(await srv.request('tools/list', {}, 2), 2, -32602);
        assertError(await srv.request('tools/list', { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } }, 3), 3, -32602);
        assertError(await srv.request('tools/list', { _meta: modernMeta(MODERN, 'all') }, 4), 4, -32602);
        assertError(await srv.request('tools/list', { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }, 5), 5, -32602);
        assertResult(await srv.request('tools/list', { _meta: modernMeta() }, 6), 6);
    });

    test('an unsupported version in the envelope gets -32022 with data.supported and data.requested', async (t) => {
        const srv = RawServer.start(t);
        // As the first message it decides nothing: the process can still initialize afterwards.
        const first = await srv.request('tools/list', { _meta: modernMeta('2099-01-01') }, 1);
        assertError(first, 1, -32022);
        assert.deepEqual(first.error.data, { supported: [MODERN, ...LEGACY_VERSIONS], requested: '2099-01-01' });
        await srv.initialize();

        const pinned = await modern(t);
        const r = await pinned.request('tools/list', { _meta: modernMeta('2025-11-25') }, 2);
        assertError(r, 2, -32022);
        assert.deepEqual(r.error.data, { supported: [MODERN, ...LEGACY_VERSIONS], requested: '2025-11-25' });
    });

    test('initialize after pinning modern gets -32600', async (t) => {
        const srv = await modern(t);
        assertError(await srv.request('initialize', initializeParams('2025-11-25'), 1), 1, -32600);
        assertResult(await srv.request('tools/list', { _meta: modernMeta() }, 2), 2);
    });

    test('methods removed in 2026-07-28 (ping, logging/setLevel) get -32601 with the envelope', async (t) => {
        const srv = await modern(t);
        assertError(await srv.request('ping', { _meta: modernMeta() }, 1), 1, -32601);
        assertError(await srv.request('logging/setLevel', { level: 'debug', _meta: modernMeta() }, 2), 2, -32601);
        assertError(await srv.request('nope/nope', { _meta: modernMeta() }, 3), 3, -32601);
    });

    test('methods that do not exist get -32601 even without the envelope (a legacy keep-alive ping)', async (t) => {
        // The method check must come before the envelope check: there are no params to be
        // invalid for a method that does not exist.
        const srv = await modern(t);
        assertError(await srv.request('ping', undefined, 1), 1, -32601);
        assertError(await srv.request('nope/nope', {}, 2), 2, -32601);
    });

    test('a batch in the modern era gets -32600 id null', async (t) => {
        const srv = await modern(t);
        await srv.send(`[${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: modernMeta() } })}]`);
        assertError(await srv.next(), null, -32600);
    });
});

describe('logging', () => {
    const CANCEL_LOG = 'cancellation for a request that already completed';

    test('logging/setLevel debug: server log lines arrive as notifications/message (even with --log-level off)', async (t) => {
        const srv = await legacy(t, '2025-11-25', { args: ['--log-level', 'off'] });
        assert.deepEqual(assertResult(await srv.request('logging/setLevel', { level: 'debug' }, 1), 1), {});
        await srv.notify('notifications/cancelled', { requestId: 1, reason: 'test' });
        const n = await srv.next();
        assert.deepEqual(n, {
            jsonrpc: '2.0',
            method: 'notifications/message',
            params: { level: 'debug', logger: 'sessionkey-mcp', data: CANCEL_LOG },
        });
        await srv.pingIsNext();
        srv.closeStdin();
        await srv.waitExit();
        assert.equal(srv.stderr, '', '--log-level off keeps stderr silent');
    });

    test('a level above the message suppresses it; before setLevel nothing is sent', async (t) => {
        const srv = await legacy(t, '2025-11-25', { args: ['--log-level', 'debug'] });
        await srv.notify('notifications/cancelled', { requestId: 1 });
        await srv.pingIsNext();
        assert.deepEqual(assertResult(await srv.request('logging/setLevel', { level: 'error' }, 1), 1), {});
        await srv.notify('notifications/cancelled', { requestId: 1 });
        await srv.pingIsNext();
        srv.closeStdin();
        await srv.waitExit();
        assert.match(srv.stderr, new RegExp(`sessionkey-mcp: debug: ${CANCEL_LOG}\n`));
    });

    test('setLevel with an unknown or missing level gets -32602', async (t) => {
        const srv = await legacy(t);
        assertError(await srv.request('logging/setLevel', { level: 'loud' }, 1), 1, -32602);
        assertError(await srv.request('logging/setLevel', { level: 'DEBUG' }, 2), 2, -32602);
        assertError(await srv.request('logging/setLevel', {}, 3), 3, -32602);
        for (const level of ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'])
            assert.deepEqual(assertResult(await srv.request('logging/setLevel', { level }, level), level), {});
    });

    test('--log-level info logs the negotiation on stderr; the default level keeps stderr empty', async (t) => {
        const info = await legacy(t, '1999-01-01', { args: ['--log-level', 'info'] });
        info.closeStdin();
        await info.waitExit();
        assert.match(info.stderr, /^sessionkey-mcp: info: initialize: client asked for 1999-01-01, using 2025-11-25$/m);
        const quiet = await legacy(t);
        await quiet.request('tools/list', undefined, 1);
        quiet.closeStdin();
        await quiet.waitExit();
        assert.equal(quiet.stderr, '');
    });
});

describe('lifecycle', () => {
    test('stdin EOF: the process exits with status 0', async (t) => {
        const srv = await legacy(t);
        srv.closeStdin();
        assert.deepEqual(await srv.waitExit(), { code: 0, signal: null });
    });

    test('stdin EOF right after requests: every answer is written, then exit 0', async (t) => {
        const srv = RawServer.start(t);
        await srv.write(
            [
                { jsonrpc: '2.0', id: 0, method: 'initialize', params: initializeParams('2025-11-25') },
                { jsonrpc: '2.0', id: 1, method: 'tools/list' },
                { jsonrpc: '2.0', id: 2, method: 'prompts/list' },
            ].map((m) => JSON.stringify(m) + '\n').join(''),
        );
        srv.closeStdin();
        assert.deepEqual(await srv.waitExit(), { code: 0, signal: null });
        assert.deepEqual(srv.all.map((l) => l.msg.id), [0, 1, 2]);
    });

    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
        test(`${sig} while idle: the process exits`, async (t) => {
            const srv = await legacy(t);
            await srv.pingIsNext();
            srv.child.kill(sig);
            const r = await srv.waitExit();
            assert.ok(r.code === 0 || r.signal === sig, JSON.stringify(r));
        });
    }

    test('stdout closed by the client (EPIPE): the server exits instead of hanging', async (t) => {
        const srv = await legacy(t);
        srv.child.stdout.destroy(); // the client stops reading; stdin stays open
        // The server may exit (as it should) after the first answer fails to write, before or
        // while the second request is written: our own write then fails with EPIPE. That is
        // the race this test provokes, not a failure.
        const sendTolerant = (m) => srv.send(m).catch((e) => {
            if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
        });
        await sendTolerant({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
        await sendTolerant({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
        const r = await srv.waitExit();
        assert.equal(r.signal, null, 'SIGPIPE must be ignored, EPIPE handled');
    });

    test('parent death: the server exits even though its stdin stays open', async (t) => {
        const dir = tempHome(t);
        const fifo = path.join(dir, 'stdin.fifo');
        assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
        const fd = openSync(fifo, 'r+'); // keeps a writer open: the server never sees EOF
        defer(t, () => closeSync(fd));
        const sh = spawn('sh', ['-c', '"$0" <"$1" & echo $!; wait', BIN, fifo], {
            env: { ...process.env, SESSIONKEY_MCP_HOME: dir },
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
        });
        defer(t, () => {
            try {
                process.kill(-sh.pid, 'SIGKILL');
            } catch {
                /* gone */
            }
        });
        let out = '';
        sh.stdout.on('data', (c) => (out += c));
        writeSync(fd, '{"jsonrpc":"2.0","id":"alive","method":"ping"}\n');
        for (let i = 0; i < 250 && !out.includes('"id":"alive"'); i++) await sleep(20);
        const pid = Number(out.split('\n')[0]);
        assert.ok(pid > 0 && out.includes('{"jsonrpc":"2.0","id":"alive","result":{}}'), out);
        process.kill(sh.pid, 'SIGKILL'); // only the parent shell
        await waitGone(pid);
    });

    test('started by PID 1 (an MCP host that is a container init): the server still serves', async (t) => {
        const probe = spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'true']);
        if (probe.error || probe.status !== 0) {
            t.skip('unshare --pid is not available here');
            return;
        }
        // sh is PID 1 in the new namespace and stays the server's parent (no exec).
        const srv = RawServer.start(t, { wrap: ['unshare', '--pid', '--fork', '--kill-child', 'sh', '-c', '"$0" "$@"; exit $?'] });
        assert.equal((await srv.initialize()).protocolVersion, '2025-11-25');
        await srv.pingIsNext();
        srv.closeStdin();
        assert.deepEqual(await srv.waitExit(), { code: 0, signal: null });
    });
});
