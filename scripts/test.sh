#!/usr/bin/env bash
# One command: install (with test tools) and run the whole test suite on SQLite, then on PostgreSQL.
# Extra arguments go to pytest (e.g. -k customers, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
PY=.venv/bin/python

echo "==> tests on SQLite"
$PY -m pytest "$@"

PG_URL=${RAPPORT_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}
if $PY - "$PG_URL" <<'PY'
import sys
from sqlalchemy import create_engine, text
try:
    with create_engine(sys.argv[1], connect_args={"connect_timeout": 3}).connect() as c:
        c.execute(text("select 1"))
except Exception as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "==> database tests on PostgreSQL"
  $PY -m pytest --db postgresql -m db "$@"
elif [[ "${CI:-}" == "true" ]]; then
  echo "PostgreSQL is required under CI (CI=true) and is not reachable" >&2
  exit 1
else
  echo "==> PostgreSQL is not reachable at 127.0.0.1:5432: its run is deselected (it always runs under CI)"
fi
