#!/bin/sh
# fuzz.sh: libFuzzer on the message handler for FUZZTIME seconds (default 60). New inputs
# that add coverage are merged into tests/fuzz/corpus/message; crashes are saved in
# tests/fuzz/crashes/ (commit them: make test replays everything under tests/fuzz/corpus).
set -eu
cd "$(dirname "$0")/.."
T=${FUZZTIME:-60}
make --no-print-directory -j2 FLAVOUR=fuzz CC=clang build/fuzz/fuzz-message
mkdir -p build/fuzz/new tests/fuzz/crashes
build/fuzz/fuzz-message -max_total_time="$T" -max_len=8192 -artifact_prefix=tests/fuzz/crashes/ \
    -dict=tests/fuzz/message.dict build/fuzz/new tests/fuzz/corpus/message || status=$?
build/fuzz/fuzz-message -merge=1 tests/fuzz/corpus/message build/fuzz/new >/dev/null 2>&1 || true
echo "fuzz: corpus now $(ls tests/fuzz/corpus/message | wc -l) inputs; crashes: $(ls tests/fuzz/crashes | wc -l)"
exit ${status:-0}
