"""Apply records the ledger as it changes deployments, on the in-process simulator.

Billing starts the moment apply asks for replicas (provisioning included) and ends the moment it
asks for them to go; the frozen clock makes those moments exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from controlplane import clock, ledger
from controlplane.errors import ProviderServerError
from tests.ledger.conftest import Sandbox
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("frozen")


def spans(sandbox: Sandbox, role: str) -> list[tuple[int, datetime, datetime | None]]:
    return [(i.replicas, i.started_at, i.ended_at) for i in sandbox.ledger(role=role)]


@pytest.fixture
def t0(sandbox: Sandbox) -> datetime:
    """Both roles applied at t0 (apply then waited for READY: the clock moved on since)."""
    started = clock.now()
    sandbox.apply()
    assert clock.now() > started  # provisioning took simulated time
    return started


class TestApplyOpensAndClosesIntervals:
    def test_create_bills_each_role_at_its_floor_from_the_moment_apply_asked(
        self, sandbox: Sandbox, t0: datetime
    ) -> None:
        planning, coding = sandbox.ledger(role="planning"), sandbox.ledger(role="coding")
        assert [(i.replicas, i.cents_per_hour, i.hardware, i.started_at, i.ended_at) for i in planning] == [
            (2, 399, "1x_nvidia_h100_80gb_sxm", t0, None)
        ]
        assert [(i.replicas, i.cents_per_hour, i.started_at) for i in coding] == [(1, 798, t0)]
        assert planning[0].opened_by == "apply create"

    def test_a_role_that_ran_90_minutes_at_2_replicas_of_399_cost_11_97(
        self, sandbox: Sandbox, t0: datetime, frozen: FakeClock
    ) -> None:
        frozen.move_to(t0 + timedelta(minutes=90))
        sandbox.edit("replicas: {min: 2, max: 3}", "replicas: {min: 2, max: 3}\n    enabled: false")
        sandbox.apply()
        (planning,) = sandbox.ledger(role="planning")
        assert planning.ended_at == t0 + timedelta(minutes=90) and planning.closed_by == "apply stop"
        assert ledger.cents(ledger.cost([planning], None, clock.now())) == Decimal("11.97")

    def test_scaling_closes_one_interval_and_opens_the_next(
        self, sandbox: Sandbox, t0: datetime, frozen: FakeClock
    ) -> None:
        t1 = t0 + timedelta(minutes=37, seconds=30)
        frozen.move_to(t1)
        sandbox.edit("replicas: {min: 2, max: 3}", "replicas: {min: 3, max: 3}")
        sandbox.apply()
        assert spans(sandbox, "planning") == [(2, t0, t1), (3, t1, None)]
        assert spans(sandbox, "coding") == [(1, t0, None)]  # untouched roles keep their interval

    def test_stop_closes_and_start_opens_a_new_interval(
        self, sandbox: Sandbox, t0: datetime, frozen: FakeClock
    ) -> None:
        t1, t2 = t0 + timedelta(hours=1), t0 + timedelta(hours=5)
        frozen.move_to(t1)
        sandbox.edit("replicas: 1\n", "replicas: 1\n    enabled: false\n")
        sandbox.apply()
        frozen.move_to(t2)
        sandbox.edit("    enabled: false\n", "")
        sandbox.apply()
        assert spans(sandbox, "coding") == [(1, t0, t1), (1, t2, None)]

    def test_replace_bills_old_and_new_until_the_old_is_deleted(
        self, sandbox: Sandbox, t0: datetime, frozen: FakeClock
    ) -> None:
        t1 = t0 + timedelta(hours=2)
        frozen.move_to(t1)
        sandbox.edit("hardware: 1x_nvidia_h100_80gb_sxm", "hardware: 1x_nvidia_h200_140gb_sxm")
        sandbox.apply()
        old, new = sandbox.ledger(role="planning")
        assert (old.hardware, old.started_at, old.closed_by) == ("1x_nvidia_h100_80gb_sxm", t0, "apply replace")
        assert (new.hardware, new.cents_per_hour, new.started_at, new.ended_at) == (
            "1x_nvidia_h200_140gb_sxm",
            549,
            t1,
            None,
        )
        # blue/green: the old one ran until the new one was READY (provision_seconds: 2), and its
        # billing ended when its stop was asked for, before Together had stopped it for the delete
        assert old.ended_at is not None and t1 + timedelta(seconds=2) <= old.ended_at < clock.now()

    def test_removing_a_role_closes_its_interval(self, sandbox: Sandbox, t0: datetime, frozen: FakeClock) -> None:
        t1 = t0 + timedelta(minutes=10)
        frozen.move_to(t1)
        text = sandbox.path.read_text()
        sandbox.path.write_text(text[: text.index("  coding:")])
        sandbox.apply()
        assert spans(sandbox, "coding") == [(1, t0, t1)]
        assert [i.closed_by for i in sandbox.ledger(role="coding")] == ["apply delete"]


class TestCrashesAndOutOfBandChanges:
    def test_a_crash_mid_apply_then_a_rerun_leaves_one_open_interval_per_deployment(
        self, sandbox: Sandbox, frozen: FakeClock
    ) -> None:
        t0 = clock.now()
        with sandbox.simulator() as admin:  # the traffic split fails: deployments made, not routed
            admin.post("/_simulator/faults", json={"method": "PATCH", "path_regex": "/endpoints/[^/]+$", "status": 500})
        with pytest.raises(ProviderServerError):
            sandbox.apply()
        # roles go in order: coding's deployment was made (and billed from the ask), planning's not
        assert [(i.role, i.started_at) for i in sandbox.ledger(open_only=True)] == [("coding", t0)]
        frozen.tick(timedelta(minutes=3))
        sandbox.apply()
        sandbox.apply()
        opened = {i.role: i.started_at for i in sandbox.ledger(open_only=True)}
        # the crashed run's deployment was adopted, still billed from its first ask, and only once
        assert opened == {"coding": t0, "planning": t0 + timedelta(minutes=3)}
        assert len(sandbox.ledger()) == 2

    def test_a_deployment_deleted_out_of_band_is_billed_until_apply_saw_it_gone(
        self, sandbox: Sandbox, t0: datetime, frozen: FakeClock
    ) -> None:
        with sandbox.project() as project:
            endpoint = project.provider.endpoint("coding")
            assert endpoint is not None
            client, deployment = project.provider.client, endpoint.deployments[0].id
            endpoint = client.set_traffic(endpoint, {})
            client.scale_deployment(endpoint.id, deployment, min_replicas=0, max_replicas=0)  # Together deletes
            frozen.tick(timedelta(seconds=1))  # only a STOPPED deployment (stop_seconds: 1)
            client.delete_deployment(endpoint.id, deployment)
        t1 = t0 + timedelta(hours=3)
        frozen.move_to(t1)
        sandbox.apply()  # observes the loss, then creates the role again
        first, second = sandbox.ledger(role="coding")
        assert (first.ended_at, first.closed_by) == (t1, "apply: observed")
        assert (second.started_at, second.ended_at, second.opened_by) == (t1, None, "apply create")
