"""What the shared budget reservation adds to a routed request.

    python bench/budget_reservation.py [--requests 300] [--postgres postgresql+psycopg://postgres@127.0.0.1/test]

Two figures, each on SQLite (a file in a temporary directory) and PostgreSQL (a schema of its own,
dropped after):

- the reservation alone: `BudgetGuard.reserve` then the release, from one thread, one at a time
  (the store transaction a routed request to a limited role makes before its model is called;
  the release, like the settlement, runs off the request's path);
- a routed request end to end, concurrency 1, through `reasoning proxy serve` (a process of its
  own) to a custom model that answers at once (`tests/support/metered.py`):
  once with a budget on the role (the reservation is made) and once without (no limit: the store
  is not touched), interleaved in rounds. The difference of the medians is what the reservation
  adds.

The pass-through path (a request no rule routes) never reserves: it is not measured here.
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from controlplane.manifest import load
from controlplane.store import Store
from controlplane.values import AppliedRole, Spec
from runtime.budget import BudgetGuard, Reservation
from tests.support.metered import MeteredModel
from tests.support.standins import StandInOpenAI

MANIFEST = """\
version: 1
project: bench
provider: {{type: simulator, base_url: {model}}}
store: {{url: "{store}"}}
budget: {budget}
models:
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {{input: 0, output: 1}}
training_data: {{collect: false}}
proxy:
  openai_upstream: {openai}
  anthropic_upstream: {openai}
  model_map: {{gpt-4o: planning}}
"""


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (n={len(ordered)})"


def _applied(store_url: str) -> None:
    with Store(store_url) as store:
        store.record_applied(
            "bench",
            AppliedRole(
                role="planning",
                spec=Spec(model="m", hardware="h", min_replicas=1, max_replicas=1),
                enabled=True,
                endpoint_id="ep",
                deployment_id="dep",
                applied_at=datetime.now(timezone.utc),
            ),
        )


def _reservation_alone(store_url: str, directory: Path, model: str, openai: str, requests: int) -> str:
    path = directory / "reasoning.yaml"
    path.write_text(MANIFEST.format(model=model, store=store_url, budget="{limit_usd: 1000000, period: total}",
                                    openai=openai))  # fmt: skip
    manifest = load(path)
    with Store(store_url) as store:
        guard = BudgetGuard(manifest, store)
        assert guard.refresh()
        took: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            held = guard.reserve("planning", 0.001)
            took.append(time.perf_counter() - started)
            assert isinstance(held, Reservation), held
            guard.release(held)
            guard.drain()
        guard.close()
    return _percentiles(took)


def _routed(
    store_url: str, directory: Path, model: str, openai: str, requests: int, rounds: int
) -> tuple[str, str, float]:
    timings: dict[str, list[float]] = {"budget": [], "none": []}
    proxies: dict[str, tuple[subprocess.Popen[str], str]] = {}
    for kind, budget in (("budget", "{limit_usd: 1000000, period: total}"), ("none", "{}")):
        where = directory / kind
        where.mkdir()
        (where / "reasoning.yaml").write_text(
            MANIFEST.format(model=model, store=store_url, budget=budget, openai=openai)
        )
        proxies[kind] = _serve(where / "reasoning.yaml")
    body = {"model": "gpt-4o", "max_tokens": 5, "messages": [{"role": "user", "content": "size 5"}]}
    try:
        clients = {kind: httpx.Client(base_url=url, timeout=30) for kind, (_, url) in proxies.items()}
        for client in clients.values():  # warm: connections, the role's history
            for _ in range(20):
                assert client.post("/v1/chat/completions", json=body).headers["x-reasoning-role"] == "planning"
        for _ in range(rounds):
            for kind, client in clients.items():
                for _ in range(requests // rounds):
                    started = time.perf_counter()
                    response = client.post("/v1/chat/completions", json=body)
                    timings[kind].append(time.perf_counter() - started)
                    assert response.headers["x-reasoning-role"] == "planning", response.headers
    finally:
        for process, _ in proxies.values():
            process.send_signal(signal.SIGTERM)
            process.wait(60)
    added = statistics.median(timings["budget"]) - statistics.median(timings["none"])
    return _percentiles(timings["budget"]), _percentiles(timings["none"]), added


def _serve(manifest: Path) -> tuple[subprocess.Popen[str], str]:
    """`reasoning proxy serve` as a process of its own, as it runs for a user; its base URL."""
    command = [sys.executable, "-c", "from controlplane.cli import main; main()", "proxy", "serve", "-f",
               str(manifest), "--listen", "127.0.0.1:0"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=manifest.parent)
    assert process.stderr is not None
    for _ in range(200):
        line = process.stderr.readline()
        found = re.search(r"reasoning proxy on (http://\S+)", line)
        if found:
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the proxy did not start: {process.stderr.read()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/test")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    from sqlalchemy import create_engine, text

    server = create_engine(args.postgres)
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp, MeteredModel() as model, StandInOpenAI() as openai:
            stores = {
                "sqlite": f"sqlite:///{tmp}/state.db",
                "postgresql": f"{args.postgres}?options=-csearch_path%3D{schema}",
            }
            for name, url in stores.items():
                _applied(url)
                alone = _reservation_alone(url, Path(tempfile.mkdtemp(dir=tmp)), model.base_url, openai.base_url,
                                           args.requests)  # fmt: skip
                with_budget, without, added = _routed(
                    url, Path(tempfile.mkdtemp(dir=tmp)), model.base_url, openai.base_url, args.requests, args.rounds
                )
                print(f"{name}: reserve alone: {alone}")
                print(f"{name}: routed request with a budget: {with_budget}")
                print(f"{name}: routed request without one:   {without}")
                print(f"{name}: the reservation adds {added * 1000:.2f} ms at the median")
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


if __name__ == "__main__":
    main()
