#!/usr/bin/env bash
# The one test command (README, CI). Idempotent: installs what is missing, builds, runs every test project.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (https://dot.net); install it and run again" >&2
  exit 1
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# OpenAI's official Node client, which the tests drive the OpenAI-compatible endpoint with (Node.js is already needed
# for the demo corpus). npm ci when it is missing or its lockfile changed.
client=tests/openai-client
if [[ ! -d "$client/node_modules/openai" || "$client/package-lock.json" -nt "$client/node_modules/.package-lock.json" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "test.sh: Node.js (npm) is required; install it (e.g. apt-get install nodejs npm) and run again" >&2
    exit 1
  fi
  npm ci --prefix "$client" --no-audit --no-fund --loglevel=error
fi

# Debian's Chromium, which the designer's end-to-end tests drive through Playwright (no browser is downloaded).
if [[ -z "${PIPELINES_CHROMIUM:-}" ]] && ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing Debian's chromium for the designer's end-to-end tests..." >&2
    apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
  else
    echo "test.sh: Chromium is required for the designer's end-to-end tests; install it (sudo apt-get install chromium) or set PIPELINES_CHROMIUM to a Chromium binary, and run again" >&2
    exit 1
  fi
fi

# The browser designer (designer/): installed and built into designer/dist when its lockfile or sources changed; the
# host serves it, and a .NET test loads it from there.
designer/build.sh

dotnet restore Pipelines.sln --nologo -v q
dotnet build Pipelines.sln -c Release --no-restore --nologo -v q -clp:NoSummary

log="$(mktemp)"
vitest_json="$(mktemp)"
trap 'rm -f "$log" "$vitest_json"' EXIT
status=0

# The designer's unit tests (Vitest), after the build: they read the real schema and catalog from the CLI. A run that
# crashed before reporting counts as one failure.
npm test --prefix designer --silent -- --reporter=default --reporter=json --outputFile.json="$vitest_json" || status=$?
read -r vitest_passed vitest_failed < <(node -e '
  const fs = require("fs"); let r = {}; try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {}
  console.log((r.numPassedTests ?? 0) + " " + ((r.numFailedTests ?? 0) + (r.success !== true && !r.numFailedTests ? 1 : 0)));' "$vitest_json")

# A private PostgreSQL cluster (installed from Debian's packages when missing) on a free port in a temporary folder,
# run as a non-root user, for the store's contract tests and everything else that runs on PostgreSQL; stopped at exit.
# A server of your own: set PIPELINES_TEST_POSTGRES to its connection string (each test makes a database of its own).
if [[ -z "${PIPELINES_TEST_POSTGRES:-}" ]]; then
  pg_parent="$(mktemp -d)"
  chmod 755 "$pg_parent"
  trap 'tests/postgres/cluster.sh stop "$pg_parent/cluster"; rm -rf "$pg_parent" "$log" "$vitest_json"' EXIT
  PIPELINES_TEST_POSTGRES="$(tests/postgres/cluster.sh start "$pg_parent/cluster")"
  export PIPELINES_TEST_POSTGRES
fi

# The .NET test projects in parallel, then the designer's browser tests on their own: Chromium, a server per test class
# and TorchSharp training on the same two cores made the pages' first requests wait past any sensible timeout.
dotnet test tests/headless.slnf -c Release --no-build --nologo "$@" 2>&1 | tee "$log" || status=$?
dotnet test tests/Pipelines.Designer.Tests -c Release --no-build --nologo "$@" 2>&1 | tee -a "$log" || status=$?

# One closing line for CI: "N passed, N failed" summed over the test projects and the designer's tests.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk -v v="$vitest_passed" '{s+=$2} END {print s+v}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk -v v="$vitest_failed" '{s+=$2} END {print s+v}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "$passed passed, $failed failed, $skipped skipped"
if [[ $status -eq 0 && $passed -eq 0 ]]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit $status
