"""`models.<role>.promote_when`: reconcile starts the canary of a shadowed candidate whose agreement
passes the gate (lower 95% bound, enough comparisons, p95 latency within the bound), drops one whose
upper bound stays below it, waits while undecided, and never promotes one below the gate. The
events say why, with the figures."""

from __future__ import annotations

from pathlib import Path

from controlplane import api, clock
from controlplane.manifest import load
from controlplane.store import open_for
from controlplane.values.shadow import ShadowResult
from tests.support.clock import FakeClock
from tests.support.project import edit
from tests.training.test_rollout import project, world
from tests.training.test_shadow import shadowed

__all__ = ["project"]

GATE = "    promote_when: {agreement: 0.9, samples: 100, p95_latency_ms: 800}\n"


def gated(path: Path, tmp_path: Path) -> str:
    candidate = shadowed(path, tmp_path)
    edit(path, "    shadow: {share: 0.5}\n", "    shadow: {share: 0.5}\n" + GATE)
    api.rollout_shadow(load(path), "planning")
    return candidate


def compared(path: Path, candidate: str, agreed: int, n: int, latency: float = 300.0) -> None:
    manifest = load(path)
    rows = [
        ShadowResult(
            project=manifest.project,
            role="planning",
            model=candidate,
            at=clock.now(),
            agree=i < agreed,
            candidate_latency_ms=latency,
            served_latency_ms=250.0,
        )
        for i in range(n)
    ]
    with open_for(manifest) as store:
        store.record_shadow_results(rows)


def gate_events(path: Path) -> list[str]:
    return [e.reason for e in api.events(load(path)).events if e.kind == "gate"]


def test_above_the_gate_reconcile_starts_the_canary_and_says_why(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = gated(project, tmp_path)
    compared(project, candidate, 99, 100)
    api.reconcile_round(load(project))
    seen = api.rollout_view(load(project), "planning")
    assert seen.rollout is not None and seen.rollout.state == "ROLLOUT_STATE_RUNNING"
    assert seen.shadow is not None and seen.rollout.target == seen.shadow.deployment_id
    (why,) = gate_events(project)
    assert "promote_when passed: canary" in why and "agreement 99/100" in why and ">= gate 90.0%" in why


def test_below_the_gate_it_is_never_promoted_and_the_shadow_is_dropped(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = gated(project, tmp_path)
    recorded = api.rollout_view(load(project), "planning").shadow
    assert recorded is not None
    compared(project, candidate, 70, 100)
    api.reconcile_round(load(project))
    seen = api.rollout_view(load(project), "planning")
    assert seen.rollout is None and seen.shadow is None
    (why,) = gate_events(project)
    assert "promote_when failed" in why and "upper bound" in why and "agreement 70/100" in why
    frozen.tick(120)  # the stopped shadow drains; the next round's plan retires it
    api.reconcile_round(load(project))
    with world(load(project)).session() as w:
        assert recorded.deployment_id not in w.deployments or (
            w.deployments[recorded.deployment_id].observed(frozen.now()).state == "DEPLOYMENT_STATE_STOPPED"
        )
    assert api.rollout_view(load(project), "planning").rollout is None  # still never promoted


def test_with_too_few_comparisons_it_waits_then_decides(project: Path, tmp_path: Path, frozen: FakeClock) -> None:
    candidate = gated(project, tmp_path)
    compared(project, candidate, 99, 99)  # one short of the 100 samples the gate asks for
    api.reconcile_round(load(project))
    assert api.rollout_view(load(project), "planning").rollout is None and gate_events(project) == []
    compared(project, candidate, 1, 1)
    api.reconcile_round(load(project))
    assert api.rollout_view(load(project), "planning").rollout is not None
    # the canary runs: later rounds leave it to Together, no second start, no new gate event
    api.reconcile_round(load(project))
    assert len(gate_events(project)) == 1


def test_a_slow_candidate_is_not_promoted(project: Path, tmp_path: Path, frozen: FakeClock) -> None:
    candidate = gated(project, tmp_path)
    compared(project, candidate, 100, 100, latency=950.0)
    api.reconcile_round(load(project))
    seen = api.rollout_view(load(project), "planning")
    assert seen.rollout is None and seen.shadow is not None
    assert gate_events(project) == []  # waiting is not an event
