#!/usr/bin/env bash
# A/B of the load bench: the working tree against an earlier commit, alternating runs so that drifts of a shared
# machine hit both sides alike (bench/HISTORY.md, "Load").
#
#   bash bench/load/ab.sh <commit> [runs=3] [rates=2000,4000]
#
# The commit is checked out as a temporary git worktree that borrows this checkout's node_modules (so workspace
# packages such as client-core resolve to this checkout: compare commits that differ in sync-server and bench only);
# each run is one rep of each rate per side. Results: bench/results/ab-base.jsonl and ab-new.jsonl (appended), a line per rep here.
set -euo pipefail
ref=${1:?usage: ab.sh <commit> [runs] [rates]}
runs=${2:-3}
rates=${3:-2000,4000}
root=$(cd "$(dirname "$0")/../.." && pwd)
base=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$base" >/dev/null 2>&1 || true; rm -rf "$base"' EXIT
git -C "$root" worktree add --detach -q "$base" "$ref"
ln -s "$root/node_modules" "$base/node_modules"
mkdir -p "$root/bench/results"
for ((i = 1; i <= runs; i++)); do
  for side in base new; do
    dir=$root
    [ "$side" = base ] && dir=$base
    (cd "$dir" && node bench/load/run.mjs --workload chat --rates "$rates" --runs 1 --out "$root/bench/results/ab-$side.jsonl" 2>&1 |
      grep ': delivered' | sed "s/^/$side /")
  done
done
