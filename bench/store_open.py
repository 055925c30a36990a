"""What opening a store costs: the schema check every command pays, and the integrity check.

    python bench/store_open.py [--repeat 200] [--megabytes 1,8,32]

First figure: CPU milliseconds per `Store(url)` + `close()` of a current SQLite store (the
quickstart's size), and whether alembic got imported (it must not: only a database behind the
code's head revision loads it). Then, per size, the CPU milliseconds of opening a store padded
with usage rows to about that size: up to `schema.CHECK_WHOLE_BYTES` the whole file goes
through `PRAGMA quick_check`, beyond it every table but usage and samples.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controlplane.store import Store, Usage  # noqa: E402


def per_open(url: str, repeat: int) -> float:
    Store(url).close()
    started = time.process_time()
    for _ in range(repeat):
        Store(url).close()
    return 1000 * (time.process_time() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--megabytes", default="1,8,32")
    args = parser.parse_args()
    at = datetime(2026, 11, 24, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/small.db"
        print(f"current store, open + close: {per_open(url, args.repeat):.2f} ms CPU")
        print(f"alembic imported: {'alembic' in sys.modules}")
        for megabytes in (int(size) for size in args.megabytes.split(",")):
            url = f"sqlite:///{scratch}/{megabytes}mb.db"
            with Store(url) as store:
                path = Path(scratch) / f"{megabytes}mb.db"
                while path.stat().st_size < megabytes * 1024 * 1024:
                    store.record([Usage(project="p", role=f"r{i % 7}", at=at, reason="x" * 40) for i in range(5000)])
            opens = max(3, args.repeat // (10 * megabytes))
            print(f"{path.stat().st_size / 2**20:5.1f} MiB store, open + close: {per_open(url, opens):.1f} ms CPU")


if __name__ == "__main__":
    main()
