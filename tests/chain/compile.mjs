// compile.mjs: compiles the local-chain tier's own test contracts (tests/chain/contracts/*.sol)
// with the pinned npm solc (standard JSON input) and caches the output under
// build/chain/solc-<hash>.json, keyed by the compiler version and the sources.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const require = createRequire(join(ROOT, 'tests', 'package.json'));

/* { ContractName: { abi, bytecode: '0x..', deployedBytecode: '0x..' } } */
export function compileTestContracts() {
    const dir = join(HERE, 'contracts');
    const sources = {};
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.sol')).sort())
        sources[f] = { content: readFileSync(join(dir, f), 'utf8') };
    const solcPkg = JSON.parse(readFileSync(require.resolve('solc/package.json'), 'utf8'));
    const input = {
        language: 'Solidity',
        sources,
        settings: {
            optimizer: { enabled: true, runs: 200 },
            evmVersion: 'cancun',
            outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
        },
    };
    const key = createHash('sha256').update(solcPkg.version).update(JSON.stringify(input)).digest('hex').slice(0, 16);
    const cacheDir = join(ROOT, 'build', 'chain');
    const cache = join(cacheDir, `solc-${key}.json`);
    let out;
    if (existsSync(cache)) {
        out = JSON.parse(readFileSync(cache, 'utf8'));
    } else {
        const solc = require('solc');
        out = JSON.parse(solc.compile(JSON.stringify(input)));
        const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
        if (errors.length) throw new Error('solc: ' + errors.map((e) => e.formattedMessage).join('\n'));
        mkdirSync(cacheDir, { recursive: true });
        writeFileSync(cache + '.tmp', JSON.stringify(out));
        renameSync(cache + '.tmp', cache);
    }
    const result = {};
    for (const file of Object.keys(out.contracts)) {
        for (const [name, c] of Object.entries(out.contracts[file])) {
            result[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object,
                             deployedBytecode: '0x' + c.evm.deployedBytecode.object };
        }
    }
    return result;
}
