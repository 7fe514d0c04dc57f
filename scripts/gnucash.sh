#!/usr/bin/env bash
# GnuCash's engine for the GnuCash books connector and its tests: Debian's gnucash (the
# engine libraries), python3-gnucash (the bindings, built for Debian's /usr/bin/python3)
# and libdbd-sqlite3 (the SQLite backend; only recommended by gnucash, so named here).
# Idempotent: installs only what is missing.
set -euo pipefail
python="${HUB_GNUCASH_PYTHON:-/usr/bin/python3}"
engine_ok() {
    "$python" -I -c "import gnucash" >/dev/null 2>&1 &&
        dpkg-query -W -f='${Status}' libdbd-sqlite3 2>/dev/null | grep -q "ok installed"
}
if ! engine_ok; then
    echo "installing GnuCash's engine (gnucash, python3-gnucash, libdbd-sqlite3)"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    # A failed install does not stop the other suites: the GnuCash tests then fail, each
    # naming the packages (tests/contract/gnucash_book.py), rather than skip.
    { $sudo_cmd apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
            --no-install-recommends gnucash python3-gnucash libdbd-sqlite3 >/dev/null; } ||
        echo "apt-get could not install GnuCash's engine" >&2
    engine_ok || echo "GnuCash's engine cannot be imported by $python: its tests will fail" >&2
fi
