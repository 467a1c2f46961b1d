#!/usr/bin/env bash
# One command for a newcomer: install everything, build the demo company (first run only), start Rapport.
# Extra arguments go to `rapport demo` (e.g. --port 8080, --customers 20000).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/setup.sh
echo "==> install took $(( $(date +%s) - started )) s"
exec .venv/bin/rapport demo "$@"
