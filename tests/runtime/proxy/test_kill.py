"""`kill -9` of `reasoning proxy serve` under load loses at most the recorder's flush interval.

The proxy runs as its own process on a SQLite store in front of the simulator; 32 workers keep
sending routed requests, each with a marker, and the proxy is killed with SIGKILL once 40 have
been answered. Five times: each new proxy replays what the killed one spooled, and a last one,
stopped with SIGTERM, replays the fifth's. Then every request whose whole answer arrived more than
100 ms (`runtime.recorder.LOSS_BOUND`: the 20 ms flush interval plus the spooling) before its
proxy was killed has its usage and its sample in the store, each once.

The clock read here is the client's own (`time.monotonic`): it only sorts answers into before and
after the kill, and an answer counted as early that came late would fail the test, never pass it.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import pytest

from runtime.recorder import LOSS_BOUND
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, World

pytestmark = pytest.mark.heavy

HEADERS = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}
KILLS = 5
WORKERS = 32
BEFORE_KILL = 40  # answers a proxy gives before it is killed


def _start(world: World) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-c", "from controlplane.cli import main; main()", "proxy", "serve", "-f",
               str(world.path), "--listen", "127.0.0.1:0"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=world.dir)
    assert process.stderr is not None
    for _ in range(200):  # bounded: start-up prints a handful of lines
        line = process.stderr.readline()
        found = re.search(r"reasoning proxy on (http://\S+)", line)
        if found:
            threading.Thread(target=process.stderr.read, daemon=True).start()  # never block on the pipe
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"the proxy did not start: {process.stderr.read()}")


def _load_then_kill(world: World, round_: int, answered: dict[str, float]) -> float:
    """Load a new proxy until it answered BEFORE_KILL requests, kill -9 it; returns when."""
    process, base_url = _start(world)
    enough = threading.Event()
    lock = threading.Lock()
    mine: list[str] = []

    def worker(index: int) -> None:
        with httpx.Client(base_url=base_url, headers=HEADERS, timeout=30) as client:
            for n in range(10_000):
                marker = f"k{round_}w{index}n{n}"
                ask = {"role": "user", "content": f"write a function to handle {marker}"}
                body = {"model": CLIENT_MODEL, "max_tokens": 40, "stream": n % 2 == 1, "messages": [ask]}
                try:
                    response = client.post("/v1/messages", json=body)
                except httpx.HTTPError:
                    return  # killed
                done = time.monotonic()
                whole = "message_stop" in response.text if body["stream"] else '"stop_reason"' in response.text
                if response.status_code != 200 or not whole:
                    return
                with lock:
                    answered[marker] = done
                    mine.append(marker)
                    if len(mine) >= BEFORE_KILL:
                        enough.set()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for thread in workers:
        thread.start()
    try:
        assert enough.wait(120), "no load reached the proxy"
        killed = time.monotonic()
        process.send_signal(signal.SIGKILL)
        assert process.wait(60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        for thread in workers:
            thread.join(60)
    return killed


class TestKill9:
    def test_every_request_answered_a_flush_interval_before_kill_9_is_in_the_store(self, world: World) -> None:
        world.write()
        answered: dict[str, float] = {}
        kills = [_load_then_kill(world, round_, answered) for round_ in range(KILLS)]
        last, _ = _start(world)  # replays the fifth proxy's spool
        last.send_signal(signal.SIGTERM)
        assert last.wait(60) in (0, -signal.SIGTERM)

        with world.store() as store:
            usage = store.usage("proxytest", role="coding")
            samples = store.samples("proxytest", role="coding")
        found = [re.search(r"handle (k\d+w\d+n\d+)", json.dumps(s.prompt)) for s in samples]
        recorded = Counter(m.group(1) for m in found if m)
        early = {
            marker for marker, at in answered.items() if at < kills[int(marker[1 : marker.index("w")])] - LOSS_BOUND
        }
        # answers come in waves, so many land within the last interval; every kill must count some
        assert {marker[: marker.index("w")] for marker in early} == {f"k{n}" for n in range(KILLS)}
        assert early <= set(recorded), sorted(early - set(recorded))[:10]
        assert max(recorded.values()) == 1  # replayed once, never twice
        assert len(usage) == len({u.record_id for u in usage}) >= len(early)
