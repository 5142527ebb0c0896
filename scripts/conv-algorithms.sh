#!/usr/bin/env bash
# Measures each convolution algorithm (CONVKIT_CONVOLUTION=im2col|winograd) on the 3×3 shapes of
# modern CIFAR networks: for each shape, `convkit bench --model` on a probe network
# [batchnorm, conv 3×3 (no bias), flatten, linear → 10] (the batch norm first makes the
# convolution compute its input gradient too, as inside a network), one training step = forward,
# input and weight gradients. Prints images/s per algorithm and their ratio.
# Usage: scripts/conv-algorithms.sh [THREADS] [BATCH]     (release build; ~2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-1}"
BATCH="${2:-128}"
swift build -c release --product convkit >/dev/null
B=.build/release/convkit
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# channels in, channels out, height (= width), padding: narrow ones, ResNet-20's, airbench94's, and 4×4.
SHAPES="3,32,32,1 8,8,32,1 16,16,32,1 32,32,16,1 64,64,8,1 24,64,31,1 64,64,15,1 64,256,15,1 256,256,7,1 256,256,3,1 128,128,4,1 256,256,4,1"
lscpu | grep -m1 "Model name" || true
printf '%-22s %12s %12s %8s\n' "shape (C→O @ H×W)" "im2col img/s" "winograd" "ratio"
for s in $SHAPES; do
  IFS=, read -r c o h p <<<"$s"
  spec="$WORK/probe-$c-$o-$h.yaml"
  cat > "$spec" <<YAML
name: probe
input: [$c, $h, $h]
layers:
  - {type: batchnorm2d, name: bn}
  - {type: conv2d, name: conv, out_channels: $o, kernel_size: 3, padding: $p, bias: false}
  - {type: flatten, name: flat}
  - {type: linear, name: fc, out_features: 10}
YAML
  rate() { CONVKIT_CONVOLUTION=$1 "$B" bench --model "$spec" --batch-size "$BATCH" --threads "$THREADS" --samples 5 2>&1 \
             | awk '/training, batch.*images\/s/ {print $(NF-1)}'; }
  a=$(rate im2col); w=$(rate winograd)
  printf '%-22s %12s %12s %7.2f×\n' "$c→$o @ ${h}×${h}" "$a" "$w" "$(echo "$w / $a" | bc -l)"
done
