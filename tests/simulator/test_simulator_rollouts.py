"""v2 rollouts on the served simulator, driven by the official SDK 3.1.1 (`client.endpoints.rollouts`).

Sources: SDK `resources/endpoints/rollouts.py` (docstrings: "Creates a rollout in the pending
state without shifting traffic", the default 5/25/50/100 ladder, `finalSourceReplicas` "defaults
to 0, which drains and stops the source", cancel's `reason` and REVERT "rejected with
FAILED_PRECONDITION", delete "only once the rollout is completed or aborted"), the types in
`types/endpoints/rollout*.py`, and shared/reference/together-fidelity.md §1.3 and §4(c) for the
constraints (one active rollout per endpoint, the source in the split, a target without an
inactivity timeout, metrics for canary only, router_latency needs a stat, SYSTEM_PAUSED on a
metric regression). Served share is weight × ready replicas (docs: traffic-routing.md).
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
import together

from controlplane.provider.simulator.world import PROVISION_SECONDS
from tests.simulator.test_simulator_sdk import PLANNING, deploy, ready_endpoint
from tests.support.clock import FakeClock

LATENCY_GATE = {
    "name": "router_latency",
    "stat": "METRIC_STAT_TYPE_PERCENTILE",
    "percentile": 95,
    "regressionCheck": {"direction": "REGRESSION_DIRECTION_HIGHER_IS_WORSE", "maxRegressionPercent": 20},
}


def pair(client: together.Together, frozen: FakeClock) -> tuple[str, str, str]:
    """An endpoint serving from `blue`, and a READY `green` beside it with no traffic."""
    endpoint = ready_endpoint(client, frozen, "rollout", PLANNING)
    source = endpoint.traffic_split[0].deployment_id  # type: ignore[index]
    target = deploy(client, endpoint.id, "green", model=PLANNING).id
    frozen.tick(PROVISION_SECONDS)
    return endpoint.id, source, target


def shares(client: together.Together, endpoint_id: str, n: int = 400) -> Counter[str]:
    """Which deployment answers each of `n` different conversations (x-cluster)."""
    endpoint = client.endpoints.retrieve(endpoint_id)
    seen: Counter[str] = Counter()
    for i in range(n):
        response = client.chat.completions.with_raw_response.create(
            model=endpoint.name, messages=[{"role": "user", "content": f"conversation {i}"}], max_tokens=4
        )
        seen[response.headers["x-cluster"]] += 1
    return seen


class TestCanary:
    def test_steps_move_the_served_share_then_the_source_stops_and_leaves_the_split(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint_id, source, target = pair(client, frozen)
        rollouts = client.endpoints.rollouts
        created = rollouts.create(
            endpoint_id,
            source_deployment_id=source,
            target_deployment_id=target,
            canary={"steps": [{"traffic": 10}, {"traffic": 50}, {"traffic": 100}], "stepInterval": "600s"},
            metrics=[LATENCY_GATE],
        )
        assert created.state == "ROLLOUT_STATE_PENDING" and created.current_step is None
        assert client.endpoints.retrieve(endpoint_id).active_rollout_id == created.id
        assert len(client.endpoints.retrieve(endpoint_id).traffic_split or []) == 1  # pending moves nothing

        started = rollouts.start(created.id, endpoint_id=endpoint_id)
        assert started.state == "ROLLOUT_STATE_RUNNING" and started.current_step == 0
        assert started.current_traffic_percent == 10
        assert len(shares(client, endpoint_id)) == 2  # both sides answer now

        frozen.tick(600)
        assert rollouts.retrieve(created.id, endpoint_id=endpoint_id).current_traffic_percent == 50
        frozen.tick(600)
        assert rollouts.retrieve(created.id, endpoint_id=endpoint_id).current_traffic_percent == 100
        frozen.tick(600)
        assert rollouts.retrieve(created.id, endpoint_id=endpoint_id).state == "ROLLOUT_STATE_STABILIZING"
        frozen.tick(600)
        done = rollouts.retrieve(created.id, endpoint_id=endpoint_id)
        assert done.state == "ROLLOUT_STATE_COMPLETED" and done.completed_at is not None
        assert [s.state for s in done.status.steps] == ["ROLLOUT_STEP_STATE_PASSED"] * 3
        endpoint = client.endpoints.retrieve(endpoint_id)
        assert endpoint.active_rollout_id is None
        assert [t.deployment_id for t in endpoint.traffic_split or []] == [target]
        frozen.tick(5)
        stopped = client.endpoints.deployments.retrieve(source, endpoint_id=endpoint_id)
        assert stopped.status.state == "DEPLOYMENT_STATE_STOPPED"
        # now the old deployment can go, as Together requires: stopped and out of the split
        client.endpoints.deployments.delete(source, endpoint_id=endpoint_id)

    def test_a_metric_regression_pauses_the_canary_and_promote_finishes_it(
        self, client: together.Together, frozen: FakeClock, http: httpx.Client
    ) -> None:
        endpoint_id, source, target = pair(client, frozen)
        http.put("/_simulator/settings", json={"rollout_metric_breach": True})
        rollouts = client.endpoints.rollouts
        rollout = rollouts.create(
            endpoint_id,
            source_deployment_id=source,
            target_deployment_id=target,
            canary={"stepInterval": "60s"},
            metrics=[LATENCY_GATE],
        )
        rollouts.start(rollout.id, endpoint_id=endpoint_id)
        frozen.tick(60)
        paused = rollouts.retrieve(rollout.id, endpoint_id=endpoint_id)
        assert paused.state == "ROLLOUT_STATE_SYSTEM_PAUSED" and paused.current_traffic_percent == 5
        assert paused.status.condition is not None
        assert paused.status.condition.category == "ROLLOUT_FAILURE_CATEGORY_METRIC_REGRESSION"
        promoted = rollouts.promote(rollout.id, endpoint_id=endpoint_id)
        assert promoted.state == "ROLLOUT_STATE_COMPLETED"
        assert shares(client, endpoint_id, 50).keys() == {next(iter(shares(client, endpoint_id, 1)))}

    def test_cancel_freezes_the_split_and_revert_is_refused(self, client: together.Together, frozen: FakeClock) -> None:
        endpoint_id, source, target = pair(client, frozen)
        rollouts = client.endpoints.rollouts
        rollout = rollouts.create(
            endpoint_id, source_deployment_id=source, target_deployment_id=target, canary={"stepInterval": "60s"}
        )
        rollouts.start(rollout.id, endpoint_id=endpoint_id)
        frozen.tick(60)  # at 25 %
        with pytest.raises(together.BadRequestError, match="CANCEL_DISPOSITION_FREEZE"):
            rollouts.cancel(rollout.id, endpoint_id=endpoint_id, reason="bad", disposition="CANCEL_DISPOSITION_REVERT")
        with pytest.raises(together.BadRequestError, match="only completed or canceled ones go"):
            rollouts.delete(rollout.id, endpoint_id=endpoint_id)
        assert (
            rollouts.cancel(rollout.id, endpoint_id=endpoint_id, reason="bad answers").state
            == "ROLLOUT_STATE_CANCELLING"
        )
        frozen.tick(120)
        canceled = rollouts.retrieve(rollout.id, endpoint_id=endpoint_id)
        assert canceled.state == "ROLLOUT_STATE_CANCELED" and canceled.current_traffic_percent == 25
        assert client.endpoints.retrieve(endpoint_id).active_rollout_id is None
        rollouts.delete(rollout.id, endpoint_id=endpoint_id)


class TestRefusals:
    def test_what_together_refuses(self, client: together.Together, frozen: FakeClock) -> None:
        endpoint_id, source, target = pair(client, frozen)
        create = client.endpoints.rollouts.create
        with pytest.raises(together.BadRequestError, match="must differ"):
            create(endpoint_id, source_deployment_id=source, target_deployment_id=source, canary={})
        with pytest.raises(together.BadRequestError, match="in the traffic split"):
            create(endpoint_id, source_deployment_id=target, target_deployment_id=source, canary={})
        with pytest.raises(together.BadRequestError, match="increase strictly and end at 100"):
            create(
                endpoint_id,
                source_deployment_id=source,
                target_deployment_id=target,
                canary={"steps": [{"traffic": 50}, {"traffic": 20}]},
            )
        with pytest.raises(together.BadRequestError, match="canary rollouts only"):
            create(
                endpoint_id,
                source_deployment_id=source,
                target_deployment_id=target,
                blue_green={},
                metrics=[LATENCY_GATE],
            )
        no_stat = {k: v for k, v in LATENCY_GATE.items() if k != "stat"}
        with pytest.raises(together.BadRequestError, match="required for router_latency"):
            create(endpoint_id, source_deployment_id=source, target_deployment_id=target, canary={}, metrics=[no_stat])
        create(endpoint_id, source_deployment_id=source, target_deployment_id=target, canary={})
        with pytest.raises(together.BadRequestError, match="already has an active rollout"):
            create(endpoint_id, source_deployment_id=source, target_deployment_id=target, canary={})

    def test_blue_green_cuts_over_in_one_step(self, client: together.Together, frozen: FakeClock) -> None:
        endpoint_id, source, target = pair(client, frozen)
        rollouts = client.endpoints.rollouts
        rollout = rollouts.create(endpoint_id, source_deployment_id=source, target_deployment_id=target, blue_green={})
        assert rollouts.start(rollout.id, endpoint_id=endpoint_id).current_traffic_percent == 100
        active = rollouts.list(endpoint_id, filter="ROLLOUT_FILTER_ACTIVE")
        assert [r.id for r in active] == [rollout.id]
