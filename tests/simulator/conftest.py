"""Fixtures for the simulator's tests: one served simulator for the session, a fresh world per test.

Real clients talk to it: the official `together` SDK (retries off, so a 409 or 429 surfaces at
once instead of being retried with real sleeps) and a plain httpx client for what the SDK does
not expose (`/v1/models`, the admin routes, malformed bodies).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import together

from controlplane.provider.simulator import Settings
from tests.support.served import ServedSimulator

API_KEY = "sim-test-key"
PROJECT = "proj_sim"


@pytest.fixture(scope="session")
def served() -> Iterator[ServedSimulator]:
    with ServedSimulator() as simulator:
        yield simulator


@pytest.fixture
def simulator(served: ServedSimulator) -> ServedSimulator:
    """The served simulator with a freshly seeded world and default settings."""
    with served.world() as world:
        world.reset(Settings())
    return served


# Clients are shared by the session (building one costs more than most tests); each test still
# gets a fresh world through `simulator`.


@pytest.fixture(scope="session")
def _sdk(served: ServedSimulator) -> Iterator[together.Together]:
    with together.Together(api_key=API_KEY, base_url=served.base_url, project_id=PROJECT, max_retries=0) as sdk:
        yield sdk


@pytest.fixture(scope="session")
def _raw(served: ServedSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as raw:
        yield raw


@pytest.fixture
def client(simulator: ServedSimulator, _sdk: together.Together) -> together.Together:
    return _sdk


@pytest.fixture
def http(simulator: ServedSimulator, _raw: httpx.Client) -> httpx.Client:
    return _raw
