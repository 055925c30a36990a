"""The real-client tests' world, as a new user builds it: the quickstart manifest with the coding
role on, `reasoning apply --auto-approve` on the simulator, and `reasoning proxy serve` on a free
loopback port in front of stand-ins for Anthropic and OpenAI (`standins.py`).

The stand-ins are served once per session, in this process; `reasoning apply` runs once into a
template directory; `proxy` serves the quickstart over a copy of it for the session, and a module
that needs another manifest starts its own (`proxy_serving`). The node clients (Claude
Code, a TypeScript ElizaOS agent) are installed by `.ci/run` (`npm ci` in `node/*`): in CI their
absence is a failure, elsewhere a skip that says how to install them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.clients.standins import AnthropicAPI, OpenAIAPI

ROOT = Path(__file__).resolve().parents[2]
NODE = Path(__file__).resolve().parent / "node"
START_TIMEOUT = 60.0  # seconds for `reasoning proxy serve` to print its address (a cold start is ~1 s)


@dataclass
class Upstreams:
    anthropic: AnthropicAPI
    openai: OpenAIAPI

    def clear(self) -> None:
        for api in (self.anthropic, self.openai):
            api.received.clear()


@pytest.fixture(scope="session")
def upstreams() -> Iterator[Upstreams]:
    with AnthropicAPI() as anthropic_api, OpenAIAPI() as openai_api:
        yield Upstreams(anthropic_api, openai_api)


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in the quickstart manifest: update tests/clients/conftest.py"
    return text.replace(old, new, 1)


def quickstart(upstreams: Upstreams, *, custom: str | None = None) -> str:
    """The README's manifest with the coding role on and the stand-ins as upstreams.

    Also: deployments READY at once (`provision_seconds: 0`), and no shutdown window, which
    would make the planning role's availability depend on the hour the tests run. `custom`
    points the custom models at a server of the test's own (`provider.base_url`)."""
    text = (ROOT / "reasoning.yaml").read_text()
    provider = "  type: simulator\n  provision_seconds: 0\n"
    if custom is not None:
        provider += f"  base_url: {custom}\n"
    text = edit(text, "  type: simulator\n", provider)
    text = re.sub(r"    shutdown_windows:\n(      - .*\n)+", "", text)
    text = edit(text, "    enabled: false ", "    enabled: true  ")
    text = edit(
        text,
        "  anthropic_upstream: https://api.anthropic.com\n",
        f"  anthropic_upstream: {upstreams.anthropic.base_url}\n  openai_upstream: {upstreams.openai.base_url}\n",
    )
    return text


def reasoning(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "reasoning"), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def applied(upstreams: Upstreams, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory where `reasoning apply --auto-approve` made every role READY on the simulator."""
    template = tmp_path_factory.mktemp("applied")
    (template / "reasoning.yaml").write_text(quickstart(upstreams))
    result = reasoning("apply", "--auto-approve", cwd=template)
    assert result.returncode == 0, result.stdout + result.stderr
    return template


ACCESS = "runtime.proxy.access: "


@dataclass(eq=False)  # hashed by identity: tests cache an SDK client per proxy
class Proxy:
    base_url: str
    dir: Path
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)  # its stderr, line by line
    logged: threading.Condition = field(default_factory=threading.Condition)  # notified on each line

    def access(self, since: int, request: str, count: int, timeout: float = 30.0) -> list[str]:
        """The access-log lines for `request` ("POST /v1/messages") after the log's first `since`
        lines, once `count` are there (or `timeout` seconds pass): the proxy writes a line after the
        answer's last byte, so a client can exit before its line is read."""

        def lines() -> list[str]:
            found = [line.split(ACCESS, 1)[1] for line in self.log[since:] if ACCESS in line]
            return [line for line in found if line.startswith(request + " ")]

        with self.logged:
            self.logged.wait_for(lambda: len(lines()) >= count, timeout)
        return lines()


@contextmanager
def proxy_serving(applied: Path, directory: Path, manifest: str) -> Iterator[Proxy]:
    """`reasoning proxy serve --listen 127.0.0.1:0` over a copy of the applied store and world,
    until the block ends; then SIGTERM (by its pid), as an operator stops it."""
    shutil.copytree(applied / ".reasoning", directory / ".reasoning")
    (directory / "reasoning.yaml").write_text(manifest)
    command = [str(Path(sys.executable).parent / "reasoning"), "proxy", "serve", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(
        command, cwd=directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    logged = threading.Condition()
    bound = threading.Event()
    address: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            with logged:
                log.append(line.rstrip("\n"))
                logged.notify_all()
            found = re.match(r"reasoning proxy on (http://\S+)", line)
            if found and not address:
                address.append(found.group(1))
                bound.set()
        bound.set()  # the process ended: stop waiting

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        bound.wait(START_TIMEOUT)
        if not address:
            raise RuntimeError("reasoning proxy serve did not start:\n" + "\n".join(log))
        yield Proxy(address[0], directory, process, log, logged)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        reader.join(timeout=5)


@pytest.fixture(scope="session")
def proxy(upstreams: Upstreams, applied: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """The quickstart (coding on; its model_map maps plugin-openai's and plugin-anthropic's models) in front of the
    stand-ins, shared by the modules that need no other manifest: each test clears the stand-ins'
    records and looks only at its own requests."""
    manifest = quickstart(upstreams)
    with proxy_serving(applied, tmp_path_factory.mktemp("proxy"), manifest) as served:
        yield served


def node_project(name: str) -> Path:
    """`tests/clients/node/<name>`, installed from its lock file, or a skip (a failure in CI)."""
    project = NODE / name
    if not (project / "node_modules" / ".package-lock.json").exists():
        message = f"{project}/node_modules is missing: run `npm ci --prefix {project.relative_to(ROOT)}`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return project
