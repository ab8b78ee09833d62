// bench_crypto_viem.mjs: the work of bench_crypto.c done with viem, printed in the same shape:
//   {"impl":"viem","keccak_1mib_mb_s":..,"keccak_64b_mb_s":..,"sign_recover_per_s":..}
// MB is 10^6 bytes; each figure runs for about one second. Run: node tests/bench/bench_crypto_viem.mjs
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// viem lives in tests/node_modules; resolve it from there wherever this file is run from.
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'package.json'));
const viem = await import(require.resolve('viem'));
const accounts = await import(require.resolve('viem/accounts'));
const { keccak256, recoverAddress } = viem;
const { generatePrivateKey, privateKeyToAccount, sign } = accounts;

const SECONDS = 1.0;
const MIB = 1024 * 1024;

function benchKeccakBig() {
  const buf = new Uint8Array(randomBytes(MIB));
  keccak256(buf, 'bytes'); // warm-up
  const t0 = performance.now();
  let n = 0, t;
  do {
    buf.set(keccak256(buf, 'bytes'));
    n++;
    t = (performance.now() - t0) / 1000;
  } while (t < SECONDS);
  return (n * MIB) / t / 1e6;
}

function benchKeccak64() {
  const input = new Uint8Array(64);
  input[0] = 1;
  const t0 = performance.now();
  let n = 0, t;
  do {
    for (let i = 0; i < 1000; i++) {
      const h = keccak256(input, 'bytes');
      input.set(h, 0);
      input.set(h, 32);
    }
    n += 1000;
    t = (performance.now() - t0) / 1000;
  } while (t < SECONDS);
  return (n * 64) / t / 1e6;
}

async function benchSignRecover() {
  const privateKey = generatePrivateKey();
  const address = privateKeyToAccount(privateKey).address;
  let hash = keccak256(new Uint8Array([7]));
  const t0 = performance.now();
  let n = 0, t;
  do {
    for (let i = 0; i < 100; i++) {
      const signature = await sign({ hash, privateKey, to: 'hex' });
      if ((await recoverAddress({ hash, signature })) !== address) throw new Error('recover mismatch');
      hash = keccak256(signature);
    }
    n += 100;
    t = (performance.now() - t0) / 1000;
  } while (t < SECONDS);
  return n / t;
}

const big = benchKeccakBig();
const small = benchKeccak64();
const pairs = await benchSignRecover();
console.log(JSON.stringify({
  impl: 'viem',
  keccak_1mib_mb_s: Number(big.toFixed(1)),
  keccak_64b_mb_s: Number(small.toFixed(1)),
  sign_recover_per_s: Math.round(pairs),
}));
