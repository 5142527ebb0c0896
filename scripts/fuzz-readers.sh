#!/usr/bin/env bash
# Fuzzes ConvKit's file readers with libFuzzer and AddressSanitizer, one after another.
#
#   scripts/fuzz-readers.sh [SECONDS] [READER…]      (default: 60 seconds each, every reader)
#
# Readers: safetensors, yaml, cifar10, mnist, tar, csv, gaussian. The targets live in their own
# package (Fuzz/): FuzzSafeTensors, and FuzzReaders with the reader chosen by $CONVKIT_FUZZ_READER.
# Every input must be read or rejected with a ConvKitError; a trap, a sanitizer report or another
# error type stops that reader's run, leaves the input in Fuzz/.build/fuzz-artifacts/READER/ and
# makes the script exit non-zero. Replay one with
#   CONVKIT_FUZZ_READER=yaml Fuzz/.build/debug/FuzzReaders Fuzz/.build/fuzz-artifacts/yaml/crash-…
# Corpora, seeded with the test fixtures and examples, grow in Fuzz/.build/fuzz-corpus/READER/.
set -uo pipefail
cd "$(dirname "$0")/../Fuzz"
seconds="${1:-60}"
[ $# -gt 0 ] && shift
readers=("$@")
[ ${#readers[@]} -eq 0 ] && readers=(safetensors yaml cifar10 mnist tar csv gaussian)
fixtures=../Tests/ConvKitTests/Fixtures

echo "building the fuzz targets (debug, -sanitize=fuzzer,address)…"
# gold prints thousands of harmless "Cannot export local symbol" warnings for ASan's helpers.
mkdir -p .build
if ! swift build -Xswiftc -sanitize=fuzzer,address > .build/fuzz-build.log 2>&1; then
    grep -v "Cannot export local symbol" .build/fuzz-build.log | tail -30
    exit 1
fi
# Swift's crash backtracer would keep the pipe open for its symbolication after a trap; libFuzzer
# reports the crash itself.
export SWIFT_BACKTRACE=enable=no

failed=()
for reader in "${readers[@]}"; do
    corpus=".build/fuzz-corpus/$reader" artifacts=".build/fuzz-artifacts/$reader/"
    mkdir -p "$corpus" "$artifacts"
    flags=(-max_total_time="$seconds" -artifact_prefix="$artifacts" -print_final_stats=1)
    case "$reader" in
        safetensors) cp "$fixtures"/safetensors/*.safetensors "$corpus"/; flags+=(-dict=safetensors.dict -max_len=4096) ;;
        yaml) cp ../examples/*.yaml "$fixtures"/specs/*.yaml "$corpus"/; flags+=(-dict=yaml.dict -max_len=4096) ;;
        cifar10) for f in "$fixtures"/cifar10/*/*.bin; do cp "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"; done; flags+=(-max_len=12000) ;;
        mnist) for f in "$fixtures"/mnist/*/*; do cp "$f" "$corpus/$(basename "$f")"; done; cp "$fixtures"/gzip/*.gz "$corpus"/; flags+=(-max_len=4096) ;;
        tar) cp "$fixtures"/tar/*.tar "$corpus"/; flags+=(-max_len=8192) ;;
        csv) cp "$fixtures"/gaussian/*.csv "$corpus"/; flags+=(-max_len=4096) ;;
        gaussian) cp "$fixtures"/gaussian/*.json "$corpus"/; flags+=(-max_len=4096) ;;
        *) echo "unknown reader '$reader' (readers: safetensors yaml cifar10 mnist tar csv gaussian)"; exit 2 ;;
    esac
    echo "== $reader: $seconds s"
    if [ "$reader" = safetensors ]; then
        .build/debug/FuzzSafeTensors "$corpus" "${flags[@]}" || failed+=("$reader")
    else
        CONVKIT_FUZZ_READER="$reader" .build/debug/FuzzReaders "$corpus" "${flags[@]}" || failed+=("$reader")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "readers with findings: ${failed[*]} (inputs in Fuzz/.build/fuzz-artifacts/)"
    exit 1
fi
echo "no findings"
