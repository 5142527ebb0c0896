#!/usr/bin/env bash
# Runs the same LeNet-5 CIFAR-10 epoch in PyTorch and in ConvKit, one after the other on the same
# data, and prints seconds per epoch and the ratios; then SGEMM GFLOP/s of numpy (OpenBLAS) and
# of ConvKit (`convkit bench`) for 512×512×512 and LeNet-5's conv1 shape 6×75×3136.
#
# Usage: scripts/compare-pytorch.sh [CIFAR_DIR]
#   CIFAR_DIR  folder with data_batch_{1..5}.bin and test_batch.bin
#              (default: $CONVKIT_DATA/cifar-10-batches-bin, else ~/.cache/convkit/cifar-10-batches-bin)
# Environment:
#   VENV=/tmp/convkit-venv  Python virtual environment outside the repository; created with
#                           `pip install torch numpy` when it has no torch yet
#   THREADS=2               threads on both sides (torch.set_num_threads, convkit --threads)
#   LIMIT=50000             training images per epoch (the first LIMIT, both sides)
#   BATCHES="4 64"          batch sizes to compare
# The recipe on both sides: LeNet-5 as in PyTorch's CIFAR-10 tutorial, inputs (x/255 − 0.5)/0.5,
# SGD lr 0.001 momentum 0.9, cross-entropy, shuffled mini-batches; one epoch = training on LIMIT
# images plus evaluation on the 10,000 test images (what `convkit train` does per epoch, its
# metrics CSV `seconds`). PyTorch's training time alone is printed too.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${1:-${CONVKIT_DATA:-$HOME/.cache/convkit}/cifar-10-batches-bin}"
VENV="${VENV:-/tmp/convkit-venv}"
THREADS="${THREADS:-2}"
LIMIT="${LIMIT:-50000}"
BATCHES="${BATCHES:-4 64}"

case "$(cd "$(dirname "$VENV")" 2>/dev/null && pwd)/" in
    "$(pwd)"/*) echo "error: VENV must be outside the repository ($VENV)" >&2; exit 1 ;;
esac
[ -f "$DATA/data_batch_1.bin" ] || { echo "error: no CIFAR-10 binary batches in $DATA" >&2; exit 1; }

if ! "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "Creating $VENV with torch and numpy…" >&2
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy
fi
PYTHON="$VENV/bin/python"

echo "Building ConvKit (release)…" >&2
swift build -c release >/dev/null
CONVKIT=.build/release/convkit

echo "machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //' || uname -m), $(nproc) cores; threads: $THREADS; $(date -u +%Y-%m-%d)"
echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)'), numpy $("$PYTHON" -c 'import numpy; print(numpy.__version__)')"
echo

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

printf '%-34s %12s %12s %9s\n' "LeNet-5 CIFAR-10, one epoch" "PyTorch (s)" "ConvKit (s)" "speed-up"
for BATCH in $BATCHES; do
    # PyTorch: prints "<train seconds> <train+test seconds>".
    read -r TORCH_TRAIN TORCH_EPOCH < <("$PYTHON" - "$DATA" "$BATCH" "$THREADS" "$LIMIT" <<'PY'
import sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

data, batch, threads, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)

def load(names):
    raw = np.concatenate([np.fromfile(f"{data}/{n}", dtype=np.uint8).reshape(-1, 3073) for n in names])
    x = torch.from_numpy((raw[:, 1:].astype(np.float32) / 255 - 0.5) / 0.5).reshape(-1, 3, 32, 32)
    return x, torch.from_numpy(raw[:, 0].astype(np.int64))

train_x, train_y = load([f"data_batch_{i}.bin" for i in range(1, 6)])
train_x, train_y = train_x[:limit], train_y[:limit]
test_x, test_y = load(["test_batch.bin"])

class Net(nn.Module):  # the tutorial's network
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
start = time.perf_counter()
order = torch.randperm(len(train_x))
for i in range(0, len(train_x), batch):
    index = order[i:i + batch]
    optimizer.zero_grad()
    loss = criterion(net(train_x[index]), train_y[index])
    loss.backward()
    optimizer.step()
trained = time.perf_counter()
correct = 0
with torch.no_grad():
    for i in range(0, len(test_x), 500):
        correct += (net(test_x[i:i + 500]).argmax(1) == test_y[i:i + 500]).sum().item()
done = time.perf_counter()
print(f"{trained - start:.3f} {done - start:.3f}")
PY
)
    "$CONVKIT" train lenet5 --dataset cifar10 --data-dir "$DATA" --epochs 1 --limit "$LIMIT" --batch-size "$BATCH" \
        --lr 0.001 --momentum 0.9 --threads "$THREADS" --metrics "$WORK/metrics.csv" >/dev/null
    CONVKIT_EPOCH="$(tail -n 1 "$WORK/metrics.csv" | cut -d, -f6)"
    printf '%-34s %12s %12s %8.1f×\n' "batch $BATCH (train + test)" "$TORCH_EPOCH" "$CONVKIT_EPOCH" \
        "$(echo "$TORCH_EPOCH / $CONVKIT_EPOCH" | bc -l)"
    printf '%-34s %12s\n' "  PyTorch training only" "$TORCH_TRAIN"
done
echo

# SGEMM: numpy (its bundled OpenBLAS, without this machine's OPENBLAS_* overrides) vs ConvKit.
read -r NUMPY_SQUARE NUMPY_CONV1 < <(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" \
    "$PYTHON" - <<'PY'
import time
import numpy as np

def gflops(m, n, k):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = a @ b
    reps = max(3, int(2e9 / (2 * m * n * k)))
    best = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        best.append((time.perf_counter() - start) / reps)
    return 2 * m * n * k / sorted(best)[len(best) // 2] / 1e9

print(f"{gflops(512, 512, 512):.1f} {gflops(6, 3136, 75):.1f}")
PY
)
BENCH="$("$CONVKIT" bench --json --threads "$THREADS" 2>/dev/null)"
field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)['$1'])" <<<"$BENCH"; }
printf '%-34s %12s %12s %9s\n' "SGEMM (GFLOP/s, median)" "numpy" "ConvKit" "ratio"
printf '%-34s %12s %12s %8.2f×\n' "512×512×512" "$NUMPY_SQUARE" "$(field sgemm_gflops)" \
    "$(echo "$(field sgemm_gflops) / $NUMPY_SQUARE" | bc -l)"
printf '%-34s %12s %12s %8.2f×\n' "6×75×3136 (conv1, batch 4)" "$NUMPY_CONV1" "$(field sgemm_lenet_conv1_gflops)" \
    "$(echo "$(field sgemm_lenet_conv1_gflops) / $NUMPY_CONV1" | bc -l)"
echo
echo "convkit bench --json --threads $THREADS:"
echo "$BENCH"
