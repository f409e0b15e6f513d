#!/usr/bin/env bash
# npm packages from the committed lock, reinstalled only when the lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
