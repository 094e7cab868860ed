#!/usr/bin/env bash
# Installs what a bare machine lacks to build and test SchedulerKit, then returns.
# Idempotent: a machine that has everything is checked in well under a second, and nothing is
# installed. Swift itself (6.1 or later) is assumed; everything else the README's two commands
# (`swift run schedctl demo`, `swift test`) use is in REQUIREMENTS below.
#
# Debian packages are installed with apt-get, as root or through sudo; the script prints what it
# installed. Then <repo>/.venv gets the test peers: aiosmtpd (real SMTP server), cronsim (the
# cron oracle), schemathesis (the OpenAPI check) and selenium (the dashboard's browser test),
# through Scripts/setup-test-peers.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# One line per Debian package: "package|check", where check is a shell command that succeeds
# when what the package provides is present. Add a package by appending a line.
REQUIREMENTS=(
    "libsqlite3-dev|test -f /usr/include/sqlite3.h"                 # GRDB links the system SQLite
    "git|command -v git"                                            # SwiftPM fetches the dependencies
    "tzdata|test -f /usr/share/zoneinfo/America/New_York"           # cron time zones and DST tests
    "python3|command -v python3"                                    # the test peers (.venv)
    "python3-venv|test -x '$root/.venv/bin/python' || dpkg -s python3-venv >/dev/null 2>&1"
    "openssl|test -x /usr/bin/openssl"                              # throwaway TLS certificates (mail tests)
    "bsdutils|test -x /usr/bin/script"                              # script(1): colour tests on a terminal
    "chromium|command -v chromium"                                  # the dashboard's real-browser test (headless)
    "chromium-driver|command -v chromedriver"                       # WebDriver for it, driven by selenium in .venv
    "postgresql|ls /usr/lib/postgresql/*/bin/initdb && id postgres" # the PostgreSQL store's tests start their own server
)

missing=()
for requirement in "${REQUIREMENTS[@]}"; do
    package="${requirement%%|*}"
    check="${requirement#*|}"
    if ! bash -c "$check" >/dev/null 2>&1; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: missing ${missing[*]}, and apt-get is not available: install them with your package manager" >&2
        exit 1
    fi
    if [ "$(id -u)" = 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "bootstrap: missing ${missing[*]}, which cannot be installed without root (or sudo)" >&2
        exit 1
    fi
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for requirement in "${REQUIREMENTS[@]}"; do
        package="${requirement%%|*}"
        if ! bash -c "${requirement#*|}" >/dev/null 2>&1; then
            echo "bootstrap: $package was installed but its check still fails: ${requirement#*|}" >&2
            exit 1
        fi
    done
    echo "bootstrap: installed ${missing[*]}" >&2
fi

"$root/Scripts/setup-test-peers.sh"
