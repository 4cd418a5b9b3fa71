#!/usr/bin/env bash
# Issue 14's figures on the flagship's own base model: sizes, quality through TorchSharp, ONNX Runtime and llama.cpp,
# decode speed, export time and memory (bench/Pipelines.Bench/Deploy/DeployBenchmark.cs).
#
#   DATA=/tmp/flag bench/deploy.sh [--threads 1] [--samples 64] [--calibration-samples 64]
#
# DATA is a data directory the flagship ran in (KEEP=1 DATA=... bench/lifecycle.sh leaves one, with run.json): the
# benchmark reads the base model model.select chose and the curated train (calibration) and validation (quality) splits.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:?set DATA to a data directory the flagship ran in (KEEP=1 DATA=... bench/lifecycle.sh)}"
[[ -f "$data/run.json" ]] || { echo "deploy.sh: $data/run.json is missing; run KEEP=1 DATA=$data bench/lifecycle.sh first" >&2; exit 2; }
read -r model train validation < <(python3 - "$data" <<'PY'
import json, sys, os
data = sys.argv[1]
steps = {s["id"]: s.get("outputs") or {} for s in json.load(open(os.path.join(data, "run.json")))["steps"]}
def path(ref):
    digest = ref.split("/")[-1]
    return os.path.join(data, "artifacts", "sha256", digest[:2], digest)
print(path(steps["select"]["selected"]), path(steps["curate"]["train"]), path(steps["curate"]["validation"]))
PY
)
dotnet run -c Release --project "$root/bench/Pipelines.Bench" -- deploy --model "$model" --calibration "$train" --dataset "$validation" "$@"
