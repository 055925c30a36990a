"""`reasoning costs set-budget` and `costs auto-shutdown`: the original service's cost commands, as
in-place edits of `reasoning.yaml` (comments kept, the diff shown) that the next plan reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controlplane.manifest import load
from tests.support.cli import Run

pytestmark = pytest.mark.usefixtures("frozen")


class TestSetBudget:
    def test_sets_the_global_budget_in_one_line(self, run: Run, quickstart: Path) -> None:
        before = quickstart.read_text().splitlines()
        result = run("costs", "set-budget", "150", "-f", str(quickstart))
        assert result.code == 0, result.text
        after = quickstart.read_text().splitlines()
        assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
            ("  limit_usd: 500", "  limit_usd: 150")
        ]
        assert "+  limit_usd: 150" in result.out and load(quickstart).budget.limit_usd == 150

    def test_sets_the_period_too(self, run: Run, quickstart: Path) -> None:
        assert run("costs", "set-budget", "20", "--period", "day", "-f", str(quickstart)).code == 0
        budget = load(quickstart).budget
        assert (budget.limit_usd, budget.period) == (20, "day")

    def test_a_role_budget_is_written_under_the_role(self, run: Run, quickstart: Path) -> None:
        result = run(
            "costs", "set-budget", "40.5", "--role", "should-respond", "--period", "week", "-f", str(quickstart)
        )
        assert result.code == 0, result.text
        role = load(quickstart).models["should_respond"]
        assert role.budget is not None and (role.budget.limit_usd, role.budget.period) == (40.5, "week")
        assert "+    budget:\n+      limit_usd: 40.5\n+      period: week\n" in result.out

    def test_a_bad_amount_or_period_changes_nothing(self, run: Run, quickstart: Path) -> None:
        before = quickstart.read_text()
        negative = run("costs", "set-budget", "-f", str(quickstart), "--", "-5")
        assert negative.code == 1 and "budget.limit_usd" in negative.err
        period = run("costs", "set-budget", "5", "--period", "fortnight", "-f", str(quickstart))
        assert period.code == 1 and "--period fortnight" in period.err
        assert quickstart.read_text() == before

    def test_plan_warns_against_the_new_budget(self, run: Run, quickstart: Path) -> None:
        assert run("costs", "set-budget", "5000", "-f", str(quickstart)).code == 0
        assert json.loads(run("plan", "-f", str(quickstart), "--json").out)["warnings"] == []
        assert run("costs", "set-budget", "50", "-f", str(quickstart)).code == 0
        warnings = json.loads(run("plan", "-f", str(quickstart), "--json").out)["warnings"]
        assert len(warnings) == 1 and "against a limit of $50.00" in warnings[0]


class TestAutoShutdown:
    def test_sets_the_default_and_names_the_roles_that_keep_their_own(self, run: Run, quickstart: Path) -> None:
        result = run("costs", "auto-shutdown", "--minutes", "15", "-f", str(quickstart))
        assert result.code == 0, result.text
        assert "+defaults:\n+  idle_shutdown_minutes: 15\n" in result.out or "idle_shutdown_minutes: 15" in result.out
        roles = load(quickstart).models
        assert roles["coding"].idle_shutdown_minutes == 15  # it had none: it takes the default
        assert roles["planning"].idle_shutdown_minutes == 30  # its own value wins
        assert "planning (30)" in result.err and "should_respond (30)" in result.err

    def test_sets_one_role(self, run: Run, quickstart: Path) -> None:
        assert run("costs", "auto-shutdown", "--minutes", "60", "--role", "planning", "-f", str(quickstart)).code == 0
        assert load(quickstart).models["planning"].idle_shutdown_minutes == 60
        assert load(quickstart).models["should_respond"].idle_shutdown_minutes == 30
