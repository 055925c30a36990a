"""Fixtures for the simulator's tests: clients of the served simulator, which has a fresh world per test.

Real clients talk to it: the official `together` SDK (retries off, so a 409 or 429 surfaces at
once instead of being retried with real sleeps) and a plain httpx client for what the SDK does
not expose (`/v1/models`, the admin routes, malformed bodies).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import together

from tests.support.served import ServedSimulator

API_KEY = "sim-test-key"
PROJECT = "proj_sim"


# The served simulator is `tests/support`'s, started once per process with a fresh world per test
# (`simulator`). Clients are shared by the session too (building one costs more than most tests).


@pytest.fixture(scope="session")
def _sdk(_served_simulator: ServedSimulator) -> Iterator[together.Together]:
    base_url = _served_simulator.base_url
    with together.Together(api_key=API_KEY, base_url=base_url, project_id=PROJECT, max_retries=0) as sdk:
        yield sdk


@pytest.fixture(scope="session")
def _raw(_served_simulator: ServedSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_served_simulator.base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as raw:
        yield raw


@pytest.fixture
def client(simulator: ServedSimulator, _sdk: together.Together) -> together.Together:
    return _sdk


@pytest.fixture
def http(simulator: ServedSimulator, _raw: httpx.Client) -> httpx.Client:
    return _raw
