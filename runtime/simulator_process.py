"""The simulator as a child process, for a runtime whose manifest names no served simulator.

`reasoning simulator serve --port 0 --exit-with-stdin` over the manifest's state file: the same
world file `reasoning apply` and `reconcile` read and write, so the endpoints they create are the
ones answering here. The runtime reaches it over HTTP as it would reach Together, and never imports
it. The child prints its URL once bound; it exits when this process closes it, and also when this
process dies (its standard input is a pipe only this process holds).
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from runtime.errors import SimulatorUnavailable

log = logging.getLogger(__name__)

#: The command, as this interpreter runs the CLI (the `reasoning` script may not be on PATH).
COMMAND = (sys.executable, "-c", "from controlplane.cli import main; main()", "simulator", "serve")
#: How long the child may take to import, bind and say where it listens.
START_SECONDS = 60.0
#: How long it may take to stop once asked, before it is killed.
STOP_SECONDS = 10.0

_ANNOUNCED = re.compile(r"Together simulator on (http://\S+)")


class SimulatorProcess:
    """`with SimulatorProcess(state, provision_seconds=3) as simulator:` Together at
    `simulator.base_url` until the block ends."""

    def __init__(self, state_file: Path, *, provision_seconds: float) -> None:
        self.state_file = state_file
        self.provision_seconds = provision_seconds
        self.base_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._announced = threading.Event()
        self._said: list[str] = []  # what it printed before it announced itself, for an error

    def __enter__(self) -> Self:
        command = [
            *COMMAND,
            "--port",
            "0",
            "--state-file",
            str(self.state_file),
            "--provision-seconds",
            f"{self.provision_seconds:g}",
            "--exit-with-stdin",
        ]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # uvicorn's access log: one line per request, nobody reads it
            stderr=subprocess.PIPE,
            text=True,
            # Its own session: a Ctrl-C meant for this process must not stop the simulator before
            # this process has finished the requests in flight; it stops when its stdin closes.
            start_new_session=True,
        )
        assert self._process.stderr is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._process.stderr,), name="reasoning-simulator-log", daemon=True
        )
        self._reader.start()
        if not self._announced.wait(START_SECONDS) or not self.base_url:
            said = " / ".join(self._said[-5:]) or "nothing"
            self.close()
            raise SimulatorUnavailable(
                f"the simulator did not start (serving {self.state_file}); it said: {said}",
                hint="run `reasoning simulator serve --state-file ...` yourself to see why, and set "
                "provider.base_url to it",
            )
        log.info("simulator serving %s on %s (pid %d)", self.state_file, self.base_url, self._process.pid)
        return self

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def _read(self, stream: IO[str]) -> None:
        """Find the URL in what the child says, then pass its lines on to the log until it exits."""
        for line in stream:
            line = line.rstrip()
            if not self._announced.is_set():
                found = _ANNOUNCED.search(line)
                if found:
                    self.base_url = found.group(1)
                    self._announced.set()
                    continue
                self._said.append(line)
            log.info("simulator: %s", line)
        self._announced.set()  # it ended without announcing itself: __enter__ stops waiting

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the child's cue to stop
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("simulator: did not stop within %gs of being asked; killed", STOP_SECONDS)
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join()
            self._reader = None
        if process.stderr is not None:
            process.stderr.close()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
