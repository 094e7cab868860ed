#!/usr/bin/env python3
"""The SQLite work of one `addJob`, done by Python's sqlite3 and nothing else.

`sqlite_limit.py` (../shared/peers) inserts one row into a table with one index per
transaction. Adding a job writes two rows (the job and its audit line) into tables with
SchedulerKit's indexes. This floor runs exactly those statements: the schema is copied from a
database made by this build (--schema), every column of `jobs` is bound as the store binds
it, ids are ULID-shaped text, one `BEGIN IMMEDIATE ... COMMIT` per add, WAL and
synchronous=NORMAL, the store's page cache (1 MiB) and auto_vacuum. It also reports the WAL
frames one add writes (autocheckpoint off for that count only).

Prints one JSON line: {"bench": "add_floor", "adds_per_s": ..., "frames_per_add": ...}.
"""
import argparse
import json
import os
import random
import sqlite3
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(ms):
    t = "".join(ALPHABET[(ms >> (5 * k)) & 31] for k in range(9, -1, -1))
    r = random.getrandbits(80)
    return t + "".join(ALPHABET[(r >> (5 * k)) & 31] for k in range(15, -1, -1))


def fresh(path, schema, autocheckpoint=True):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -1024")
    conn.execute("PRAGMA foreign_keys = ON")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    for sql in schema:
        conn.execute(sql)
    return conn


def add(conn, columns, i):
    now = int(time.time() * 1000)
    job_id = ulid(now)
    name = f"job-{i}"
    cron = f"{i % 60} {i % 24} * * *"
    row = {
        "id": job_id, "name": name, "kind": "noop", "schedule_kind": "cron", "cron_expression": cron,
        "time_zone": "UTC", "payload": "{}", "max_consecutive_errors": 10, "consecutive_errors": 0,
        "status": "active", "next_run_at": now + 3_600_000, "overlap": "skip", "misfire": "runOnce",
        "delete_after_run": 0, "created_at": now, "updated_at": now,
    }
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                 [row.get(c) for c in columns])
    conn.execute("INSERT INTO audit_log (at, actor, action, job_id, job_name, details) VALUES (?, ?, ?, ?, ?, ?)",
                 (now, "library", "job.create", job_id, name, '{"kind":"noop","schedule":"cron ' + cron + ' UTC"}'))
    conn.execute("COMMIT")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True, help="a database made by this build (its schema is copied)")
    ap.add_argument("--db", required=True, help="scratch database path (replaced)")
    ap.add_argument("--jobs", type=int, default=10_000)
    a = ap.parse_args()
    src = sqlite3.connect(f"file:{a.schema}?mode=ro", uri=True)
    schema = [r[0] for r in src.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' ORDER BY rowid")]
    columns = [r[1] for r in src.execute("PRAGMA table_info(jobs)")]
    src.close()

    conn = fresh(a.db, schema)
    t0 = time.perf_counter()
    for i in range(a.jobs):
        add(conn, columns, i)
    dt = time.perf_counter() - t0
    conn.close()

    conn = fresh(a.db, schema, autocheckpoint=False)
    for i in range(2_000):
        add(conn, columns, i)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for i in range(2_000, 3_000):
        add(conn, columns, i)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    frames = (os.path.getsize(a.db + "-wal") - 32) / (page + 24) / 1_000
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(a.db + suffix)
        except FileNotFoundError:
            pass
    print(json.dumps({"bench": "add_floor", "sqlite": sqlite3.sqlite_version, "jobs": a.jobs,
                      "seconds": round(dt, 3), "adds_per_s": round(a.jobs / dt), "frames_per_add": round(frames, 2)}))


if __name__ == "__main__":
    main()
