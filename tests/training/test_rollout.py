"""A trained candidate proves itself in a canary on Together's native rollouts (the simulator's),
then takes over or is dropped; apply and reconcile never fight it.

The loop end to end on the quickstart: apply → train (the output model becomes the candidate) →
`rollout start` (the candidate's deployment READY beside the live one, a canary started) → steps
in simulated time → promote → the manifest names the candidate as the model → apply deletes the
old deployment, STOPPED and out of the split, and the events say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controlplane import api
from controlplane.manifest import Manifest, load
from controlplane.provider.simulator import WorldFile
from controlplane.rollout import RolloutError
from tests.support.clock import FakeClock
from tests.support.project import apply, copy_quickstart, edit

SAMPLES = [
    {
        "messages": [
            {"role": "user", "content": f"plan reply {n}"},
            {"role": "assistant", "content": "<actions>REPLY</actions>"},
        ]
    }
    for n in range(16)
]


def trained_candidate(path: Path, tmp_path: Path) -> str:
    """Train the planning role and write the output model as its candidate (as `reasoning train` does)."""
    data = tmp_path / "planning.jsonl"
    data.write_text("".join(json.dumps(s) + "\n" for s in SAMPLES))
    trained = api.train(load(path), "planning", data, confirm=lambda quote: True, wait=True)
    assert trained is not None and trained.candidate is not None
    edit(
        path,
        "    model: moonmakesmagic/DeepSeek-Qwen-14B-planning\n",
        f"    model: moonmakesmagic/DeepSeek-Qwen-14B-planning\n    candidate: {trained.candidate}\n",
    )
    return trained.candidate


def world(manifest: Manifest) -> WorldFile:
    return WorldFile(manifest.path(manifest.provider.state_file))  # type: ignore[union-attr]


@pytest.fixture
def project(tmp_path: Path, frozen: FakeClock) -> Path:
    path = copy_quickstart(tmp_path)
    edit(path, "idle_shutdown_minutes: 30", "idle_shutdown_minutes: 0", count=2)  # training takes simulated hours
    apply(load(path))
    return path


def test_the_loop_train_canary_promote_then_apply_retires_the_old_deployment(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = trained_candidate(project, tmp_path)
    manifest = load(project)
    started = api.rollout_start(manifest, "planning", steps=[10, 50, 100], step_interval_seconds=600)
    assert started.state == "ROLLOUT_STATE_RUNNING" and started.traffic == 10
    # while the canary runs, the plan holds the role: it never fights Together's split
    held = next(a for a in api.plan(manifest).actions if a.role == "planning")
    assert held.kind == "noop" and "in progress" in held.reason

    frozen.tick(600)
    seen = api.rollout_view(manifest, "planning")
    assert seen.rollout is not None and seen.rollout.traffic == 50 and seen.candidate == candidate
    promoted = api.rollout_promote(manifest, "planning")
    assert promoted.state == "ROLLOUT_STATE_COMPLETED"

    # a candidate that serves is never replaced back, even before the manifest says so
    not_back = next(a for a in api.plan(manifest).actions if a.role == "planning")
    assert not_back.kind == "noop" and f"the candidate {candidate} serves" in not_back.reason

    edit(project, "    model: moonmakesmagic/DeepSeek-Qwen-14B-planning\n", "")
    edit(project, f"    candidate: {candidate}\n", f"    model: {candidate}\n")
    frozen.tick(60)  # the old deployment drains to STOPPED
    apply(load(project))
    with world(manifest).session() as w:
        (endpoint,) = [e for e in w.endpoints.values() if e.name.endswith("planning")]
        remaining = w.deployments_of(endpoint)
        assert [w.models[d.model_id].name for d in remaining] == [candidate]
        assert [t.deployment_id for t in endpoint.traffic_split] == [remaining[0].id]
    kinds = [e.kind for e in api.events(load(project)).events if e.role == "planning"]
    assert "rollout" in kinds and "promote" in kinds
    assert kinds.index("promote") < len(kinds) - 1  # apply's clean-up came after the promotion


def test_abort_routes_everything_back_and_stops_the_candidate(project: Path, tmp_path: Path, frozen: FakeClock) -> None:
    trained_candidate(project, tmp_path)
    manifest = load(project)
    started = api.rollout_start(manifest, "planning", step_interval_seconds=60)
    frozen.tick(60)
    canceled = api.rollout_abort(manifest, "planning", "answers disagree")
    assert canceled.state == "ROLLOUT_STATE_CANCELED"
    frozen.tick(5)
    with world(manifest).session() as w:
        endpoint = w.endpoints[started.endpoint_id]
        assert [t.deployment_id for t in endpoint.traffic_split] == [started.source]
        assert w.deployments[started.target].observed(frozen.now()).state == "DEPLOYMENT_STATE_STOPPED"
    assert api.rollout_view(manifest, "planning").rollout.state == "ROLLOUT_STATE_CANCELED"  # type: ignore[union-attr]


def test_a_metric_breach_pauses_the_canary_by_itself(project: Path, tmp_path: Path, frozen: FakeClock) -> None:
    trained_candidate(project, tmp_path)
    manifest = load(project)
    with world(manifest).session() as w:
        w.settings.rollout_metric_breach = True
    api.rollout_start(manifest, "planning", step_interval_seconds=60)
    frozen.tick(60)
    paused = api.rollout_view(manifest, "planning").rollout
    assert paused is not None and paused.state == "ROLLOUT_STATE_SYSTEM_PAUSED"
    assert paused.status.condition is not None
    assert paused.status.condition.category == "ROLLOUT_FAILURE_CATEGORY_METRIC_REGRESSION"


def test_without_a_candidate_or_a_rollout_it_says_what_to_do(project: Path) -> None:
    manifest = load(project)
    with pytest.raises(RolloutError, match=r"models\.planning\.candidate is not set"):
        api.rollout_start(manifest, "planning")
    with pytest.raises(RolloutError, match="no rollout in progress for planning"):
        api.rollout_promote(manifest, "planning")
