// gate_concurrency.test.mjs: many processes on one session. N `sessionkey-mcp exec` processes,
// each with M requests, plus an MCP server process, race on one session's budget; some are
// killed with SIGKILL mid-run. Afterwards the ledger is read directly with node:sqlite (Node 22)
// and must hold: the reserved-or-committed total never above maxTotal, the count never above
// the rate limit, exactly one ledger row per allowed decision in the audit log, every
// reservation a process printed present in the ledger, and an intact audit chain.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

import { BIN, NODE22, tempHome } from './lib.mjs';
import { approveSession, call, connect, runExec, swapCall, usdc } from './gate_lib.mjs';

/* Query the data dir's database with node:sqlite under Node 22; returns the rows per query. */
function sql(home, queries) {
    const script = `
        const { DatabaseSync } = require('node:sqlite');
        const db = new DatabaseSync(process.env.DB, { readOnly: true });
        const out = JSON.parse(process.env.Q).map((q) => db.prepare(q).all());
        process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(NODE22, ['--no-warnings', '-e', script], {
        env: { ...process.env, DB: path.join(home, 'sessionkey.db'), Q: JSON.stringify(queries) },
        encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

/* The ledger invariants every test checks. */
function ledgerFacts(home, sessionId) {
    const [rows, audit, integrity] = sql(home, [
        `SELECT reservation_id, amount, state, created_at FROM ledger WHERE session_id = '${sessionId}'`,
        `SELECT event, count(*) AS n FROM audit WHERE session_id = '${sessionId}' GROUP BY event`,
        'PRAGMA integrity_check',
    ]);
    const events = Object.fromEntries(audit.map((a) => [a.event, a.n]));
    const live = rows.filter((r) => r.state !== 'released');
    return {
        rows,
        events,
        integrity: integrity[0].integrity_check,
        liveTotal: live.reduce((s, r) => s + BigInt(r.amount), 0n),
        committedTotal: rows.filter((r) => r.state === 'committed').reduce((s, r) => s + BigInt(r.amount), 0n),
    };
}

function auditVerifies(home) {
    const r = spawnSync(BIN, ['audit', 'verify', '--data-dir', home], { encoding: 'utf8' });
    return JSON.parse(r.stdout).ok === true;
}

async function setup(t, permissions) {
    const home = tempHome(t);
    const c = await connect(t, home);
    const { sessionId } = await approveSession(c, { permissions });
    return { home, c, sessionId };
}

const N = 8; // processes
const M = 6; // requests per process

test(`${N} exec processes x ${M} requests and an MCP client never overshoot maxTotal`, async (t) => {
    const { home, c, sessionId } = await setup(t, {});
    const req = { sessionId, calls: [swapCall({ amountIn: usdc(50) })] };
    const procs = Array.from({ length: N }, () => runExec(home, Array(M).fill(req)));
    const viaMcp = Array.from({ length: M }, () => call(c, 'authorize_execution', req));
    const results = (await Promise.all(procs)).flatMap((r) => {
        assert.equal(r.code, 0, r.stderr);
        return r.results;
    });
    const mcp = (await Promise.all(viaMcp)).map((r) => r.structuredContent);
    const all = [...results, ...mcp];
    const allowed = all.filter((d) => d.allowed);
    assert.equal(all.length, N * M + M);
    assert.equal(allowed.length, 20, '$1000 / $50 = 20 trades fit, no more');
    assert.ok(all.filter((d) => !d.allowed).every((d) => d.rule === 'TOTAL_CAP'));
    assert.equal(new Set(allowed.map((d) => d.reservationId)).size, 20);

    const rep = await runExec(home, allowed.map((d, i) => ({ reservationId: d.reservationId, outcome: 'executed', txHash: '0x' + (i + 1).toString(16).padStart(64, '0') })), { report: true });
    assert.equal(rep.code, 0, rep.stderr);
    const f = ledgerFacts(home, sessionId);
    assert.equal(f.rows.length, 20);
    assert.equal(f.committedTotal, usdc(1000));
    assert.equal(f.events.execution_allowed, 20);
    assert.equal(f.events.execution_denied, N * M + M - 20);
    assert.equal(f.events.execution_committed, 20);
    assert.equal(f.integrity, 'ok');
    assert.ok(auditVerifies(home));
});

test(`${N} exec processes x ${M} requests never exceed the rate limit`, async (t) => {
    const { home, c, sessionId } = await setup(t, { rateLimit: { count: 3, period: 3600 } });
    await c.close();
    const req = { sessionId, calls: [swapCall({ amountIn: usdc(1) })] };
    const results = (await Promise.all(Array.from({ length: N }, () => runExec(home, Array(M).fill(req))))).flatMap((r) => r.results);
    const allowed = results.filter((d) => d.allowed);
    assert.equal(allowed.length, 3);
    assert.ok(results.filter((d) => !d.allowed).every((d) => d.rule === 'RATE_LIMIT'));
    const f = ledgerFacts(home, sessionId);
    assert.equal(f.rows.length, 3);
    const times = f.rows.map((r) => r.created_at);
    assert.ok(Math.max(...times) - Math.min(...times) < 3600);
});

test('kill -9 in the middle loses nothing and counts nothing twice', async (t) => {
    const { home, c, sessionId } = await setup(t, { maxPerTransaction: '10', maxTotal: '500' });
    await c.close();
    const req = { sessionId, calls: [swapCall({ amountIn: usdc(10) })] };
    const killed = [];
    const procs = Array.from({ length: N }, (_, i) =>
        runExec(home, Array(40).fill(req), {
            onSpawn: (child) => {
                if (i % 2 !== 0) return;
                let lines = 0;
                child.stdout.on('data', (chunk) => {
                    lines += String(chunk).split('\n').length - 1;
                    if (lines >= 3 + i && !child.killed) {
                        child.kill('SIGKILL');
                        killed.push(i);
                    }
                });
            },
        }),
    );
    const runs = await Promise.all(procs);
    assert.ok(killed.length >= 1, 'at least one process was killed mid-run');
    assert.ok(runs.some((r) => r.signal === 'SIGKILL'));
    assert.ok(runs.filter((r) => r.signal === 'SIGKILL').every((r) => r.results.length < 40), 'killed before the end');
    // what the processes printed before they died (complete lines only)
    const printed = runs.flatMap((r) => r.results);
    const printedIds = printed.filter((d) => d.allowed).map((d) => d.reservationId);

    const f = ledgerFacts(home, sessionId);
    const ledgerIds = new Set(f.rows.map((r) => r.reservation_id));
    for (const id of printedIds) assert.ok(ledgerIds.has(id), `printed reservation ${id} is in the ledger`);
    assert.equal(ledgerIds.size, f.rows.length, 'reservation ids are unique');
    assert.equal(f.events.execution_allowed, f.rows.length, 'one audit entry per reservation, no more, no less');
    assert.ok(f.liveTotal <= usdc(500), `reserved ${f.liveTotal} <= maxTotal`);
    assert.equal(f.liveTotal, usdc(10) * BigInt(f.rows.length));
    assert.equal(f.integrity, 'ok');
    assert.ok(auditVerifies(home));

    // the store still works, and a survivor's view agrees with the ledger
    const more = await runExec(home, [req]);
    assert.equal(more.code, 0, more.stderr);
    assert.equal(more.results[0].allowed, f.rows.length < 50);
});
