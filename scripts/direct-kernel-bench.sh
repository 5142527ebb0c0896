#!/usr/bin/env bash
# GFLOP/s of the direct-convolution kernels on one core for LeNet-5's two layers, forward and weight
# gradient, on each engine this CPU supports, at the weight-gradient chunk the layers use on this
# CPU's L1 and at a few others (scripts/direct_kernel_bench.c; needs clang, which Swift ships).
# Usage: scripts/direct-kernel-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
clang -O2 -ISources/ConvKitKernelsC/include -ISources/ConvKitKernelsC scripts/direct_kernel_bench.c \
    Sources/ConvKitKernelsC/direct.c Sources/ConvKitKernelsC/cpu.c -o "$OUT/bench" 2>/dev/null
lscpu | grep -m1 "Model name" || true
for engine in 2 1 0; do
    for chunk in 144 576; do "$OUT/bench" 6 14 16 5 "$chunk" "$engine"; done
    for chunk in 256 896; do "$OUT/bench" 3 32 6 5 "$chunk" "$engine"; done
done
