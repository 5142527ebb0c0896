#!/usr/bin/env bash
# Shows that a refactor changed no number: builds two commits (default: the merge base with the
# previous main, and the working tree) in release, runs the same deterministic commands with each
# (training with every kind of layer edit at 1 and 2 threads, Adam/Nesterov/schedules/augment/
# dropout/batch norm, resume, evaluation logits, gradients, explain, summaries of every zoo model)
# and compares the SHA-256 of every artefact and output.
# Usage: scripts/bitexact.sh [OLD_COMMIT] [CIFAR10_DIR]   (CIFAR-10 commands run only if the folder exists)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="${1:-HEAD~1}"
DATA="${2:-../shared/data/cifar-10-batches-bin}"
WORK="$(mktemp -d)"
trap 'git worktree remove --force "$WORK/old" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
git worktree add --detach -q "$WORK/old" "$OLD"
[ -d .build ] && cp -a .build "$WORK/old/.build" 2>/dev/null && rm -rf "$WORK"/old/.build/*/*/ModuleCache || true
(cd "$WORK/old" && swift build -c release --product convkit 2>&1 | tail -3)
swift build -c release --product convkit >/dev/null

run_all() { # $1 = binary, $2 = output folder
  local B="$1" O="$2"
  mkdir -p "$O"
  local T="--dataset shapes --epochs 2 --limit 600 --seed 3"
  for threads in 1 2; do
    "$B" train lenet5 $T --threads $threads --checkpoint "$O/plain$threads.st" > "$O/plain$threads.txt"
    "$B" train lenet5 $T --threads $threads --batch-norm --dropout 0.3 --augment --batch-size 16 --lr 0.05 \
      --schedule cosine --nesterov --weight-decay 1e-4 --checkpoint "$O/bn$threads.st" > "$O/bn$threads.txt"
    "$B" train lenet5 $T --threads $threads --optimizer adam --lr 0.001 --batch-size 32 --checkpoint "$O/adam$threads.st" > "$O/adam$threads.txt"
    "$B" train inception-bottleneck --dataset shapes --epochs 1 --limit 64 --batch-size 8 --threads $threads --seed 1 \
      --checkpoint "$O/inception$threads.st" > "$O/inception$threads.txt" 2>&1 || echo "inception: not trainable on shapes" > "$O/inception$threads.txt"
  done
  "$B" train lenet5 $T --epochs 3 --checkpoint-every 20 --checkpoint "$O/resume.st" > "$O/resume-a.txt"
  "$B" evaluate "$O/bn2.st" --dataset shapes --logits "$O/logits.st" > "$O/evaluate.txt"
  "$B" gradients lenet5 > "$O/gradients.txt" 2>&1 || true
  "$B" explain receptive-field lenet5 > "$O/rf.txt" 2>&1 || true
  for m in lenet5 lenet5-1998 alexnet alexnet-torchvision inception-naive inception-bottleneck vgg16; do
    "$B" summary "$m" --format csv > "$O/summary-$m.csv"
    "$B" summary "$m" --emit-spec > "$O/spec-$m.yaml"
  done
  if [ -d "$DATA" ]; then
    "$B" train lenet5 --dataset cifar10 --data-dir "$DATA" --epochs 1 --limit 2000 --threads 2 --checkpoint "$O/cifar.st" > "$O/cifar.txt"
  fi
}
# Resumable checkpoints carry each epoch's wall time in their metrics metadata: hash them without
# that column (tensors, every other metadata value, and the metrics without seconds), and their
# training request without the keys added later that hold their default (null).
strip_times() {
  for f in "$1"/resume*.st; do
    python3 - "$f" <<'PY'
import json, struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
meta = header.get("__metadata__", {})
if "convkit.resume.metrics" in meta:
    # Keep epoch, losses and accuracies; drop the wall times (seconds, and train_seconds where present).
    meta["convkit.resume.metrics"] = "\n".join(",".join(line.split(",")[:5]) for line in meta["convkit.resume.metrics"].split("\n"))
if "convkit.resume.request" in meta:
    # Request keys added later and left at null (their default: `input`, `classes`) are absent from
    # older files: compare the request without them.
    request = json.loads(meta["convkit.resume.request"])
    for key in ("input", "classes"):
        if request.get(key, 0) is None:
            del request[key]
    meta["convkit.resume.request"] = json.dumps(request, sort_keys=True)
open(path + ".stable", "wb").write(json.dumps(header, sort_keys=True).encode() + data[8 + n:])
PY
    rm "$f"
  done
}
run_all "$WORK/old/.build/release/convkit" "$WORK/out-old"
run_all ".build/release/convkit" "$WORK/out-new"
strip_times "$WORK/out-old"
strip_times "$WORK/out-new"
(cd "$WORK/out-old" && sha256sum * | sort -k2) > "$WORK/old.sha"
(cd "$WORK/out-new" && sha256sum * | sort -k2) > "$WORK/new.sha"
total=$(wc -l < "$WORK/old.sha")
if diff "$WORK/old.sha" "$WORK/new.sha" > "$WORK/diff"; then
  echo "bit-exact: all $total artefacts identical ($OLD vs working tree)"
else
  echo "DIFFERENT artefacts ($OLD vs working tree):"; grep "^[<>]" "$WORK/diff" | awk "{print \$3}" | sort -u
  exit 1
fi
