"""Spend and the cost report, derived from ledger intervals and usage in the store (both databases).

Expectations are written out by hand from the intervals each test records (price x replicas x
time), never computed with the ledger's own arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from controlplane import costs
from controlplane.errors import ReasoningError
from controlplane.manifest import Manifest, load
from controlplane.store import Billing, Store

H100, H100x2 = "1x_nvidia_h100_80gb_sxm", "2x_nvidia_h100_80gb_sxm"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)  # a Tuesday
ROLES = """\
models:
  planning: {model: org/planning, hardware: 1x_nvidia_h100_80gb_sxm, replicas: 2}
  coding: {model: org/coding, hardware: 2x_nvidia_h100_80gb_sxm, replicas: 1}
"""

MakeManifest = Callable[..., Manifest]


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


@pytest.fixture
def manifest(tmp_path: Path) -> MakeManifest:
    def make(budget: str = "{limit_usd: 100, period: month}", roles: str = ROLES) -> Manifest:
        path = tmp_path / "reasoning.yaml"
        path.write_text(f"version: 1\nproject: demo\nbudget: {budget}\n{roles}")
        return load(path)

    return make


def run(
    store: Store,
    role: str,
    start: datetime,
    end: datetime | None,
    *,
    replicas: int,
    cents: int = 399,
    deployment: str | None = None,
) -> None:
    """The role ran one deployment from `start` to `end` (None: still runs) at these terms."""
    hardware = H100 if cents == 399 else H100x2
    terms = Billing(
        deployment_id=deployment or f"dep-{role}", hardware=hardware, replicas=replicas, cents_per_hour=cents
    )
    store.ledger_sync("demo", role, [terms], at=start, by="test")
    if end is not None:
        store.ledger_sync("demo", role, [], at=end, by="test")


def nov(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


def usd(text: str) -> Decimal:
    return Decimal(text)


class TestPeriods:
    @pytest.mark.parametrize(
        ("period", "now", "start", "end"),
        [
            ("day", "2026-11-24 23:59:59", "2026-11-24", "2026-11-25"),
            ("week", "2026-11-24 12:00:00", "2026-11-23", "2026-11-30"),  # Tuesday -> Monday
            ("week", "2026-11-30 00:00:00", "2026-11-30", "2026-12-07"),  # Monday midnight starts one
            ("week", "2026-11-29 23:59:59", "2026-11-23", "2026-11-30"),  # Sunday still the old one
            ("month", "2026-12-31 23:00:00", "2026-12-01", "2027-01-01"),
            ("month", "2028-02-29 10:00:00", "2028-02-01", "2028-03-01"),
        ],
    )
    def test_calendar_periods_in_utc(self, period: costs.Period, now: str, start: str, end: str) -> None:
        def utc(text: str) -> datetime:
            return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

        assert costs.period_bounds(period, utc(now)) == (utc(start), utc(end))

    def test_total_has_no_bounds(self) -> None:
        assert costs.period_bounds("total", NOW) == (None, None)


class TestSpend:
    def test_a_role_that_ran_90_minutes_at_2_replicas_of_399_spent_11_97(
        self, store: Store, manifest: MakeManifest
    ) -> None:
        run(store, "planning", NOW - timedelta(hours=3), NOW - timedelta(minutes=90), replicas=2)
        spend = costs.spend(store, manifest(), NOW)
        assert spend.roles["planning"].usd == usd("11.97") and spend.usd == usd("11.97")
        assert spend.roles["coding"].usd == 0  # every role of the manifest is listed

    def test_clips_to_the_period_and_counts_the_open_interval_up_to_now(
        self, store: Store, manifest: MakeManifest
    ) -> None:
        # coding has run since 2026-11-23 22:00 at $7.98/h; the day began 14 h ago
        run(store, "coding", NOW - timedelta(hours=14), None, replicas=1, cents=798)
        day = costs.spend(store, manifest("{limit_usd: 100, period: day}"), NOW)
        week = costs.spend(store, manifest("{limit_usd: 100, period: week}"), NOW)
        assert (day.start, day.end) == (
            datetime(2026, 11, 24, tzinfo=timezone.utc),
            datetime(2026, 11, 25, tzinfo=timezone.utc),
        )
        assert day.usd == usd("7.98") * 12  # 00:00 -> 12:00
        assert week.usd == usd("7.98") * 14
        assert day.burn_usd_per_hour == usd("7.98") == day.roles["coding"].burn_usd_per_hour

    def test_a_budget_crossing_mid_hour_is_seen_at_the_minute(self, store: Store, manifest: MakeManifest) -> None:
        # $11.97/h from 09:00: $35.91 at 12:00, $50 reached at 13:10:15.6 exactly
        run(store, "planning", NOW - timedelta(hours=3), None, replicas=3)
        monthly = manifest("{limit_usd: 50, period: month}")
        before = costs.spend(store, monthly, NOW + timedelta(minutes=70))
        after = costs.spend(store, monthly, NOW + timedelta(minutes=71))
        assert before.usd == usd("49.8750") and not before.budget.exceeded
        assert after.usd == usd("50.0745") and after.budget.exceeded
        assert after.budget.remaining_usd == usd("-0.0745")

    def test_adds_request_costs_from_usage_in_the_period(self, store: Store, manifest: MakeManifest) -> None:
        store.record_usage("demo", "planning", at=datetime(2026, 10, 31, 23, 59, tzinfo=timezone.utc), cost_usd=5)
        store.record_usage("demo", "planning", at=datetime(2026, 11, 1, tzinfo=timezone.utc), cost_usd=0.000333)
        store.record_usage("demo", "planning", at=NOW, cost_usd=0.25)  # at `now`: it happened
        store.record_usage("demo", "planning", at=NOW + timedelta(seconds=1), cost_usd=7)  # not yet
        run(store, "planning", NOW - timedelta(hours=1), None, replicas=1)
        role = costs.spend(store, manifest(), NOW).roles["planning"]
        assert role.requests_usd == usd("0.250333") and role.hardware_usd == usd("3.99")
        assert role.usd == usd("4.240333")

    def test_a_role_removed_from_the_manifest_still_counts(self, store: Store, manifest: MakeManifest) -> None:
        run(store, "retired", NOW - timedelta(hours=2), NOW - timedelta(hours=1), replicas=1)
        spend = costs.spend(store, manifest(), NOW)
        assert spend.roles["retired"].usd == usd("3.99") and spend.usd == usd("3.99")

    def test_a_role_budget_keeps_its_own_period(self, store: Store, manifest: MakeManifest) -> None:
        roles = ROLES.replace("replicas: 2}", "replicas: 2, budget: {limit_usd: 40, period: day}}")
        run(store, "planning", NOW - timedelta(days=2), None, replicas=1)  # since Sunday 12:00
        spend = costs.spend(store, manifest("{limit_usd: 1000, period: week}", roles), NOW)
        planning = spend.roles["planning"]
        assert planning.usd == usd("3.99") * 36  # the week began Monday 00:00
        assert planning.budget is not None and planning.budget.period == "day"
        assert planning.budget.usd == usd("3.99") * 12 and planning.budget.limit_usd == 40
        assert planning.budget.exceeded is True and spend.roles["coding"].budget is None

    def test_projects_the_end_of_the_period_from_the_burn_now(self, store: Store, manifest: MakeManifest) -> None:
        run(store, "planning", NOW - timedelta(hours=12), None, replicas=1)
        spend = costs.spend(store, manifest("{limit_usd: 500, period: day}"), NOW)
        # spent 12 h x 3.99 = 47.88, burning 3.99/h for the 12 h left
        assert spend.budget.projected_usd(NOW) == usd("95.76")
        assert costs.spend(store, manifest("{limit_usd: 500, period: total}"), NOW).budget.projected_usd(NOW) is None

    def test_without_a_limit_nothing_is_exceeded(self, store: Store, manifest: MakeManifest) -> None:
        run(store, "planning", NOW - timedelta(hours=1), None, replicas=1)
        spend = costs.spend(store, manifest("{period: day}"), NOW)
        assert spend.limit_usd is None and spend.budget.remaining_usd is None and not spend.budget.exceeded


class TestReport:
    @pytest.fixture(autouse=True)
    def history(self, store: Store) -> None:
        """planning: 2 x $3.99 from Nov 22 22:30 to Nov 23 01:15, then 1 x from Nov 24 10:45 on;
        coding: 1 x $7.98 on Nov 23 from 09:20 to 09:50; a $0.40 request on Nov 23 at 00:10."""
        run(store, "planning", nov(22, 22, 30), nov(23, 1, 15), replicas=2)
        run(store, "coding", nov(23, 9, 20), nov(23, 9, 50), replicas=1, cents=798)
        store.record_usage("demo", "planning", at=nov(23, 0, 10), cost_usd=0.4)
        run(store, "planning", nov(24, 10, 45), None, replicas=1, deployment="dep-2")

    def test_by_role_totals_match_the_intervals(self, store: Store, manifest: MakeManifest) -> None:
        report = costs.report(store, manifest(), now=NOW)
        roles = {r.role: r for r in report.roles}
        # 2.75 h x 2 x 3.99 = 21.945; 1.25 h x 3.99 = 4.9875; + 0.40 request
        assert roles["planning"].hardware_usd == usd("26.9325") and roles["planning"].requests_usd == usd("0.4")
        assert roles["planning"].replica_hours == usd("6.75") and roles["planning"].requests == 1
        assert roles["coding"].usd == usd("3.99")
        assert report.usd == usd("31.3225") and report.buckets == ()
        assert report.since == datetime(2026, 11, 1, tzinfo=timezone.utc) and report.until == NOW

    def test_by_day_buckets_are_utc_days_that_add_up_to_the_total(self, store: Store, manifest: MakeManifest) -> None:
        report = costs.report(
            store, manifest(), now=NOW, since=datetime(2026, 11, 22, 12, tzinfo=timezone.utc), by="day"
        )
        days = [(b.start.day, b.end.day, b.usd) for b in report.buckets]
        assert days == [
            (22, 23, usd("11.97")),  # 22:30-24:00 at 2 x 3.99
            (23, 24, usd("9.975") + usd("0.4") + usd("3.99")),  # 00:00-01:15, the request, coding
            (24, 24, usd("4.9875")),  # 10:45-12:00 (now)
        ]
        assert report.buckets[0].start == datetime(2026, 11, 22, 12, tzinfo=timezone.utc)  # clipped to since
        assert report.buckets[-1].end == NOW
        assert sum(b.usd for b in report.buckets) == report.usd

    def test_by_hour_splits_mid_hour_changes(self, store: Store, manifest: MakeManifest) -> None:
        report = costs.report(
            store,
            manifest(),
            now=NOW,
            since=datetime(2026, 11, 23, 0, tzinfo=timezone.utc),
            until=datetime(2026, 11, 23, 10, tzinfo=timezone.utc),
            by="hour",
        )
        hours = {b.start.hour: b.roles for b in report.buckets if b.roles}
        assert len(report.buckets) == 10
        assert hours == {
            0: {"planning": usd("7.98") + usd("0.4")},
            1: {"planning": usd("1.995")},  # 15 minutes at 2 replicas
            9: {"coding": usd("3.99")},  # 09:20-09:50
        }

    def test_until_in_the_future_is_cut_to_now(self, store: Store, manifest: MakeManifest) -> None:
        report = costs.report(store, manifest(), now=NOW, until=NOW + timedelta(days=3))
        assert report.until == NOW

    def test_a_total_budget_reports_from_the_first_record(self, store: Store, manifest: MakeManifest) -> None:
        report = costs.report(store, manifest("{limit_usd: 100, period: total}"), now=NOW)
        assert report.since == datetime(2026, 11, 22, 22, 30, tzinfo=timezone.utc)
        assert report.spend.usd == report.usd == usd("31.3225")

    def test_json_is_versioned_and_rounded_to_the_cent(self, store: Store, manifest: MakeManifest) -> None:
        data = costs.report(store, manifest(), now=NOW, by="day").as_json()
        assert data["format_version"] == "1" and data["total_usd"] == 31.32
        assert data["budget"] == {
            "period": "month",
            "start": "2026-11-01T00:00:00+00:00",
            "end": "2026-12-01T00:00:00+00:00",
            "limit_usd": 100.0,
            "spent_usd": 31.32,
            "remaining_usd": 68.68,
            "burn_usd_per_hour": 3.99,
            "projected_usd": 653.76,  # 31.3225 + 3.99 x the 156 hours left of November
            "projection": costs.PROJECTION,
            "roles": {},
        }

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"by": "week"}, "cannot group a cost report by 'week': not one of role, day, hour"),
            (
                {"since": NOW, "until": NOW - timedelta(hours=1)},
                "starts 2026-11-24 12:00 UTC, not before its end 2026-11-24 11:00",
            ),
            ({"since": NOW + timedelta(hours=1)}, "(the end is cut to now)"),
        ],
    )
    def test_bad_arguments_are_named(
        self, store: Store, manifest: MakeManifest, arguments: dict[str, object], message: str
    ) -> None:
        with pytest.raises(ReasoningError, match=message.replace("(", r"\(").replace(")", r"\)")):
            costs.report(store, manifest(), now=NOW, **arguments)  # type: ignore[arg-type]
