#!/usr/bin/env bash
# Create .venv and install the hub into it (with extras given as $1, e.g. "dev").
# Sourced by demo.sh and test.sh so both work on a fresh clone.
#
# Installs only when the project's install inputs changed: a stamp in .venv holds a hash
# of pyproject.toml and the extras asked for, so a second `./scripts/demo.sh` starts at
# once instead of rebuilding the package (HUB_REINSTALL=1 forces a reinstall).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
    "$python" -m venv "$root/.venv"
    "$root/.venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
fi
extras="${1:-}"
spec="$root"
[ -n "$extras" ] && spec="$root[$extras]"
stamp="$root/.venv/.hub-install-stamp"
want="$(cat "$root/pyproject.toml" <(echo "extras=$extras") | sha256sum | cut -d' ' -f1)"
if [ "${HUB_REINSTALL:-}" != "1" ] && [ -f "$stamp" ] && grep -qx "$want" "$stamp" \
    && "$root/.venv/bin/python" -c "import hub" 2>/dev/null; then
    exit 0
fi
# Editable, so the tests and the `hub` command run the code in this checkout. setuptools
# tells every editable install that it is one ("InformationOnly", nothing to act on):
# that notice alone is filtered, any real build warning still shows.
PYTHONWARNINGS="ignore:Editable installation" \
    "$root/.venv/bin/pip" install --quiet --disable-pip-version-check -e "$spec"
# Several extras may be installed over time (demo: none, tests: dev): remember each.
echo "$want" >>"$stamp"
