#!/usr/bin/env bash
# Checks that `convkit summary … --emit-spec` writes byte-identical YAML with two builds of convkit:
# every zoo model, every zoo model under each rewrite, every spec in examples/, and the spec test
# fixtures (whose errors are compared too). Checkpoints store this text, so a change to the spec
# codec must not change it for existing models.
#
#   scripts/spec-emit-unchanged.sh OLD [NEW]
#
# OLD and NEW are convkit executables, or git revisions (commit, branch, tag) that are then built
# in a temporary worktree (`swift build`, debug; minutes). NEW defaults to this checkout's
# .build/debug/convkit (run `swift build` first). Prints one line per case and exits non-zero
# with a unified diff for every case whose text differs or that fails with only one of the builds.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { sed -n '2,11p' "$0"; exit 2; }

work="$(mktemp -d)"
worktrees=()
cleanup() {
    for tree in "${worktrees[@]}"; do git worktree remove --force "$tree" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT

# The path of a convkit executable for $1: itself when it is one, else built from that revision.
resolve() {
    if [ -x "$1" ] && [ -f "$1" ]; then echo "$1"; return; fi
    local tree="$work/tree-$(echo "$1" | tr -c 'A-Za-z0-9' '_')"
    git worktree add --detach "$tree" "$1" >/dev/null 2>&1 || { echo "not an executable or a revision: $1" >&2; exit 2; }
    worktrees+=("$tree")
    echo "building $1 in $tree…" >&2
    (cd "$tree" && swift build --product convkit >"$work/build.log" 2>&1) || { tail -20 "$work/build.log" >&2; exit 2; }
    echo "$tree/.build/debug/convkit"
}

old="$(resolve "$1")" || exit 2
new="$(resolve "${2:-.build/debug/convkit}")" || exit 2

models=$("$new" models | awk '{print $1}')
rewrites=(factorize-3x3 bottleneck=32 width=0.5 global-pool-head no-groups)
cases=()
for model in $models; do
    cases+=("$model")
    for rewrite in "${rewrites[@]}"; do cases+=("$model --rewrite $rewrite"); done
done
# The test fixtures include specs with errors: their messages must not change either.
for spec in examples/*.yaml Tests/ConvKitTests/Fixtures/specs/*.yaml; do cases+=("$spec"); done

failures=0
index=0
for case in "${cases[@]}"; do
    index=$((index + 1))
    # shellcheck disable=SC2086  # a case is a model and its flags
    "$old" summary $case --emit-spec >"$work/old-$index.yaml" 2>&1; old_rc=$?
    # shellcheck disable=SC2086
    "$new" summary $case --emit-spec >"$work/new-$index.yaml" 2>&1; new_rc=$?
    if [ "$old_rc" -ne "$new_rc" ] || ! cmp -s "$work/old-$index.yaml" "$work/new-$index.yaml"; then
        echo "DIFFERENT  $case (exit $old_rc → $new_rc)"
        diff -u "$work/old-$index.yaml" "$work/new-$index.yaml" | head -40
        failures=$((failures + 1))
    else
        echo "same       $case ($(wc -l <"$work/new-$index.yaml") lines, exit $new_rc)"
    fi
done
echo "${#cases[@]} cases, $failures different"
[ "$failures" -eq 0 ]
