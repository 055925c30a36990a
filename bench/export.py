"""How fast `data export` streams samples to disk, and how much memory it takes, on SQLite and
PostgreSQL.

    python bench/export.py [--rows 100000,1000000] [--databases sqlite,postgresql]
                           [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

For each database and size: a store seeded with that many distinct samples (planning prompts of
the size the hooks send, ~1.1 kB, and their answers), then one export of all of them, de-duplication
on (the default), in a child process of its own, so its peak RSS is the export's alone (Python,
SQLAlchemy and the driver included). The figures: rows per second (samples read and written, over
the export call's wall time, and over its CPU time: on a shared machine the wall time measures the
neighbours too), the PostgreSQL server's CPU for the query (its backend's utime + stime from
/proc, when the server runs on this machine: the de-duplication runs there) and the child's peak
RSS (`VmHWM`). Memory flat in the row count is the goal: the rows come from the driver in batches
(`store.training_batches`: SQLite's cursor, PostgreSQL's stream in chunks), nothing is kept per
row (de-duplication holds the contents the store holds more than once: none here). The load
average is printed beside each figure.

Seeding writes rows straight into the table (sqlite3 executemany, PostgreSQL COPY), with the same
columns and JSON the store writes, because going through the recorder would make seeding the
benchmark. PostgreSQL's table is then VACUUMed and ANALYZEd, as autovacuum would have long since
in a store that has been recording for a while: without it the export's first read of each page
sets its hint bits and writes the whole table back, and measures that. And the seeded gigabyte is
synced to disk before the export starts, for the same reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

START = datetime(2026, 11, 1, tzinfo=timezone.utc)
PROMPT = (
    "<task>Generate dialog and actions for the character Eliza.</task>\n<providers>\n"
    "# Conversation Messages\nBob: morning all, anyone tried the new build?\nAnn: yes, it starts faster now\n"
    "Bob: and the memory use?\n\n# Available Actions\n- **REPLY**: Reply to the message.\n"
    "- **IGNORE**: Say nothing.\n- **FOLLOW_ROOM**: Follow the room.\n\n# Current Message\n"
    "User: Eliza, message {n}: what do you make of the numbers from run {n}? Keep it short.\n</providers>\n"
    "<instructions>Write a thought and pick the actions; answer in the XML format below.</instructions>\n"
    "<output><response><thought>...</thought><actions>REPLY</actions><providers></providers>"
    "<text>...</text></response></output>"
)
ANSWER = (
    "<response><thought>Bob asked about run {n}; a short factual reply is enough.</thought>"
    "<actions>REPLY</actions><providers></providers><text>Run {n} looks fine: faster start, same memory.</text>"
    "</response>"
)

CHILD = r"""
import json, os, sys, time
from datetime import datetime, timezone
from pathlib import Path
from sqlalchemy import event
from controlplane.data.export import export
from controlplane.store import Store
from controlplane.values.data import SampleFilter

url, out = sys.argv[1], Path(sys.argv[2])
store = Store(url)
backend = []


def server_cpu():
    try:
        fields = open(f"/proc/{backend[0]}/stat").read().rsplit(")", 1)[1].split()
    except (IndexError, OSError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@event.listens_for(store.database.engine, "before_cursor_execute")
def first_query(connection, cursor, statement, parameters, context, executemany):
    # the backend that runs the export's query: its CPU is the server's share of the work
    if url.startswith("postgresql") and "content_hash" in statement and not backend:
        backend.append(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        backend.append(server_cpu())


started, cpu = time.perf_counter(), time.process_time()
report = export(store, "bench", SampleFilter(), out, datetime.now(timezone.utc), force=True)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
after = server_cpu()
store.close()
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over exec from the forked parent,
# so the child would report the seeding parent's peak
peak_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"read": report.read, "written": report.written, "seconds": seconds, "cpu": cpu,
                  "server_cpu": None if after is None or backend[1] is None else after - backend[1],
                  "peak_mb": peak_kb / 1024,
                  "bytes": out.stat().st_size}))
"""


def rows(count: int) -> Iterator[tuple[object, ...]]:
    """The samples table's columns, as the store writes them (sorted-key JSON, a content hash)."""
    for n in range(count):
        prompt = json.dumps(
            {"max_tokens": 2048, "messages": [{"content": PROMPT.format(n=n), "role": "user"}], "temperature": 0.3},
            sort_keys=True,
            ensure_ascii=False,
        )
        answer = ANSWER.format(n=n)
        digest = hashlib.sha256(f"{n}".encode()).hexdigest()
        at = START + timedelta(seconds=n)
        source = "custom" if n % 3 else "fallback"
        yield ("bench", "planning", at, source, prompt, answer, "{}", "openai", "acme/planner", "ok", digest)


COLUMNS = "project, role, at, source, prompt, answer, meta, format, model, outcome, content_hash"


def seed_sqlite(path: Path, count: int) -> str:
    import sqlite3

    from controlplane.store import Store

    url = f"sqlite:///{path}"
    Store(url).close()  # the store's own tables
    with sqlite3.connect(path) as connection:
        batch: list[tuple[object, ...]] = []
        for row in rows(count):
            at = row[2]
            assert isinstance(at, datetime)
            batch.append((*row[:2], at.strftime("%Y-%m-%d %H:%M:%S.%f"), *row[3:]))
            if len(batch) == 50_000:
                connection.executemany(f"INSERT INTO samples ({COLUMNS}) VALUES ({','.join('?' * 11)})", batch)
                batch.clear()
        if batch:
            connection.executemany(f"INSERT INTO samples ({COLUMNS}) VALUES ({','.join('?' * 11)})", batch)
    return url


def seed_postgres(server: str, count: int) -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    from controlplane.store import Store

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{server}?options=-csearch_path%3D{schema}"
    Store(url).close()
    with psycopg.connect(plain) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        with connection.cursor() as cursor, cursor.copy(f"COPY samples ({COLUMNS}) FROM STDIN") as copy:
            for row in rows(count):
                copy.write_row(row)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute("VACUUM (ANALYZE) samples")
    return url, schema


def drop_postgres(server: str, schema: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def measure(url: str, out: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", CHILD, url, str(out)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    sizes = [int(size) for size in args.rows.split(",")]
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(f"{'database':<11} {'rows':>9} {'seed s':>7} {'export s':>9} {'rows/s':>9} {'cpu s':>7} {'rows/cpu-s':>10}"
          f" {'server s':>8} {'peak MB':>8} {'file MB':>8}  load average (1, 5, 15 min) before / after")  # fmt: skip
    for database in args.databases.split(","):
        for size in sizes:
            with tempfile.TemporaryDirectory() as scratch:
                directory = Path(scratch)
                started = time.perf_counter()
                schema = None
                if database == "sqlite":
                    url = seed_sqlite(directory / "state.db", size)
                else:
                    url, schema = seed_postgres(args.postgres, size)
                os.sync()  # the seeded gigabyte written back first: a store is not written the moment it is read
                seeded = time.perf_counter() - started
                before = _load()
                try:
                    result = measure(url, directory / "out.jsonl")
                finally:
                    if schema is not None:
                        drop_postgres(args.postgres, schema)
                assert result["read"] == result["written"] == size, result
                server = "n/a" if result["server_cpu"] is None else f"{result['server_cpu']:.2f}"
                print(
                    f"{database:<11} {size:>9,} {seeded:>7.1f} {result['seconds']:>9.2f} "
                    f"{size / result['seconds']:>9,.0f} {result['cpu']:>7.2f} {size / result['cpu']:>10,.0f} "
                    f"{server:>8} {result['peak_mb']:>8.1f} {result['bytes'] / 2**20:>8.1f}  {before} / {_load()}",
                    flush=True,
                )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
