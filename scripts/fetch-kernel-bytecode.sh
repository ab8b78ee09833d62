#!/bin/sh
# fetch-kernel-bytecode.sh: the Kernel v3.1 implementation and factory bytecode for the local-chain
# test tier (tests/chain). @rhinestone/modulekit cannot be npm-installed here (its git
# dependencies fail), so its registry tarball is fetched with `npm pack` (npm registry only) into
# tests/node_modules/.cache and the one file the tests read, KernelPrecompiles.sol, is extracted.
# Does nothing when the file is already there.
set -eu
cd "$(dirname "$0")/.."
version=0.5.9
dir=tests/node_modules/.cache/modulekit-$version
file=$dir/KernelPrecompiles.sol
[ -s "$file" ] && exit 0
mkdir -p "$dir"
tgz=$dir/rhinestone-modulekit-$version.tgz
if [ ! -s "$tgz" ]; then
    (cd "$dir" && npm pack --silent "@rhinestone/modulekit@$version" >/dev/null)
fi
tar -xzf "$tgz" -C "$dir" --strip-components=4 package/src/deployment/precompiles/KernelPrecompiles.sol
[ -s "$file" ] || { echo "fetch-kernel-bytecode: KernelPrecompiles.sol missing from the tarball" >&2; exit 1; }
