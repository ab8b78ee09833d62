#!/bin/sh
# fuzz.sh: libFuzzer on the message handler, then on the HTTP parser, FUZZTIME seconds each (default 60). New inputs
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
# The approval page's HTTP parser, as long again (corpus: tests/fuzz/corpus_http/http).
make --no-print-directory -j2 FLAVOUR=fuzz CC=clang build/fuzz/fuzz-http
mkdir -p build/fuzz/new-http
build/fuzz/fuzz-http -max_total_time="$T" -max_len=4096 -artifact_prefix=tests/fuzz/crashes/http- \
    -dict=tests/fuzz/http.dict build/fuzz/new-http tests/fuzz/corpus_http/http || status=$?
build/fuzz/fuzz-http -merge=1 tests/fuzz/corpus_http/http build/fuzz/new-http >/dev/null 2>&1 || true
echo "fuzz: corpus now $(ls tests/fuzz/corpus/message | wc -l) message and $(ls tests/fuzz/corpus_http/http | wc -l) http inputs; crashes: $(ls tests/fuzz/crashes | wc -l)"
exit ${status:-0}
