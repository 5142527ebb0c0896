#!/usr/bin/env bash
# Each modern zoo model trains: `convkit train MODEL --dataset shapes --input 3,32,32 --classes 10`
# on the first 64 shapes images as one batch, Adam (lr 0.001), EPOCHS steps (default 20); prints the
# loss after each step and whether the last is below the first. Needs a release build.
# Usage: scripts/zoo-train-steps.sh [MODEL ...]   (default: the torchvision twins)
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS="${EPOCHS:-20}"
BIN=.build/release/convkit
[ -x "$BIN" ] || { echo "error: build first: swift build -c release" >&2; exit 1; }
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(mobilenet_v2 mobilenet_v3_small efficientnet_b0 densenet121 squeezenet1_0 shufflenet_v2_x1_0 googlenet)
status=0
for model in "${MODELS[@]}"; do
    losses=$("$BIN" train "$model" --dataset shapes --input 3,32,32 --classes 10 --limit 64 --batch-size 64 --epochs "$EPOCHS" \
        --optimizer adam --lr 0.001 --threads "${THREADS:-2}" 2>&1 | awk '/^Epoch/ {print $5}' | tr '\n' ' ')
    first=$(echo "$losses" | awk '{print $1}')
    last=$(echo "$losses" | awk '{print $NF}')
    if awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }'; then verdict="falls"; else verdict="DOES NOT FALL"; status=1; fi
    printf '%-20s %s → %s (%s): %s\n' "$model" "$first" "$last" "$verdict" "$losses"
done
exit $status
