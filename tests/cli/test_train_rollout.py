"""The loop through the CLI, on the quickstart and the simulator: decisions recorded by the hooks →
`reasoning train` (export, upload, fine-tune, the output written as the role's candidate) →
`reasoning rollout start|status|promote` (a canary on Together's native rollouts) → `reasoning
apply` deletes the old deployment once STOPPED and out of the split. Every edit of reasoning.yaml
keeps its comments. Simulated time: every wait the commands make moves the frozen clock.

Shadow traffic before the canary (`rollout shadow`, the agreement `rollout status` shows) is in
tests/cli/test_rollout_shadow.py; the `promote_when` gate in tests/training/test_promote_when.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from controlplane.manifest import load
from controlplane.provider.simulator import WorldFile
from runtime.hooks import Hooks
from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.support.project import apply_file, edit

PLANNING = "moonmakesmagic/DeepSeek-Qwen-14B-planning"


def record_decisions(path: Path, n: int) -> None:
    """`n` planning decisions through the hooks, as an agent makes them: each a training sample."""

    async def decide() -> None:
        hooks = Hooks(load(path), agent_name="Eliza", refresh_seconds=3600)
        try:
            for i in range(n):
                await hooks.plan(f"Eliza, what should I name turtle number {i}?")
        finally:
            await hooks.aclose()

    asyncio.run(decide())


def models_of_planning(path: Path) -> list[str]:
    manifest = load(path)
    with WorldFile(manifest.path(manifest.provider.state_file)).session() as world:  # type: ignore[union-attr]
        (endpoint,) = [e for e in world.endpoints.values() if e.name.endswith("planning")]
        return [world.models[d.model_id].name for d in world.deployments_of(endpoint)]


def test_samples_to_a_trained_candidate_to_a_canary_to_the_model(
    run: Run, quickstart: Path, frozen: FakeClock, tmp_path: Path, monkeypatch: object
) -> None:
    edit(quickstart, "idle_shutdown_minutes: 30", "idle_shutdown_minutes: 0", count=2)  # training takes hours
    apply_file(quickstart)
    record_decisions(quickstart, 12)
    comments = [line for line in quickstart.read_text().splitlines() if line.lstrip().startswith("#")]

    trained = run("train", "-f", str(quickstart), "-m", "planning", "--auto-approve", "--wait")
    assert trained.code == 0, trained.text
    assert "exported 12 sample(s) of planning" in trained.err
    assert "fine-tune" in trained.out and "completed" in trained.out and "+    candidate: " in trained.out
    candidate = load(quickstart).models["planning"].candidate
    assert candidate is not None and "planning-" in candidate

    started = run("rollout", "start", "planning", "-f", str(quickstart), "--steps", "50,100", "--step-interval", "10m")
    assert started.code == 0, started.text
    assert "running: 50% of the traffic on the candidate" in started.out
    assert sorted(models_of_planning(quickstart)) == sorted([PLANNING, candidate])
    held = json.loads(run("plan", "-f", str(quickstart), "--json").out)
    (planning,) = [a for a in held["actions"] if a["role"] == "planning"]
    assert planning["kind"] == "noop" and "in progress" in planning["reason"]  # apply never fights the rollout

    frozen.tick(600)
    status = run("rollout", "status", "planning", "-f", str(quickstart))
    assert status.code == 0 and "step 2 of 2, 100% on the candidate" in status.out, status.text

    promoted = run("rollout", "promote", "planning", "-f", str(quickstart))
    assert promoted.code == 0, promoted.text
    assert f"-    model: {PLANNING}" in promoted.out and f"+    model: {candidate}" in promoted.out
    manifest = load(quickstart)
    assert manifest.models["planning"].model == candidate and manifest.models["planning"].candidate is None
    assert [line for line in quickstart.read_text().splitlines() if line.lstrip().startswith("#")] == comments

    frozen.tick(60)  # the old deployment drains to STOPPED
    applied = run("apply", "-f", str(quickstart), "--auto-approve")
    assert applied.code == 0, applied.text
    assert models_of_planning(quickstart) == [candidate]
    events = run("events", "-f", str(quickstart), "--role", "planning", "--json")
    assert '"kind": "promote"' in events.out and '"kind": "rollout"' in events.out


def test_a_candidate_that_is_already_the_model_is_no_rollout(run: Run, quickstart: Path, frozen: FakeClock) -> None:
    apply_file(quickstart)
    edit(quickstart, f"    model: {PLANNING}\n", f"    model: {PLANNING}\n    candidate: {PLANNING}\n")
    started = run("rollout", "start", "planning", "-f", str(quickstart))
    assert started.code == 1 and "already serves" in started.err  # a candidate that is the model is no rollout


def test_rollout_without_a_candidate_says_how_to_get_one(run: Run, quickstart: Path, frozen: FakeClock) -> None:
    apply_file(quickstart)
    result = run("rollout", "start", "should-respond", "-f", str(quickstart))
    assert result.code == 1 and "models.should_respond.candidate is not set" in result.err
    assert "reasoning train -m should_respond --wait" in result.err
    bad = run("rollout", "start", "planning", "-f", str(quickstart), "--steps", "ten")
    assert bad.code == 2 and "--steps" in bad.err
