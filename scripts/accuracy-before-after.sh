#!/usr/bin/env bash
# Trains the seed recipe (LeNet-5, CIFAR-10, batch 4, SGD lr 0.001 momentum 0.9, 20 epochs) with the
# engine from before the performance work (commit 48820e3, portable Swift kernels) and with this
# checkout, for several seeds, and prints final and best-epoch test accuracy per seed with means.
# With ULP=1 it also measures how far rounding alone moves one run: the current engine's run is
# stopped after epoch 1, one weight at a time is moved by one unit in the last place in a copy of
# the resumable checkpoint, and each copy is trained on to epoch 20 with --resume.
#
# Usage: scripts/accuracy-before-after.sh [CIFAR_DIR]
#   CIFAR_DIR  folder with data_batch_{1..5}.bin and test_batch.bin
#              (default: $CONVKIT_DATA/cifar-10-batches-bin, else ~/.cache/convkit/cifar-10-batches-bin)
# Environment:
#   SEEDS="0 1 2 3 4"   seeds to train with
#   THREADS=1           --threads for every run
#   WORK=/tmp/convkit-accuracy   scratch folder outside the repository (worktree, logs, metrics)
#   ULP=0               1: also run the one-ulp perturbations (5 more runs)
# Needs git, swift and python3 (standard library only). One run takes 1–2 minutes with the current
# engine and 5–7 with the old one on 2 cores; runs whose metrics exist in WORK are not repeated.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${1:-${CONVKIT_DATA:-$HOME/.cache/convkit}/cifar-10-batches-bin}"
SEEDS="${SEEDS:-0 1 2 3 4}"
THREADS="${THREADS:-1}"
WORK="${WORK:-/tmp/convkit-accuracy}"
ULP="${ULP:-0}"
BEFORE_COMMIT=48820e3

case "$(mkdir -p "$WORK" && cd "$WORK" && pwd)/" in
    "$(pwd)"/*) echo "error: WORK must be outside the repository ($WORK)" >&2; exit 1 ;;
esac
[ -f "$DATA/data_batch_1.bin" ] || { echo "error: no CIFAR-10 binary batches in $DATA" >&2; exit 1; }

echo "building this checkout and $BEFORE_COMMIT (release)…"
swift build -c release --product convkit > "$WORK/build-after.log" 2>&1
cp .build/release/convkit "$WORK/after"
if [ ! -x "$WORK/before" ]; then
    rm -rf "$WORK/before-src"
    git worktree add --detach "$WORK/before-src" "$BEFORE_COMMIT" > /dev/null
    (cd "$WORK/before-src" && swift build -c release --product convkit > "$WORK/build-before.log" 2>&1)
    cp "$WORK/before-src/.build/release/convkit" "$WORK/before"
    git worktree remove --force "$WORK/before-src"
fi

recipe=(--dataset cifar10 --data-dir "$DATA" --epochs 20 --batch-size 4 --lr 0.001 --momentum 0.9 --normalize half)
for seed in $SEEDS; do
    for engine in before after; do
        csv="$WORK/$engine-t$THREADS-s$seed.csv"
        [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 21 ] && continue
        echo "training: $engine engine, seed $seed, $THREADS thread(s)…"
        "$WORK/$engine" train lenet5 "${recipe[@]}" --seed "$seed" --threads "$THREADS" --metrics "$csv" > "$WORK/$engine-t$THREADS-s$seed.log"
    done
done

if [ "$ULP" = 1 ]; then
    base="$WORK/ulp-base.safetensors"
    [ -f "$base" ] || "$WORK/after" train lenet5 "${recipe[@]}" --epochs 1 --seed 0 --threads "$THREADS" \
        --checkpoint "$base" --checkpoint-every 1 > "$WORK/ulp-base.log"
    for target in none conv1.weight:0 conv2.weight:100 fc1.weight:5000 fc3.bias:3; do
        csv="$WORK/ulp-$target.csv"
        [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 21 ] && continue
        # One float32 element moved to the next representable value above it (raw bytes; the
        # header's data_offsets locate the tensor, dtype F32, little-endian).
        python3 - "$base" "$WORK/ulp-$target.safetensors" "$target" <<'PY'
import json, math, struct, sys
source, target, what = sys.argv[1:4]
raw = bytearray(open(source, 'rb').read())
if what != 'none':
    name, index = what.split(':')
    size = struct.unpack('<Q', raw[:8])[0]
    entry = json.loads(raw[8:8 + size])[name]
    assert entry['dtype'] == 'F32'
    at = 8 + size + entry['data_offsets'][0] + 4 * int(index)
    value = struct.unpack('<f', raw[at:at + 4])[0]
    bits = struct.unpack('<I', raw[at:at + 4])[0]
    bits = bits + 1 if value >= 0 else bits - 1          # one ulp towards +infinity
    raw[at:at + 4] = struct.pack('<I', bits)
open(target, 'wb').write(raw)
PY
        echo "training: one ulp on $target, resumed to epoch 20…"
        "$WORK/after" train --epochs 20 --resume "$WORK/ulp-$target.safetensors" --metrics "$csv" > "$WORK/ulp-$target.log"
    done
fi

python3 - "$WORK" "$THREADS" "$SEEDS" "$ULP" <<'PY'
import csv, math, statistics, sys
work, threads, seeds, ulp = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4] == '1'
def accuracies(path):
    return [100 * float(row['test_accuracy']) for row in csv.DictReader(open(path))]
print(f"\nseed recipe, {threads} thread(s): test accuracy after epoch 20 (best epoch)")
print(f"{'seed':>4}  {'before':>16}  {'after':>16}  {'after − before':>14}")
finals = {'before': [], 'after': []}
for seed in seeds:
    row = {}
    for engine in ('before', 'after'):
        a = accuracies(f"{work}/{engine}-t{threads}-s{seed}.csv")
        finals[engine].append(a[-1])
        row[engine] = f"{a[-1]:6.2f} % ({max(a):5.2f})"
    print(f"{seed:>4}  {row['before']:>16}  {row['after']:>16}  {finals['after'][-1] - finals['before'][-1]:+14.2f}")
if len(seeds) > 1:
    differences = [a - b for a, b in zip(finals['after'], finals['before'])]
    mean, sd = statistics.mean(differences), statistics.stdev(differences)
    t = mean / (sd / math.sqrt(len(differences))) if sd > 0 else float('nan')
    print(f"mean  {statistics.mean(finals['before']):6.2f} %           {statistics.mean(finals['after']):6.2f} %           "
          f"{mean:+14.2f}  (paired t = {t:.2f}, {len(differences)} seeds)")
if ulp:
    print("\none ulp after epoch 1, same engine and seed 0, then epochs 2–20:")
    for target in ('none', 'conv1.weight:0', 'conv2.weight:100', 'fc1.weight:5000', 'fc3.bias:3'):
        a = accuracies(f"{work}/ulp-{target}.csv")
        print(f"  {target:>18}: {a[-1]:6.2f} % (best {max(a):.2f})")
PY
