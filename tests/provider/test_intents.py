"""The intents apply speaks, on the Together backend: each safe to repeat, none sending a write
that would change nothing (every write moves an etag), and retiring in Together's order.

Against the in-process simulator. A write that must not be sent is guarded by an injected 500 on
it (`/_simulator/faults`): an intent that sent it would fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controlplane.errors import ProviderServerError
from controlplane.provider import Provider
from controlplane.provider.simulator import Simulator, WorldFile
from controlplane.provider.simulator.transport import SimulatorTransport
from controlplane.provider.together import TogetherClient
from controlplane.values import Spec
from tests.support.clock import FakeClock

PLANNING = "moonmakesmagic/DeepSeek-Qwen-14B-planning"
H100 = "1x_nvidia_h100_80gb_sxm"
SPEC = Spec(model=PLANNING, hardware=H100, min_replicas=1, max_replicas=2)


@pytest.fixture
def provider(tmp_path: Path, frozen: FakeClock) -> Iterator[Provider]:
    world = tmp_path / "world.json"
    Simulator(WorldFile(world), provision_seconds=0, stop_seconds=5)
    with TogetherClient("http://simulator.invalid", "k", transport=SimulatorTransport(world), max_retries=0) as client:
        yield Provider(client, "shop")


def refuse(provider: Provider, method: str, path_regex: str) -> None:
    answer = provider.client._http.post(
        "/_simulator/faults", json={"method": method, "path_regex": path_regex, "status": 500, "times": 1}
    )
    answer.raise_for_status()


def placed(provider: Provider) -> tuple[str, str]:
    catalog = provider.catalog([PLANNING])
    role = provider.ensure_endpoint("planning")
    deployment = provider.ensure_deployment(role.endpoint_id, SPEC, catalog)
    provider.route(role.endpoint_id, {deployment.id: 100.0})
    return role.endpoint_id, deployment.id


class TestIntents:
    def test_ensuring_what_exists_adopts_it_and_writes_nothing(self, provider: Provider) -> None:
        endpoint_id, deployment_id = placed(provider)
        refuse(provider, "POST", ".")
        refuse(provider, "PATCH", ".")
        catalog = provider.catalog([PLANNING])
        assert provider.ensure_endpoint("planning").endpoint_id == endpoint_id
        assert provider.ensure_deployment(endpoint_id, SPEC, catalog).id == deployment_id
        provider.scale(endpoint_id, deployment_id, 1, 2)
        # weights are ratios (docs: traffic-routing.md): 1 is the same split as 100
        assert provider.route(endpoint_id, {deployment_id: 1.0}).traffic == {deployment_id: 100.0}

    def test_a_split_that_differs_is_written(self, provider: Provider) -> None:
        endpoint_id, _ = placed(provider)
        refuse(provider, "PATCH", "/endpoints/[^/]+$")
        with pytest.raises(ProviderServerError):
            provider.route(endpoint_id, {})
        assert provider.route(endpoint_id, {}).traffic == {}

    def test_retiring_goes_stop_stopped_unroute_delete_and_a_repeat_finishes_it(
        self, provider: Provider, frozen: FakeClock
    ) -> None:
        """Docs dedicated-model-inference/api-reference.md: a deployment must be stopped first."""
        endpoint_id, deployment_id = placed(provider)
        steps: list[str] = []

        def give_up(awaited: str) -> None:
            raise TimeoutError(awaited)  # a crash while it stops: the run ends here

        with pytest.raises(TimeoutError):
            provider.retire(endpoint_id, [deployment_id], pause=give_up, note=lambda step, text: steps.append(step))
        assert steps == ["stop"]
        frozen.tick(10)  # STOPPED meanwhile
        provider.retire(endpoint_id, [deployment_id], pause=give_up, note=lambda step, text: steps.append(step))
        assert steps == ["stop", "stopped", "unroute", "delete"]  # no second stop
        assert provider.observe_role("planning", endpoint_id).deployments == ()  # type: ignore[union-attr]
        provider.retire(endpoint_id, [deployment_id], pause=give_up, note=lambda step, text: steps.append(step))
        provider.delete(endpoint_id)
        provider.delete(endpoint_id)  # gone already: a retried DELETE
        assert provider.observe_role("planning") is None
