"""The policy walked over its boundaries on the frozen clock: idle limits, shutdown windows on the
days the clocks change, budgets crossing and rolling over, and the hourly cost cap.

The policy is pure; time moves on the fake clock and each test evaluates at `clock.now()`, as
reconcile does.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from controlplane import clock
from controlplane.manifest import Manifest, loads
from controlplane.policy import evaluate, window_occurrence
from controlplane.values.policy import PeriodSpend, PolicyDecision, RoleFacts
from tests.support.clock import FakeClock

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def manifest(roles: str, budget: str = "") -> Manifest:
    return loads(f"version: 1\nproject: demo\n{budget}models:\n{roles}")


def role(name: str = "planning", extra: str = "", hardware: str = "1x_nvidia_h100_80gb_sxm") -> str:
    text = f"  {name}:\n    model: org/small\n    hardware: {hardware}\n"
    return text + "".join(f"    {line}\n" for line in extra.splitlines() if line)


def decide(
    m: Manifest, facts: dict[str, RoleFacts] | None = None, spent: PeriodSpend | None = None
) -> dict[str, PolicyDecision]:
    return evaluate(m, clock.now(), facts or {}, spent=spent)


def running(since: str, last_request: str | None = None, burn_usd_per_hour: float = 0.0) -> RoleFacts:
    return RoleFacts(
        running=True,
        running_since=at(since),
        last_request=at(last_request) if last_request else None,
        burn_usd_per_hour=burn_usd_per_hour,
    )


class TestIdle:
    IDLE = manifest(role(extra="idle_shutdown_minutes: 30"))

    def test_runs_the_minute_before_the_limit_and_stops_the_minute_after(self, frozen: FakeClock) -> None:
        facts = {"planning": running("2026-11-24 08:00", last_request="2026-11-24 08:30")}
        frozen.move_to("2026-11-24 08:59")
        assert decide(self.IDLE, facts)["planning"] == PolicyDecision(role="planning", run=True)
        frozen.move_to("2026-11-24 09:00")
        stop = decide(self.IDLE, facts)["planning"]
        assert (stop.run, stop.rule) == (False, "idle")
        assert stop.reason == "idle 30 min (limit 30); starts again on its next request"
        frozen.move_to("2026-11-24 09:01")
        assert decide(self.IDLE, facts)["planning"].reason.startswith("idle 31 min (limit 30)")

    def test_a_role_that_never_served_counts_from_when_it_started(self, frozen: FakeClock) -> None:
        facts = {"planning": running("2026-11-24 08:30")}
        frozen.move_to("2026-11-24 08:59")
        assert decide(self.IDLE, facts)["planning"].run
        frozen.move_to("2026-11-24 09:12")
        assert decide(self.IDLE, facts)["planning"].reason == (
            "idle 42 min (limit 30), no request since it started; starts again on its next request"
        )

    def test_a_request_before_a_restart_does_not_make_the_restarted_role_idle(self, frozen: FakeClock) -> None:
        facts = {"planning": running("2026-11-24 08:45", last_request="2026-11-23 21:00")}
        frozen.move_to("2026-11-24 09:00")
        assert decide(self.IDLE, facts)["planning"].run

    def test_zero_minutes_means_never(self, frozen: FakeClock) -> None:
        never = manifest(role(extra="idle_shutdown_minutes: 0"))
        facts = {"planning": running("2026-01-01 00:00")}
        assert decide(never, facts)["planning"].run

    def test_a_stopped_idle_role_stays_down_until_a_request_arrives_then_wakes(self, frozen: FakeClock) -> None:
        stopped = RoleFacts(stopped_at=at("2026-11-24 08:31"), stopped_by="idle", last_request=at("2026-11-24 08:01"))
        held = decide(self.IDLE, {"planning": stopped})["planning"]
        assert (held.run, held.rule) == (False, "idle")
        assert held.reason == "idle since 08:31 UTC; starts again on its next request"
        woken = stopped.model_copy(update={"last_request": at("2026-11-24 08:55")})
        wake = decide(self.IDLE, {"planning": woken})["planning"]
        assert (wake.run, wake.rule) == (True, "idle")
        assert wake.reason == "request at 08:55 UTC after the idle stop (wake on demand)"

    def test_a_role_stopped_by_something_else_is_not_held_down_by_idleness(self) -> None:
        facts = {"planning": RoleFacts(stopped_at=at("2026-11-20 22:00"), stopped_by="window")}
        assert decide(self.IDLE, facts)["planning"].run

    def test_an_idle_stopped_role_starts_once_idle_shutdown_is_turned_off(self) -> None:
        off = manifest(role(extra="idle_shutdown_minutes: 0"))
        facts = {"planning": RoleFacts(stopped_at=at("2026-11-24 08:00"), stopped_by="idle")}
        decision = decide(off, facts)["planning"]
        assert decision.run and decision.reason == "idle shutdown is off (idle_shutdown_minutes: 0)"


BERLIN_NIGHTS = 'shutdown_windows:\n  - {cron: "0 22 * * *", duration: 10h, timezone: Europe/Berlin}'


class TestShutdownWindows:
    NIGHTS = manifest(role(extra=BERLIN_NIGHTS))

    @pytest.mark.parametrize(
        ("before_open", "opens", "before_close", "closes"),
        [
            # 22:00 CET on the 28th is 21:00 UTC; 08:00 CEST on the 29th is 06:00 UTC (9 real hours)
            ("2026-03-28 20:59", "2026-03-28 21:00", "2026-03-29 05:59", "2026-03-29 06:00"),
            # the night the clocks go forward has passed: 22:00 CEST is 20:00 UTC
            ("2026-03-29 19:59", "2026-03-29 20:00", "2026-03-30 05:59", "2026-03-30 06:00"),
            # 22:00 CEST on the 24th is 20:00 UTC; 08:00 CET on the 25th is 07:00 UTC (11 real hours)
            ("2026-10-24 19:59", "2026-10-24 20:00", "2026-10-25 06:59", "2026-10-25 07:00"),
            # the night after the clocks went back: 22:00 CET is 21:00 UTC
            ("2026-10-25 20:59", "2026-10-25 21:00", "2026-10-26 06:59", "2026-10-26 07:00"),
        ],
    )
    def test_opens_and_closes_at_local_time_on_the_days_the_clocks_change(
        self, frozen: FakeClock, before_open: str, opens: str, before_close: str, closes: str
    ) -> None:
        frozen.move_to(before_open)
        assert decide(self.NIGHTS)["planning"].run
        frozen.move_to(opens)
        stop = decide(self.NIGHTS)["planning"]
        assert (stop.run, stop.rule, stop.reason) == (False, "window", "shutdown window until 08:00 Europe/Berlin")
        assert stop.until == at(closes)
        frozen.move_to(before_close)
        assert not decide(self.NIGHTS)["planning"].run
        frozen.move_to(closes)
        assert decide(self.NIGHTS)["planning"].run

    def test_a_role_the_window_stopped_starts_saying_it_closed(self, frozen: FakeClock) -> None:
        frozen.move_to("2026-10-25 07:00")
        facts = {"planning": RoleFacts(stopped_at=at("2026-10-24 20:00"), stopped_by="window")}
        start = decide(self.NIGHTS, facts)["planning"]
        assert (start.run, start.rule) == (True, "window")
        assert start.reason == "shutdown window closed at 08:00 Europe/Berlin"

    def test_a_start_time_the_clocks_skip_opens_as_late_as_the_jump_for_its_real_duration(self) -> None:
        skipped = manifest(
            role(extra='shutdown_windows:\n  - {cron: "30 2 * * *", duration: 1h, timezone: Europe/Berlin}')
        )
        window = skipped.models["planning"].shutdown_windows[0]
        # 02:30 does not exist on 2026-03-29 in Berlin: read as 03:30 CEST = 01:30 UTC
        assert window_occurrence(window, at("2026-03-29 02:00")) == (at("2026-03-29 01:30"), at("2026-03-29 02:30"))
        assert window_occurrence(window, at("2026-03-29 01:29")) == (at("2026-03-28 01:30"), at("2026-03-28 02:30"))

    def test_a_start_time_that_happens_twice_opens_the_first_time(self) -> None:
        twice = manifest(
            role(extra='shutdown_windows:\n  - {cron: "30 2 * * *", duration: 1h, timezone: Europe/Berlin}')
        )
        window = twice.models["planning"].shutdown_windows[0]
        # 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET); 03:30 CET is 02:30 UTC
        opens, closes = window_occurrence(window, at("2026-10-25 01:45")) or (None, None)
        assert (opens, closes) == (at("2026-10-25 00:30"), at("2026-10-25 02:30"))

    def test_the_later_of_two_open_windows_is_the_reason(self, frozen: FakeClock) -> None:
        two = manifest(
            role(
                extra="shutdown_windows:\n"
                '  - {cron: "0 12 * * *", duration: 1h, timezone: UTC}\n'
                '  - {cron: "30 12 * * *", duration: 2h, timezone: UTC}'
            )
        )
        frozen.move_to("2026-11-24 12:45")
        assert decide(two)["planning"].reason == "shutdown window until 14:30 UTC"

    def test_a_cron_that_never_fires_never_opens(self) -> None:
        never = manifest(role(extra='shutdown_windows:\n  - {cron: "0 0 30 2 *", duration: 1h, timezone: UTC}'))
        assert window_occurrence(never.models["planning"].shutdown_windows[0], at("2026-03-02 00:30")) is None


MONTHLY = "budget:\n  limit_usd: 500\n  period: month\n"


def spent(usd: str, start: str | None = None, end: str | None = None) -> PeriodSpend:
    """What `costs.spend` reports for one budget: the amount and its period's bounds."""
    return PeriodSpend(usd=Decimal(usd), start=at(start) if start else None, end=at(end) if end else None)


class TestBudgets:
    def test_a_budget_crossed_mid_hour_stops_the_role_until_the_period_ends(self, frozen: FakeClock) -> None:
        m = manifest(role(), budget=MONTHLY)
        frozen.move_to("2026-11-24 10:29")
        assert decide(m, spent=spent("499.99", "2026-11-01 00:00", "2026-12-01 00:00"))["planning"].run
        frozen.move_to("2026-11-24 10:31")
        stop = decide(m, spent=spent("501.2", "2026-11-01 00:00", "2026-12-01 00:00"))["planning"]
        assert (stop.run, stop.rule) == (False, "budget")
        assert stop.reason == "budget spent 501.20 of 500.00 USD this month (resets 2026-12-01 00:00 UTC)"
        assert stop.until == at("2026-12-01 00:00")

    def test_spent_means_at_least_the_limit_exactly_as_the_runtime_guard_counts(self) -> None:
        m = manifest(role(), budget=MONTHLY)
        assert decide(m, spent=spent("499.999999"))["planning"].run
        assert not decide(m, spent=spent("500"))["planning"].run

    @pytest.mark.parametrize(
        ("period", "last_minute", "new_period", "stopped_at"),
        [
            ("month", "2026-11-30 23:59", ("2026-12-01 00:00", "2027-01-01 00:00"), "2026-11-29 10:00"),
            ("week", "2026-11-29 23:59", ("2026-11-30 00:00", "2026-12-07 00:00"), "2026-11-27 10:00"),
            ("day", "2026-11-24 23:59", ("2026-11-25 00:00", "2026-11-26 00:00"), "2026-11-24 18:00"),
        ],
    )
    def test_a_spent_role_starts_again_when_the_period_rolls_over(
        self,
        frozen: FakeClock,
        period: str,
        last_minute: str,
        new_period: tuple[str, str],
        stopped_at: str,
    ) -> None:
        m = manifest(role(extra=f"budget: {{limit_usd: 100, period: {period}}}"))
        over = spent("100.5", end=new_period[0])
        stopped = RoleFacts(stopped_at=at(stopped_at), stopped_by="budget", spent=over)
        frozen.move_to(last_minute)
        held = decide(m, {"planning": stopped})["planning"]
        assert not held.run and held.until == at(new_period[0])
        assert held.reason.startswith("role budget spent 100.50 of 100.00 USD")
        frozen.move_to(new_period[0])
        fresh = stopped.model_copy(update={"spent": spent("0", *new_period)})
        start = decide(m, {"planning": fresh})["planning"]
        assert (start.run, start.rule) == (True, "budget")
        assert start.reason == f"new budget period: {period} from {new_period[0]} UTC"

    def test_raising_the_limit_starts_a_spent_role_within_the_period(self) -> None:
        m = manifest(role(), budget="budget:\n  limit_usd: 600\n  period: month\n")
        stopped = {"planning": RoleFacts(stopped_at=at("2026-11-20 10:00"), stopped_by="budget")}
        start = decide(m, stopped, spent=spent("501.2", "2026-11-01 00:00", "2026-12-01 00:00"))["planning"]
        assert start.run and start.reason == "budget no longer spent: 501.20 of 600.00 USD this month"

    def test_a_total_budget_never_rolls_over(self) -> None:
        m = manifest(role(), budget="budget:\n  limit_usd: 50\n  period: total\n")
        stop = decide(m, spent=spent("50"))["planning"]
        assert stop.until is None
        assert stop.reason == "budget spent 50.00 of 50.00 USD in total; raise the limit to start it"

    def test_a_role_budget_stops_only_that_role(self) -> None:
        m = manifest(role(extra="budget: {limit_usd: 10, period: day}") + role("coding"))
        facts = {"planning": RoleFacts(spent=spent("12")), "coding": RoleFacts(spent=spent("50"))}
        decisions = decide(m, facts)
        assert not decisions["planning"].run and decisions["coding"].run


H100 = "1x_nvidia_h100_80gb_sxm"


class TestMaxCostPerHour:
    CAPPED = manifest(
        role("should_respond", "priority: 10")
        + role("planning", "priority: 5")
        + role("coding", "priority: 0")
        + role("summary", "priority: 0"),
        budget="budget:\n  max_cost_per_hour_usd: 25\n",
    )

    def facts(self, **burns: float) -> dict[str, RoleFacts]:
        return {name: RoleFacts(running=True, burn_usd_per_hour=burn) for name, burn in burns.items()}

    def test_stops_lowest_priority_first_until_under_the_limit(self) -> None:
        decisions = decide(self.CAPPED, self.facts(should_respond=7.98, planning=7.98, coding=7.98, summary=7.98))
        assert [n for n, d in decisions.items() if not d.run] == ["coding"], "same priority and cost: by name"
        assert decisions["coding"].reason == "burn 31.92 USD/h over max 25.00; lowest priority first (priority 0)"

    def test_among_equal_priorities_the_dearer_goes_first_then_the_next_priority(self) -> None:
        burns = self.facts(should_respond=7.98, planning=15.96, coding=3.99, summary=7.98)
        decisions = decide(self.CAPPED, burns)
        stopped = {n: d.reason for n, d in decisions.items() if not d.run}
        assert list(stopped) == ["coding", "summary"]
        assert stopped["summary"].startswith("burn 35.91 USD/h") and stopped["coding"].startswith("burn 27.93 USD/h")

    def test_a_stopped_role_counts_at_its_start_cost_and_starts_once_it_fits(self) -> None:
        facts = self.facts(should_respond=7.98, planning=7.98, coding=7.98)
        facts["summary"] = RoleFacts(stopped_by="max_cost", stopped_at=at("2026-11-24 08:00"), start_usd_per_hour=3.99)
        held = decide(self.CAPPED, facts)["summary"]
        assert (held.run, held.rule) == (False, "max_cost")
        assert held.reason == "burn 27.93 USD/h over max 25.00; lowest priority first (priority 0)"
        facts["summary"] = facts["summary"].model_copy(update={"start_usd_per_hour": 0.5})
        start = decide(self.CAPPED, facts)["summary"]
        assert start.run and start.reason == "burn 24.44 USD/h with it running, within max 25.00"

    def test_idle_roles_go_before_anything_is_stopped_for_cost(self, frozen: FakeClock) -> None:
        frozen.move_to("2026-11-24 12:00")
        m = manifest(
            role("planning", "priority: 0") + role("coding", "priority: 5\nidle_shutdown_minutes: 30"),
            budget="budget:\n  max_cost_per_hour_usd: 10\n",
        )
        facts = {
            "planning": running("2026-11-24 09:00", burn_usd_per_hour=7.98),
            "coding": running("2026-11-24 09:00", burn_usd_per_hour=7.98),
        }
        decisions = decide(m, facts)
        assert decisions["planning"].run and decisions["coding"].rule == "idle"


class TestPrecedence:
    def test_enabled_false_wins_over_everything(self, frozen: FakeClock) -> None:
        frozen.move_to("2026-11-24 23:00")
        m = manifest(role(extra="enabled: false\n" + BERLIN_NIGHTS), budget=MONTHLY)
        decision = decide(m, spent=spent("900"))["planning"]
        assert (decision.rule, decision.reason) == ("manifest", "enabled: false")

    def test_between_a_budget_and_a_window_the_one_that_lifts_later_is_the_reason(self, frozen: FakeClock) -> None:
        m = manifest(role(extra=BERLIN_NIGHTS), budget="budget:\n  limit_usd: 500\n  period: day\n")
        frozen.move_to("2026-11-24 22:00")  # window until 07:00 UTC tomorrow; the day's budget resets at 00:00
        assert decide(m, spent=spent("600", "2026-11-24 00:00", "2026-11-25 00:00"))["planning"].rule == "window"
        m = manifest(role(extra=BERLIN_NIGHTS), budget=MONTHLY)
        month = spent("600", "2026-11-01 00:00", "2026-12-01 00:00")
        assert decide(m, spent=month)["planning"].rule == "budget"

    def test_a_window_wins_over_idleness(self, frozen: FakeClock) -> None:
        frozen.move_to("2026-11-24 23:00")
        m = manifest(role(extra="idle_shutdown_minutes: 30\n" + BERLIN_NIGHTS))
        assert decide(m, {"planning": running("2026-11-24 09:00")})["planning"].rule == "window"

    def test_decisions_do_not_depend_on_the_order_roles_are_written(self) -> None:
        a = manifest(role("coding") + role("planning"), budget="budget:\n  max_cost_per_hour_usd: 5\n")
        b = manifest(role("planning") + role("coding"), budget="budget:\n  max_cost_per_hour_usd: 5\n")
        facts = {n: RoleFacts(running=True, burn_usd_per_hour=3.99) for n in ("coding", "planning")}
        assert decide(a, facts) == decide(b, facts)
        assert [n for n, d in decide(a, facts).items() if not d.run] == ["coding"]
