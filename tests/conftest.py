"""Shared fixtures: the one frozen clock, and a store on SQLite and on PostgreSQL.

PostgreSQL is the server this machine (and CI) runs at 127.0.0.1:5432; each test gets a schema
of its own. In CI its absence is a failure, elsewhere a skip.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import uuid
from collections.abc import Iterator
from datetime import timedelta

import freezegun
import pytest

import controlplane
from controlplane import clock

# The CLI imports the library lazily (fast start-up). Import it all now, before any test freezes
# time, or pydantic models defined under freezegun would be built on its FakeDatetime.
for _module in pkgutil.walk_packages(controlplane.__path__, "controlplane."):
    importlib.import_module(_module.name)
# psycopg's C extension takes the datetime types when first imported: under a frozen clock it
# would take freezegun's ("datetime.date size changed") for the rest of the session.
importlib.import_module("psycopg")

# Threads serving the simulator run an asyncio loop: it must keep real time while tests freeze
# the wall clock that `controlplane.clock.now()` reads.
freezegun.configure(
    extend_ignore_list=[
        "asyncio",
        "uvicorn",
        "anyio",
        "h11",
        "httpcore",
        "starlette",
        "concurrent",
        "selectors",
        "threading",
        "socket",
    ]
)

START = "2026-11-24 09:00:00"
POSTGRES_URL = os.environ.get("REASONING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[freezegun.api.FrozenDateTimeFactory]:
    """Freeze time at START; `clock.sleep` ticks the frozen clock instead of waiting."""
    with freezegun.freeze_time(START) as frozen_time:
        monkeypatch.setattr(clock, "sleep", lambda seconds: frozen_time.tick(timedelta(seconds=seconds)))
        yield frozen_time


def _postgres_schema() -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        engine.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store')}/state.db"
    else:
        yield from _postgres_schema()
