#!/usr/bin/env bash
# Installs what a bare machine lacks to build and test SchedulerKit, then returns.
# Idempotent: a machine that has everything is checked in a second.
#
#   - libsqlite3-dev (GRDB links the system SQLite)
#   - chromium + chromium-driver (the dashboard's real-browser test)
#   - <repo>/.venv with the test peers: aiosmtpd (real SMTP server) and cronsim (the cron oracle)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! { [ -f /usr/include/sqlite3.h ] || dpkg -s libsqlite3-dev >/dev/null 2>&1; }; then
    echo "bootstrap: installing libsqlite3-dev" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null
    else
        echo "bootstrap: libsqlite3-dev is missing and cannot be installed without root" >&2
        exit 1
    fi
fi

# Debian's chromium and its driver, for the dashboard's real-browser test (Selenium).
if ! { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }; then
    echo "bootstrap: installing chromium chromium-driver" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "bootstrap: chromium/chromium-driver are missing and cannot be installed without root" >&2
    fi
fi

"$root/Scripts/setup-test-peers.sh"
