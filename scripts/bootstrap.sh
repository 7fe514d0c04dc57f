#!/usr/bin/env bash
# Create .venv and install the hub into it (with extras given as $1, e.g. "dev").
# Sourced by demo.sh and test.sh so both work on a fresh clone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
    "$python" -m venv "$root/.venv"
    "$root/.venv/bin/pip" install --quiet --upgrade pip
fi
extras="${1:-}"
spec="$root"
[ -n "$extras" ] && spec="$root[$extras]"
# Editable, so the tests and the `hub` command run the code in this checkout.
"$root/.venv/bin/pip" install --quiet --disable-pip-version-check -e "$spec"
