#!/usr/bin/env bash
# Poison expressions through the real CLI: each must end as a failed step (exit 1) in bounded time and memory.
# Prints wall time and peak resident memory per expression, and each as a ratio to a benign expression measured in
# the same run (the CLI's own start-up dominates the benign one). Usage: bench/hostile-expressions.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/bin/pipelines" --help >/dev/null # build first, outside the clock

expressions=(
  "'benign ' + 'text'"
  "String('x'.repeat(5e8).length)"
  "Array(90000).fill(0).reduce(a => [a], [])"
  "2n ** 10n"
  "({ get x() { while (true) {} } })"
  "'x'.repeat(10000).replaceAll('', 'y'.repeat(10000))"
  "JSON.stringify(Array(500000).fill('x'.repeat(1000))).length"
  "''.concat(...Array(100000).fill('x'.repeat(10000))).length"
)

printf '%-62s %6s %8s %9s %7s %7s\n' expression exit seconds peak_MiB time_x mem_x
base_s="" base_kb=""
for i in "${!expressions[@]}"; do
  expression="${expressions[$i]}"
  file="$work/p$i.yaml"
  printf 'apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: { name: poison-%s }\nsteps:\n  a:\n    uses: core.echo@1\n    with:\n      message: "${{ %s }}"\n' "$i" "${expression//\"/\\\"}" > "$file"
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "$root/bin/pipelines" --data-dir "$work/data" run "$file" >/dev/null 2>&1
  code=$?
  set -e
  read -r seconds kb < <(tail -n 1 "$work/time") # a first line says "Command exited with non-zero status" when it did
  if [[ -z "$base_s" ]]; then base_s=$seconds base_kb=$kb; fi
  awk -v e="${expression:0:62}" -v c="$code" -v s="$seconds" -v k="$kb" -v bs="$base_s" -v bk="$base_kb" \
    'BEGIN { printf "%-62s %6s %8s %9.0f %7.2f %7.2f\n", e, c, s, k / 1024, s / bs, k / bk }'
done
