#!/usr/bin/env bash
# The README's main job, pipelines/lifecycle.yaml, from nothing: a fresh data directory (so the corpus is installed,
# the base models are made and pretrained, and no step comes from the cache), run to its human review. Prints the
# wall time, each step's share of it, and the quality numbers the issue asks for: the adapter's ROUGE-L against the
# base model's on the test split, with the 95% paired-bootstrap interval of the difference.
#
#   bench/lifecycle.sh [-p NAME=VALUE ...]       e.g. -p pretrain_steps=600
#
# DATA (default: a new temporary folder) is the data directory; KEEP=1 keeps it; PIPELINE runs another file (a variant). The build is not timed: bin/pipelines
# is built before the clock starts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$(mktemp -d /tmp/pipelines-lifecycle-XXXXXX)}"
mkdir -p "$data"
[[ "${KEEP:-0}" == 1 || -n "${DATA:-}" ]] || trap 'rm -rf "$data"' EXIT

"$root/bin/pipelines" --help >/dev/null   # builds the CLI if needed, outside the measurement
echo "data directory: $data; cores: $(nproc); $(date -u +%FT%TZ)"

start=$(date +%s.%N)
status=0
"$root/bin/pipelines" run "${PIPELINE:-$root/pipelines/lifecycle.yaml}" --data-dir "$data" --no-input "$@" > "$data/run.log" 2>&1 || status=$?
end=$(date +%s.%N)
# 3: the run waits on its review, which is where the measured part ends.
[[ $status == 3 ]] || { tail -20 "$data/run.log"; echo "the run ended with exit code $status, not at its review (3)" >&2; exit 1; }

run_id=$(head -1 "$data/run.log" | awk '{print $2}')
"$root/bin/pipelines" runs show "$run_id" --data-dir "$data" --json > "$data/run.json"
python3 - "$data/run.json" "$start" "$end" <<'PY'
import json, sys
from datetime import datetime
run = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
print(f"wall time to the review: {wall / 60:.1f} min ({wall:.0f} s)")
print(f"{'step':<14}{'seconds':>9}{'share':>8}")
for s in run["steps"]:
    if "[" in s["id"] or not s.get("started") or not s.get("finished"):
        continue
    d = t(s["finished"]) - t(s["started"])
    print(f"{s['id']:<14}{d:>9.1f}{d / wall:>8.0%}")
steps = {s["id"]: s for s in run["steps"]}
e = steps["evaluate"]["outputs"]
r = e["delta"]["rougeL"]
print(f"ROUGE-L on {e['samples']} test mails: adapter {e['metrics']['rougeL']:.4f}, base {e['baseline_metrics']['rougeL']:.4f}, "
      f"difference {r['difference']:+.4f}, 95% interval [{r['low']:+.4f}, {r['high']:+.4f}]")
print("selected base:", steps["select"]["outputs"]["reason"])
for c in [s for s in run["steps"] if s["id"].startswith("pretrain[")]:
    m = c["outputs"]["metrics"]
    print(f"{c['id']}: val_loss {m['val_loss']:.3f}, {m['tokens_per_second']:.0f} tokens/s")
for c in [s for s in run["steps"] if s["id"].startswith("finetune[")]:
    m = c["outputs"]["metrics"]
    print(f"{c['id']}: val_loss {m['val_loss']:.3f}, {m['tokens_per_second']:.0f} tokens/s")
print("prompts:", json.dumps(steps["prompts"]["outputs"]["scores"]))
print("safety rates:", json.dumps(steps["safety"]["outputs"]["rates"]))
PY
