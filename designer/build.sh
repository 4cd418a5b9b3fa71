#!/usr/bin/env bash
# Builds the designer into designer/dist when needed: npm ci when node_modules is missing or older than the lockfile,
# then `npm run build` when a source is newer than the last build. ./test.sh and `bin/pipelines serve` call it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v npm >/dev/null 2>&1; then
  echo "designer: Node.js (npm) is required to build the designer; install it (e.g. apt-get install nodejs npm)" >&2
  exit 1
fi

if [[ ! -d node_modules/.bin || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

if [[ ! -f dist/index.html || -n "$(find src index.html package.json package-lock.json vite.config.ts tsconfig.json \
    -newer dist/index.html -print -quit)" ]]; then
  echo "designer: building designer/dist..." >&2
  npm run build --silent >&2
fi
