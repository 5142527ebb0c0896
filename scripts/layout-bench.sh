#!/usr/bin/env bash
# NCHW against NHWC (and Winograd) for the forward pass of 3×3 convolutions, with ConvKit's own C
# kernels: compiles scripts/layout-bench.c together with Sources/ConvKitKernelsC (clang, -O2, as
# SwiftPM's release build) and runs it (one thread, ~1 minute). See the C file's header.
# Usage: scripts/layout-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
clang -O2 -std=gnu11 -I Sources/ConvKitKernelsC/include -I Sources/ConvKitKernelsC \
    scripts/layout-bench.c Sources/ConvKitKernelsC/*.c -o "$OUT/layout-bench" -lpthread -lm
lscpu | grep -m1 "Model name" || true
"$OUT/layout-bench"
