"""Injected faults (`/_simulator/faults`): counted or probabilistic, and of every kind a network
shows a client: a refusal (429 with Retry-After, 503), an answer lost after the action, a
timeout after the action, a reset before it. Each is checked from the client's side (the SDK,
or the control plane's client in process) and from the world's (did the action happen?).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import together

from controlplane.errors import ProviderServerError, ProviderUnreachable
from controlplane.provider.simulator.transport import SimulatorTransport
from controlplane.provider.together import TogetherClient
from tests.simulator.conftest import API_KEY, PROJECT
from tests.support.served import ServedSimulator

CREATE = {"method": "POST", "path_regex": "/endpoints$"}


def endpoint_names(simulator: ServedSimulator) -> list[str]:
    with simulator.world() as world:
        return sorted(e.name for e in world.endpoints.values())


def inject(http: httpx.Client, **fault: Any) -> None:
    answer = http.post("/_simulator/faults", json=fault)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def patient(simulator: ServedSimulator) -> Iterator[together.Together]:
    """An SDK client that gives up after half a second, for the timeout fault."""
    with together.Together(
        api_key=API_KEY, base_url=simulator.base_url, project_id=PROJECT, max_retries=0, timeout=0.5
    ) as sdk:
        yield sdk


class TestCountedFaults:
    def test_an_injected_fault_answers_matching_requests_until_it_is_spent(
        self, client: together.Together, http: httpx.Client
    ) -> None:
        inject(http, method="get", path_regex="/endpoints$", status=429, times=2, retry_after=1.5)
        for _ in range(2):
            with pytest.raises(together.RateLimitError) as limited:
                client.endpoints.list()
            assert limited.value.response.headers["retry-after"] == "1.5"
        assert list(client.endpoints.list()) == []
        assert http.get("/_simulator/faults").json() == {"faults": []}

    def test_a_fault_only_hits_its_method_and_path(self, client: together.Together, http: httpx.Client) -> None:
        inject(http, **CREATE, status=503)
        assert list(client.endpoints.list()) == []
        with pytest.raises(together.InternalServerError):
            client.endpoints.create(name="unlucky")


class TestProbabilisticFaults:
    def test_a_rate_hits_about_that_share_of_matching_requests(
        self, client: together.Together, http: httpx.Client
    ) -> None:
        inject(http, method="GET", path_regex="/v3/whoami", status=503, rate=0.25, seed=7)
        outcomes = []
        for _ in range(200):
            try:
                client.whoami()
                outcomes.append(True)
            except together.InternalServerError:
                outcomes.append(False)
        assert 30 <= outcomes.count(False) <= 70  # a quarter of 200, give or take
        [fault] = http.get("/_simulator/faults").json()["faults"]
        assert fault["seen"] == 200  # never spent: it stays until cleared

    def test_faults_matching_one_request_share_its_draw_so_their_rates_add_up(
        self, client: together.Together, http: httpx.Client
    ) -> None:
        inject(http, method="GET", path_regex="/v3/whoami", status=503, rate=0.1, seed=3)
        inject(http, method="GET", path_regex="/v3/whoami", status=429, rate=0.1, seed=4)
        hit: list[str] = []
        for _ in range(400):
            try:
                client.whoami()
            except together.APIStatusError as error:
                hit.append(str(error.status_code))
        assert 50 <= len(hit) <= 110  # a fifth of 400: 20 %, not 1 - 0.9**2 = 19 %, nor double counted
        assert 15 <= hit.count("503") <= 65 and 15 <= hit.count("429") <= 65

    def test_the_same_seed_hits_the_same_requests(self, client: together.Together, http: httpx.Client) -> None:
        def run() -> list[bool]:
            http.delete("/_simulator/faults")
            inject(http, method="GET", path_regex="/v3/whoami", status=429, rate=0.5, seed=42)
            hits = []
            for _ in range(40):
                try:
                    client.whoami()
                    hits.append(False)
                except together.RateLimitError:
                    hits.append(True)
            return hits

        first = run()
        assert first == run() and 0 < sum(first) < 40

    @pytest.mark.parametrize(
        "fault",
        [
            {"path_regex": ".", "kind": "status"},  # a refusal needs its status
            {"path_regex": ".", "kind": "reset", "status": 500},  # a reset sends nothing
            {"path_regex": ".", "status": 503, "rate": 0.5, "times": 2},  # counted or probabilistic
            {"path_regex": ".", "status": 503, "rate": 1.5},
        ],
    )
    def test_an_inconsistent_fault_is_refused(self, http: httpx.Client, fault: dict[str, Any]) -> None:
        answer = http.post("/_simulator/faults", json=fault)
        assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error"


class TestFaultKindsOverHTTP:
    def test_a_503_refusal_changes_nothing(
        self, client: together.Together, http: httpx.Client, simulator: ServedSimulator
    ) -> None:
        inject(http, **CREATE, status=503)
        with pytest.raises(together.InternalServerError):
            client.endpoints.create(name="refused")
        assert endpoint_names(simulator) == []

    def test_a_lost_answer_is_an_error_though_the_action_happened(
        self, client: together.Together, http: httpx.Client, simulator: ServedSimulator
    ) -> None:
        inject(http, **CREATE, kind="lost", status=500)
        with pytest.raises(together.InternalServerError):
            client.endpoints.create(name="landed")
        assert endpoint_names(simulator) == ["landed"]
        with pytest.raises(together.ConflictError):  # what a retry then meets
            client.endpoints.create(name="landed")

    def test_a_lost_answer_without_a_status_is_a_closed_connection_after_the_action(
        self, client: together.Together, http: httpx.Client, simulator: ServedSimulator
    ) -> None:
        inject(http, **CREATE, kind="lost")
        with pytest.raises(together.APIConnectionError):
            client.endpoints.create(name="dropped")
        assert simulator.wait_idle()
        assert endpoint_names(simulator) == ["dropped"]

    def test_a_timeout_holds_the_answer_after_the_action(
        self, patient: together.Together, http: httpx.Client, simulator: ServedSimulator
    ) -> None:
        inject(http, **CREATE, kind="timeout")
        with pytest.raises(together.APITimeoutError):
            patient.endpoints.create(name="slow")
        assert simulator.wait_idle()  # the held answer ends when the client hangs up
        assert endpoint_names(simulator) == ["slow"]

    def test_a_reset_closes_the_connection_before_the_action(
        self, client: together.Together, http: httpx.Client, simulator: ServedSimulator
    ) -> None:
        inject(http, **CREATE, kind="reset")
        with pytest.raises(together.APIConnectionError):
            client.endpoints.create(name="never")
        assert simulator.wait_idle()
        assert endpoint_names(simulator) == []
        assert client.endpoints.create(name="never").name == "sim/never"  # spent: the next one goes through


class TestFaultKindsInProcess:
    """The same kinds through the in-process transport, as the control plane's client meets them."""

    @pytest.fixture
    def together_client(self, tmp_path: Path) -> Iterator[TogetherClient]:
        transport = SimulatorTransport(tmp_path / "world.json")
        with TogetherClient("http://simulator.invalid", "k", transport=transport, max_retries=0) as client:
            yield client

    def add(self, client: TogetherClient, **fault: Any) -> None:
        client._http.post("/_simulator/faults", json={**CREATE, **fault}).raise_for_status()

    def names(self, client: TogetherClient) -> list[str]:
        return [e.short_name for e in client.endpoints()]

    def test_a_timeout_after_the_action_is_unreachable_and_the_endpoint_exists(
        self, together_client: TogetherClient
    ) -> None:
        self.add(together_client, kind="timeout")
        with pytest.raises(ProviderUnreachable, match="timed out"):
            together_client.create_endpoint("slow")
        assert self.names(together_client) == ["slow"]

    def test_a_reset_before_the_action_is_unreachable_and_nothing_exists(self, together_client: TogetherClient) -> None:
        self.add(together_client, kind="reset")
        with pytest.raises(ProviderUnreachable, match="ReadError"):
            together_client.create_endpoint("never")
        assert self.names(together_client) == []

    def test_a_lost_answer_is_a_server_error_after_the_action(self, together_client: TogetherClient) -> None:
        self.add(together_client, kind="lost", status=502)
        with pytest.raises(ProviderServerError):
            together_client.create_endpoint("landed")
        assert self.names(together_client) == ["landed"]

    def test_a_probabilistic_fault_survives_the_world_file_between_requests(
        self, together_client: TogetherClient
    ) -> None:
        """The draw count is kept in the world file, so separate runs continue the same sequence."""
        self.add(together_client, method="GET", path_regex="/v3/whoami", status=503, rate=1.0, kind="status")
        for _ in range(3):
            with pytest.raises(ProviderServerError):
                together_client.whoami()
        faults = together_client._http.get("/_simulator/faults").json()["faults"]
        assert [f["seen"] for f in faults if f["path_regex"] == "/v3/whoami"] == [3]
