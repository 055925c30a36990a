"""`reasoning rollout shadow ROLE` and the shadow agreement `reasoning rollout status ROLE` shows:
n, rate, the Wilson 95% interval, candidate p95 against the served p95, failures (and --json)."""

from __future__ import annotations

import json
from pathlib import Path

from controlplane import clock
from controlplane.manifest import load
from controlplane.store import open_for
from controlplane.values.shadow import ShadowResult
from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.training.test_rollout import project
from tests.training.test_shadow import shadowed

__all__ = ["project"]


def test_shadow_then_status_shows_agreement_with_its_interval(
    run: Run, project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = shadowed(project, tmp_path, share="0.2")
    deployed = run("rollout", "shadow", "planning", "-f", str(project))
    assert deployed.code == 0, deployed.text
    assert f"{candidate} shadows planning" in deployed.out and "20% of the requests" in deployed.out

    manifest = load(project)
    rows = [
        ShadowResult(
            project=manifest.project, role="planning", model=candidate, at=clock.now(),
            agree=i < 45, candidate_latency_ms=float(100 + i), served_latency_ms=200.0,
            failed=i == 49, reason="HTTP 503" if i == 49 else None,
        )
        for i in range(50)
    ]  # fmt: skip
    with open_for(manifest) as store:
        store.record_shadow_results(rows)

    shown = run("rollout", "status", "planning", "-f", str(project))
    assert shown.code == 0, shown.text
    assert "shadow: " in shown.out and "out of the split" in shown.out
    # 45/50: Wilson 95% 78.6%-95.7%; nearest-rank p95 of 100..149 ms is the 48th, 147 ms
    assert "agreement 45/50 = 90.0% (95% CI 78.6%–95.7%); p95 147 ms vs 200 ms served; 1 failed" in shown.out

    as_json = run("rollout", "status", "planning", "-f", str(project), "--json")
    document = json.loads(as_json.out)
    agreement = document["agreement"]
    assert (agreement["n"], agreement["agreed"], agreement["failures"]) == (50, 45, 1)
    assert agreement["rate"] == 0.9 and [round(b, 3) for b in agreement["ci95"]] == [0.786, 0.957]
    assert (agreement["candidate_p95_ms"], agreement["served_p95_ms"]) == (147.0, 200.0)
    assert document["shadow"]["model"] == candidate


def test_shadow_without_a_share_says_where_to_add_it(run: Run, project: Path, tmp_path: Path) -> None:
    from tests.training.test_rollout import trained_candidate

    trained_candidate(project, tmp_path)
    refused = run("rollout", "shadow", "planning", "-f", str(project))
    assert refused.code == 1 and "models.planning.shadow is not set" in refused.err
