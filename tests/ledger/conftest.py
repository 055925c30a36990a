"""A project on the in-process simulator with its store on SQLite, driven through
the library (plan -> apply) the way the CLI and reconcile drive it, for the ledger and costs tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from controlplane.manifest import Manifest, load
from controlplane.project import Project, open_project
from controlplane.provider.simulator.transport import SimulatorTransport
from controlplane.store import LedgerInterval
from controlplane.values.plan import Plan
from tests.support.project import apply, edit

#: planning: one H100 ($3.99/h) per replica; coding: two ($7.98/h) per replica
MANIFEST = """\
version: 1
project: ledger
provider: {{type: simulator, provision_seconds: 2}}
store: {{url: "{store}"}}
budget: {{limit_usd: 1000, period: month}}
models:
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    replicas: {{min: 2, max: 3}}
  coding:
    model: moonmakesmagic/DeepSeek-Llama-67B-coding
    hardware: 2x_nvidia_h100_80gb_sxm
    replicas: 1
"""


@dataclass
class Sandbox:
    """The manifest file, and ways to act on the world it describes."""

    path: Path

    @property
    def manifest(self) -> Manifest:
        return load(self.path)

    def edit(self, old: str, new: str) -> None:
        edit(self.path, old, new)

    @contextmanager
    def project(self) -> Iterator[Project]:
        with open_project(self.manifest) as project:
            yield project

    def apply(self, *, wait: bool = True) -> Plan:
        """`reasoning apply --auto-approve`, as a library call."""
        return apply(self.manifest, wait=wait)

    def ledger(self, **query: object) -> list[LedgerInterval]:
        manifest = self.manifest
        with open_project(manifest) as project:
            return project.store.ledger(manifest.project, **query)  # type: ignore[arg-type]

    def simulator(self) -> httpx.Client:
        """A raw client on the same world: for `/_simulator/` controls."""
        return httpx.Client(
            transport=SimulatorTransport(self.path.parent / ".reasoning/simulator.json"), base_url="http://s"
        )


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    """On SQLite: the ledger's queries run on both databases in test_ledger.py; here it is apply's
    moments that are tested, and a PostgreSQL schema per test would double the time for nothing."""
    path = tmp_path / "reasoning.yaml"
    path.write_text(MANIFEST.format(store=f"sqlite:///{tmp_path}/state.db"))
    return Sandbox(path)
