"""A candidate first runs in shadow: `rollout shadow` deploys it READY beside the live deployment,
out of the split, and records it in the store; plan and apply keep it while reasoning.yaml declares
the candidate and its shadow, and a canary started later reuses it as its target."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane import api
from controlplane.manifest import load
from controlplane.rollout import RolloutError
from tests.support.clock import FakeClock
from tests.support.project import apply, edit
from tests.training.test_rollout import project, trained_candidate, world

__all__ = ["project"]  # the fixture, shared with test_rollout


def shadowed(path: Path, tmp_path: Path, share: str = "0.5") -> str:
    candidate = trained_candidate(path, tmp_path)
    edit(path, f"    candidate: {candidate}\n", f"    candidate: {candidate}\n    shadow: {{share: {share}}}\n")
    return candidate


def test_shadow_deploys_the_candidate_out_of_the_split_and_plan_and_apply_keep_it(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = shadowed(project, tmp_path)
    manifest = load(project)
    recorded = api.rollout_shadow(manifest, "planning")
    assert recorded.model == candidate and recorded.endpoint_name.endswith("planning")
    with world(manifest).session() as w:
        endpoint = w.endpoints[recorded.endpoint_id]
        shadow = w.deployments[recorded.deployment_id]
        assert shadow.observed(frozen.now()).state == "DEPLOYMENT_STATE_READY"
        assert w.models[shadow.model_id].name == candidate
        assert recorded.deployment_id not in [t.deployment_id for t in endpoint.traffic_split]
        assert recorded.pinned == f"{w.project.slug}/{endpoint.name}/{shadow.name}"
        pinned = w.find_deployment(endpoint, recorded.pinned)
        assert pinned is not None and pinned.id == recorded.deployment_id
    seen = api.rollout_view(manifest, "planning")
    assert seen.shadow == recorded
    assert seen.agreement is not None and seen.agreement.n == 0
    # the plan keeps the shadow while the candidate and its shadow are declared
    action = next(a for a in api.plan(manifest).actions if a.role == "planning")
    assert action.kind == "noop" and recorded.deployment_id in action.keep, action.reason
    # a change that updates the role in place leaves the shadow running too
    edit(project, "    replicas: {min: 1, max: 2}\n    idle", "    replicas: {min: 1, max: 3}\n    idle")
    apply(load(project))
    with world(manifest).session() as w:
        assert w.deployments[recorded.deployment_id].observed(frozen.now()).state == "DEPLOYMENT_STATE_READY"
    # the canary reuses the shadow's deployment as its target
    started = api.rollout_start(load(project), "planning", steps=[50, 100], step_interval_seconds=600)
    assert started.target == recorded.deployment_id
    kinds = [e.kind for e in api.events(manifest).events if e.role == "planning"]
    assert kinds.index("shadow") < kinds.index("rollout")


def test_without_the_shadow_declared_the_plan_retires_the_candidate(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = shadowed(project, tmp_path)
    recorded = api.rollout_shadow(load(project), "planning")
    edit(project, "    shadow: {share: 0.5}\n", "")
    action = next(a for a in api.plan(load(project)).actions if a.role == "planning")
    assert action.kind == "update" and "remove leftover deployment" in action.reason, candidate
    apply(load(project))
    frozen.tick(120)
    with world(load(project)).session() as w:
        assert recorded.deployment_id not in w.deployments or (
            w.deployments[recorded.deployment_id].observed(frozen.now()).state == "DEPLOYMENT_STATE_STOPPED"
        )


def test_shadow_needs_a_candidate_and_a_share(project: Path, tmp_path: Path) -> None:
    with pytest.raises(RolloutError, match=r"models\.planning\.candidate is not set"):
        api.rollout_shadow(load(project), "planning")
    trained_candidate(project, tmp_path)
    with pytest.raises(RolloutError, match=r"models\.planning\.shadow is not set"):
        api.rollout_shadow(load(project), "planning")


@pytest.mark.parametrize("share", ["0", "1.5", "-0.1"])
def test_a_share_outside_0_to_1_is_refused_naming_where(project: Path, share: str) -> None:
    edit(
        project,
        "    hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {min: 1, max: 2}\n",
        f"    hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {{min: 1, max: 2}}\n    shadow: {{share: {share}}}\n",
    )
    with pytest.raises(Exception, match=r"models\.planning\.shadow\.share"):
        load(project)


def test_promote_and_abort_forget_the_shadow(project: Path, tmp_path: Path, frozen: FakeClock) -> None:
    shadowed(project, tmp_path)
    manifest = load(project)
    api.rollout_shadow(manifest, "planning")
    api.rollout_start(manifest, "planning", step_interval_seconds=60)
    api.rollout_abort(manifest, "planning", "disagrees")
    assert api.rollout_view(manifest, "planning").shadow is None
    frozen.tick(120)
    api.rollout_shadow(manifest, "planning")  # shadowed again: the stopped deployment scales back up
    api.rollout_start(manifest, "planning", step_interval_seconds=60)
    api.rollout_promote(manifest, "planning")
    assert api.rollout_view(manifest, "planning").shadow is None
