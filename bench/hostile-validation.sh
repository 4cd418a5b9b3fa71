#!/usr/bin/env bash
# Hostile documents for validation (issue 12): time, peak memory and output size of `pipelines validate` and of
# POST /api/definitions/validate on documents whose naive validation is quadratic in their size.
#
#   bench/hostile-validation.sh [STEPS...]      default: 5000 15000
#
# ONLY=cli or ONLY=api runs one half; LIMIT (seconds, default 600) stops a run that takes longer; PIPELINES names the
# command to measure (default bin/pipelines; e.g. "dotnet /tmp/before/pipelines.dll" for a copy of an older build).
#
# For each N it writes, under $OUT (default /tmp/pipelines-hostile):
#   needs-N.yaml   N steps, each `needs:` an unknown step one edit away from a real one (did-you-mean search)
#   refs-N.yaml    N steps, each reading `steps.<unknown>.outputs.x` in an expression (the same search, other path;
#                  measured up to 12,000 steps, beyond which this shape passes the 100,000-node limit)
#   long.yaml      4,000 steps with 70-character ids, each needing an unknown far from every id (a hint per step
#                  that used to list every step: output quadratic in the file)
#   exprs.yaml     one value holding 60,000 expressions, the last reading an unknown param (each was located by
#                  counting from the start of the value)
#   params.yaml    20,000 params, each read once in one value (a scan of every param per reference)
#   cycles.yaml    10,000 steps, each needing the next and the first: 10,000 cycles, the longest through every step
#   similar.yaml   6,600 steps with random 63-character ids over {a, b}, each needing another such id (the costliest
#                  did-you-mean comparisons: long names, small distances)
# and prints one line per run: what, exit code or HTTP status, wall seconds, peak RSS (MiB) and output bytes. The last
# four go through the CLI only. PICK (a regex over the file names) runs only the documents it matches.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-/tmp/pipelines-hostile}"
port="${PORT:-5187}"
limit="${LIMIT:-600}"
read -r -a cli <<< "${PIPELINES:-$root/bin/pipelines}"
mkdir -p "$out"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(5000 15000)

header() { printf 'apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: hostile\nsteps:\n'; }

for n in "${sizes[@]}"; do
  { header; awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "  s%06d: {uses: core.noop@1, needs: q%06d}\n", i, i }'; } > "$out/needs-$n.yaml"
  { header; awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "  s%06d: {uses: core.echo@1, with: {message: \"${{ steps.q%06d.outputs.x }}\"}}\n", i, i }'; } > "$out/refs-$n.yaml"
done
{ header; awk 'BEGIN { p = "abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz_abcdefghijk";
  for (i = 1; i <= 4000; i++) printf "  s%s%05d: {uses: core.noop@1, needs: z%05d}\n", p, i, i }'; } > "$out/long.yaml"

awk 'BEGIN { printf "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: hostile\nparams:\n  p: {type: string}\n";
  printf "steps:\n  a:\n    uses: core.echo@1\n    with:\n      message: \"";
  for (i = 1; i < 60000; i++) printf "${{ params.p }}"; printf "${{ params.q }}\"\n" }' > "$out/exprs.yaml"
awk 'BEGIN { printf "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: hostile\nparams:\n";
  for (i = 0; i < 20000; i++) printf "  p%05d: {type: string}\n", i;
  printf "steps:\n  a:\n    uses: core.echo@1\n    with:\n      message: \"";
  for (i = 0; i < 20000; i++) printf "${{ params.p%05d }}", i; printf "\"\n" }' > "$out/params.yaml"
{ header; awk 'BEGIN { n = 10000; for (i = 0; i < n - 1; i++) printf "  s%05d: {uses: core.noop@1, needs: [s%05d, s00000]}\n", i, i + 1;
  printf "  s%05d: {uses: core.noop@1, needs: [s00000]}\n", n - 1 }'; } > "$out/cycles.yaml"
{ header; awk 'function id(n,   s, i) { s = "s"; for (i = 1; i < n; i++) s = s (rand() < 0.5 ? "a" : "b"); return s }
  BEGIN { srand(1); for (i = 0; i < 6600; i++) printf "  %s: {uses: core.noop@1, needs: %s}\n", id(63), id(62) }'; } > "$out/similar.yaml"

"${cli[@]}" --help > /dev/null # build first, outside the measurement
pick="${PICK:-.}"

measure_cli() {
  local file="$1" status
  [[ "$(basename "$file")" =~ $pick ]] || return 0
  set +e
  /usr/bin/time -f '%e %M' -o "$out/time" timeout "$limit" "${cli[@]}" validate "$file" > "$out/stdout" 2>&1
  status=$?
  set -e
  read -r seconds kib < <(tail -n 1 "$out/time") # time prepends "Command exited with ..." on failure
  printf 'cli  %-16s exit=%s  %6ss  %6d MiB  %11d bytes out\n' "$(basename "$file")" "$status" "$seconds" $((kib / 1024)) "$(stat -c %s "$out/stdout")"
}

measure_api() {
  local file="$1" data pid result
  [[ "$(basename "$file")" =~ $pick ]] || return 0
  data="$(mktemp -d)"
  "${cli[@]}" --data-dir "$data" serve --urls "http://127.0.0.1:$port" > "$out/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.2; done
  result="$(curl -s --max-time "$limit" -o "$out/response" -w '%{http_code} %{time_total}' -H 'Content-Type: application/yaml' \
    --data-binary "@$file" "http://127.0.0.1:$port/api/definitions/validate" || echo "000 timeout")"
  # The wrapper execs dotnet, so $pid is the server; VmHWM is its peak resident memory since it started.
  local hwm
  hwm="$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status" 2>/dev/null || echo '?')"
  kill "$pid"; wait "$pid" 2> /dev/null || true
  rm -rf "$data"
  read -r code seconds <<< "$result"
  printf 'api  %-16s http=%s  %6ss  %6s MiB  %11d bytes out\n' "$(basename "$file")" "$code" "$seconds" "$hwm" "$(stat -c %s "$out/response" 2>/dev/null || echo 0)"
}

if [[ "${ONLY:-cli}" == cli ]]; then
for n in "${sizes[@]}"; do
  measure_cli "$out/needs-$n.yaml"
  if [[ $n -le 12000 ]]; then measure_cli "$out/refs-$n.yaml"; fi # more steps of this shape pass the 100,000-node limit
done
measure_cli "$out/long.yaml"
for doc in exprs params cycles similar; do measure_cli "$out/$doc.yaml"; done
fi
[[ "${ONLY:-api}" == api ]] || exit 0
for n in "${sizes[@]}"; do
  measure_api "$out/needs-$n.yaml"
done
measure_api "$out/long.yaml"
