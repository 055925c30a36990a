"""The request-time budget: reservations that concurrent requests cannot overshoot, settled costs
counted exactly once, the stricter of two budgets, periods that roll over, hardware that accrues,
one budget for every process on a store, reservations of a process that died lapsing, estimates
from what the role's answers produced.

Everything goes through a real store (request costs, reservations, the ledger), on SQLite and,
where the store matters, PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from controlplane import clock
from controlplane.manifest import Manifest, load
from controlplane.store import Billing, Store, Usage
from runtime.budget import LEASE, BudgetGuard, OverBudget, Reservation, period_start
from runtime.recorder import Recorder
from runtime.redact import Redactor
from runtime.refresher import Refresher
from tests.support.clock import FakeClock

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-11-24 09:00 UTC, a Tuesday

ROLES = """\
models:
  planning:
    model: org/planning
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {input: 2, output: 6}
  coding: {model: org/coding, hardware: 2x_nvidia_h100_80gb_sxm}
"""
MakeManifest = Callable[..., Manifest]


@pytest.fixture
def make_manifest(tmp_path: Path) -> MakeManifest:
    def make(budget: str = "{limit_usd: 100, period: month}", planning_budget: str = "") -> Manifest:
        roles = ROLES
        if planning_budget:
            roles = roles.replace("    price_per", f"    budget: {planning_budget}\n    price_per")
        path = tmp_path / "reasoning.yaml"
        path.write_text(f"version: 1\nproject: demo\nbudget: {budget}\n{roles}")
        return load(path)

    return make


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/state.db") as opened:
        yield opened


def spent(store: Store, role: str, usd: float, at: datetime | None = None) -> None:
    """A request of `role` that cost `usd`, recorded in the store (as the recorder would)."""
    when = at or datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    store.record(usage=[Usage(project="demo", role=role, at=when, cost_usd=usd)])


@pytest.fixture
def guards() -> Iterator[list[BudgetGuard]]:
    made: list[BudgetGuard] = []
    yield made
    for guard in made:
        guard.close()


@pytest.fixture
def guard_for(guards: list[BudgetGuard]) -> Callable[..., BudgetGuard]:
    def make(manifest: Manifest, store: Store, **options: object) -> BudgetGuard:
        guard = BudgetGuard(manifest, store, **options)  # type: ignore[arg-type]
        guards.append(guard)
        assert guard.refresh()
        return guard

    return make


GuardFor = Callable[..., BudgetGuard]


def settle(guard: BudgetGuard, reservation: Reservation | OverBudget, usd: float) -> None:
    """Settle at `usd` a cost nothing records, and wait until the store holds it."""
    guard.settle(reserved(reservation), usd, recorded=False)
    assert guard.drain(timeout=10)


def release(guard: BudgetGuard, reservation: Reservation) -> None:
    guard.release(reservation)
    assert guard.drain(timeout=10)


def reserved(outcome: Reservation | OverBudget) -> Reservation:
    assert isinstance(outcome, Reservation), outcome
    return outcome


def refused(outcome: Reservation | OverBudget) -> str:
    assert isinstance(outcome, OverBudget), outcome
    return outcome.reason


class TestPrices:
    def test_without_history_an_estimate_is_the_input_plus_all_the_output_allowed(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(make_manifest(), store)
        assert guard.estimate_cost("planning", 1_000, 500) == pytest.approx(0.005)  # 1000 x $2/M + 500 x $6/M
        assert guard.cost("planning", 1_000, 20) == pytest.approx(0.00212)
        assert guard.estimate_cost("coding", 1_000, 500) == 0.0  # no price: only hardware costs
        assert guard.estimate_cost("nobody", 1_000, 500) == 0.0

    def test_the_likely_output_is_the_most_of_the_roles_recent_answers_within_max_tokens(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        for tokens in (13, 40, 13):
            store.record(usage=[Usage(project="demo", role="planning", at=clock.now(), output_tokens=tokens)])
        store.record(usage=[Usage(project="demo", role="planning", at=clock.now(), output_tokens=900, outcome="error")])
        guard = guard_for(make_manifest(), store, history=3)
        assert guard.estimate_output("planning", 500) == 40  # the store's last three answers (not the error)
        assert guard.estimate_output("planning", 20) == 20  # never more than the request may produce
        assert guard.estimate_cost("planning", 1_000, 500) == pytest.approx(0.00224)
        guard.settle(reserved(guard.reserve("planning", 0.01)), 0.01, recorded=True, output_tokens=7)
        guard.settle(reserved(guard.reserve("planning", 0.01)), 0.01, recorded=True, output_tokens=9)
        assert guard.estimate_output("planning", 500) == 13  # what this process saw since: 9, 7, then 13

    def test_roles_without_a_limit_never_touch_the_store(self, make_manifest: MakeManifest, store: Store) -> None:
        guard = BudgetGuard(make_manifest(budget="{}"), store)
        try:
            with store.engine.begin() as connection:
                connection.execute(text("DROP TABLE reservations"))
            held = reserved(guard.reserve("planning", 1_000_000))
            assert not held.shared
            guard.release(held)
            assert guard.remaining() == {"planning": None, "coding": None}
        finally:
            guard.close()


class TestReservations:
    def test_refuses_what_would_go_past_the_limit_with_the_figures(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "planning", 99.98)
        guard = guard_for(make_manifest(), store)
        assert refused(guard.reserve("planning", 0.05)) == "over budget: 99.98 + 0.05 > 100.00 USD (month)"
        reserved(guard.reserve("planning", 0.02))
        assert refused(guard.reserve("coding", 0.0001)) == "over budget: 100.00 + 0.0001 > 100.00 USD (month)"

    def test_the_stricter_of_the_role_and_global_budgets_wins(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "planning", 9.99)
        guard = guard_for(make_manifest(planning_budget="{limit_usd: 10, period: week}"), store)
        assert refused(guard.reserve("planning", 0.02)) == (
            "over budget: 9.99 + 0.02 > 10.00 USD (planning budget, week)"
        )
        reserved(guard.reserve("coding", 50))  # the global budget still has room for another role
        assert refused(guard.reserve("coding", 45)) == "over budget: 59.99 + 45.00 > 100.00 USD (month)"

    def test_the_global_budget_counts_every_role(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "coding", 99.99)
        guard = guard_for(make_manifest(), store)
        assert refused(guard.reserve("planning", 0.02)).endswith("USD (month)")

    def test_settling_below_the_estimate_gives_the_difference_back(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(make_manifest(), store)
        big = reserved(guard.reserve("planning", 60))
        assert refused(guard.reserve("planning", 50)) == "over budget: 60.00 + 50.00 > 100.00 USD (month)"
        settle(guard, big, 10)
        reserved(guard.reserve("planning", 80))
        assert guard.remaining()["planning"] == pytest.approx(10)

    def test_settling_above_the_estimate_counts_what_it_cost(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(make_manifest(), store)
        settle(guard, guard.reserve("planning", 10), 30)
        assert refused(guard.reserve("planning", 71)) == "over budget: 30.00 + 71.00 > 100.00 USD (month)"

    def test_a_release_gives_the_whole_estimate_back_and_only_once(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(make_manifest(), store)
        first = reserved(guard.reserve("planning", 70))
        release(guard, first)
        second = reserved(guard.reserve("planning", 70))
        release(guard, first)  # again: changes nothing
        guard.settle(first, 50, recorded=False)  # settling a released reservation: nothing either
        assert guard.drain(timeout=10)
        assert refused(guard.reserve("planning", 31)) == "over budget: 70.00 + 31.00 > 100.00 USD (month)"
        settle(guard, second, 70)
        settle(guard, second, 70)
        assert guard.refresh() and guard.remaining()["planning"] == pytest.approx(30)

    def test_refuses_limited_roles_until_the_spend_has_been_read(
        self, make_manifest: MakeManifest, store: Store
    ) -> None:
        guard = BudgetGuard(make_manifest(), store)
        try:
            assert refused(guard.reserve("planning", 0.01)).startswith("budget unknown")
        finally:
            guard.close()

    def test_refuses_limited_roles_while_the_store_cannot_be_reached(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor, caplog: pytest.LogCaptureFixture
    ) -> None:
        spent(store, "planning", 90)
        guard = guard_for(make_manifest(), store)
        with store.engine.begin() as connection:
            connection.execute(text("DROP TABLE reservations"))
        assert not guard.refresh()  # the last figures are kept for /metrics...
        assert guard.remaining()["planning"] == pytest.approx(10)
        # ...but a reservation is only ever taken in the store
        assert refused(guard.reserve("planning", 1)) == "budget unknown: the store cannot be reached"
        assert "could not reserve" in caplog.text

    def test_a_request_that_costs_nothing_is_judged_on_the_last_snapshot_without_the_store(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "planning", 100.5)  # past the limit: hardware alone may do that
        guard = guard_for(make_manifest(), store)
        assert refused(guard.reserve("coding", 0)) == "over budget: 100.50 + 0.00 > 100.00 USD (month)"
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM request_spend"))
        assert refused(guard.reserve("coding", 0)).startswith("over budget")  # until the next read
        assert guard.refresh()
        with store.engine.begin() as connection:
            connection.execute(text("DROP TABLE reservations"))
        held = reserved(guard.reserve("coding", 0))  # nothing to hold: the store is not asked
        assert not held.shared

    def test_remaining_is_what_each_role_could_still_reserve(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "coding", 40)
        guard = guard_for(make_manifest(planning_budget="{limit_usd: 25, period: day}"), store)
        reserved(guard.reserve("planning", 5))
        assert guard.remaining() == {"planning": pytest.approx(20), "coding": pytest.approx(55)}


class TestOneBudgetForEveryProcess:
    @pytest.fixture
    def both(self, store_url: str) -> Iterator[Store]:
        with Store(store_url) as opened:
            yield opened

    def test_two_guards_on_one_store_see_each_others_reservations_at_once(
        self, make_manifest: MakeManifest, both: Store, guard_for: GuardFor
    ) -> None:
        manifest = make_manifest(budget="{limit_usd: 10, period: month}")
        one, other = guard_for(manifest, both), guard_for(manifest, both)
        reserved(one.reserve("planning", 6))
        assert refused(other.reserve("planning", 5)) == "over budget: 6.00 + 5.00 > 10.00 USD (month)"
        settle(one, reserved(one.reserve("planning", 3)), 1)
        assert refused(other.reserve("planning", 3.5)) == "over budget: 7.00 + 3.50 > 10.00 USD (month)"

    def test_a_recorded_cost_moves_from_the_reservation_to_the_spend_in_one_write(
        self, make_manifest: MakeManifest, both: Store, guard_for: GuardFor
    ) -> None:
        manifest = make_manifest(budget="{limit_usd: 10, period: month}")
        recorder = Recorder(both, "demo", Redactor([]), collect_samples=False, flush_interval=3600)
        guard, other = guard_for(manifest, both), guard_for(manifest, both)
        try:
            reservation = reserved(guard.reserve("planning", 4.0))
            usage = Usage(
                project="demo",
                role="planning",
                at=clock.now(),
                cost_usd=3.0,
                reservation=reservation.id,
                record_id="usage-1",
            )
            recorder.record(usage)
            guard.settle(reservation, usage.cost_usd, recorded=True)
            # until the usage is written, its estimate stays held, for every process
            assert refused(other.reserve("planning", 6.5)) == "over budget: 4.00 + 6.50 > 10.00 USD (month)"
            assert recorder.flush(timeout=30)
            assert refused(other.reserve("planning", 7.5)) == "over budget: 3.00 + 7.50 > 10.00 USD (month)"
            assert other.refresh() and other.remaining()["planning"] == pytest.approx(7)
            recorder.record(usage)  # the same usage again (a spool replayed): counted once still
            assert recorder.flush(timeout=30)
            assert other.refresh() and other.remaining()["planning"] == pytest.approx(7)
        finally:
            recorder.close()

    def test_the_reservations_of_a_process_that_stopped_renewing_them_lapse(
        self, make_manifest: MakeManifest, both: Store, guard_for: GuardFor, frozen: FakeClock
    ) -> None:
        manifest = make_manifest(budget="{limit_usd: 10, period: month}")
        crashed, alive = guard_for(manifest, both), guard_for(manifest, both)
        reserved(crashed.reserve("planning", 6))
        mine = reserved(alive.reserve("planning", 2))
        frozen.tick(LEASE / 2)
        assert alive.refresh()  # the living renew theirs; the crashed one does not
        frozen.tick(LEASE / 2)
        assert refused(alive.reserve("planning", 8.5)) == "over budget: 2.00 + 8.50 > 10.00 USD (month)"
        assert alive.refresh()
        release(alive, mine)
        reserved(alive.reserve("planning", 10))


class TestConcurrency:
    def test_500_concurrent_requests_against_a_budget_for_100_end_at_the_limit(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(make_manifest(), store)
        outcomes: list[Reservation | OverBudget] = []

        async def request() -> None:
            outcome = await guard.reserve_async("planning", 1.0)
            outcomes.append(outcome)
            if isinstance(outcome, Reservation):
                await asyncio.sleep(0)  # the call to the model: every other request runs meanwhile
                guard.settle(outcome, 1.0, recorded=False)

        async def burst() -> None:
            await asyncio.gather(*(request() for _ in range(500)))

        asyncio.run(burst())
        assert guard.drain(timeout=30)
        granted = [o for o in outcomes if isinstance(o, Reservation)]
        assert len(granted) == 100
        assert guard.refresh() and guard.remaining()["planning"] == pytest.approx(0)
        assert refused(guard.reserve("planning", 0.01)) == "over budget: 100.00 + 0.01 > 100.00 USD (month)"

    def test_threads_of_two_guards_reserving_at_once_never_overshoot(
        self, make_manifest: MakeManifest, store_url: str, guard_for: GuardFor
    ) -> None:
        with Store(store_url) as shared:
            spent(shared, "planning", 37.5)
            guards = [guard_for(make_manifest(), shared), guard_for(make_manifest(), shared)]
            start = threading.Barrier(8)
            granted: list[int] = []

            def worker(guard: BudgetGuard) -> None:
                start.wait()
                mine = 0
                for _ in range(63):  # 504 requests in all
                    outcome = guard.reserve("planning", 0.5)
                    if isinstance(outcome, Reservation):
                        mine += 1
                        guard.settle(outcome, 0.5, recorded=False)
                granted.append(mine)

            threads = [threading.Thread(target=worker, args=(guards[n % 2],)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert all(guard.drain(timeout=30) for guard in guards)
            assert sum(granted) == 125  # (100 - 37.5) / 0.5
            assert guards[0].refresh() and guards[0].remaining()["planning"] == pytest.approx(0)


class TestPeriods:
    @pytest.mark.parametrize(
        ("period", "start"),
        [
            ("day", datetime(2026, 11, 24, tzinfo=timezone.utc)),
            ("week", datetime(2026, 11, 23, tzinfo=timezone.utc)),  # the Monday
            ("month", datetime(2026, 11, 1, tzinfo=timezone.utc)),
            ("total", datetime(1970, 1, 1, tzinfo=timezone.utc)),
        ],
    )
    def test_periods_start_in_utc(self, period: str, start: datetime) -> None:
        berlin_evening = datetime(2026, 11, 24, 9, 30, tzinfo=timezone(timedelta(hours=1)))
        assert period_start(period, berlin_evening) == start  # type: ignore[arg-type]

    def test_a_new_period_starts_from_zero_before_the_next_read(
        self, make_manifest: MakeManifest, store: Store, frozen: FakeClock, guard_for: GuardFor
    ) -> None:
        frozen.move_to("2026-11-24 23:58:00")
        spent(store, "planning", 9.0, at=datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc))
        guard = guard_for(make_manifest(budget="{limit_usd: 10, period: day}"), store)
        settle(guard, guard.reserve("planning", 0.9), 0.9)
        assert refused(guard.reserve("planning", 0.2)) == "over budget: 9.90 + 0.20 > 10.00 USD (day)"
        frozen.move_to("2026-11-25 00:00:00")
        reserved(guard.reserve("planning", 9.5))  # yesterday's 9.90 no longer counts, read or not
        assert guard.refresh()
        assert refused(guard.reserve("planning", 0.6)) == "over budget: 9.50 + 0.60 > 10.00 USD (day)"

    def test_hardware_keeps_accruing_between_reads(
        self, make_manifest: MakeManifest, store: Store, frozen: FakeClock, guard_for: GuardFor
    ) -> None:
        one_h100 = Billing(deployment_id="dep-1", hardware="1x_nvidia_h100_80gb_sxm", replicas=1, cents_per_hour=399)
        store.ledger_sync("demo", "planning", [one_h100], at=datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc), by="t")
        guard = guard_for(make_manifest(budget="{limit_usd: 10, period: day}"), store)
        assert guard.remaining()["planning"] == pytest.approx(6.01)  # an hour at $3.99
        frozen.tick(timedelta(hours=1))
        assert refused(guard.reserve("planning", 2.5)) == "over budget: 7.98 + 2.50 > 10.00 USD (day)"


class TestRefreshThread:
    def test_the_refresher_reads_at_once_and_close_stops_its_thread(
        self, make_manifest: MakeManifest, store: Store
    ) -> None:
        spent(store, "planning", 99.5)
        guard = BudgetGuard(make_manifest(), store)
        refresher = Refresher([guard.refresh], 3600, name="reasoning-refresh-budget").start()
        try:
            assert refused(guard.reserve("planning", 1)) == "over budget: 99.50 + 1.00 > 100.00 USD (month)"
            assert any(t.name == "reasoning-refresh-budget" for t in threading.enumerate())
        finally:
            refresher.close()
            guard.close()
        assert not any(t.name == "reasoning-refresh-budget" for t in threading.enumerate())


PRICED = """\
version: 1
project: demo
budget: {{limit_usd: {limit}, period: month, wait_seconds: {wait}}}
models:
  planning:
    model: org/planning
    hardware: 1x_nvidia_h100_80gb_sxm
    price_per_million_tokens: {{input: 0, output: 10000}}
"""


def until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for another thread to get somewhere; nothing here is asserted on time."""
    done = threading.Event()
    for _ in range(10_000):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("never happened")


class TestWaitingForReservationsToSettle:
    """A request only reservations in flight keep out waits for them to settle (`hold`): 50
    tokens of output cost $0.50, 17 cost $0.17, and a role without history reserves all 50."""

    @pytest.fixture
    def priced(self, tmp_path: Path) -> Callable[..., Manifest]:
        # the longest wait: the driven clock decides when one is over (it never moves by itself), and
        # the real time that also bounds it never runs out before a loaded machine got anywhere
        def make(limit: float = 1.0, wait: float = 60) -> Manifest:
            path = tmp_path / "reasoning.yaml"
            path.write_text(PRICED.format(limit=limit, wait=wait))
            return load(path)

        return make

    def hold_in_thread(self, guard: BudgetGuard) -> tuple[threading.Thread, list[Reservation | OverBudget]]:
        outcome: list[Reservation | OverBudget] = []
        thread = threading.Thread(
            target=lambda: outcome.append(guard.hold("planning", input_tokens=0, max_output_tokens=50))
        )
        thread.start()
        return thread, outcome

    def test_a_role_estimates_from_its_history_only_once_it_has_eight_answers(
        self, priced: Callable[..., Manifest], store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(priced(limit=100), store)
        for n in range(8):
            assert guard.estimate_output("planning", 50) == 50  # 7 answers or fewer: all of max_tokens
            guard.settle(reserved(guard.reserve("planning", 0.5)), 0.17, recorded=True, output_tokens=17 - n)
        assert guard.estimate_output("planning", 50) == 17

    def test_a_request_waits_for_a_reservation_in_flight_and_takes_its_room_when_it_is_released(
        self, priced: Callable[..., Manifest], store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(priced(), store)
        first = reserved(guard.reserve("planning", 0.6))
        thread, outcome = self.hold_in_thread(guard)  # 0.60 + 0.50 > 1.00, but 0.00 + 0.50 is not
        until(lambda: guard.waiting == 1)
        guard.release(first)
        thread.join(30)
        assert reserved(outcome[0]).usd == pytest.approx(0.5) and guard.waiting == 0

    def test_another_processs_settlement_wakes_it_through_the_store(
        self, priced: Callable[..., Manifest], store_url: str, guard_for: GuardFor
    ) -> None:
        with Store(store_url) as shared:
            one, other = guard_for(priced(), shared), guard_for(priced(), shared)
            first = reserved(one.reserve("planning", 0.6))
            thread, outcome = self.hold_in_thread(other)
            until(lambda: other.waiting == 1)
            settle(one, first, 0.17)  # nothing tells `other` but what its poll reads in the store
            thread.join(30)
            assert reserved(outcome[0]).usd == pytest.approx(0.5)
            assert other.refresh() and other.remaining()["planning"] == pytest.approx(0.33)

    def test_it_falls_back_as_it_was_refused_once_the_wait_is_over(
        self, priced: Callable[..., Manifest], store: Store, guard_for: GuardFor, frozen: FakeClock
    ) -> None:
        guard = guard_for(priced(wait=1.5), store)
        reserved(guard.reserve("planning", 0.6))
        thread, outcome = self.hold_in_thread(guard)
        until(lambda: guard.waiting == 1)
        frozen.tick(1.5)
        guard.changed()  # time moved on: the waiter looks at its deadline again
        thread.join(30)
        assert refused(outcome[0]) == (
            "over budget: 0.60 + 0.50 > 1.00 USD (month), still after 1.5 s for requests in flight"
        )
        assert guard.waiting == 0

    def test_it_falls_back_at_once_when_what_is_spent_leaves_no_room(
        self, priced: Callable[..., Manifest], store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "planning", 0.6)
        guard = guard_for(priced(), store)
        outcome = guard.hold("planning", input_tokens=0, max_output_tokens=50)  # no other thread: no wait
        assert refused(outcome) == "over budget: 0.60 + 0.50 > 1.00 USD (month)"
        assert isinstance(outcome, OverBudget) and not outcome.settling

    def test_no_wait_when_one_of_two_budgets_is_spent_though_the_other_only_reserved(
        self, make_manifest: MakeManifest, store: Store, guard_for: GuardFor
    ) -> None:
        spent(store, "coding", 95)
        guard = guard_for(make_manifest(planning_budget="{limit_usd: 10, period: month}"), store)
        reserved(guard.reserve("planning", 5))
        # planning's own 10: 5 reserved + 6 wanted, room once it settles; the global 100 is spent
        outcome = guard.hold("planning", input_tokens=0, max_output_tokens=1_000_000)  # $6
        assert refused(outcome) == "over budget: 100.00 + 6.00 > 100.00 USD (month)"

    def test_a_waiter_falls_back_at_once_when_a_settlement_leaves_no_room(
        self, priced: Callable[..., Manifest], store: Store, guard_for: GuardFor
    ) -> None:
        guard = guard_for(priced(), store)
        first = reserved(guard.reserve("planning", 0.6))
        thread, outcome = self.hold_in_thread(guard)
        until(lambda: guard.waiting == 1)
        settle(guard, first, 0.55)  # cost more than the 0.45 it leaves: no wait can help now
        thread.join(30)
        assert refused(outcome[0]) == "over budget: 0.55 + 0.50 > 1.00 USD (month)"

    @pytest.mark.parametrize(("wait", "admitted", "total"), [(60, 58, 9.86), (0, 20, 3.40)])
    def test_a_cold_burst_uses_the_budget_when_it_waits_and_a_third_of_it_when_it_does_not(
        self,
        priced: Callable[..., Manifest],
        store: Store,
        guard_for: GuardFor,
        wait: float,
        admitted: int,
        total: float,
    ) -> None:
        guard = guard_for(priced(limit=10, wait=wait), store)
        outcomes: list[Reservation | OverBudget] = []

        async def request(everyone_asked: asyncio.Event) -> None:
            outcome = await guard.hold_async("planning", input_tokens=0, max_output_tokens=50)
            outcomes.append(outcome)
            if isinstance(outcome, Reservation):
                await everyone_asked.wait()  # the model answers once all 200 are in flight or waiting
                guard.settle(outcome, 0.17, recorded=False, output_tokens=17)

        async def burst() -> None:
            everyone_asked = asyncio.Event()
            requests = asyncio.gather(*(request(everyone_asked) for _ in range(200)))
            for _ in range(60_000):  # bounded: until every request is answered or waiting
                if len(outcomes) + guard.waiting == 200:
                    break
                await asyncio.sleep(0.001)
            everyone_asked.set()
            await requests

        asyncio.run(burst())
        assert guard.drain(timeout=30)
        granted = [o for o in outcomes if isinstance(o, Reservation)]
        assert len(granted) == admitted  # 20 at $0.50 first; waiting, 38 more at $0.17 once they settled
        assert guard.refresh() and 10 - guard.remaining()["planning"] == pytest.approx(total)  # type: ignore[operator]
