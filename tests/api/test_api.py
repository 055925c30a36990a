"""The library's one call per command: what the CLI skins call, called as a script would.

On the quickstart and the in-process simulator; the frozen clock makes apply's waits simulated.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from controlplane import api, clock
from controlplane.errors import EmptySpan, UnknownGrouping
from controlplane.manifest import Manifest
from controlplane.values.plan import Plan

pytestmark = pytest.mark.usefixtures("frozen")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def quickstart(tmp_path: Path) -> Manifest:
    shutil.copy(ROOT / "reasoning.yaml", tmp_path / "reasoning.yaml")
    return api.load(tmp_path / "reasoning.yaml")


class TestPlanAndApply:
    def test_apply_executes_the_plan_that_plan_shows(self, quickstart: Manifest) -> None:
        planned = api.plan(quickstart)
        result = api.apply(quickstart)
        assert result.executed and result.plan.actions == planned.actions
        assert [(r.role, r.state) for r in api.status(quickstart).roles] == [
            ("coding", "ABSENT"),
            ("planning", "READY"),
            ("should_respond", "READY"),
        ]
        assert not api.plan(quickstart).has_changes

    def test_a_review_that_says_no_changes_nothing(self, quickstart: Manifest) -> None:
        seen: list[Plan] = []

        def decline(plan: Plan) -> bool:
            seen.append(plan)
            return False

        result = api.apply(quickstart, review=decline)
        assert not result.executed and seen == [result.plan] and result.plan.has_changes
        assert {r.state for r in api.status(quickstart).roles} == {"ABSENT"}
        assert api.events(quickstart).events == ()

    def test_a_plan_without_changes_is_shown_to_the_review_and_not_executed(self, quickstart: Manifest) -> None:
        api.apply(quickstart)
        seen: list[Plan] = []

        def approve(plan: Plan) -> bool:
            seen.append(plan)
            return True

        result = api.apply(quickstart, review=approve)
        assert [plan.has_changes for plan in seen] == [False] and not result.executed

    def test_a_saved_plan_is_applied_exactly(self, quickstart: Manifest, tmp_path: Path) -> None:
        saved = tmp_path / "plan.json"
        planned = api.plan(quickstart, out=saved)
        assert Plan.model_validate_json(saved.read_text()) == planned
        assert api.apply(quickstart, plan_file=saved).plan == planned

    def test_steps_and_progress_are_reported_as_they_happen(self, quickstart: Manifest) -> None:
        steps: list[tuple[str, str]] = []
        states: list[dict[str, tuple[str, int, int]]] = []
        api.apply(quickstart, on_step=lambda role, text: steps.append((role, text)), on_progress=states.append)
        assert ("should_respond", "create: not deployed yet") in steps
        assert states[-1]["planning"] == ("READY", 1, 1)

    def test_destroy_deletes_every_endpoint(self, quickstart: Manifest) -> None:
        api.apply(quickstart)
        result = api.destroy(quickstart)
        assert result.executed and {a.kind for a in result.plan.changes} == {"delete"}
        assert {r.state for r in api.status(quickstart).roles} == {"ABSENT"}


class TestReadingTheStore:
    def test_events_name_the_role_as_the_manifest_does(self, quickstart: Manifest) -> None:
        api.apply(quickstart)
        log = api.events(quickstart, role="should-respond")
        assert log.role == "should_respond" and [e.kind for e in log.events] == ["create"]
        assert log.model_dump(mode="json")["events"][0].keys() == {"at", "role", "actor", "kind", "reason", "detail"}

    def test_a_cost_report_refuses_in_its_own_words(self, quickstart: Manifest) -> None:
        with pytest.raises(UnknownGrouping, match="cannot group a cost report by 'week'") as caught:
            api.costs_report(quickstart, by="week")
        assert "--by" not in str(caught.value)
        with pytest.raises(EmptySpan) as empty:
            api.costs_report(quickstart, since=clock.now(), until=clock.now())
        assert empty.value.since == empty.value.until and "--since" not in str(empty.value)

    def test_a_reconcile_round_right_after_apply_changes_nothing(self, quickstart: Manifest) -> None:
        api.apply(quickstart)
        dry = api.reconcile_round(quickstart, dry_run=True)
        assert dry.dry_run and not dry.changed
        assert not api.reconcile_round(quickstart).changed
