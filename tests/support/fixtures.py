"""The fixtures every test directory may use, loaded by `tests/conftest.py` as a pytest plugin.

- `frozen`: the fake clock behind `controlplane.clock`, standing at START (2026-11-24 09:00 UTC).
- `store_url`: a store on SQLite, and one on PostgreSQL (this process's schema, emptied).
- `blank_url`: a database with nothing in it yet, on SQLite and on PostgreSQL.
- `run`: `reasoning ...` through `main()`, giving the exit code, stdout and stderr.
- `quickstart`: the README's manifest, copied into the test's directory.
- `simulator`: Together's API served on a loopback port, its world freshly seeded, on the fake
  clock; the server is started once per process (a start and a stop cost 0.1-0.2 s).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from controlplane.provider.simulator import Settings
from tests.support.cli import Run, runner
from tests.support.clock import FakeClock
from tests.support.project import copy_quickstart
from tests.support.served import ServedSimulator
from tests.support.stores import PostgresSchema

# elizaos sets up its logging from LOG_LEVEL when first imported (INFO by default, on stdout):
# whichever test imports it first, its lines must not land in another test's output.
os.environ.setdefault("LOG_LEVEL", "WARNING")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Time stands at START until the test moves it; `clock.sleep` moves it instead of waiting."""
    return FakeClock().install(monkeypatch)


@pytest.fixture(scope="session")
def _postgres() -> Iterator[PostgresSchema]:
    schema = PostgresSchema().create()
    yield schema
    schema.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store nobody else has written to: a fresh SQLite file, or this process's PostgreSQL
    schema emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('store')}/state.db"
    schema: PostgresSchema = request.getfixturevalue("_postgres")
    return schema.empty()


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: an SQLite path not made yet, or a new, empty PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/state.db"
        return
    schema = PostgresSchema().create(tables=False)
    yield schema.url
    schema.close()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """The README's manifest in a directory of its own (its simulator world and store beside it)."""
    return copy_quickstart(tmp_path)


@pytest.fixture(scope="session")
def _served_simulator() -> Iterator[ServedSimulator]:
    with ServedSimulator() as served:
        yield served


@pytest.fixture
def simulator(_served_simulator: ServedSimulator, frozen: FakeClock) -> ServedSimulator:
    """The served simulator with a freshly seeded world and default settings (no faults, any key).

    Its server thread reads the test's clock: a deployment is PROVISIONING until the test moves
    the clock past `provision_seconds`, however slow the machine."""
    with _served_simulator.world() as world:
        world.reset(Settings())
    return _served_simulator
