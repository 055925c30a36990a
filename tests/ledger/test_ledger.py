"""The ledger: intervals in the store (SQLite and PostgreSQL), their arithmetic, and observation."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from controlplane import ledger
from controlplane.store import Billing, LedgerInterval, Store
from controlplane.values import DeploymentState, RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog, Hardware

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
H100 = "1x_nvidia_h100_80gb_sxm"
CATALOG = Catalog(
    hardware={
        H100: Hardware(id=H100, name="1xnvidia-h100-80gb", usd_per_hour=3.99),
        "2x_nvidia_h100_80gb_sxm": Hardware(id="2x_nvidia_h100_80gb_sxm", name="2xnvidia-h100-80gb", usd_per_hour=7.98),
    },
    models={},
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def terms(deployment: str = "dep-1", replicas: int = 2, cents: int = 399, hardware: str = H100) -> Billing:
    return Billing(deployment_id=deployment, hardware=hardware, replicas=replicas, cents_per_hour=cents)


def interval(start: datetime, end: datetime | None, replicas: int = 2, cents: int = 399) -> LedgerInterval:
    return LedgerInterval(
        project="p",
        role="planning",
        deployment_id="dep-1",
        hardware=H100,
        replicas=replicas,
        cents_per_hour=cents,
        started_at=start,
        ended_at=end,
        opened_by="test",
    )


def remote(*deployments: RemoteDeployment) -> RemoteRole:
    return RemoteRole(
        role="planning",
        endpoint_id="ep-1",
        endpoint_name="p-planning",
        etag="e",
        traffic={deployments[0].id: 100.0} if deployments else {},
        deployments=deployments,
    )


def deployment(
    state: DeploymentState = "READY", min_replicas: int = 2, max_replicas: int = 3, ready: int = 2, id: str = "dep-1"
) -> RemoteDeployment:
    spec = Spec(model="m", hardware=H100, min_replicas=min_replicas, max_replicas=max_replicas)
    return RemoteDeployment(id=id, name=id, spec=spec, state=state, ready_replicas=ready)


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


class TestIntervalsInTheStore:
    def test_opens_an_interval_and_saying_the_same_again_changes_nothing(self, store: Store) -> None:
        first = store.ledger_sync("p", "planning", [terms()], at=at(0), by="apply create")
        again = store.ledger_sync("p", "planning", [terms()], at=at(5), by="observe")
        assert [i.started_at for i in first.opened] == [at(0)] and not first.closed
        assert not again
        (only,) = store.ledger("p")
        assert (only.replicas, only.cents_per_hour, only.ended_at, only.opened_by) == (2, 399, None, "apply create")

    def test_a_change_of_replicas_closes_one_interval_and_opens_the_next(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms(replicas=2)], at=at(0), by="apply create")
        change = store.ledger_sync("p", "planning", [terms(replicas=3)], at=at(17.5), by="apply update")
        assert [i.replicas for i in change.closed] == [2] and [i.replicas for i in change.opened] == [3]
        first, second = store.ledger("p")
        assert (first.started_at, first.ended_at, first.closed_by) == (at(0), at(17.5), "apply update")
        assert (second.started_at, second.ended_at, second.replicas) == (at(17.5), None, 3)

    def test_stopping_closes_the_role_at_that_moment(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms("a"), terms("b", replicas=1)], at=at(0), by="apply")
        change = store.ledger_sync("p", "planning", [], at=at(90), by="apply stop")
        assert sorted(i.deployment_id for i in change.closed) == ["a", "b"]
        assert store.ledger("p", open_only=True) == []
        assert {i.ended_at for i in store.ledger("p")} == {at(90)}

    def test_keep_others_leaves_the_old_deployment_billed_until_it_goes(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms("old")], at=at(0), by="apply create")
        store.ledger_sync("p", "planning", [terms("new")], at=at(10), by="apply replace", keep_others=True)
        assert sorted(i.deployment_id for i in store.ledger("p", open_only=True)) == ["new", "old"]
        store.ledger_sync("p", "planning", [terms("new")], at=at(12), by="apply replace")
        (old,) = [i for i in store.ledger("p") if i.deployment_id == "old"]
        assert old.ended_at == at(12) and [i.deployment_id for i in store.ledger("p", open_only=True)] == ["new"]

    def test_an_interval_closed_the_instant_it_opened_is_dropped(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms(replicas=1)], at=at(0), by="apply create")
        store.ledger_sync("p", "planning", [terms(replicas=2)], at=at(0), by="apply update")
        assert [(i.replicas, i.started_at, i.ended_at) for i in store.ledger("p")] == [(2, at(0), None)]

    def test_a_close_dated_before_the_open_never_makes_a_negative_interval(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms()], at=at(10), by="apply create")
        store.ledger_sync("p", "planning", [], at=at(5), by="observe")  # another machine's clock is behind
        assert store.ledger("p") == []

    def test_reads_the_intervals_that_overlap_a_range(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms(replicas=1)], at=at(0), by="a")
        store.ledger_sync("p", "planning", [terms(replicas=2)], at=at(60), by="a")
        store.ledger_sync("p", "coding", [terms("c")], at=at(30), by="a")
        store.ledger_sync("p", "coding", [], at=at(45), by="a")
        assert [i.replicas for i in store.ledger("p", since=at(50), role="planning")] == [1, 2]
        assert [i.role for i in store.ledger("p", since=at(46), until=at(59))] == ["planning"]
        assert [i.role for i in store.ledger("p", since=at(45), until=at(60))] == ["planning"]
        assert [i.deployment_id for i in store.ledger("p", since=at(44), until=at(46))] == ["dep-1", "c"]
        assert [i.replicas for i in store.ledger("p", since=at(600))] == [2]

    def test_projects_are_kept_apart(self, store: Store) -> None:
        store.ledger_sync("p", "planning", [terms()], at=at(0), by="a")
        store.ledger_sync("q", "planning", [terms()], at=at(0), by="a")
        store.ledger_sync("q", "planning", [], at=at(1), by="a")
        assert [i.ended_at for i in store.ledger("p")] == [None]
        assert [i.ended_at for i in store.ledger("q")] == [at(1)]

    def test_racing_writers_open_exactly_one_interval_per_deployment(self, store: Store) -> None:
        barrier = threading.Barrier(8)
        errors: list[BaseException] = []

        def write() -> None:
            try:
                barrier.wait()
                store.ledger_sync("p", "planning", [terms()], at=at(0), by="racer")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=write) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(store.ledger("p", open_only=True)) == 1


class TestArithmetic:
    def test_ninety_minutes_at_two_replicas_of_399_cost_11_97(self) -> None:
        assert ledger.cost([interval(at(0), at(90))], None, at(1000)) == Decimal("11.97")

    def test_an_open_interval_runs_up_to_until(self) -> None:
        assert ledger.cost([interval(at(0), None)], None, at(90)) == Decimal("11.97")

    def test_clipping_at_a_period_boundary_splits_the_cost_without_losing_a_cent(self) -> None:
        # 23:20 -> 00:50 across midnight: 40 minutes on one day, 50 on the next
        midnight = datetime(2026, 11, 25, tzinfo=timezone.utc)
        span = interval(midnight - timedelta(minutes=40), midnight + timedelta(minutes=50))
        before = ledger.cost([span], None, midnight)
        after = ledger.cost([span], midnight, midnight + timedelta(days=1))
        assert (before, after) == (Decimal("5.32"), Decimal("6.65"))
        assert before + after == Decimal("11.97")

    def test_a_mid_hour_change_of_replicas_costs_each_part_at_its_terms(self) -> None:
        # 09:00-09:17:30 at 2 replicas, 09:17:30-10:00 at 3: 2*3.99*17.5/60 + 3*3.99*42.5/60
        spans = [interval(at(0), at(17.5), replicas=2), interval(at(17.5), None, replicas=3)]
        expected = Decimal(2 * 399 * 175) / 600 / 100 + Decimal(3 * 399 * 425) / 600 / 100
        assert ledger.cost(spans, None, at(60)) == expected
        assert ledger.cents(ledger.cost(spans, None, at(60))) == Decimal("10.81")

    def test_sums_exactly_however_finely_time_is_cut(self) -> None:
        # an hour cut at every second costs what the whole hour costs, to the last digit
        pieces = [interval(at(s / 60), at((s + 1) / 60)) for s in range(3600)]
        assert sum(ledger.units(p, None, at(60)) for p in pieces) == ledger.units(interval(at(0), at(60)), None, at(60))
        assert ledger.cost(pieces, None, at(60)) == Decimal("7.98")

    def test_burn_counts_what_runs_at_that_moment(self) -> None:
        spans = [interval(at(0), at(30), replicas=1), interval(at(30), None, replicas=3)]
        assert ledger.burn(spans, at(29)) == Decimal("3.99")
        assert ledger.burn(spans, at(30)) == Decimal("11.97")
        assert ledger.burn(spans, at(-1)) == 0

    def test_replica_hours_add_up_replicas_times_time(self) -> None:
        assert ledger.replica_hours([interval(at(0), at(90))], at(30), at(600)) == Decimal(2)

    def test_the_catalog_price_becomes_integer_cents(self) -> None:
        assert ledger.cents_per_hour(CATALOG, H100) == 399
        assert ledger.cents_per_hour(CATALOG, "2xnvidia-h100-80gb") == 798
        assert ledger.cents_per_hour(CATALOG, "unknown") == 0


class TestBilledReplicas:
    @pytest.mark.parametrize(
        ("state", "min_replicas", "max_replicas", "ready", "billed"),
        [
            ("PROVISIONING", 2, 3, 0, 2),  # asked for: billed from the ask
            ("READY", 2, 3, 2, 2),
            ("READY", 2, 3, 3, 3),  # autoscaled above the floor
            ("SCALING", 2, 3, 3, 2),  # a transition: the floor until it settles
            ("FAILED", 2, 3, 0, 0),
            ("STOPPING", 0, 0, 2, 0),
            ("STOPPED", 0, 0, 0, 0),
        ],
    )
    def test_follows_the_rule(
        self, state: DeploymentState, min_replicas: int, max_replicas: int, ready: int, billed: int
    ) -> None:
        assert ledger.billed_replicas(deployment(state, min_replicas, max_replicas, ready)) == billed


class TestObserve:
    def test_an_out_of_band_scale_is_billed_from_when_it_was_seen(self, store: Store) -> None:
        ledger.bill_observed(store, "p", {"planning": remote(deployment())}, CATALOG, now=at(0))
        changes = ledger.bill_observed(
            store, "p", {"planning": remote(deployment(min_replicas=3, ready=3))}, CATALOG, now=at(15)
        )
        assert [i.replicas for i in changes["planning"].opened] == [3]
        assert [(i.replicas, i.ended_at) for i in store.ledger("p")] == [(2, at(15)), (3, None)]

    def test_observing_the_same_world_twice_changes_nothing(self, store: Store) -> None:
        world = {"planning": remote(deployment())}
        assert ledger.bill_observed(store, "p", world, CATALOG, now=at(0))
        assert ledger.bill_observed(store, "p", world, CATALOG, now=at(15)) == {}
        assert len(store.ledger("p")) == 1

    def test_a_failed_deployment_stops_being_billed(self, store: Store) -> None:
        ledger.bill_observed(store, "p", {"planning": remote(deployment("PROVISIONING", ready=0))}, CATALOG, now=at(0))
        ledger.bill_observed(store, "p", {"planning": remote(deployment("FAILED", ready=0))}, CATALOG, now=at(10))
        assert [(i.started_at, i.ended_at) for i in store.ledger("p")] == [(at(0), at(10))]

    def test_a_role_gone_from_the_world_is_closed(self, store: Store) -> None:
        ledger.bill_observed(store, "p", {"planning": remote(deployment())}, CATALOG, now=at(0))
        changes = ledger.bill_observed(store, "p", {}, CATALOG, now=at(45))
        assert list(changes) == ["planning"] and store.ledger("p", open_only=True) == []

    def test_a_new_price_closes_the_interval_and_opens_its_successor(self, store: Store) -> None:
        ledger.bill_observed(store, "p", {"planning": remote(deployment())}, CATALOG, now=at(0))
        cheaper = CATALOG.model_copy(
            update={"hardware": {H100: Hardware(id=H100, name="1xnvidia-h100-80gb", usd_per_hour=3.49)}}
        )
        ledger.bill_observed(store, "p", {"planning": remote(deployment())}, cheaper, now=at(60))
        assert [(i.cents_per_hour, i.ended_at) for i in store.ledger("p")] == [(399, at(60)), (349, None)]
        assert ledger.cost(store.ledger("p"), None, at(120)) == Decimal("7.98") + Decimal("6.98")
