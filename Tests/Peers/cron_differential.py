#!/usr/bin/env python3
"""Differential test of a cron binary against cronsim 2.8 (the reference of SPEC §2).

Runs `$CRON_BIN next EXPR --tz ZONE --from ISO --count N --json` for random expressions,
zones and start instants (many just before or inside DST transitions) and compares the
fire instants with cronsim's, adjusted for SchedulerKit's documented differences
(Schedules.md, "Differences from cronsim"):

  1. 6-field expressions with fixed minute and hour use the wall-clock DST rule; the oracle
     is cronsim with its 5-field wall-clock mode switched on for them.
  2. Wall-clock mode never returns a time at or before the start (cronsim does when the
     start lies in the second pass of a fall-back overlap); such oracle times are dropped.
  3. Real-timeline mode (wildcard minute or hour): where cronsim's hour stepping misfires
     around offset changes that are not whole hours (Lord Howe), happen off the hour
     (St John's before 2011, Chatham at hh:45) or skip midnight (Santiago, Beirut), a
     disagreement is accepted only if a brute-force check of the spec ("every instant whose
     local wall time matches") confirms all our times, finds none missing, and an offset
     change of that kind lies within 2 days. The same applies when cronsim repeats
     instants or hangs there (its next() is given up after 200,000 ticks). These cases are
     counted and reported as "documented", never silently.

Expressions cronsim rejects must be rejected by the binary too (exit status 65).

Usage:  CRON_BIN=.build/release/cronnext python3 cron_differential.py [--quick] [--seed N]
Exit status: 0 when there are no disagreements, 1 otherwise.
"""
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import time
import zoneinfo
from datetime import date, datetime, timedelta, timezone

from cronsim import CronSim, CronSimError

UTC = timezone.utc
COUNT = 20

# Zones with DST, odd offsets, 30-minute shifts, midnight transitions, offset changes.
FOCUS_ZONES = [
    "America/New_York", "Europe/London", "Australia/Lord_Howe", "Australia/Sydney",
    "Australia/Adelaide", "Pacific/Auckland", "Pacific/Chatham", "America/St_Johns",
    "Asia/Kathmandu", "Asia/Kolkata", "Australia/Eucla", "America/Santiago",
    "America/Havana", "Asia/Beirut", "America/Asuncion", "America/Sao_Paulo",
    "Africa/Cairo", "Asia/Tehran", "Pacific/Apia", "America/Caracas", "Europe/Moscow",
    "Europe/Dublin", "Africa/Casablanca", "Antarctica/Troll", "America/Scoresbysund",
    "Asia/Pyongyang", "America/Godthab", "Asia/Gaza", "Europe/Berlin", "America/Chicago",
    "America/Los_Angeles", "America/Denver", "Pacific/Norfolk", "Asia/Amman",
    "Asia/Damascus", "America/Mexico_City", "Europe/Lisbon", "Atlantic/Azores",
    "Pacific/Kiritimati", "Asia/Colombo", "Asia/Dhaka", "UTC", "Etc/GMT+5", "Etc/GMT-14",
]
# Legacy names whose definitions differ between tzdata builds (e.g. EET became a link in
# 2024b); Python's system tzdata and Foundation's may disagree on them.
EXCLUDED_ZONES = {"EET", "WET", "CET", "MET", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
                  "EST", "MST", "HST", "localtime", "Factory"}

DOW_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


# ---------------------------------------------------------------------------------------
# random expressions (cronsim-compatible syntax)

def maybe_lower(rng, s):
    return s.lower() if rng.random() < 0.25 else (s.capitalize() if rng.random() < 0.2 else s)


def gen_numeric(rng, lo, hi, favourites, wildcard_weight):
    r = rng.random()
    if r < wildcard_weight:
        return rng.choice(["*", "*", f"*/{rng.choice([2, 3, 5, 7, 10, 15, 20, 30])}"])
    r = rng.random()
    if r < 0.45:
        return str(rng.choice(favourites))
    if r < 0.65:
        vals = sorted(set(rng.choice(favourites + [rng.randint(lo, hi)]) for _ in range(rng.randint(2, 3))))
        return ",".join(map(str, vals))
    if r < 0.8:
        a = rng.randint(lo, hi)
        b = rng.randint(a, min(hi, a + rng.randint(1, 6)))
        return f"{a}-{b}" if b > a else str(a)
    if r < 0.9:
        a = rng.randint(lo, hi - 1)
        b = rng.randint(a + 1, hi)
        return f"{a}-{b}/{rng.randint(2, 5)}"
    return f"{rng.randint(lo, hi)}/{rng.randint(2, 20)}"


def gen_dom(rng):
    r = rng.random()
    if r < 0.55:
        return rng.choice(["*", "*", "*", "*/2", "*/3", "*/10"])
    return rng.choice([
        str(rng.randint(1, 28)), "29", "30", "31", "L", "LW", "1,15", "1-7", "8-14",
        f"{rng.randint(1, 28)},L", "LW,1", "10-20/3", "5/7", "15", "1", "28-31",
    ])


def gen_month(rng):
    r = rng.random()
    if r < 0.65:
        return "*"
    return rng.choice([
        str(rng.randint(1, 12)), maybe_lower(rng, rng.choice(MONTH_NAMES)), "3,10,11", "MAR-NOV",
        "*/3", "1-6", "2", "FEB,MAR", "10-12", "4,9", "sep-dec",
    ])


def gen_dow(rng):
    r = rng.random()
    if r < 0.55:
        return rng.choice(["*", "*", "*", "*/2"])
    d = rng.randint(0, 7)
    name = maybe_lower(rng, rng.choice(DOW_NAMES))
    return rng.choice([
        str(d), name, "MON-FRI", "1-5", "0,6", "SAT,SUN", f"{rng.randint(0, 6)}L",
        f"{name}#{rng.randint(1, 5)}", f"{rng.randint(0, 7)}#{rng.randint(1, 4)}", "7", "5-7",
        f"{name},{rng.randint(1, 6)}L", "mon-wed,fri", "1/2",
    ])


INVALID_TOKENS = ["60", "5-2", "*/0", "1,,2", "a", "-1", "1-", "/5", "MON#6", "L", "1-5#2", "FRX",
                  "32", "0", "13", "24", "2-1/3", "*/x", "5L/2", "W", "#3", "1#0", ""]


def gen_invalid(rng):
    """A cronsim-rejected expression: one field replaced by a bad token, or a bad field count."""
    parts = gen_expression(rng).split()
    if rng.random() < 0.1:
        return " ".join(parts[:rng.choice([1, 3, 4])] if rng.random() < 0.5 else parts + ["*", "*"])
    i = rng.randrange(len(parts))
    parts[i] = rng.choice(INVALID_TOKENS) or "1,"
    return " ".join(parts)


def gen_expression(rng):
    fixed_time = rng.random() < 0.5
    minute = gen_numeric(rng, 0, 59, [0, 0, 0, 15, 30, 45, 59, 1, 29], 0.0 if fixed_time else 0.4)
    hour = gen_numeric(rng, 0, 23, [0, 1, 2, 3, 23, 22, 12, 4], 0.0 if fixed_time else 0.5)
    if not fixed_time and not minute.startswith("*") and not hour.startswith("*"):
        hour = rng.choice(["*", "*/2", "*/3"])
    fields = [minute, hour, gen_dom(rng), gen_month(rng), gen_dow(rng)]
    if rng.random() < 0.2:
        fields.insert(0, rng.choice(["0", "30", "*/15", "0,30", "*/20", "5-10", "59", "*"]))
    return " ".join(fields)


# ---------------------------------------------------------------------------------------
# zones and transitions

TRANSITION_CACHE = {}


def offset(zone, ts):
    return int(datetime.fromtimestamp(ts, UTC).astimezone(zone).utcoffset().total_seconds())


def transitions(zone_name, year):
    """(instant, offset before, offset after) for changes of UTC offset in `year`."""
    key = (zone_name, year)
    if key in TRANSITION_CACHE:
        return TRANSITION_CACHE[key]
    zone = zoneinfo.ZoneInfo(zone_name)
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    found = []
    step = 6 * 3600
    prev = offset(zone, start)
    t = start
    while t < end:
        nxt = min(t + step, end)
        o = offset(zone, nxt)
        if o != prev:
            lo, hi = t, nxt  # offset(lo) == prev, offset(hi) == o
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(zone, mid) == prev:
                    lo = mid
                else:
                    hi = mid
            found.append((hi, prev, o))
            prev = o
        t = nxt
    TRANSITION_CACHE[key] = found
    return found


def transitions_near(zone_name, ts, days):
    lo, hi = ts - days * 86400, ts + days * 86400
    years = {datetime.fromtimestamp(lo, UTC).year, datetime.fromtimestamp(hi, UTC).year}
    out = []
    for y in sorted(years):
        out.extend(tr for tr in transitions(zone_name, y) if lo <= tr[0] <= hi)
    return out


def gen_start(rng, zone_name):
    """A start instant, most of them just before or inside an offset change."""
    if zone_name not in ("UTC",) and rng.random() < 0.75:
        for _ in range(6):
            year = rng.choice([rng.randint(1975, 2045), rng.randint(2015, 2030)])
            trs = transitions(zone_name, year)
            if trs:
                t, before, after = rng.choice(trs)
                r = rng.random()
                if r < 0.3:
                    delta = -rng.randint(1, 3 * 3600)
                elif r < 0.55:
                    delta = -rng.randint(1, 2 * 86400)
                elif r < 0.7:
                    delta = -rng.randint(1, 40 * 86400)
                elif r < 0.85 and before > after:
                    delta = rng.randint(0, before - after)  # inside the repeated wall hour
                else:
                    delta = rng.choice([-1, 0, 1, -60, 60, -1800])
                return t + delta
    return rng.randint(int(datetime(1975, 1, 1, tzinfo=UTC).timestamp()),
                       int(datetime(2045, 1, 1, tzinfo=UTC).timestamp()))


def iso_from(rng, ts, zone):
    dt = datetime.fromtimestamp(ts, UTC)
    if rng.random() < 0.5:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    local = dt.astimezone(zone)
    off = local.utcoffset()
    if off.total_seconds() % 60:  # odd-second offsets cannot be written in ISO form
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.isoformat()


# ---------------------------------------------------------------------------------------
# oracle

class OracleStuck(Exception):
    pass


class BoundedCronSim(CronSim):
    """cronsim that gives up instead of looping forever.

    After an offset change off the hour (Pacific/Chatham at hh:45) cronsim's real-timeline
    stepping can move backwards in time and never finish a next() call. A normal call
    ticks at most a few hundred times.
    """
    TICK_LIMIT = 200_000

    def __next__(self):
        self.ticks = 0
        return super().__next__()

    def tick(self, seconds=1):
        self.ticks = getattr(self, "ticks", 0) + 1
        if self.ticks > self.TICK_LIMIT:
            raise OracleStuck(int(self.dt.timestamp()) if self.dt.tzinfo else None)
        super().tick(seconds)


def is_fixed_time(parts):
    minute, hour = (parts[0], parts[1]) if len(parts) == 5 else (parts[1], parts[2])
    return not minute.startswith("*") and not hour.startswith("*")


def oracle(expr, zone, start_ts, count):
    """cronsim's fire instants after start_ts, adjusted for documented differences 1 and 2."""
    start = datetime.fromtimestamp(start_ts, UTC).astimezone(zone)
    sim = BoundedCronSim(expr, start)
    parts = expr.split()
    wall_clock = is_fixed_time(parts)
    if wall_clock and len(parts) == 6 and sim.fixup_tz is None and zone not in (None, UTC):
        sim.fixup_tz = sim.dt.tzinfo
        sim.dt = sim.dt.replace(tzinfo=None)
    out = []
    for _ in range(count * 3):
        try:
            dt = next(sim)
        except StopIteration:
            break
        except OracleStuck as stuck:
            return out, wall_clock, stuck.args[0] or start_ts
        ts = int(dt.timestamp())
        if ts <= start_ts:
            continue  # difference 2
        out.append(ts)
        if len(out) == count:
            break
    return out, wall_clock, None


def wall_matches(sim, zone, ts):
    dt = datetime.fromtimestamp(ts, UTC).astimezone(zone)
    return (dt.second in sim.seconds and dt.minute in sim.minutes and dt.hour in sim.hours
            and dt.month in sim.months and sim.match_day(dt.date()))


def never_matches(expr, zone):
    """True when no date in the 400-year Gregorian cycle satisfies the month and day rules."""
    sim = CronSim(expr, datetime(2000, 1, 1, tzinfo=zone))
    for year in range(2000, 2400):
        for month in sorted(sim.months):
            d = date(year, month, 1)
            while d.month == month:
                if sim.match_day(d):
                    return False
                d += timedelta(days=1)
    return True


def first_match_between(sim, zone, lo, hi, step):
    """First instant in (lo, hi) whose wall time matches, scanning at `step` seconds.

    Only local days whose month and day match are scanned (with 3 hours of margin, so every
    instant showing such a day is covered).
    """
    day = datetime.fromtimestamp(lo, UTC).astimezone(zone).date() - timedelta(days=1)
    last_day = datetime.fromtimestamp(hi, UTC).astimezone(zone).date() + timedelta(days=1)
    while day <= last_day:
        if day.month in sim.months and sim.match_day(day):
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
            midnight = int(noon.timestamp()) - 12 * 3600
            t = max(lo + 1, midnight - 3 * 3600)
            if step == 60:
                t = -(-t // 60) * 60
            end = min(hi, midnight + 27 * 3600)
            while t < end:
                if wall_matches(sim, zone, t):
                    return t
                t += step
        day += timedelta(days=1)
    return None


def brute_force_ok(expr, zone_name, start_ts, ours, known):
    """Our times all match the spec, and none is missing before each time not in `known`."""
    zone = zoneinfo.ZoneInfo(zone_name)
    sim = CronSim(expr, datetime.fromtimestamp(start_ts, UTC).astimezone(zone))
    step = 60 if sim.seconds == {0} else 1
    prev = start_ts
    for t in ours:
        if not wall_matches(sim, zone, t):
            return False
        if t not in known:
            if t - prev > (400 * 86400 if step == 60 else 3 * 86400):
                return False
            if first_match_between(sim, zone, prev, t, step) is not None:
                return False
        prev = t
    return True


def explain_real_timeline(expr, zone_name, start_ts, ours, theirs):
    """Category name when the disagreement is cronsim's documented real-timeline quirk, else None."""
    zone = zoneinfo.ZoneInfo(zone_name)
    sim = CronSim(expr, datetime.fromtimestamp(start_ts, UTC).astimezone(zone))
    step = 60 if sim.seconds == {0} else 1
    categories = set()
    # cronsim can step backwards in time after an offset change that is not on the hour
    # (e.g. Pacific/Chatham at hh:45) and then repeat instants; keep its increasing prefix.
    for k in range(1, len(theirs)):
        if theirs[k] <= theirs[k - 1]:
            if not any((tr + before) % 3600 or abs(after - before) % 3600
                       for tr, before, after in transitions_near(zone_name, theirs[k - 1], 2)):
                return None
            categories.add("cronsim repeats instants after an irregular offset change")
            theirs = theirs[:k]
            break
    ours_set, theirs_set = set(ours), set(theirs)
    horizon = ours[-1] if ours else start_ts
    for t in ours:
        if not wall_matches(sim, zone, t):
            return None
    for t in theirs:
        if t <= horizon and t not in ours_set and wall_matches(sim, zone, t):
            return None  # cronsim found a real match that we missed
    prev = start_ts
    for t in ours:
        if t not in theirs_set:
            if t - prev > (400 * 86400 if step == 60 else 3 * 86400):
                return None  # too long to brute-force; treat as a disagreement
            if first_match_between(sim, zone, prev, t, step) is not None:
                return None
        prev = t
    # Times past the shorter list's end are covered by the gap scan above.
    common_horizon = min(horizon, theirs[-1]) if theirs else horizon
    for t in sorted((ours_set ^ theirs_set)):
        if t > common_horizon:
            continue
        kinds = set()
        for tr, before, after in transitions_near(zone_name, t, 2):
            if abs(after - before) % 3600:
                kinds.add("non-whole-hour offset change")
            if (tr + before) % 3600:
                kinds.add("offset change off the hour")
            if after > before:
                local_gap_start = datetime.fromtimestamp(tr + before, UTC)
                local_gap_end = datetime.fromtimestamp(tr + after, UTC)
                midnight = datetime.min.time()
                if local_gap_start.time() == midnight or (
                        local_gap_start.date() != local_gap_end.date() and local_gap_end.time() != midnight):
                    kinds.add("gap over local midnight")
        if not kinds:
            return None
        categories |= kinds
    return ", ".join(sorted(categories)) or None


# ---------------------------------------------------------------------------------------

def run_binary(binary, expr, zone, frm, count):
    proc = subprocess.run([binary, "next", expr, "--tz", zone, "--from", frm, "--count", str(count), "--json"],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def check_case(binary, case):
    expr, zone_name, start_ts, frm = case["expr"], case["zone"], case["start"], case["from"]
    zone = zoneinfo.ZoneInfo(zone_name)
    result = dict(case)
    try:
        expected, wall_clock, stuck_at = oracle(expr, zone, start_ts, COUNT)
    except CronSimError as e:
        code, out, err = run_binary(binary, expr, zone_name, frm, COUNT)
        result["status"] = "ok" if code == 65 else "disagree"
        result["detail"] = f"cronsim rejects ({e}); binary exit {code} {err.strip()[:120]}"
        result["kind"] = "rejection"
        return result
    code, out, err = run_binary(binary, expr, zone_name, frm, COUNT)
    if not expected and code == 65 and "never fires" in err:
        # cronsim accepts these and gives up after 50 years; confirm over a whole
        # 400-year Gregorian cycle that no date matches.
        ok = never_matches(expr, zone)
        result.update(status="ok" if ok else "disagree", kind="never-fires",
                      detail="rejected as never firing" + ("" if ok else ", but a date matches"))
        return result
    if code != 0:
        result.update(status="disagree", detail=f"binary exit {code}: {err.strip()[:200]}")
        return result
    doc = json.loads(out)
    if list(doc.keys()) != ["expression", "timezone", "times"]:
        result.update(status="disagree", detail=f"JSON keys {list(doc.keys())}")
        return result
    ours = []
    for s in doc["times"]:
        dt = datetime.fromisoformat(s)
        ts = int(dt.timestamp())
        if dt.utcoffset() != datetime.fromtimestamp(ts, UTC).astimezone(zone).utcoffset():
            result.update(status="disagree", detail=f"offset of {s} differs from zoneinfo")
            return result
        ours.append(ts)
    if stuck_at is not None:
        # cronsim hung: verify all our times by brute force instead, and require an
        # irregular offset change near where cronsim got stuck.
        irregular = any((tr + before) % 3600 or abs(after - before) % 3600
                        for tr, before, after in transitions_near(zone_name, stuck_at, 2))
        if irregular and not wall_clock and ours[:len(expected)] == expected \
                and brute_force_ok(expr, zone_name, start_ts, ours, set(expected)):
            result.update(status="documented", category="cronsim hangs after an irregular offset change",
                          detail=f"cronsim stuck near {datetime.fromtimestamp(stuck_at, UTC).isoformat()}")
        else:
            result.update(status="disagree", detail="cronsim hung; our times could not be verified")
        return result
    n = min(len(ours), len(expected))
    if len(expected) == COUNT and len(ours) != COUNT:
        result.update(status="disagree", detail=f"binary gave {len(ours)} times")
        return result
    if ours[:n] == expected[:n]:
        result["status"] = "ok"
        return result
    fmt = lambda ts: datetime.fromtimestamp(ts, UTC).astimezone(zone).isoformat()
    i = next(k for k in range(n) if ours[k] != expected[k])
    result["detail"] = f"#{i}: ours {fmt(ours[i])} cronsim {fmt(expected[i])}"
    result["ours"] = [fmt(t) for t in ours[:n]]
    result["cronsim"] = [fmt(t) for t in expected[:n]]
    if not wall_clock:
        category = explain_real_timeline(expr, zone_name, start_ts, ours[:n], expected[:n])
        if category:
            result.update(status="documented", category=category)
            return result
    result["status"] = "disagree"
    return result


FIXED_CASES = [
    # (expression, zone, start UTC)  -- the benchmark set and hand-picked DST cases
    ("30 2 * * *", "America/New_York", "2026-03-01T05:00:00Z"),
    ("30 1 * * *", "America/New_York", "2026-10-25T04:00:00Z"),
    ("0 * * * *", "America/New_York", "2026-11-01T00:00:00Z"),
    ("*/15 * * * *", "America/New_York", "2026-03-08T05:30:00Z"),
    ("30 1 * * *", "Europe/London", "2026-03-25T00:00:00Z"),
    ("15 2 * * *", "Australia/Lord_Howe", "2026-09-29T13:30:00Z"),
    ("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z"),
    ("15,45 */2 1-7 * MON", "UTC", "2026-01-01T00:00:00Z"),
    ("0 0 L * *", "UTC", "2026-01-01T00:00:00Z"),
    ("0 0 */2 * MON", "UTC", "2026-01-01T00:00:00Z"),
    ("0 12 * * FRI#3", "UTC", "2026-01-01T00:00:00Z"),
    ("0 18 * * 5L", "UTC", "2026-01-01T00:00:00Z"),
    ("0 0 * * 7", "UTC", "2026-01-01T00:00:00Z"),
    ("59 23 31 12 *", "UTC", "2026-01-01T00:00:00Z"),
    ("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z"),   # start in the 2nd pass
    ("*/20 30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z"),  # 6-field wall clock
    ("*/30 * * * * *", "America/New_York", "2026-11-01T05:59:00Z"),   # 6-field real timeline
    ("0 */3 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z"),
    ("*/30 0 * * *", "America/Santiago", "2026-09-05T00:00:00Z"),
    ("0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z"),   # rejected by both
    ("0 0 31 4,6 *", "UTC", "2026-01-01T00:00:00Z"),  # rejected by both
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="about 150 cases (CI)")
    ap.add_argument("--cases", type=int, default=None, help="number of random cases (default 500, quick 130)")
    ap.add_argument("--seed", type=int, default=20260308)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--show", type=int, default=5, help="disagreements to print")
    args = ap.parse_args()
    binary = os.environ.get("CRON_BIN")
    if not binary:
        sys.exit("set CRON_BIN to the binary, e.g. CRON_BIN=.build/release/cronnext")
    n_random = args.cases if args.cases is not None else (130 if args.quick else 500)
    rng = random.Random(args.seed)
    t0 = time.time()

    all_zones = sorted(z for z in zoneinfo.available_timezones() if z not in EXCLUDED_ZONES)
    cases = []
    for expr, zone, frm in FIXED_CASES:
        ts = int(datetime.fromisoformat(frm.replace("Z", "+00:00")).timestamp())
        cases.append({"expr": expr, "zone": zone, "start": ts, "from": frm})
    for _ in range(n_random):
        zone = rng.choice(FOCUS_ZONES) if rng.random() < 0.6 else rng.choice(all_zones)
        start = gen_start(rng, zone)
        expr = gen_invalid(rng) if rng.random() < 0.06 else gen_expression(rng)
        cases.append({"expr": expr, "zone": zone, "start": start,
                      "from": iso_from(rng, start, zoneinfo.ZoneInfo(zone))})

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda c: check_case(binary, c), cases))

    bad = [r for r in results if r["status"] == "disagree"]
    documented = [r for r in results if r["status"] == "documented"]
    rejected = sum(1 for r in results if r.get("kind") == "rejection")
    for r in bad[:args.show]:
        print(f"DISAGREE {r['expr']!r} tz={r['zone']} from={r['from']}: {r['detail']}", file=sys.stderr)
        if "ours" in r:
            print(f"   ours:    {r['ours'][:6]}\n   cronsim: {r['cronsim'][:6]}", file=sys.stderr)
    for r in documented[:3]:
        print(f"documented ({r['category']}): {r['expr']!r} tz={r['zone']} from={r['from']}: {r['detail']}",
              file=sys.stderr)
    summary = {
        "bench": "cron_differential", "binary": binary, "seed": args.seed,
        "cases": len(results), "instants_per_case": COUNT, "rejection_cases": rejected,
        "wall_clock_cases": sum(1 for r in results if r.get("kind") != "rejection" and is_fixed_time(r["expr"].split())),
        "six_field_cases": sum(1 for r in results if len(r["expr"].split()) == 6),
        "zones": len({r["zone"] for r in results}),
        "documented_differences": len(documented),
        "documented_categories": sorted({r["category"] for r in documented}),
        "never_fires_cases": sum(1 for r in results if r.get("kind") == "never-fires"),
        "disagreements": len(bad), "seconds": round(time.time() - t0, 1),
    }
    print(json.dumps(summary))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
