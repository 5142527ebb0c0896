#!/usr/bin/env bash
# Does the 2-thread LeNet-5 batch-4 step follow the cache-line handoff latency between the two CPUs?
# Every few seconds for ROUNDS rounds: the round trip between CPU 0 and CPU 1
# (scripts/handoff-latency.c, best of 25 × 20,000), then `convkit bench --model lenet5 --batch-size 4`
# at 2 threads and at 1 thread. On this project's 2-vCPU VMs the host moves the two vCPUs between
# near and far placements for minutes at a time; the 2-thread rate follows the round trip, the
# 1-thread rate does not (README, Performance). Check first that nothing else runs (ps -eo pcpu,comm).
# Usage: scripts/vcpu-handoff.sh [ROUNDS]   (default 20; needs a release build and 2 CPUs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-20}"
BIN=.build/release/convkit
[ -x "$BIN" ] || { echo "error: build first: swift build -c release" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cc -O2 -pthread scripts/handoff-latency.c -o "$WORK/handoff-latency"
rate() { "$BIN" bench --model lenet5 --batch-size 4 --threads "$1" --samples 3 --seconds 0.3 2>&1 | awk '/training, batch 4 .*images\/s/ {print $(NF-1)}'; }
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
printf '%-9s %16s %20s %20s\n' time "round trip (ns)" "batch 4, 2 threads" "batch 4, 1 thread"
for _ in $(seq 1 "$ROUNDS"); do
    trip=$("$WORK/handoff-latency" | awk '{print $1}')
    printf '%-9s %16s %20s %20s\n' "$(date +%T)" "$trip" "$(rate 2)" "$(rate 1)"
    sleep 3
done
