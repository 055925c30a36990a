"""The service the contract tests talk to: the served simulator always, Together when asked.

Every test takes `service`, parametrized over `simulator` and `live`. The live half is marked
`live` and deselected unless the run selects it (`pytest -m live`); it then needs
`TOGETHER_API_KEY` (and `TOGETHER_PROJECT_ID` when the key is not a project key), talks to
https://api.together.ai through the official SDK and the control plane's own client, names
everything it creates `reasoning-contract-<random>-...`, deploys only the cheapest certified
profile at one replica, and deletes what it created when the test ends, pass or fail.

Time: on the simulator, waiting moves the frozen clock; on Together it is real time (polling
every few seconds, bounded), which is why the live half is opt-in.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import pytest
import together

from controlplane.provider.simulator import Settings
from controlplane.provider.together import TogetherClient
from tests.support.clock import FakeClock
from tests.support.served import ServedSimulator

T = TypeVar("T")
LIVE_BASE_URL = "https://api.together.ai"
#: how long a live deployment may take to become READY: Together marks it FAILED after six hours,
#: but a certified profile of a small model cold-starts in minutes
LIVE_READY_SECONDS = 45 * 60


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Live tests run only when the marker expression asks for them (`-m live`)."""
    if "live" in (config.getoption("markexpr", "") or ""):
        return
    kept = [item for item in items if item.get_closest_marker("live") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("live") is not None])
        items[:] = kept


@dataclass
class Service:
    """One Together (real or simulated): the official SDK and our client, pointed at it."""

    kind: Literal["simulator", "live"]
    sdk: together.Together
    ours: TogetherClient
    project_id: str
    slug: str
    #: every name this test creates starts with it; cleanup touches nothing else
    prefix: str
    advance: Callable[[float], None]
    settle_seconds: float = 0.0
    created: list[str] = field(default_factory=list)

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def wait_for(self, what: str, check: Callable[[], T | None], *, timeout: float, every: float = 5.0) -> T:
        """Poll `check` until it returns something, moving time on by `every` seconds in between."""
        waited = 0.0
        while True:
            found = check()
            if found is not None:
                return found
            if waited >= timeout:
                raise AssertionError(f"{self.kind}: gave up after {waited:.0f}s waiting for {what}")
            self.advance(every)
            waited += every

    def settle(self) -> None:
        """Let a split change reach the router: "Allow ~30s before measuring" (docs: traffic-routing.md)."""
        if self.settle_seconds:
            self.advance(self.settle_seconds)


@pytest.fixture(scope="session")
def _served() -> Iterator[ServedSimulator]:
    with ServedSimulator() as served:
        yield served


@pytest.fixture(params=["simulator", pytest.param("live", marks=pytest.mark.live)])
def service(request: pytest.FixtureRequest) -> Iterator[Service]:
    prefix = f"reasoning-contract-{uuid.uuid4().hex[:6]}"
    if request.param == "simulator":
        served: ServedSimulator = request.getfixturevalue("_served")
        frozen: FakeClock = request.getfixturevalue("frozen")
        with served.world() as world:
            world.reset(Settings())
        sdk = together.Together(api_key="contract", base_url=served.base_url, project_id="proj_sim", max_retries=0)
        ours = TogetherClient(served.base_url, "contract", max_retries=0)
        made = Service("simulator", sdk, ours, "proj_sim", "sim", prefix, advance=lambda s: frozen.tick(s))
    else:
        key = os.environ.get("TOGETHER_API_KEY")
        if not key:
            pytest.skip("set TOGETHER_API_KEY to run the live contract suite against Together")
        project = os.environ.get("TOGETHER_PROJECT_ID")
        ours = TogetherClient(LIVE_BASE_URL, key, project_id=project)
        me = ours.whoami()
        # The SDK's default hosts: management at api.together.ai, chat at api-inference.together.ai.
        sdk = together.Together(api_key=key, project_id=project or me.project.id)
        made = Service("live", sdk, ours, project or me.project.id, me.project.slug, prefix, advance=time.sleep,
                       settle_seconds=30.0)  # fmt: skip
    try:
        yield made
    finally:
        cleanup(made)
        made.ours.close()
        made.sdk.close()


def cleanup(service: Service) -> None:
    """Delete every endpoint this test created, the way Together requires: out of the split,
    scaled to 0/0, STOPPED, then deleted; only names under the test's prefix are touched."""
    for endpoint in list(service.sdk.endpoints.list(filter=f'name:"{service.prefix}"')):
        if not endpoint.name.rsplit("/", 1)[-1].startswith(service.prefix):
            continue
        with suppress(together.APIStatusError):
            service.sdk.endpoints.update(endpoint.id, update_mask="trafficSplit", traffic_split=[])
        for deployment in endpoint.deployments:
            with suppress(together.APIStatusError):
                service.sdk.endpoints.deployments.update(
                    deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
                    autoscaling={"min_replicas": 0, "max_replicas": 0},
                )  # fmt: skip
        for deployment in endpoint.deployments:
            with suppress(AssertionError):
                service.wait_for(
                    f"{deployment.id} to stop",
                    lambda d=deployment.id, e=endpoint.id: _stopped(service, e, d),
                    timeout=30 * 60,
                    every=10.0 if service.kind == "live" else 1.0,
                )
            with suppress(together.APIStatusError):
                service.sdk.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        with suppress(together.APIStatusError):
            service.sdk.endpoints.delete(endpoint.id)


def _stopped(service: Service, endpoint_id: str, deployment_id: str) -> bool | None:
    try:
        state = service.sdk.endpoints.deployments.retrieve(deployment_id, endpoint_id=endpoint_id).status.state
    except together.NotFoundError:
        return True
    return True if state in ("DEPLOYMENT_STATE_STOPPED", "DEPLOYMENT_STATE_FAILED") else None
