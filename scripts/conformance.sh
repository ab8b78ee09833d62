#!/bin/sh
# conformance.sh: the official MCP conformance suite (@modelcontextprotocol/conformance, pinned
# in tests/package.json, run under the Node 22 from tests/node_modules) against our stdio
# server through a stdio -> Streamable HTTP bridge (supergateway, stateful) on 127.0.0.1.
# Known, documented failures live in tests/conformance/expected-failures.yml. Prints each
# scenario, the raw score, and last "conformance: N passed, M failed" (M = failures not in
# the baseline, plus stale baseline entries). Exit status 0 only when M is 0.
#   SKM_BIN=path          test that binary instead of building build/sessionkey-mcp
#   SKM_CONFORMANCE_SCENARIO=name   run one scenario
set -u
cd "$(dirname "$0")/.."
if [ -z "${SKM_BIN:-}" ]; then
    make --no-print-directory -j2 all >&2 || { echo "conformance: build failed"; echo "conformance: 0 passed, 1 failed"; exit 1; }
fi
exec node tests/conformance/run.mjs
