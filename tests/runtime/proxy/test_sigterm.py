"""`reasoning proxy serve` killed with SIGTERM under load loses nothing it answered.

The proxy runs as its own process, on a SQLite store, in front of the simulator. Workers keep
sending routed requests (streamed and not), each with a marker; SIGTERM arrives mid-load. The
requests in flight finish, new ones are refused, the recorder drains, the process exits, and
every request that got its whole answer has its usage and its sample in the store.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading

import httpx

from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, World

HEADERS = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}


def _start(world: World) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from controlplane.cli import main; main()",
            "proxy",
            "serve",
            "-f",
            str(world.path),
            "--listen",
            "127.0.0.1:0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=world.dir,
    )
    assert process.stderr is not None
    for _ in range(200):  # bounded: start-up prints a handful of lines
        line = process.stderr.readline()
        found = re.search(r"reasoning proxy on (http://\S+)", line)
        if found:
            # keep draining stderr so the process never blocks on a full pipe
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"the proxy did not start: {process.stderr.read()}")


class TestSigterm:
    def test_every_request_answered_before_sigterm_is_in_the_store(self, world: World) -> None:
        world.write()
        process, base_url = _start(world)
        answered: list[str] = []
        started = threading.Event()
        lock = threading.Lock()

        def worker(index: int) -> None:
            with httpx.Client(base_url=base_url, headers=HEADERS, timeout=30) as client:
                for n in range(10_000):
                    marker = f"w{index}n{n}"
                    ask = {"role": "user", "content": f"write a function to handle {marker}"}
                    body = {"model": CLIENT_MODEL, "max_tokens": 40, "stream": n % 2 == 1, "messages": [ask]}
                    try:
                        response = client.post("/v1/messages", json=body)
                    except httpx.HTTPError:
                        return  # the server is going away: no more requests from this worker
                    complete = response.status_code == 200 and (
                        "message_stop" in response.text if body["stream"] else '"stop_reason"' in response.text
                    )
                    if not complete:
                        return
                    with lock:
                        answered.append(marker)
                        if len(answered) >= 40:
                            started.set()

        workers = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in workers:
            thread.start()
        try:
            assert started.wait(60), "no load reached the proxy"
            process.send_signal(signal.SIGTERM)
            for thread in workers:
                thread.join(60)
            # uvicorn re-raises the signal once it has shut down gracefully: exiting "by SIGTERM"
            assert process.wait(60) in (0, -signal.SIGTERM)
        finally:
            if process.poll() is None:
                process.kill()

        with world.store() as store:
            usage = store.usage("proxytest", role="coding")
            samples = store.samples("proxytest", role="coding")
        recorded = {re.search(r"handle (w\d+n\d+)", s.prompt["messages"][-1]["content"]).group(1) for s in samples}  # type: ignore[union-attr]
        assert len(answered) >= 40
        assert set(answered) <= recorded
        assert len(usage) >= len(answered) and all(u.outcome == "ok" for u in usage)
