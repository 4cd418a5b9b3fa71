#!/usr/bin/env bash
# Pretraining throughput with and without packing (train.full's `packing`), in one run on one warm process: the mini
# Llama on the lifecycle's pretraining text (easy-ham-2, subject and body), 8 x 256 tokens a step, one step at a time
# (--max-parallel 1) so the two do not share the cores. Prints text tokens trained per second for each and the ratio.
#
#   bench/packing.sh [STEPS]        default 60
#
# DATA (default: ./.pipelines) is the data directory; the corpus is installed there if missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/.pipelines}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$root/bin/pipelines" run "$root/bench/packing.yaml" --data-dir "$data" --max-parallel 1 --no-input -p steps="${1:-60}" > "$log" 2>&1 \
  || { tail -20 "$log"; exit 1; }
run_id=$(grep -m1 '^run ' "$log" | awk '{print $2}')
"$root/bin/pipelines" runs show "$run_id" --data-dir "$data" --json | python3 -c '
import json, sys
steps = {s["id"]: s for s in json.load(sys.stdin)["steps"]}
padded, packed = (steps[f"train[{i}]"]["outputs"]["metrics"]["tokens_per_second"] for i in (0, 1))
print(f"padded {padded:.0f} tokens/s, packed {packed:.0f} tokens/s, ratio {packed / padded:.2f}")'
