#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser tests (tests/e2e/test_dashboard_browser.py):
# Debian's chromium and chromium-driver; Playwright drives /usr/bin/chromium directly
# (its own browser download is not used).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver
fi
