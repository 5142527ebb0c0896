#!/usr/bin/env bash
# Fuzzes SafeTensors.parse with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz-safetensors.sh [SECONDS] [extra libFuzzer flags…]     (default 60 seconds)
#
# The target lives in its own package (Fuzz/), so it never slows or breaks the main build. Every
# input must parse or throw a ConvKitError; a trap, a sanitizer report or another error type stops
# the run and leaves the input in Fuzz/.build/fuzz-artifacts/. Replay one with
#   Fuzz/.build/debug/FuzzSafeTensors Fuzz/.build/fuzz-artifacts/crash-…
# The corpus (seeded with the test fixtures) grows in Fuzz/.build/fuzz-corpus/ across runs.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds="${1:-60}"
[ $# -gt 0 ] && shift

echo "building the fuzz target (debug, -sanitize=fuzzer,address)…"
# gold prints thousands of harmless "Cannot export local symbol" warnings for ASan's helpers.
mkdir -p .build
if ! swift build -Xswiftc -sanitize=fuzzer,address > .build/fuzz-build.log 2>&1; then
    grep -v "Cannot export local symbol" .build/fuzz-build.log | tail -30
    exit 1
fi

mkdir -p .build/fuzz-corpus .build/fuzz-artifacts
cp ../Tests/ConvKitTests/Fixtures/safetensors/*.safetensors .build/fuzz-corpus/
# Swift's crash backtracer would keep the pipe open for its symbolication after a trap; libFuzzer
# reports the crash itself.
export SWIFT_BACKTRACE=enable=no
exec .build/debug/FuzzSafeTensors .build/fuzz-corpus \
    -dict=safetensors.dict -max_len=4096 -max_total_time="$seconds" \
    -artifact_prefix=.build/fuzz-artifacts/ "$@"
