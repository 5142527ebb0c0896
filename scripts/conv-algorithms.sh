#!/usr/bin/env bash
# Measures each convolution algorithm (CONVKIT_CONVOLUTION=im2col|winograd|winograd4|direct) on the
# convolutions of LeNet-5 and of modern CIFAR networks: for each shape, `convkit bench --model` on a
# probe network [batchnorm, conv (no bias), flatten, linear → 10] (the batch norm first makes the
# convolution compute its input gradient too, as inside a network), one training step = forward,
# input and weight gradients. Prints images/s per algorithm and each one's ratio to im2col. An
# algorithm forced on a shape it does not support runs im2col (Winograd F(2×2) and F(4×4): 3×3 only).
# Usage: scripts/conv-algorithms.sh [THREADS] [BATCH]     (release build; ~4 minutes)
# Environment: SHAPES="C,O,H,P,K …" (channels in, out, height = width, padding, kernel size)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-1}"
BATCH="${2:-128}"
swift build -c release --product convkit >/dev/null
B=.build/release/convkit
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# LeNet-5's two layers; the RGB input layers of ResNet-20, VGG-style nets and airbench94 (2×2);
# narrow 3×3 and 5×5 layers; ResNet-20's and airbench94's 3×3 layers, and 4×4 maps.
SHAPES="${SHAPES:-3,6,32,0,5 6,16,14,0,5 1,6,28,2,5 3,16,32,1,3 3,32,32,1,3 3,64,32,1,3 3,24,32,0,2 8,8,32,1,3 16,16,32,1,3 16,32,14,0,5 32,32,16,1,3 64,64,8,1,3 24,64,31,1,3 64,64,15,1,3 64,256,15,1,3 256,256,7,1,3 256,256,3,1,3 128,128,4,1,3 256,256,4,1,3}"
lscpu | grep -m1 "Model name" || true
printf '%-26s %12s %10s %10s %10s %9s %9s %9s\n' "shape (C→O kK @ H×W)" "im2col img/s" "winograd" "winograd4" "direct" \
  "wino/i2c" "wino4/i2c" "dir/i2c"
for s in $SHAPES; do
  IFS=, read -r c o h p k <<<"$s"
  spec="$WORK/probe-$c-$o-$h-$k.yaml"
  cat > "$spec" <<YAML
name: probe
input: [$c, $h, $h]
layers:
  - {type: batchnorm2d, name: bn}
  - {type: conv2d, name: conv, out_channels: $o, kernel_size: $k, padding: $p, bias: false}
  - {type: flatten, name: flat}
  - {type: linear, name: fc, out_features: 10}
YAML
  rate() { CONVKIT_CONVOLUTION=$1 "$B" bench --model "$spec" --batch-size "$BATCH" --threads "$THREADS" --samples 5 2>&1 \
             | awk '/training, batch.*images\/s/ {print $(NF-1)}'; }
  a=$(rate im2col); w=$(rate winograd); w4=$(rate winograd4); d=$(rate direct)
  printf '%-26s %12s %10s %10s %10s %8.2f× %8.2f× %8.2f×\n' "$c→$o k$k @ ${h}×${h}" "$a" "$w" "$w4" "$d" "$(echo "$w / $a" | bc -l)" \
    "$(echo "$w4 / $a" | bc -l)" "$(echo "$d / $a" | bc -l)"
done
