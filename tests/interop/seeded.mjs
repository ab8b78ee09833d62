// seeded.mjs: what the viem cross-check files share: the repo root, the binary under test,
// a seed (SKM_SEED replays a failing run) and a small seeded generator.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(ROOT, process.env.SKM_BIN ?? 'build/sessionkey-mcp');
export const SEED = Number(process.env.SKM_SEED ?? Math.floor(Math.random() * 2 ** 31));
export const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// sfc32: a small seeded generator, so a failure can be replayed with SKM_SEED.
export function makeRng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 16; i++) next();
  return {
    int: (n) => next() % n,
    bool: () => (next() & 1) === 1,
    bytes: (n) => Uint8Array.from({ length: n }, () => next() & 0xff),
    pick: (arr) => arr[next() % arr.length],
  };
}
