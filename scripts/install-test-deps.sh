#!/bin/sh
# install-test-deps.sh: Debian packages for the test build (clang, Node) and the pinned npm
# test dependencies in tests/node_modules (official MCP SDK clients, Inspector, conformance,
# viem, anvil, Node 22). Re-runs npm only when tests/package-lock.json changed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh --test
stamp=tests/node_modules/.skm-installed
if [ ! -f "$stamp" ] || [ tests/package-lock.json -nt "$stamp" ] || [ tests/package.json -nt "$stamp" ]; then
    echo "sessionkey-mcp: installing npm test dependencies (tests/package-lock.json)" >&2
    (cd tests && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$stamp"
fi
# Kernel v3.1 bytecode for the local-chain tier (npm pack of @rhinestone/modulekit, once).
sh scripts/fetch-kernel-bytecode.sh
