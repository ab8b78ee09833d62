// executor_tools.test.mjs: the executor's tools (authorize_execution, report_execution) obtain
// signatures and hold budget, so a chat server never lists or serves them: only a server
// started with --executor does, and the `exec` command line keeps working.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EXECUTOR_TOOLS, RawServer, modernMeta, toolListProblem } from './lib.mjs';
import { runExec } from './gate_lib.mjs';

test('a chat server does not list or serve the executor tools', async (t) => {
    const srv = RawServer.start(t);
    const list = await srv.request('tools/list', { _meta: modernMeta() }, 'l');
    const names = list.result.tools.map((x) => x.name);
    for (const n of EXECUTOR_TOOLS) assert.ok(!names.includes(n), `${n} listed without --executor`);
    assert.equal(toolListProblem(names), null);
    for (const name of EXECUTOR_TOOLS) {
        const r = await srv.request('tools/call', { _meta: modernMeta(), name, arguments: { sessionId: 'ses_x', reservationId: 'res_x', outcome: 'failed' } }, name);
        assert.ok(r.error, JSON.stringify(r));
        assert.equal(r.error.code, -32602);
        assert.match(r.error.message, new RegExp(`Unknown tool: ${name}\\. It is an executor tool, served only by a server started with --executor`));
    }
});

test('a server started with --executor lists and serves them', async (t) => {
    const srv = RawServer.start(t, { args: ['--executor'] });
    const list = await srv.request('tools/list', { _meta: modernMeta() }, 'l');
    const names = list.result.tools.map((x) => x.name);
    assert.equal(toolListProblem(names, { executor: true }), null);
    const r = await srv.request('tools/call', { _meta: modernMeta(), name: 'authorize_execution', arguments: { sessionId: 'ses_nope', calls: [{ target: '0x2626664c2603336E57B271c5C0b26F421741e481', value: '0', data: '0x' }], chainId: 8453 } }, 'a');
    assert.ok(r.result, JSON.stringify(r));
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /ses_nope/);
});

test('the exec command line works without --executor', async (t) => {
    const srv = RawServer.start(t); // only to get a data dir cleaned up with the test
    const out = await runExec(srv.home, [{ sessionId: 'ses_nope', calls: [{ target: '0x2626664c2603336E57B271c5C0b26F421741e481', value: '0', data: '0x' }], chainId: 8453 }]);
    assert.equal(out.results.length, 1, out.stderr);
    assert.equal(out.results[0].code, "NOT_FOUND", JSON.stringify(out.results));
});
