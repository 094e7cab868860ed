#!/usr/bin/env bash
# Creates <package root>/.venv with the test peers' Python dependencies.
#
# The mail tests start a real SMTP server; the cron differential test compares with cronsim;
# the HTTP API test runs schemathesis against a live server with Sources/SchedulerKitHTTP/Resources/openapi.json.
# The mail tests start a real SMTP server (Tests/Peers/smtp_server.py, built on aiosmtpd)
# with <package root>/.venv/bin/python; they fail with a pointer to this script when the venv
# is missing. Idempotent: re-running only re-checks the pinned versions.
#
# Usage: Scripts/setup-test-peers.sh            (uses python3 on PATH)
#        PYTHON=/usr/bin/python3.11 Scripts/setup-test-peers.sh
set -euo pipefail

AIOSMTPD_VERSION="1.4.6"
CRONSIM_VERSION="2.8"
SCHEMATHESIS_VERSION="4.32.5"

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

"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION" "cronsim==$CRONSIM_VERSION"
"$venv/bin/python" -c "import aiosmtpd; import cronsim; print('setup-test-peers: aiosmtpd', aiosmtpd.__version__, '+ cronsim ready in $venv')"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
"$venv/bin/schemathesis" --version

# openssl makes the throwaway TLS certificates the mail tests use.
if ! command -v openssl >/dev/null 2>&1; then
    echo "setup-test-peers: warning: openssl not found; the TLS mail tests need it (apt-get install openssl)" >&2
fi
# The dashboard's real-browser test (Tests/Peers/dashboard_browser.py) drives Debian's chromium + chromium-driver.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "selenium==4.52.0"
