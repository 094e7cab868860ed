#!/usr/bin/env bash
# Creates <package root>/.venv with the test peers' Python dependencies.
#
# The mail tests start a real SMTP server; the cron differential test compares with cronsim;
# the HTTP API test runs schemathesis against a live server with Sources/SchedulerKitHTTP/Resources/openapi.json;
# the dashboard's browser test drives Debian's chromium through chromedriver with selenium
# (Tests/Peers/dashboard_browser.py).
# The mail tests start a real SMTP server (Tests/Peers/smtp_server.py, built on aiosmtpd)
# with <package root>/.venv/bin/python; they fail with a pointer to this script when the venv
# is missing. Idempotent: re-running only checks the pinned versions are installed (no network).
#
# Usage: Scripts/setup-test-peers.sh            (uses python3 on PATH)
#        PYTHON=/usr/bin/python3.11 Scripts/setup-test-peers.sh
set -euo pipefail

AIOSMTPD_VERSION="1.4.6"
CRONSIM_VERSION="2.8"
SCHEMATHESIS_VERSION="4.32.5"
SELENIUM_VERSION="4.51.0"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
venv="$root/.venv"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-test-peers: $python not found; install Python 3.8+ (apt-get install python3 python3-venv)" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "setup-test-peers: creating $venv"
    "$python" -m venv "$venv"
fi

# The pinned versions already there: nothing to fetch (pip would ask the index every time).
if ! "$venv/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(0 if (m.version('aiosmtpd'), m.version('cronsim'), m.version('selenium'))
            == ('$AIOSMTPD_VERSION', '$CRONSIM_VERSION', '$SELENIUM_VERSION') else 1)
" >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "aiosmtpd==$AIOSMTPD_VERSION" "cronsim==$CRONSIM_VERSION" "selenium==$SELENIUM_VERSION"
fi
"$venv/bin/python" -c "import aiosmtpd, cronsim, selenium; print('setup-test-peers: aiosmtpd', aiosmtpd.__version__, '+ cronsim + selenium', selenium.__version__, 'ready in $venv')"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
"$venv/bin/schemathesis" --version

# openssl makes the throwaway TLS certificates the mail tests use.
if ! command -v openssl >/dev/null 2>&1; then
    echo "setup-test-peers: warning: openssl not found; the TLS mail tests need it (apt-get install openssl)" >&2
fi
