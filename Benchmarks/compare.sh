#!/usr/bin/env bash
# Runs SchedulerKit's benchmarks and the peer scripts of ../../shared/peers in ONE run, so that
# ratios compare figures measured under the same machine load. Prints one JSON line per
# benchmark to stdout and appends them to results-<UTC time>.jsonl here.
#
#   Benchmarks/compare.sh                 # everything (about 10 minutes on 2 cores)
#   Benchmarks/compare.sh cron dispatch   # only some groups: cron add list dispatch lateness
#                                         # idle memory delivery prune api pg
#   the pg group runs the raw PostgreSQL floor, procrastinate and pg-dispatch / pg-lateness on
#   ONE throwaway server (../../shared/peers/pg_tmp.py, fsync on), one after the other
set -euo pipefail
cd "$(dirname "$0")"
PEERS=${PEERS:-$(cd ../.. && pwd)/shared/peers}
VENV=.venv-peers
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$PEERS/requirements.txt"
fi
# SwiftPM keeps a stale build plan when the library gained files since the last release build.
rm -f .build/release.yaml
swift build -c release --product schedbench >&2
swift build -c release --package-path .. --product schedctl >&2
SCHEDCTL=$(swift build -c release --package-path .. --show-bin-path)/schedctl
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
OUT="results-$(date -u +%Y-%m-%dT%H%M%SZ).jsonl"
GROUPS_WANTED=${*:-cron add list dispatch lateness idle memory delivery prune api pg}
want() { [[ " $GROUPS_WANTED " == *" $1 "* ]]; }
run() {
  echo "== $*" >&2
  "$@" | tail -n 1 | tee -a "$OUT"
}
BENCH=.build/release/schedbench
PY="$VENV/bin/python"

if want cron; then
  run "$PY" "$PEERS/cron_next.py" --cases-out "$SCRATCH/cron_cases.jsonl"
  run "$BENCH" cron
fi
# The raw SQLite floor (single-row insert transactions; claim + complete cycles) is the
# reference for both add and dispatch: measured once, right before them.
if want add || want dispatch; then
  run "$PY" "$PEERS/sqlite_limit.py" --modes wal:NORMAL --db "$SCRATCH/limit.db"
fi
if want add; then
  # the same SQLite work as one addJob (this build's schema, two rows, one transaction), by Python
  "$SCHEDCTL" add floor-schema --db "$SCRATCH/schema.sqlite" --every 1h -- true >/dev/null
  run "$PY" floors/add_floor.py --schema "$SCRATCH/schema.sqlite" --db "$SCRATCH/add_floor.db"
fi
if want add || want list; then
  want add && run "$PY" "$PEERS/apscheduler_sqlite.py" --sqlite-mode wal-normal --db "$SCRATCH/aps.sqlite"
  want add && run "$BENCH" add
  want list && run "$BENCH" list --schedctl "$SCHEDCTL"
fi
if want dispatch; then
  run "$BENCH" dispatch
fi
if want lateness; then
  run "$PY" "$PEERS/huey_sqlite.py" --sqlite-mode wal-normal --db "$SCRATCH/huey.db"
  run "$BENCH" lateness --jobs 200 --spacing-ms 5
fi
want idle && run "$BENCH" idle
want memory && run "$BENCH" memory --schedctl "$SCHEDCTL"
want delivery && run "$BENCH" delivery
want prune && run "$BENCH" prune
# the /healthz floor is measured inside `api`, by the same server in the same run
want api && run "$BENCH" api
if want pg; then
  echo "== pg: floor, procrastinate, pg-dispatch, pg-lateness on one server" >&2
  # pg_tmp.py gives the command PG_URL and removes the server afterwards, also on errors.
  "$PY" "$PEERS/pg_tmp.py" run -- bash -c '
    set -euo pipefail
    "$1" "$2/pg_limit.py" --clients 1,2,4 | tail -n 1
    "$1" "$2/procrastinate_pg.py" | tail -n 1
    "$3" pg-dispatch --nodes 1,2,4
    "$3" pg-lateness | tail -n 1
  ' pg "$PY" "$PEERS" "$BENCH" | tee -a "$OUT"
fi
echo "results: Benchmarks/$OUT" >&2
