"""`controlplane.reconcile.reconcile`, the library function, on SQLite and PostgreSQL: one round
stops what the policy stops, records it as `reconcile`, enforces retention, and a dry run
changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from controlplane import api, clock
from controlplane.errors import LockHeld
from controlplane.manifest import loads
from controlplane.project import Project, open_project
from controlplane.reconcile import ACTOR, Deletion, reconcile
from controlplane.store import Sample
from tests.support.clock import FakeClock

MANIFEST = """\
version: 1
project: demo
provider: {{type: simulator}}
store: {{url: "{url}"}}
models:
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    idle_shutdown_minutes: 15
training_data:
  max_samples_per_model: 2
  retention_days: 7
"""


@pytest.fixture
def project(store_url: str, tmp_path: Path, frozen: FakeClock) -> Iterator[Project]:
    manifest = loads(MANIFEST.format(url=store_url), base_dir=tmp_path)
    api.apply(manifest)
    with open_project(manifest) as opened:
        yield opened


def sample(at_days_ago: float) -> Sample:
    return Sample(
        project="demo",
        role="planning",
        at=clock.now() - timedelta(days=at_days_ago),
        source="fallback",
        prompt={"messages": []},
        answer="",
    )


class TestRound:
    def test_stops_an_idle_role_and_records_it_as_reconcile(self, project: Project, frozen: FakeClock) -> None:
        frozen.move_to("2026-11-24 09:15")
        result = reconcile(project)
        assert [(c.role, c.kind, c.policy) for c in result.changes] == [("planning", "stop", "idle")]
        assert result.changed and result.usd_per_hour_after == 0
        (event,) = [e for e in project.store.events("demo") if e.actor == ACTOR]
        assert (event.kind, event.detail["policy"]) == ("stop", "idle")
        applied = project.store.applied("demo")["planning"]
        assert not applied.enabled, "the runtime reads the role as down"
        assert not reconcile(project).changed

    def test_a_request_that_arrives_while_the_idle_stop_is_being_made_wakes_the_role(
        self, project: Project, frozen: FakeClock
    ) -> None:
        frozen.move_to("2026-11-24 09:15")

        def request_meanwhile(role: str, text: str) -> None:  # between the decision and the stop
            frozen.tick(timedelta(seconds=1))
            project.store.record_usage("demo", role, at=clock.now(), outcome="ok")
            frozen.tick(timedelta(seconds=1))

        assert [c.kind for c in reconcile(project, on_step=request_meanwhile).changes] == ["stop"]
        start = reconcile(project).changes
        assert [(c.kind, c.reason) for c in start] == [
            ("start", "request at 09:15 UTC after the idle stop (wake on demand)")
        ]

    def test_a_dry_run_returns_the_same_changes_and_makes_none(self, project: Project, frozen: FakeClock) -> None:
        frozen.move_to("2026-11-24 09:15")
        events = project.store.events("demo")
        dry = reconcile(project, dry_run=True)
        assert dry.dry_run and [c.kind for c in dry.changes] == ["stop"]
        assert project.store.events("demo") == events and project.store.applied("demo")["planning"].enabled
        assert [c.kind for c in reconcile(project).changes] == ["stop"]

    def test_a_held_lock_is_lock_held(self, project: Project) -> None:
        project.store.acquire_lock("demo", "someone", now=clock.now(), ttl=timedelta(minutes=1))
        with pytest.raises(LockHeld, match="locked by someone"):
            reconcile(project)
        assert not reconcile(project, dry_run=True).changed, "a dry run takes no lock"


class TestRetention:
    def test_deletes_by_age_then_by_count_oldest_first_and_says_so(self, project: Project) -> None:
        project.store.record(samples=[sample(d) for d in (10, 8, 3, 2, 1, 0)])
        result = reconcile(project)
        assert result.retention == (
            Deletion(
                role=None,
                samples=2,
                reason="deleted 2 training sample(s) older than 7 days (before 2026-11-17 09:00 UTC)",
            ),
            Deletion(
                role="planning",
                samples=2,
                reason="deleted 2 oldest training sample(s) over max_samples_per_model 2",
            ),
        )
        kept = project.store.samples("demo")
        assert [s.at for s in kept] == [clock.now() - timedelta(days=d) for d in (1, 0)]
        retention = [e for e in project.store.events("demo") if e.kind == "retention"]
        assert [(e.role, e.actor, e.detail) for e in retention] == [
            (None, ACTOR, {"samples": 2}),
            ("planning", ACTOR, {"samples": 2}),
        ]
        assert reconcile(project).retention == ()

    def test_samples_deleted_for_age_do_not_count_against_the_maximum(self, project: Project) -> None:
        project.store.record(samples=[sample(d) for d in (10, 9, 8, 0)])
        assert [(d.role, d.samples) for d in reconcile(project, dry_run=True).retention] == [(None, 3)]
        assert [(d.role, d.samples) for d in reconcile(project).retention] == [(None, 3)]
        assert project.store.sample_counts("demo") == {"planning": 1}

    def test_a_dry_run_counts_what_would_go_and_deletes_nothing(self, project: Project) -> None:
        project.store.record(samples=[sample(d) for d in (10, 8, 3, 2, 1, 0)])
        dry = reconcile(project, dry_run=True)
        assert [(d.role, d.samples) for d in dry.retention] == [(None, 2), ("planning", 2)]
        assert project.store.sample_counts("demo") == {"planning": 6}
