#!/usr/bin/env bash
# Every figure of the performance issue, PyTorch (and ONNX Runtime) beside ConvKit, measured one
# after the other on this machine, with the ratios and the targets:
#   LeNet-5 CIFAR-10 epoch, training steps only, batch 4 and 64 (PyTorch's loop vs ConvKit's
#     metrics CSV `train_seconds`, alternating for ROUNDS rounds: the medians; the whole epoch with
#     its test pass is printed too);
#   SGEMM 512³ (torch.mm vs convkit bench);
#   LeNet-5 inference at batch 1000 (PyTorch and ONNX Runtime's CPU provider vs convkit bench,
#     alternating for ROUNDS rounds: the medians);
#   airbench94 training step at batch 256 (PyTorch NCHW and channels_last vs convkit bench, alternating
#     for ROUNDS rounds: the medians);
#   ConvKit's scaling from 1 to 2 threads (LeNet-5 training at batch 64 and airbench94, 1 and 2
#     threads alternately for ROUNDS rounds: the medians);
#   ConvKit's peak resident memory while training LeNet-5 on all of CIFAR-10 (the batch-64 epoch).
#
# Usage: scripts/compare-pytorch.sh [CIFAR_DIR]
#   CIFAR_DIR  folder with data_batch_{1..5}.bin and test_batch.bin
#              (default: $CONVKIT_DATA/cifar-10-batches-bin, else ~/.cache/convkit/cifar-10-batches-bin)
# Environment:
#   VENV=~/.cache/convkit-venv  Python virtual environment outside the repository; created with
#                               `pip install torch numpy onnx onnxruntime safetensors` when it lacks one
#   THREADS=2                   threads on both sides (torch.set_num_threads, convkit --threads)
#   LIMIT=50000                 training images per LeNet-5 epoch (the first LIMIT, both sides)
#   ROUNDS=3                    alternating PyTorch/ConvKit rounds of the LeNet-5 epochs, inference and
#                               the airbench94 step, and of ConvKit at 1 and 2 threads (medians)
# The LeNet-5 recipe on both sides: the PyTorch CIFAR-10 tutorial's network, inputs (x/255 − 0.5)/0.5,
# SGD lr 0.001 momentum 0.9, cross-entropy, shuffled mini-batches.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${1:-${CONVKIT_DATA:-$HOME/.cache/convkit}/cifar-10-batches-bin}"
VENV="${VENV:-$HOME/.cache/convkit-venv}"
THREADS="${THREADS:-2}"
LIMIT="${LIMIT:-50000}"
ROUNDS="${ROUNDS:-3}"

case "$(cd "$(dirname "$VENV")" 2>/dev/null && pwd)/" in
    "$(pwd)"/*) echo "error: VENV must be outside the repository ($VENV)" >&2; exit 1 ;;
esac
[ -f "$DATA/data_batch_1.bin" ] || { echo "error: no CIFAR-10 binary batches in $DATA" >&2; exit 1; }

if ! "$VENV/bin/python" -c "import torch, numpy, onnxruntime, safetensors" 2>/dev/null; then
    echo "Creating $VENV with torch, numpy, onnx and onnxruntime…" >&2
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy onnx onnxruntime safetensors
fi
PYTHON="$VENV/bin/python"
TORCH=(env OMP_NUM_THREADS="$THREADS" "$PYTHON" scripts/compare_pytorch.py)

echo "Building ConvKit (release)…" >&2
swift build -c release >/dev/null
CONVKIT=.build/release/convkit

CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
[ -n "$CPU" ] || CPU="$(uname -m)"
# A VM may show only "AMD EPYC": family and model name the generation (AMD 25/1 = Zen 3, 25/17 = Zen 4).
FAMILY="$(lscpu 2>/dev/null | sed -n 's/^CPU family: *//p' | head -1)"
MODEL="$(lscpu 2>/dev/null | sed -n 's/^Model: *//p' | head -1)"
[ -n "$FAMILY" ] && CPU="$CPU (family $FAMILY, model $MODEL)"
grep -qw avx512f /proc/cpuinfo 2>/dev/null && CPU="$CPU, AVX-512" || CPU="$CPU, no AVX-512"
echo "machine: $CPU, $(nproc) CPUs; threads: $THREADS; $(date -u +%Y-%m-%d)"
echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)'), onnxruntime $("$PYTHON" -c 'import onnxruntime; print(onnxruntime.__version__)' 2>/dev/null || echo 'not installed')"
echo "convkit: $("$CONVKIT" bench --only sgemm --samples 1 --seconds 0 2>/dev/null | tail -1)"
echo

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ratio() { echo "$1 / $2" | bc -l; }
# "met" when value >= target, else "NOT met".
verdict() { if [ "$(echo "$1 >= $2" | bc -l)" = 1 ]; then echo "met"; else echo "NOT met"; fi; }
ROWS=()
row() { ROWS+=("$(printf '%-44s %12s %12s %8.2f× %8s  %s' "$1" "$2" "$3" "$4" "$5" "$(verdict "$4" "${5%×}")")"); }

# Runs a command and prints its peak resident set (KiB) on the last line of $WORK/rss.
peak_rss() {
    "$PYTHON" - "$@" <<'PY' >"$WORK/rss"
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)['$2'])" <<<"$1"; }

# The LeNet-5 epochs: PyTorch and ConvKit alternate for $ROUNDS rounds (so that both sides see the
# same spells of a noisy machine); the rows show the medians, the peak RSS is the largest.
RSS_KIB=0
for BATCH in 4 64; do
    echo "LeNet-5 epoch at batch $BATCH, PyTorch and ConvKit alternately ($ROUNDS rounds)…" >&2
    T_TRAIN=(); T_EPOCH=(); C_TRAIN=(); C_EPOCH=()
    for _ in $(seq "$ROUNDS"); do
        # Command substitution waits for PyTorch's process to end, so that its teardown (OpenMP
        # threads, destructors) cannot overlap ConvKit's epoch, as it could with `read < <(…)`.
        TORCH_OUT="$("${TORCH[@]}" lenet-epoch "$DATA" "$BATCH" "$THREADS" "$LIMIT")"
        read -r t_train t_epoch <<<"$TORCH_OUT"
        T_TRAIN+=("$t_train"); T_EPOCH+=("$t_epoch")
        peak_rss "$CONVKIT" train lenet5 --dataset cifar10 --data-dir "$DATA" --epochs 1 --limit "$LIMIT" --batch-size "$BATCH" \
            --lr 0.001 --momentum 0.9 --threads "$THREADS" --metrics "$WORK/metrics.csv"
        C_EPOCH+=("$(tail -n 1 "$WORK/metrics.csv" | cut -d, -f6)")
        C_TRAIN+=("$(tail -n 1 "$WORK/metrics.csv" | cut -d, -f7)")
        if [ "$BATCH" = 64 ] && [ "$(tail -n 1 "$WORK/rss")" -gt "$RSS_KIB" ]; then RSS_KIB="$(tail -n 1 "$WORK/rss")"; fi
    done
    TORCH_TRAIN="$(median "${T_TRAIN[@]}")"; TORCH_EPOCH="$(median "${T_EPOCH[@]}")"
    CK_TRAIN="$(median "${C_TRAIN[@]}")"; CK_EPOCH="$(median "${C_EPOCH[@]}")"
    TARGET=$([ "$BATCH" = 4 ] && echo 6 || echo 3)
    row "LeNet-5 epoch, batch $BATCH, training steps (s)" "$TORCH_TRAIN" "$CK_TRAIN" "$(ratio "$TORCH_TRAIN" "$CK_TRAIN")" "${TARGET}×"
    ROWS+=("$(printf '%-44s %12s %12s %8.2f×' "  with the test pass (s)" "$TORCH_EPOCH" "$CK_EPOCH" "$(ratio "$TORCH_EPOCH" "$CK_EPOCH")")")
    ROWS+=("$(printf '%-44s %s' "  rounds: PyTorch / ConvKit (training steps)" "${T_TRAIN[*]} / ${C_TRAIN[*]}")")
done

echo "SGEMM in PyTorch…" >&2
TORCH_SGEMM="$("${TORCH[@]}" sgemm "$THREADS")"
# Inference: PyTorch with ONNX Runtime, and ConvKit, alternately; medians.
echo "LeNet-5 inference, PyTorch, ONNX Runtime and ConvKit alternately ($ROUNDS rounds)…" >&2
I_TORCH=(); I_ORT=(); I_CK=()
for _ in $(seq "$ROUNDS"); do
    INFER_OUT="$("${TORCH[@]}" inference "$THREADS" "$WORK/lenet5.onnx")"
    read -r t o <<<"$INFER_OUT"
    I_TORCH+=("$t"); I_ORT+=("$o")
    I_CK+=("$(field "$("$CONVKIT" bench --json --threads "$THREADS" --seconds 1 --only inference 2>/dev/null)" inference_images_per_s)")
done
TORCH_INFER="$(median "${I_TORCH[@]}")"
ORT_INFER="$([ "${I_ORT[0]}" = nan ] && echo nan || median "${I_ORT[@]}")"

echo "convkit bench (threads $THREADS, then 1)…" >&2
BENCH="$("$CONVKIT" bench --json --threads "$THREADS" --seconds 1 2>/dev/null)"
BENCH1="$("$CONVKIT" bench --json --threads 1 --seconds 1 --only train-large,train-airbench94 2>/dev/null)"
# airbench94: PyTorch (both layouts) and ConvKit alternate for $ROUNDS rounds, so that both sides
# see the same spells of a noisy machine; the row shows the medians.
echo "airbench94, PyTorch and ConvKit alternately ($ROUNDS rounds)…" >&2
AIR_NCHW=(); AIR_CL=(); AIR_CK=()
for _ in $(seq "$ROUNDS"); do
    read -r nchw cl < <("${TORCH[@]}" airbench "$THREADS" 256)
    AIR_NCHW+=("$nchw"); AIR_CL+=("$cl")
    AIR_CK+=("$(field "$("$CONVKIT" bench --json --threads "$THREADS" --seconds 1 --only train-airbench94 2>/dev/null)" \
        train_airbench94_batch256_images_per_s)")
done
TORCH_NCHW="$(median "${AIR_NCHW[@]}")"
TORCH_CL="$(median "${AIR_CL[@]}")"

row "SGEMM 512³ (GFLOP/s)" "$TORCH_SGEMM" "$(field "$BENCH" sgemm_gflops)" "$(ratio "$(field "$BENCH" sgemm_gflops)" "$TORCH_SGEMM")" "0.9×"
BEST_INFER="$TORCH_INFER"
[ "$ORT_INFER" != nan ] && [ "$(echo "$ORT_INFER > $TORCH_INFER" | bc -l)" = 1 ] && BEST_INFER="$ORT_INFER"
CK_INFER="$(median "${I_CK[@]}")"
row "LeNet-5 inference, batch 1000 (images/s)" "$BEST_INFER" "$CK_INFER" "$(ratio "$CK_INFER" "$BEST_INFER")" "2×"
ROWS+=("$(printf '%-44s %12s' "  PyTorch; ONNX Runtime ($THREADS intra-op threads)" "$TORCH_INFER; $ORT_INFER (medians)")")
ROWS+=("$(printf '%-44s %s' "  rounds: PyTorch / ONNX Runtime / ConvKit" "${I_TORCH[*]} / ${I_ORT[*]} / ${I_CK[*]}")")
BEST_AIR="$TORCH_NCHW"
[ "$(echo "$TORCH_CL > $TORCH_NCHW" | bc -l)" = 1 ] && BEST_AIR="$TORCH_CL"
CK_AIR="$(median "${AIR_CK[@]}")"
row "airbench94 training step, batch 256 (img/s)" "$BEST_AIR" "$CK_AIR" "$(ratio "$CK_AIR" "$BEST_AIR")" "1.2×"
ROWS+=("$(printf '%-44s %12s' "  PyTorch NCHW; channels_last (medians)" "$TORCH_NCHW; $TORCH_CL")")
ROWS+=("$(printf '%-44s %s' "  rounds: NCHW / channels_last / ConvKit" "${AIR_NCHW[*]} / ${AIR_CL[*]} / ${AIR_CK[*]}")")
# Scaling: 1 and $THREADS threads alternately for $ROUNDS rounds (the first round is the two bench
# runs above), so that both see the same spells of a shared machine; medians.
S64_1=("$(field "$BENCH1" train_batch64_images_per_s)"); S64_2=("$(field "$BENCH" train_batch64_images_per_s)")
SAIR_1=("$(field "$BENCH1" train_airbench94_batch256_images_per_s)"); SAIR_2=("$(field "$BENCH" train_airbench94_batch256_images_per_s)")
echo "ConvKit at 1 and $THREADS threads alternately ($ROUNDS rounds)…" >&2
for _ in $(seq 2 "$ROUNDS"); do
    ONE="$("$CONVKIT" bench --json --threads 1 --seconds 1 --only train-large,train-airbench94 2>/dev/null)"
    MANY="$("$CONVKIT" bench --json --threads "$THREADS" --seconds 1 --only train-large,train-airbench94 2>/dev/null)"
    S64_1+=("$(field "$ONE" train_batch64_images_per_s)"); S64_2+=("$(field "$MANY" train_batch64_images_per_s)")
    SAIR_1+=("$(field "$ONE" train_airbench94_batch256_images_per_s)"); SAIR_2+=("$(field "$MANY" train_airbench94_batch256_images_per_s)")
done
CK64_1="$(median "${S64_1[@]}")"; CK64_2="$(median "${S64_2[@]}")"
row "ConvKit 1 → 2 threads, LeNet-5 batch 64 (img/s)" "$CK64_1" "$CK64_2" "$(ratio "$CK64_2" "$CK64_1")" "1.8×"
ROWS+=("$(printf '%-44s %s' "  rounds: 1 thread / $THREADS threads" "${S64_1[*]} / ${S64_2[*]}")")
AIR_1="$(median "${SAIR_1[@]}")"; AIR_2="$(median "${SAIR_2[@]}")"
row "ConvKit 1 → 2 threads, airbench94 (img/s)" "$AIR_1" "$AIR_2" "$(ratio "$AIR_2" "$AIR_1")" "1.8×"
ROWS+=("$(printf '%-44s %s' "  rounds: 1 thread / $THREADS threads" "${SAIR_1[*]} / ${SAIR_2[*]}")")
RSS_MB="$(echo "$RSS_KIB / 1024" | bc)"
# Peak RSS: the ratio column is 400 MB / peak, so "met" means at most 400 MB.
row "ConvKit peak RSS, LeNet-5 on CIFAR-10 (MB)" "" "$RSS_MB" "$(ratio 400 "$RSS_MB")" "1×"

echo
printf '%-44s %12s %12s %9s %8s\n' "figure" "PyTorch" "ConvKit" "ratio" "target"
printf '%s\n' "${ROWS[@]}"
echo
echo "Ratios: PyTorch time / ConvKit time for the epochs, ConvKit rate / PyTorch rate for the rest;"
echo "the 1 → 2 threads rows are ConvKit's own 2-thread rate / 1-thread rate, the RSS row 400 MB / peak."
echo
echo "convkit bench --json --threads $THREADS:"
echo "$BENCH"
