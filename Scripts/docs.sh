#!/usr/bin/env bash
# Builds the DocC documentation of the SchedulerKit library target (its catalogue is
# Sources/SchedulerKit/SchedulerKit.docc) with swift-docc-plugin, and fails when the build
# prints any warning: a broken ``link``, an undocumented parameter of a documented list, a
# compiler warning. The archive is .build/plugins/Swift-DocC/outputs/SchedulerKit.doccarchive.
#
# One kind of line is not ours and is not counted: SwiftPM's "found N file(s) which are
# unhandled" about a dependency checked out in .build/checkouts (swift-distributed-tracing
# ships CMakeLists.txt files in its targets); `swift build` prints the same lines.
#
# Extra arguments go to the plugin, e.g. `Scripts/docs.sh --transform-for-static-hosting`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

status=0
swift package --disable-sandbox generate-documentation --target SchedulerKit "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
    echo "docs: the documentation build failed (exit $status)" >&2
    exit "$status"
fi

warnings=0
ignored=0
while IFS= read -r line; do
    if [[ "$line" =~ ^warning:\ \'([^\']+)\':\ found\ [0-9]+\ file\(s\)\ which\ are\ unhandled ]] \
        && [ -d "$root/.build/checkouts/${BASH_REMATCH[1]}" ]; then
        ignored=$((ignored + 1))
        continue
    fi
    warnings=$((warnings + 1))
done < <(grep 'warning:' "$log" || true)

if [ "$ignored" -gt 0 ]; then
    echo "docs: ignored $ignored SwiftPM warning(s) about files of dependencies" >&2
fi
if [ "$warnings" -gt 0 ]; then
    echo "docs: $warnings warning(s); the documentation must build without any" >&2
    exit 1
fi
echo "docs: no warnings" >&2
