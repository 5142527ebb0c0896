#!/usr/bin/env bash
# Depthwise convolution speed: ConvKit's depthwise kernel (depthwise.c, the default for depthwise
# shapes), ConvKit with every convolution as im2col + GEMM (CONVKIT_CONVOLUTION=im2col: one
# single-row GEMM per group), and PyTorch (NCHW and channels_last), on MobileNet-like layers. Each
# model is the depthwise layer (no bias) followed by a global average, flatten and a 10-way linear
# layer; training = forward, cross-entropy, backward, SGD with momentum 0.9, as `convkit bench`.
# Prints images/s (medians) at batch 32 and the ratios, with the CPU model.
# Usage: scripts/depthwise-bench.sh   (VENV=~/.cache/convkit-venv with torch; THREADS=2)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$HOME/.cache/convkit-venv}"
THREADS="${THREADS:-2}"
PYTHON="$VENV/bin/python"
"$PYTHON" -c "import torch" 2>/dev/null || { echo "error: $PYTHON has no torch (pip install torch)" >&2; exit 1; }
swift build -c release >/dev/null
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; threads $THREADS; batch 32; $(date -u +%Y-%m-%d)"
printf '%-24s %22s %22s %22s %22s\n' "layer (C, H×W, s, k)" "ConvKit depthwise" "ConvKit im2col" "PyTorch NCHW" "PyTorch ch.-last"
printf '%-24s %22s %22s %22s %22s\n' "" "train / infer img/s" "train / infer" "train / infer" "train / infer"
for shape in "96 56 1 3" "144 56 2 3" "384 14 1 3" "672 14 1 5" "960 7 1 3"; do
    set -- $shape
    cat >"$WORK/m.yaml" <<SPEC
name: depthwise
input: [$1, $2, $2]
layers:
  - {type: conv2d, name: dw, out_channels: $1, kernel_size: $4, stride: $3, padding: $(($4 / 2)), groups: $1, bias: false}
  - {type: adaptiveavgpool2d, output_size: 1}
  - flatten
  - {type: linear, out_features: 10}
SPEC
    rates() { "$@" .build/release/convkit bench --model "$WORK/m.yaml" --batch-size 32 --threads "$THREADS" --json 2>/dev/null |
        "$PYTHON" -c "import json, sys; d = json.load(sys.stdin); print(round(d['model_train_images_per_s']), round(d['model_inference_images_per_s']))"; }
    CK="$(rates env)"
    IM="$(rates env CONVKIT_CONVOLUTION=im2col)"
    PT="$("$PYTHON" - "$1" "$2" "$3" "$4" "$THREADS" <<'PY'
import sys, time
import torch
c, side, stride, k, threads = map(int, sys.argv[1:])
torch.set_num_threads(threads)
out = []
for channels_last in (False, True):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(c, c, k, stride, k // 2, groups=c, bias=False), torch.nn.AdaptiveAvgPool2d(1),
                                torch.nn.Flatten(), torch.nn.Linear(c, 10))
    x, y = torch.randn(32, c, side, side), torch.randint(0, 10, (32,))
    if channels_last:
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    loss = torch.nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(); loss(model(x), y).backward(); opt.step()
    def rate(body):
        body()
        samples = []
        for _ in range(5):
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < 0.5:
                body(); n += 1
            samples.append(32 * n / (time.perf_counter() - start))
        return round(sorted(samples)[2])
    train = rate(step)
    with torch.no_grad():
        infer = rate(lambda: model(x))
    out.append(f"{train} {infer}")
print(" ".join(out))
PY
)"
    set -- $shape $CK $IM $PT
    printf '%-24s %22s %22s %22s %22s\n' "$1, $2×$2, s$3, k$4" "$5 / $6" "$7 / $8" "$9 / ${10}" "${11} / ${12}"
done
