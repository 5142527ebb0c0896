#!/usr/bin/env bash
# Shows that ConvKit checkpoints and PyTorch state_dicts interoperate, on the CIFAR-10 test set:
#  1. ConvKit trains LeNet-5 (baseline and --batch-norm), PyTorch loads the checkpoint with
#     safetensors.torch.load_file + load_state_dict(strict=True) and computes the same logits;
#  2. PyTorch writes a state_dict (after a few SGD steps), ConvKit evaluates it with --model and
#     computes the same logits.
# Python lives in a virtual environment OUTSIDE the repository (default ~/.cache/convkit-venv).
# Usage: scripts/pytorch-interop.sh [CIFAR10_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data/cifar-10-batches-bin}"
VENV="${VENV:-$HOME/.cache/convkit-venv}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet torch numpy safetensors
fi
swift build -c release --product convkit >/dev/null
CONVKIT=.build/release/convkit
for variant in "" "--batch-norm"; do
  echo "== ConvKit → PyTorch: lenet5 ${variant:-baseline}"
  $CONVKIT train lenet5 --dataset cifar10 --data-dir "$DATA" --epochs 1 --limit 5000 --batch-size 16 --lr 0.01 $variant \
    --checkpoint "$WORK/convkit.safetensors" >/dev/null
  $CONVKIT evaluate "$WORK/convkit.safetensors" --dataset cifar10 --data-dir "$DATA" --logits "$WORK/convkit-logits.safetensors" | head -2
  "$VENV/bin/python" scripts/pytorch_interop.py compare "$WORK/convkit.safetensors" "$WORK/convkit-logits.safetensors" "$DATA" $variant
done
echo "== PyTorch → ConvKit: lenet5 baseline"
"$VENV/bin/python" scripts/pytorch_interop.py export "$WORK/torch.safetensors" "$WORK/torch-logits.safetensors" "$DATA"
$CONVKIT evaluate "$WORK/torch.safetensors" --model lenet5 --dataset cifar10 --data-dir "$DATA" --logits "$WORK/convkit-logits.safetensors" | head -2
"$VENV/bin/python" scripts/pytorch_interop.py same "$WORK/torch-logits.safetensors" "$WORK/convkit-logits.safetensors"
