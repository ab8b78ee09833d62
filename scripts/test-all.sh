#!/bin/sh
# test-all.sh: every test suite, one after another. Each suite's full output goes to
# build/test-results/<suite>.log; this prints one line per suite and, last, the closing line
# "N passed, N failed" (the sum over suites). Exit status 1 if anything failed.
#   --asan   run the C suites from build/asan (ASan+UBSan) instead of the release build
set -u
cd "$(dirname "$0")/.."
R=build/test-results
mkdir -p "$R"
rm -f "$R"/*.log
PASSED=0
FAILED=0
MAKE="make --no-print-directory -j2"
FLAV=""
[ "${1:-}" = "--asan" ] && FLAV="FLAVOUR=asan"
ODIR=build; [ -n "$FLAV" ] && ODIR=build/asan

add() { # suite passed failed
    PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3))
    printf '%-22s %s passed, %s failed\n' "$1:" "$2" "$3"
    if [ "$3" -gt 0 ]; then
        echo "---- last lines of $R/$1.log ----"
        grep -E "FAIL|not ok|Error|error:|failed|assert" "$R/$1.log" | head -40
        tail -n 25 "$R/$1.log"
        echo "----"
    fi
}

# A step that is one test: it passes when the command exits 0.
step() { # suite command...
    name=$1; shift
    if "$@" > "$R/$name.log" 2>&1; then add "$name" 1 0; else add "$name" 0 1; fi
}

# A suite that prints "<word>: N passed, M failed" as its last such line.
counted() { # suite command...
    name=$1; shift
    "$@" > "$R/$name.log" 2>&1
    rc=$?
    line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$R/$name.log" | tail -n 1)
    if [ -z "$line" ]; then add "$name" 0 1; return; fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    add "$name" "$p" "$f"
}

# node --test with the TAP reporter: "# pass N" / "# fail N" / "# cancelled N".
node_suite() { # suite files...
    name=$1; shift
    [ $# -eq 0 ] && return
    SKM_BIN="${SKM_BIN:-$PWD/$ODIR/sessionkey-mcp}" node --test --test-reporter=tap "$@" > "$R/$name.log" 2>&1
    rc=$?
    p=$(grep -E '^# pass [0-9]+' "$R/$name.log" | tail -n 1 | awk '{print $3}')
    f=$(grep -E '^# fail [0-9]+' "$R/$name.log" | tail -n 1 | awk '{print $3}')
    c=$(grep -E '^# cancelled [0-9]+' "$R/$name.log" | tail -n 1 | awk '{print $3}')
    p=${p:-0}; f=$((${f:-0} + ${c:-0}))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    add "$name" "$p" "$f"
}

step build $MAKE $FLAV all unit-binaries
if [ ! -x "$ODIR/sessionkey-mcp" ]; then
    echo "the build failed: nothing else can run"
    echo "$PASSED passed, $((FAILED + 1)) failed"
    exit 1
fi
step check-assets "$ODIR/sessionkey-mcp" --check-assets
# The test flavour: release code plus the test-only clock and fault hooks (SKM_TEST_HOOKS),
# used by the end-to-end tests that move time or fail a write on purpose.
if [ -z "$FLAV" ]; then step build-test $MAKE FLAVOUR=test all; fi
export SKM_TEST_BIN="${SKM_TEST_BIN:-$PWD/$( [ -n "$FLAV" ] && echo build/asan || echo build/test )/sessionkey-mcp}"
counted unit "$ODIR/unit-tests"
counted unit-noverify "$ODIR/unit-tests-noverify"
counted fuzz-replay "$ODIR/fuzz-replay" tests/fuzz/corpus
counted fuzz-replay-http "$ODIR/fuzz-replay-http" tests/fuzz/corpus_http
if [ -z "$FLAV" ]; then
    step build-clang $MAKE FLAVOUR=clang CC=clang all
    step build-asan $MAKE FLAVOUR=asan unit-binaries
    counted unit-asan build/asan/unit-tests
    counted fuzz-replay-asan build/asan/fuzz-replay tests/fuzz/corpus
    counted fuzz-replay-http-asan build/asan/fuzz-replay-http tests/fuzz/corpus_http
fi
node_suite e2e $(ls tests/e2e/*.test.mjs 2>/dev/null)
node_suite interop $(ls tests/interop/*.test.mjs 2>/dev/null)
# The local-chain tier: anvil as Base with EntryPoint v0.7, Kernel v3.1, Uniswap V3 and our
# ZeroDev module stand-ins, the test bundler (tests/chain/harness.mjs). Needs the Kernel bytecode
# that scripts/install-test-deps.sh fetches (scripts/fetch-kernel-bytecode.sh).
node_suite chain $(ls tests/chain/*.test.mjs 2>/dev/null)

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
