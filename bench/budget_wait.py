"""What the wait for settling reservations costs: a cold burst against a small budget.

    python bench/budget_wait.py [--requests 400] [--latency 0.3] [--postgres postgresql+psycopg://postgres@127.0.0.1/test]

One `BudgetGuard` (one process's budget), on SQLite (a file in a temporary directory) and on
PostgreSQL (a schema of its own, dropped after): `--requests` requests at once through
`hold_async`, each reserving up to 50 output tokens ($0.50 cold; they cost 17, $0.17) against a
$9.00 budget; an admitted request's "model call" takes `--latency` seconds (an asyncio sleep),
then it is settled at its cost. Printed, per store: how many were admitted, spent and left, the
store reads the wait's poller made, and how long `hold_async` took for the requests admitted,
refused before the wait was over (what was spent left no room, or no wait), and refused after
the whole wait. Run it again with `--wait 0` for the same burst without the wait: the difference
is what the wait adds (the rest is 400 store transactions queueing on the guard's 8 threads).

Wall times on a shared machine: read them beside `uptime`'s load average (printed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlplane.manifest import load
from controlplane.store import Store
from runtime.budget import BudgetGuard, Reservation

MANIFEST = """\
version: 1
project: bench
store: {{url: "{store}"}}
budget: {{limit_usd: 9, period: total, wait_seconds: {wait}}}
models:
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {{input: 0, output: 10000}}
"""


def _figures(samples: list[float]) -> str:
    if not samples:
        return "none"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"n={len(ordered)}, median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _burst(store_url: str, directory: Path, requests: int, latency: float, wait: float) -> None:
    path = directory / "reasoning.yaml"
    path.write_text(MANIFEST.format(store=store_url, wait=wait))
    manifest = load(path)
    with Store(store_url) as store:
        guard = BudgetGuard(manifest, store)
        assert guard.refresh()
        reads = [0]
        held = store.budget_held

        def counted(*args: object, **kwargs: object) -> object:
            reads[0] += 1
            return held(*args, **kwargs)  # type: ignore[arg-type]

        store.budget_held = counted  # type: ignore[assignment]
        took: dict[str, list[float]] = {"admitted": [], "refused before the wait was over": [],
                                        "refused after the whole wait": []}  # fmt: skip

        async def request() -> None:
            started = time.perf_counter()
            outcome = await guard.hold_async("planning", input_tokens=0, max_output_tokens=50)
            elapsed = time.perf_counter() - started
            if isinstance(outcome, Reservation):
                took["admitted"].append(elapsed)
                await asyncio.sleep(latency)
                guard.settle(outcome, 0.17, recorded=False, output_tokens=17)
            elif "for requests in flight" in outcome.reason:
                took["refused after the whole wait"].append(elapsed)
            else:
                took["refused before the wait was over"].append(elapsed)

        async def burst() -> None:
            await asyncio.gather(*(request() for _ in range(requests)))

        asyncio.run(burst())
        assert guard.drain(timeout=60)
        assert guard.refresh()
        left = guard.remaining()["planning"] or 0.0
        guard.close()
    admitted = len(took["admitted"])
    print(f"  admitted {admitted} of {requests}; spent ${9 - left:.2f}, left ${left:.2f}; "
          f"poller reads of the store: {reads[0]}")  # fmt: skip
    for kind, samples in took.items():
        print(f"  {kind:<36} {_figures(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds an admitted request's model takes")
    parser.add_argument("--wait", type=float, default=2.0, help="budget.wait_seconds")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; requests {args.requests}, "
          f"model latency {args.latency} s, wait_seconds {args.wait}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite:")
        _burst(f"sqlite:///{tmp}/state.db", Path(tmp), args.requests, args.latency, args.wait)
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    server = create_engine(args.postgres)
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print("PostgreSQL:")
            _burst(f"{args.postgres}?options=-csearch_path%3D{schema}", Path(tmp), args.requests, args.latency,
                   args.wait)  # fmt: skip
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


if __name__ == "__main__":
    main()
