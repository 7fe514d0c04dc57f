#!/usr/bin/env bash
# The hub's main job on the embedded default (a SQLite file, no servers):
# migrate, seed a small demo workspace once, print the stock report and prove the ledger.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh" >/dev/null
cd "$root"
exec "$root/.venv/bin/hub" demo "$@"
