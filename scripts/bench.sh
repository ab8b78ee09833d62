#!/bin/sh
# bench.sh (`make bench`): startup, latency and memory of build/sessionkey-mcp against the Go
# peer (mcp-time 0.4.0, mcp-go), the TypeScript-SDK peer and the do-nothing C floor, plus
# crypto throughput (C vs viem) and the binary's shared-library list. One sitting, about
# 2-3 minutes on 2 cores. Prints a table; raw JSON goes to build/bench/results-<date>.json.
#
# The measuring tools live in ../shared/bench (beside the repo clone): spawn_init_timer.c
# (Node-free spawn -> initialize), floor_raw_server.c, mcp_probe.mjs (official SDK client),
# peer_ts_server.mjs. Their npm deps (SDK 1.32.2, zod 4.6.7, mcp-time-linux-x64 0.4.0) are
# pinned in bench/package.json and installed into bench/node_modules.
#
# Goals are reported as met / not met and never fail the run: exit status 1 only when
# something could not be built or run. See bench/README.md for how to read the table.
#
# Knobs (environment): BENCH_HARNESS_N (20), BENCH_PROBE_ROUNDS (3), BENCH_SPAWNS (10),
# BENCH_CALLS (1000), BENCH_WARMUP (50), BENCH_NO_UNSHARE=1 (do not isolate the network).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=$(cd "$ROOT/.." && pwd)/shared
B=$ROOT/build/bench
HN=${BENCH_HARNESS_N:-20}
ROUNDS=${BENCH_PROBE_ROUNDS:-3}
SPAWNS=${BENCH_SPAWNS:-10}
CALLS=${BENCH_CALLS:-1000}
WARMUP=${BENCH_WARMUP:-50}
WALLET=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
OUR_ARGS="{\"walletAddress\":\"$WALLET\"}"

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for f in spawn_init_timer.c floor_raw_server.c mcp_probe.mjs peer_ts_server.mjs package.json; do
    if [ ! -f "$SHARED/bench/$f" ]; then
        die "missing $SHARED/bench/$f: make bench needs the shared/ folder beside the repo
       (clone it next to sessionkey-mcp so that ../shared/bench exists), then re-run"
    fi
done
command -v node >/dev/null 2>&1 || die "node not found (run make test-deps)"
command -v npm >/dev/null 2>&1 || die "npm not found (run make test-deps)"

STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
RUN=$B/run-$STAMP
mkdir -p "$RUN/raw" || die "cannot create $RUN"
FAILS=$RUN/failures.txt
: > "$FAILS"
fail() { say "FAILED: $*"; printf '%s\n' "$*" >> "$FAILS"; }
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. build ------------------------------------------------------------------------------
say "building build/sessionkey-mcp (release) and the harness"
make --no-print-directory -j2 >&2 || die "make -j2 failed"
cc -O2 -o "$B/spawn_init_timer" "$SHARED/bench/spawn_init_timer.c" || die "cannot build spawn_init_timer"
cc -O2 -o "$B/floor_raw_server" "$SHARED/bench/floor_raw_server.c" || die "cannot build floor_raw_server"

# ---- 2. npm deps for the probe and the peers (only when missing or the lock changed) -----------
LOCKSUM=$(sha256sum bench/package-lock.json | cut -d' ' -f1)
if [ ! -d bench/node_modules ] || [ "$(cat bench/node_modules/.skm-lock 2>/dev/null)" != "$LOCKSUM" ]; then
    say "installing bench/node_modules (npm ci)"
    (cd bench && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || die "npm ci in bench/ failed"
    printf '%s\n' "$LOCKSUM" > bench/node_modules/.skm-lock
fi
# ES modules ignore NODE_PATH: put copies of the .mjs files next to a node_modules link.
cp "$SHARED/bench/mcp_probe.mjs" "$SHARED/bench/peer_ts_server.mjs" "$B/" || die "cannot copy the probe"
ln -sfn ../../bench/node_modules "$B/node_modules"
GO_PEER=$(cd bench && node -e 'const p=require("path");console.log(p.join(p.dirname(require.resolve("mcp-time-linux-x64/package.json")),"bin","mcp-time"))' 2>/dev/null)
if [ ! -x "${GO_PEER:-/nonexistent}" ]; then
    GO_PEER=$(find bench/node_modules/mcp-time-linux-x64 -type f -name mcp-time 2>/dev/null | head -n 1)
    [ -n "$GO_PEER" ] && GO_PEER=$ROOT/$GO_PEER
fi
[ -x "${GO_PEER:-/nonexistent}" ] || die "mcp-time binary not found in bench/node_modules/mcp-time-linux-x64"
NODE=$(command -v node)

# ---- environment: scratch HOME, the SDK's default variables only, no network ----------------
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/skm-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$SCRATCH"' EXIT INT TERM
mkdir -p "$SCRATCH/home" "$SCRATCH/data"
NET=""
NETNS=false
if [ "${BENCH_NO_UNSHARE:-0}" != 1 ] && unshare -n true 2>/dev/null; then
    NET="unshare -n --"; NETNS=true
fi
# What StdioClientTransport passes on (getDefaultEnvironment), so the harness sees the same.
CLEANENV="env -i HOME=$SCRATCH/home PATH=$PATH LOGNAME=${LOGNAME:-bench} USER=${USER:-bench} SHELL=/bin/sh TERM=${TERM:-dumb}"

# Measure a snapshot, so a rebuild during the sitting (make, tests) cannot swap the binary.
OURS="$RUN/sessionkey-mcp"
cp build/sessionkey-mcp "$OURS" && cp build/libskm.a "$RUN/libskm.a" || die "cannot copy build/sessionkey-mcp"
FLOOR="$B/floor_raw_server"
# Same-payload floor: the C floor answering tools/list with our exact tools/list result.
OUR_LIST=$RUN/our-tools-list.json
printf '%s\n%s\n' \
    '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}' \
    '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}' |
    SESSIONKEY_MCP_HOME=$SCRATCH/data timeout 10 "$OURS" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){if(!l)continue;const m=JSON.parse(l);if(m.id===1&&m.result){process.stdout.write(JSON.stringify(m.result)+"\n");return;}}process.exit(1);});' \
    > "$OUR_LIST" || die "could not read our tools/list (does build/sessionkey-mcp start?)"

# server key -> command (word-split on purpose; no path here contains spaces)
cmd_of() {
    case $1 in
        ours) echo "$OURS" ;;
        go) echo "$GO_PEER" ;;
        ts) echo "$NODE $B/peer_ts_server.mjs" ;;
        floor) echo "$FLOOR" ;;
        floorlist) echo "$FLOOR $OUR_LIST" ;;
    esac
}

# ---- 3. startup without Node: spawn_init_timer, 2 rounds, order reversed in round 2 ---------
say "harness: spawn_init_timer $HN spawns x 2 rounds x 4 servers"
for round in 1 2; do
    if [ $round = 1 ]; then order="ours go ts floor"; else order="floor ts go ours"; fi
    for s in $order; do
        out=$RUN/raw/harness-$s-$round.json
        extra=""
        [ $s = ours ] && extra="SESSIONKEY_MCP_HOME=$SCRATCH/data"
        # shellcheck disable=SC2046
        if ! $NET $CLEANENV $extra "$B/spawn_init_timer" "$HN" -- $(cmd_of $s) > "$out" 2> "$out.err"; then
            fail "harness $s round $round: $(tail -n 3 "$out.err" | tr '\n' ' ')"
            rm -f "$out"
        fi
    done
done

# ---- 4. mcp_probe: 3 rounds, order rotated each round --------------------------------------
say "probe: $ROUNDS rounds x 5 servers ($SPAWNS spawns, $CALLS calls, $WARMUP warm-up each)"
SERVERS="ours go ts floor floorlist"
round=1
while [ $round -le "$ROUNDS" ]; do
    # rotate the list by (round-1)
    set -- $SERVERS
    i=1
    while [ $i -lt $round ]; do first=$1; shift; set -- "$@" "$first"; i=$((i + 1)); done
    for s in "$@"; do
        out=$RUN/raw/probe-$s-$round.json
        case $s in
            ours) set_args="--env SESSIONKEY_MCP_HOME=$SCRATCH/data --call-tool list_automations" ; cargs=$OUR_ARGS ;;
            ts) set_args="--call-tool list_automations" ; cargs=$OUR_ARGS ;;
            go) set_args="--call-tool current_time" ; cargs='{}' ;;
            *) set_args="" ; cargs="" ;;
        esac
        # shellcheck disable=SC2086
        if [ -n "$cargs" ]; then
            $NET env HOME="$SCRATCH/home" node "$B/mcp_probe.mjs" --spawns "$SPAWNS" --calls "$CALLS" --warmup "$WARMUP" \
                $set_args --call-args "$cargs" -- $(cmd_of $s) > "$out" 2> "$out.err"
        else
            $NET env HOME="$SCRATCH/home" node "$B/mcp_probe.mjs" --spawns "$SPAWNS" --calls "$CALLS" --warmup "$WARMUP" \
                $set_args -- $(cmd_of $s) > "$out" 2> "$out.err"
        fi
        rc=$?
        if [ $rc != 0 ] || [ ! -s "$out" ]; then
            fail "probe $s round $round (exit $rc): $(tail -n 3 "$out.err" | tr '\n' ' ')"
            rm -f "$out"
        fi
    done
    round=$((round + 1))
done

# ---- 6. crypto: C (libskm.a) vs viem ---------------------------------------------------------
if [ -f tests/bench/bench_crypto.c ]; then
    say "crypto: bench_crypto (C)"
    # shellcheck disable=SC2046
    if cc -O2 -D_GNU_SOURCE -Iserver $(pkg-config --cflags jansson sqlite3 libsecp256k1 libsodium 2>/dev/null) \
        -o "$B/bench_crypto" tests/bench/bench_crypto.c "$RUN/libskm.a" \
        $(pkg-config --libs jansson sqlite3 libsecp256k1 libsodium) -ldl -lpthread -lm 2> "$RUN/raw/crypto-c.err"; then
        "$B/bench_crypto" > "$RUN/raw/crypto-c.json" 2>> "$RUN/raw/crypto-c.err" || fail "bench_crypto failed: $(tail -n 2 "$RUN/raw/crypto-c.err" | tr '\n' ' ')"
    else
        fail "bench_crypto.c did not compile: $(grep -m 2 error "$RUN/raw/crypto-c.err" | tr '\n' ' ')"
    fi
else
    echo "tests/bench/bench_crypto.c not present: skipped" > "$RUN/raw/crypto-c.skipped"
fi
if [ -f tests/bench/bench_crypto_viem.mjs ]; then
    say "crypto: bench_crypto_viem.mjs (viem)"
    node tests/bench/bench_crypto_viem.mjs > "$RUN/raw/crypto-viem.json" 2> "$RUN/raw/crypto-viem.err" ||
        fail "bench_crypto_viem.mjs failed: $(tail -n 2 "$RUN/raw/crypto-viem.err" | tr '\n' ' ')"
else
    echo "tests/bench/bench_crypto_viem.mjs not present: skipped" > "$RUN/raw/crypto-viem.skipped"
fi

# ---- 6a. execution gate (issue-7 goals): check/s on one core, durable reserve+commit rounds
if [ -f tests/bench/bench_gate.c ]; then
    say "gate: bench_gate (C)"
    # shellcheck disable=SC2046
    if cc -O2 -D_GNU_SOURCE -Iserver -Itools -o "$B/bench_gate" tests/bench/bench_gate.c "$RUN/libskm.a" \
        $(pkg-config --libs jansson sqlite3 libsecp256k1 libsodium) -ldl -lpthread -lm 2> "$RUN/raw/gate.err"; then
        BENCH_GATE_DIR= "$B/bench_gate" > "$RUN/raw/gate.json" 2>> "$RUN/raw/gate.err" || fail "bench_gate failed: $(tail -n 2 "$RUN/raw/gate.err" | tr '\n' ' ')"
    else
        fail "bench_gate.c did not compile: $(grep -m 2 error "$RUN/raw/gate.err" | tr '\n' ' ')"
    fi
fi

# ---- 6b. session lifecycle (issue-5 goals): request_session_approval, list over 10,000 sessions
say "lifecycle: request_session_approval x ${BENCH_SESSIONS:-10000}, list_automations"
node bench/lifecycle.mjs "$OURS" --sessions "${BENCH_SESSIONS:-10000}" --wallets 100 --lists 1000 \
    > "$RUN/raw/lifecycle.json" 2> "$RUN/raw/lifecycle.err" || fail "bench/lifecycle.mjs failed: $(tail -n 2 "$RUN/raw/lifecycle.err" | tr '\n' ' ')"

# ---- 6c. executor (issue-13 goals): RSS following 1,000 sessions, due -> submitted delay -----
say "executor: run following ${BENCH_EXEC_SESSIONS:-1000} sessions against a loopback stub bundler"
(cd tests && node bench/executor_bench.mjs --bin "$ROOT/build/sessionkey-mcp" --sessions "${BENCH_EXEC_SESSIONS:-1000}") \
    > "$RUN/raw/executor.json" 2> "$RUN/raw/executor.err" || fail "tests/bench/executor_bench.mjs failed: $(tail -n 2 "$RUN/raw/executor.err" | tr '\n' ' ')"
grep '^executor-bench: \(RSS\|due\)' "$RUN/raw/executor.err" >&2 || true

# ---- 7. shared libraries ---------------------------------------------------------------------
ldd "$OURS" > "$RUN/raw/ldd.txt" 2>&1 || fail "ldd $OURS failed"

# ---- 8. report -------------------------------------------------------------------------------
cat > "$RUN/meta.json" <<EOF
{"stamp":"$STAMP","commit":"$(git rev-parse --short HEAD 2>/dev/null)","netns_isolated":$NETNS,
 "harness_n":$HN,"probe_rounds":$ROUNDS,"spawns":$SPAWNS,"calls":$CALLS,"warmup":$WARMUP,
 "go_peer":"$GO_PEER","ours":"build/sessionkey-mcp (measured as a copy in $RUN)","ours_bytes":$(stat -c %s "$OURS"),"go_peer_bytes":$(stat -c %s "$GO_PEER"),
 "nproc":$(nproc),"loadavg_start":"$LOAD0","loadavg_end":"$(cut -d' ' -f1-3 /proc/loadavg)","wall_s":$(($(date +%s) - T0)),
 "kernel":"$(uname -r)","cc":"$(cc --version | head -n 1)","node":"$(node --version)"}
EOF
OUT=$B/results-$STAMP.json
node bench/report.mjs "$RUN" "$OUT" || fail "report failed"
say "raw JSON: $OUT (per-run outputs in $RUN/raw)"
if [ -s "$FAILS" ]; then
    say "some measurements could not run:"
    sed 's/^/  - /' "$FAILS" >&2
    exit 1
fi
exit 0
