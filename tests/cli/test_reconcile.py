"""`reasoning reconcile` on the quickstart and the in-process simulator, through time.

The clock is frozen at 09:00 UTC (10:00 in Berlin, outside the planning role's shutdown
window); tests move it and run rounds as cron would. Nothing sleeps: `--interval` rounds wait
on `clock.sleep`, which ticks the frozen clock.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from controlplane import clock
from controlplane.store import Sample, Store
from controlplane.values import RoutingDecision
from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.support.project import edit


@pytest.fixture
def applied(frozen: FakeClock, run: Run, quickstart: Path) -> Path:
    result = run("apply", "-f", str(quickstart), "--auto-approve")
    assert result.code == 0, result.text
    return quickstart


@pytest.fixture
def store(quickstart: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{quickstart.parent}/.reasoning/state.db") as opened:
        yield opened


def reconcile(run: Run, manifest: Path, *args: str) -> str:
    result = run("reconcile", "-f", str(manifest), *args)
    assert result.code == 0, result.text
    return result.out


def states(run: Run, manifest: Path) -> dict[str, str]:
    status = json.loads(run("status", "-f", str(manifest), "--json").out)
    return {r["role"]: r["state"] for r in status["roles"]}


def up(store: Store) -> dict[str, bool]:
    """What the runtime reads: enabled and not stopped in the applied state."""
    return {name: a.enabled and not a.spec.stopped for name, a in store.applied("quickstart").items()}


class TestIdleShutdown:
    def test_stops_idle_roles_after_their_idle_time_and_prints_nothing_before(
        self, applied: Path, run: Run, frozen: FakeClock, store: Store
    ) -> None:
        assert reconcile(run, applied, "--once") == "", "nothing changed: nothing printed"
        frozen.move_to("2026-11-24 09:29:59")  # apply made both roles at 09:00:00
        assert reconcile(run, applied) == ""
        frozen.move_to("2026-11-24 09:30:00")
        out = reconcile(run, applied, "--once")
        reason = "idle 30 min (limit 30), no request since it started; starts again on its next request"
        assert f"2026-11-24 09:30:00 UTC  should_respond: stop: {reason}" in out
        assert f"planning: stop: {reason}" in out
        assert up(store) == {"planning": False, "should_respond": False}
        frozen.tick(timedelta(seconds=5))
        assert states(run, applied) == {"coding": "ABSENT", "planning": "STOPPED", "should_respond": "STOPPED"}
        assert reconcile(run, applied) == "", "a second round has nothing left to do"

    def test_events_show_who_stopped_what_and_why(self, applied: Path, run: Run, frozen: FakeClock) -> None:
        frozen.move_to("2026-11-24 09:31")
        reconcile(run, applied)
        timeline = run("events", "-f", str(applied), "--role", "planning")
        assert timeline.code == 0
        rows = [re.split(r"\s{2,}", line.strip()) for line in timeline.out.splitlines()[1:]]
        assert rows[0][1:2] + rows[0][3:] == ["planning", "create", "not deployed yet"]
        assert rows[1] == [
            "2026-11-24 09:31:00",
            "planning",
            "reconcile",
            "stop",
            "idle 31 min (limit 30), no request since it started; starts again on its next request",
        ]
        events = json.loads(run("events", "-f", str(applied), "--json", "--since", "10m").out)["events"]
        assert [(e["role"], e["actor"], e["kind"], e["detail"]["policy"]) for e in events] == [
            ("planning", "reconcile", "stop", "idle"),
            ("should_respond", "reconcile", "stop", "idle"),
        ]

    def test_a_request_after_the_stop_starts_the_role_again(
        self, applied: Path, run: Run, frozen: FakeClock, store: Store
    ) -> None:
        frozen.move_to("2026-11-24 09:31")
        reconcile(run, applied)
        frozen.move_to("2026-11-24 09:40")
        # the proxy sends a request for the stopped role to the fallback, and records it
        store.record_usage("quickstart", "planning", at=clock.now(), outcome="fallback", reason="role stopped")
        frozen.move_to("2026-11-24 09:41")
        out = reconcile(run, applied)
        assert out.strip() == (
            "2026-11-24 09:41:00 UTC  planning: start: request at 09:40 UTC after the idle stop (wake on demand)"
        )
        assert up(store) == {"planning": True, "should_respond": False}
        frozen.tick(timedelta(seconds=10))
        assert states(run, applied)["planning"] == "READY"
        started = run("events", "-f", str(applied), "--json", "--since", "1m").out
        assert json.loads(started)["events"][0]["detail"]["policy"] == "idle"

    def test_apply_does_not_restart_a_role_the_policy_holds_stopped(
        self, applied: Path, run: Run, frozen: FakeClock
    ) -> None:
        frozen.move_to("2026-11-24 09:31")
        reconcile(run, applied)
        result = run("apply", "-f", str(applied), "--auto-approve")
        assert result.code == 0 and "No changes." in result.out
        plan = run("plan", "-f", str(applied)).out  # held roles are shown without -v: they say why
        assert "planning        noop     stopped; held by policy: idle since 09:31 UTC" in plan
        assert "(1 role(s) unchanged)" in plan, "only coding, disabled in the file, goes unmentioned"


BUDGET = "budget:\n  limit_usd: 500\n  period: month\n"


class TestBudget:
    @pytest.fixture
    def budgeted(self, quickstart: Path) -> Path:
        """$10 a period; no idle shutdown, so only the budget stops anything."""
        edit(quickstart, "    idle_shutdown_minutes: 30\n", "", count=2)
        return quickstart

    @pytest.mark.parametrize(
        ("period", "rollover"),
        [("day", "2026-11-25 00:00"), ("week", "2026-11-30 00:00"), ("month", "2026-12-01 00:00")],
    )
    def test_stops_when_the_budget_is_crossed_mid_hour_and_starts_when_the_period_rolls_over(
        self, budgeted: Path, run: Run, frozen: FakeClock, store: Store, period: str, rollover: str
    ) -> None:
        edit(budgeted, BUDGET, f"budget:\n  limit_usd: 10\n  period: {period}\n")
        assert run("apply", "-f", str(budgeted), "--auto-approve").code == 0
        # two roles of one $3.99/h replica each: $7.98/h, so $10 is spent at about 10:15:11
        frozen.move_to("2026-11-24 10:15")
        assert reconcile(run, budgeted) == ""
        frozen.move_to("2026-11-24 10:16")
        out = reconcile(run, budgeted)
        end = f"{rollover} UTC"
        assert f"should_respond: stop: budget spent 10.11 of 10.00 USD {THIS[period]} (resets {end})" in out
        assert up(store) == {"planning": False, "should_respond": False}
        spent = json.loads(run("costs", "report", "-f", str(budgeted), "--json").out)["budget"]["spent_usd"]
        assert 10 <= spent <= 10 + 7.98 / 60, "overshoot at most one (minute-long) interval's burn"
        frozen.move_to(rollover)
        frozen.tick(timedelta(seconds=-60))
        assert reconcile(run, budgeted) == "", "still spent the minute before the rollover"
        frozen.move_to(rollover)
        out = reconcile(run, budgeted, "-v")
        assert f"should_respond: start: new budget period: {period} from {end}" in out
        # 00:00 UTC is 01:00 in Berlin: planning's shutdown window holds it, and says so
        assert "planning: stopped; held by policy: shutdown window until 08:00 Europe/Berlin" in out


THIS = {"day": "today", "week": "this week", "month": "this month"}


class TestMaxCostPerHour:
    def test_a_burn_over_the_limit_stops_the_lowest_priority_role(
        self, applied: Path, run: Run, frozen: FakeClock, quickstart: Path
    ) -> None:
        from controlplane.manifest import load
        from controlplane.project import open_project

        edit(quickstart, "max_cost_per_hour_usd: 25", "max_cost_per_hour_usd: 12")
        with open_project(load(quickstart)) as project:  # a colleague scales planning in the console
            planning = project.provider.endpoint("planning")
            assert planning is not None
            project.provider.client.scale_deployment(
                planning.id, planning.deployments[0].id, min_replicas=3, max_replicas=3
            )
        frozen.tick(timedelta(seconds=5))
        out = reconcile(run, quickstart)
        assert "planning: stop: burn 15.96 USD/h over max 12.00; lowest priority first (priority 0)" in out
        assert "should_respond" not in out


class TestRetention:
    def test_deletes_samples_past_retention_and_over_the_count_oldest_first(
        self, applied: Path, run: Run, store: Store, quickstart: Path
    ) -> None:
        edit(quickstart, "max_samples_per_model: 10000", "max_samples_per_model: 3")
        now = clock.now()
        store.record(
            samples=[sample("planning", now - timedelta(days=31, minutes=m)) for m in range(2)]
            + [sample("planning", now - timedelta(minutes=m)) for m in range(5)]
            + [sample("should_respond", now - timedelta(days=29))]
        )
        out = reconcile(run, quickstart)
        assert "all roles: retention: deleted 2 training sample(s) older than 30 days (before 2026-10-25 09:00" in out
        assert "planning: retention: deleted 2 oldest training sample(s) over max_samples_per_model 3" in out
        kept = store.samples("quickstart", role="planning")
        assert [s.at for s in kept] == [now - timedelta(minutes=m) for m in (2, 1, 0)]
        assert store.sample_counts("quickstart") == {"planning": 3, "should_respond": 1}
        events = json.loads(run("events", "-f", str(quickstart), "--json").out)["events"]
        assert [(e["role"], e["kind"], e["detail"]) for e in events if e["kind"] == "retention"] == [
            (None, "retention", {"samples": 2}),
            ("planning", "retention", {"samples": 2}),
        ]

    def test_routing_decisions_past_retention_go_unless_labeled(
        self, applied: Path, run: Run, store: Store, quickstart: Path
    ) -> None:
        now = clock.now()
        store.record_decisions([decision(now - timedelta(days=31, minutes=m)) for m in range(3)])
        store.record_decisions([decision(now - timedelta(days=29))])
        labeled = min(store.decisions("quickstart"), key=lambda d: d.at)
        assert labeled.id is not None and store.label_decision("quickstart", labeled.id, "coding", now)

        dry = reconcile(run, quickstart, "--dry-run")
        assert "all roles: retention: would delete 2 unlabeled routing decision(s) older than 30 days" in dry
        assert store.decision_count("quickstart") == 4
        out = reconcile(run, quickstart)
        assert "all roles: retention: deleted 2 unlabeled routing decision(s) older than 30 days (before" in out
        kept = store.decisions("quickstart")
        assert sorted(d.at for d in kept) == [labeled.at, now - timedelta(days=29)]
        events = json.loads(run("events", "-f", str(quickstart), "--json").out)["events"]
        assert [(e["kind"], e["detail"]) for e in events if e["kind"] == "retention"] == [
            ("retention", {"samples": 0, "decisions": 2})
        ]
        cleaned = run("data", "cleanup", "-f", str(quickstart))  # the same rule: nothing left to delete
        assert cleaned.code == 0 and "Nothing to delete" in cleaned.out, cleaned.text


def decision(at: datetime) -> RoutingDecision:
    return RoutingDecision(
        project="quickstart", at=at, api="anthropic", role=None, reason="no rule matched", score=0.2,
        decision="not_coding", features={"w:cook": 1.0}, request={"messages": []},
    )  # fmt: skip


def sample(role: str, at: datetime) -> Sample:
    return Sample(project="quickstart", role=role, at=at, source="custom", prompt={"m": 1}, answer="a")


class TestDryRun:
    def test_shows_what_would_change_and_changes_nothing(
        self, applied: Path, run: Run, frozen: FakeClock, store: Store
    ) -> None:
        store.record(samples=[sample("planning", clock.now() - timedelta(days=40))])
        frozen.move_to("2026-11-24 09:31")
        before = store.events("quickstart")
        out = reconcile(run, applied, "--dry-run")
        assert "should_respond: would stop: idle 31 min" in out
        assert "all roles: retention: would delete 1 training sample(s) older than 30 days" in out
        assert store.events("quickstart") == before and store.sample_counts("quickstart") == {"planning": 1}
        assert up(store) == {"planning": True, "should_respond": True}
        assert states(run, applied)["planning"] == "READY"
        data = json.loads(reconcile(run, applied, "--dry-run", "--json"))
        assert data["dry_run"] is True and [c["kind"] for c in data["changes"]] == ["stop", "stop"]


class TestForSchedulers:
    def test_a_held_lock_exits_3_with_one_line(self, applied: Path, run: Run, store: Store) -> None:
        store.acquire_lock("quickstart", "ci-job-7", now=clock.now(), ttl=timedelta(minutes=5), lock_id="0b5e55ed")
        result = run("reconcile", "-f", str(applied))
        assert result.code == 3
        assert result.err.strip().splitlines() == [
            "reconcile skipped: project quickstart is locked by ci-job-7 since 2026-11-24 09:00:04 UTC "
            "(expires 09:05:04 UTC); lock id 0b5e55ed"
        ]
        assert result.out == ""

    def test_an_unreachable_provider_exits_4(self, applied: Path, run: Run) -> None:
        from controlplane.provider.simulator.world import Fault, WorldFile

        with WorldFile(applied.parent / ".reasoning" / "simulator.json").session() as world:
            world.faults.append(Fault(path_regex=".", status=503, times=5))
        result = run("reconcile", "-f", str(applied))
        assert result.code == 4 and result.err.startswith("reconcile failed: provider unavailable: ")
        assert "Traceback" not in result.err

    def test_other_errors_exit_1_through_the_cli_boundary(self, applied: Path, run: Run, quickstart: Path) -> None:
        edit(quickstart, "period: month", "period: fortnight")
        result = run("reconcile", "-f", str(quickstart))
        assert result.code == 1 and "budget.period" in result.err

    def test_json_is_versioned_and_printed_even_when_nothing_changed(self, applied: Path, run: Run) -> None:
        data = json.loads(reconcile(run, applied, "--json"))
        assert data["format_version"] == "1" and data["changes"] == [] and data["dry_run"] is False
        assert {r["role"]: r["kind"] for r in data["roles"]} == {
            "coding": "noop",
            "planning": "noop",
            "should_respond": "noop",
        }

    def test_verbose_says_what_each_role_is_doing_when_nothing_changed(self, applied: Path, run: Run) -> None:
        out = reconcile(run, applied, "-v")
        assert "should_respond: up to date" in out and "0 change(s); running cost $11.97/h" in out

    def test_once_and_interval_exclude_each_other(self, applied: Path, run: Run) -> None:
        result = run("reconcile", "-f", str(applied), "--once", "--interval", "60s")
        assert result.code == 1 and "--once and --interval exclude each other" in result.err


class TestInterval:
    def test_runs_rounds_on_the_clock_and_prints_only_the_rounds_that_changed(self, applied: Path, run: Run) -> None:
        out = reconcile(run, applied, "--interval", "10m", "--max-rounds", "5")
        assert clock.now().strftime("%H:%M") == "09:40", "four sleeps of 10 minutes between five rounds"
        lines = out.splitlines()
        assert len(lines) == 2 and all(line.startswith("2026-11-24 09:30:04 UTC") for line in lines)

    def test_json_with_an_interval_prints_one_line_per_round(self, applied: Path, run: Run) -> None:
        lines = reconcile(run, applied, "--interval", "1m", "--max-rounds", "3", "--json").splitlines()
        assert [json.loads(line)["format_version"] for line in lines] == ["1", "1", "1"]

    def test_sigterm_while_sleeping_ends_the_loop_cleanly(
        self, applied: Path, run: Run, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(clock, "sleep", lambda seconds: signal.raise_signal(signal.SIGTERM))
        result = run("reconcile", "-f", str(applied), "--interval", "60s")
        assert result.code == 0 and result.err.strip() == "reconcile stopped by SIGTERM after 1 round(s)"
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the previous handler is back"

    def test_sigterm_during_a_round_lets_it_finish_then_stops(
        self, applied: Path, run: Run, frozen: FakeClock, monkeypatch: pytest.MonkeyPatch, store: Store
    ) -> None:
        from controlplane import reconcile as library

        real = library.reconcile

        def interrupted(*args: object, **kwargs: object) -> object:
            signal.raise_signal(signal.SIGTERM)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(library, "reconcile", interrupted)
        frozen.move_to("2026-11-24 09:31")
        result = run("reconcile", "-f", str(applied), "--interval", "60s", "--max-rounds", "5")
        assert result.code == 0 and "after 1 round(s)" in result.err
        assert "should_respond: stop: idle" in result.out, "the round in progress finished"
        assert up(store) == {"planning": False, "should_respond": False}

    def test_a_failing_round_is_reported_and_the_loop_goes_on(self, applied: Path, run: Run, store: Store) -> None:
        store.acquire_lock("quickstart", "ci-job-7", now=clock.now(), ttl=timedelta(minutes=2))
        result = run("reconcile", "-f", str(applied), "--interval", "1m", "--max-rounds", "4")
        assert result.code == 0, "the last round ran: the lock had expired by then"
        assert result.err.count("reconcile skipped: project quickstart is locked by ci-job-7") == 2
