#!/usr/bin/env bash
# The whole test suite: lint, types, unit tests, then everything else on SQLite and on a
# fresh real PostgreSQL database (created and dropped by the tests), with Redis running.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh dev
bash scripts/services.sh
bash scripts/browser.sh
bash scripts/gnucash.sh
py=".venv/bin"

echo "== ruff"
"$py/ruff" check .
"$py/ruff" format --check .
echo "== mypy"
"$py/mypy"

run_pytest() {
    # pytest exits 5 when a selection is empty; that is not a failure of the suite.
    "$py/pytest" "$@" || { rc=$?; [ $rc -eq 5 ] || exit $rc; }
}
echo "== unit (domain, no database)"; run_pytest tests/unit -q
echo "== integration on SQLite"; run_pytest tests --ignore=tests/unit -m "not postgres" -q
echo "== integration on PostgreSQL"; run_pytest tests --ignore=tests/unit -m postgres -q
