#!/usr/bin/env bash
# Training-step and inference speed of one network in PyTorch and in ConvKit, measured one after
# the other on this machine, with the ratios: PyTorch in NCHW and in channels_last (its faster
# layout on CPUs, oneDNN's blocked kernels), ConvKit by `convkit bench --model`. Both sides run on
# synthetic data (standard normal images, uniform labels) at the same batch size and threads; a
# training step is forward, cross-entropy, backward and SGD with momentum 0.9 (as `convkit bench`).
#
# Usage: scripts/compare-model-pytorch.sh [MODEL] [BATCH]
#   MODEL  resnet20-cifar (default), resnet56-cifar, airbench94 (the twins of scripts/pytorch_interop.py),
#          or a torchvision twin at 3×224×224: resnet18, mobilenet_v2, mobilenet_v3_small, efficientnet_b0,
#          densenet121, squeezenet1_0, shufflenet_v2_x1_0, googlenet
#   BATCH  batch size (default 128)
# Environment:
#   VENV=~/.cache/convkit-venv  Python virtual environment outside the repository with torch and torchvision
#   THREADS=2                   threads on both sides
#   SECONDS_PER_SAMPLE=2        minimum seconds per timed sample (medians of 5 samples on both sides)
#   ALSO_IM2COL=1               also time ConvKit with CONVKIT_CONVOLUTION=im2col (every convolution as
#                               im2col + GEMM: a depthwise one as one single-row GEMM per group)
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL="${1:-resnet20-cifar}"
BATCH="${2:-128}"
VENV="${VENV:-$HOME/.cache/convkit-venv}"
THREADS="${THREADS:-2}"
SECONDS_PER_SAMPLE="${SECONDS_PER_SAMPLE:-2}"
PYTHON="$VENV/bin/python"
"$PYTHON" -c "import torch, torchvision" 2>/dev/null || { echo "error: $PYTHON has no torch and torchvision (pip install torch torchvision)" >&2; exit 1; }
TORCHVISION_MODELS="resnet18 mobilenet_v2 mobilenet_v3_small efficientnet_b0 densenet121 squeezenet1_0 shufflenet_v2_x1_0 googlenet"
case " resnet20-cifar resnet56-cifar airbench94 $TORCHVISION_MODELS " in *" $MODEL "*) ;; *) echo "error: MODEL must be resnet20-cifar, resnet56-cifar, airbench94 or one of: $TORCHVISION_MODELS" >&2; exit 1 ;; esac

echo "Building ConvKit (release)…" >&2
swift build -c release >/dev/null
echo "machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //' || uname -m), $(nproc) cores; threads: $THREADS; $(date -u +%Y-%m-%d)"
echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)'); $MODEL, batch $BATCH"

# PyTorch: prints "<layout> <train images/s> <inference images/s>" per layout.
TORCH="$("$PYTHON" - "$MODEL" "$BATCH" "$THREADS" "$SECONDS_PER_SAMPLE" <<'PY'
import os, sys, time
import torch
sys.path.insert(0, os.path.join(os.getcwd(), "scripts"))
from pytorch_interop import airbench94, resnet_cifar
import compare_pytorch  # median_seconds
import torchvision

name, batch, threads, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
torch.set_num_threads(threads)

def median_seconds(body):
    return compare_pytorch.median_seconds(body, samples=5, seconds=seconds)

for layout in ("nchw", "channels_last"):
    torch.manual_seed(0)
    cifar = {"resnet20-cifar": lambda: resnet_cifar(3), "resnet56-cifar": lambda: resnet_cifar(9), "airbench94": airbench94}
    extra = {"googlenet": {"aux_logits": False, "init_weights": False}}.get(name, {})
    model = cifar[name]() if name in cifar else getattr(torchvision.models, name)(weights=None, **extra)
    side = 32 if name in cifar else 224
    x = torch.randn(batch, 3, side, side)
    y = torch.randint(0, 10 if side == 32 else 1000, (batch,))
    if layout == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    loss_function = torch.nn.CrossEntropyLoss()
    def step():
        optimizer.zero_grad()
        loss_function(model(x), y).backward()
        optimizer.step()
    model.train()
    train = batch / median_seconds(step)
    model.eval()
    with torch.no_grad():
        inference = batch / median_seconds(lambda: model(x))
    print(f"{layout} {train:.1f} {inference:.1f}")
PY
)"
BENCH="$(.build/release/convkit bench --model "$MODEL" --batch-size "$BATCH" --threads "$THREADS" --seconds "$SECONDS_PER_SAMPLE" --json 2>/dev/null)"
field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)['$1'])" <<<"$BENCH"; }
CK_TRAIN="$(field model_train_images_per_s)"
CK_INFER="$(field model_inference_images_per_s)"
if [ "${ALSO_IM2COL:-0}" = 1 ]; then
    BENCH="$(CONVKIT_CONVOLUTION=im2col .build/release/convkit bench --model "$MODEL" --batch-size "$BATCH" --threads "$THREADS" --seconds "$SECONDS_PER_SAMPLE" --json 2>/dev/null)"
    IM_TRAIN="$(field model_train_images_per_s)"
    IM_INFER="$(field model_inference_images_per_s)"
fi
echo
printf '%-28s %14s %14s\n' "images/s (median)" "training step" "inference"
while read -r LAYOUT TRAIN INFER; do
    printf '%-28s %14s %14s\n' "PyTorch $LAYOUT" "$TRAIN" "$INFER"
done <<<"$TORCH"
printf '%-28s %14s %14s\n' "ConvKit" "$CK_TRAIN" "$CK_INFER"
if [ -n "${IM_TRAIN:-}" ]; then
    printf '%-28s %14s %14s\n' "ConvKit, im2col forced" "$IM_TRAIN" "$IM_INFER"
    printf '%-28s %13.2f× %13.2f×\n' "ConvKit / im2col forced" "$(echo "$CK_TRAIN / $IM_TRAIN" | bc -l)" "$(echo "$CK_INFER / $IM_INFER" | bc -l)"
fi
while read -r LAYOUT TRAIN INFER; do
    printf '%-28s %13.2f× %13.2f×\n' "ConvKit / PyTorch $LAYOUT" "$(echo "$CK_TRAIN / $TRAIN" | bc -l)" "$(echo "$CK_INFER / $INFER" | bc -l)"
done <<<"$TORCH"
