"""The simulator as the runtime's child process: it serves the manifest's world over HTTP, stops
when closed, and exits on its own when the process that started it dies."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from runtime import simulator_process
from runtime.errors import SimulatorUnavailable
from runtime.simulator_process import SimulatorProcess

AUTH = {"Authorization": "Bearer simulator"}
#: A parent that starts the simulator, says where it is, and waits to be killed.
PARENT = """
import sys, time
from pathlib import Path
from runtime.simulator_process import SimulatorProcess
with SimulatorProcess(Path(sys.argv[1]), provision_seconds=0) as simulator:
    print(simulator.pid, simulator.base_url, flush=True)
    sys.stdin.read()
"""


def exits_within(pid: int, seconds: float) -> bool:
    """Whether process `pid` ends within `seconds` (waiting on it, not polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True  # gone already
    try:
        ready, _, _ = select.select([fd], [], [], seconds)
        return bool(ready)
    finally:
        os.close(fd)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on the child with pidfd_open (Linux)")
class TestSimulatorProcess:
    def test_serves_the_world_on_a_port_it_chose_and_stops_when_closed(self, tmp_path: Path) -> None:
        with SimulatorProcess(tmp_path / "world.json", provision_seconds=0) as simulator:
            pid = simulator.pid
            assert pid is not None and simulator.base_url.startswith("http://127.0.0.1:")
            answer = httpx.get(f"{simulator.base_url}/v1/models", headers=AUTH, timeout=30)
            assert answer.status_code == 200, answer.text
        assert simulator.pid is None and exits_within(pid, 0)  # closing waited for it to exit
        assert (tmp_path / "world.json").exists()  # the world it served is the file's

    def test_exits_when_the_process_that_started_it_is_killed(self, tmp_path: Path) -> None:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, str(tmp_path / "world.json")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert parent.stdout is not None and parent.stdin is not None
        child, url = parent.stdout.readline().split()
        assert httpx.get(f"{url}/v1/models", headers=AUTH, timeout=30).status_code == 200
        parent.send_signal(signal.SIGKILL)  # no cleanup runs in the parent
        parent.wait()
        parent.stdin.close()
        parent.stdout.close()
        assert exits_within(int(child), 30), "the simulator outlived the process that started it"

    def test_a_simulator_that_does_not_start_is_one_clear_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        failing = (sys.executable, "-c", "import sys; print('no such world', file=sys.stderr); sys.exit(3)")
        monkeypatch.setattr(simulator_process, "COMMAND", failing)
        with pytest.raises(SimulatorUnavailable, match=r"the simulator did not start .* it said: no such world"):
            SimulatorProcess(tmp_path / "world.json", provision_seconds=0).__enter__()
