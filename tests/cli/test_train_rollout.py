"""The loop end to end, in one test, on the quickstart and the simulator (issue 16's acceptance):
traffic through the proxy → samples → `reasoning data export` → `reasoning train` (export, upload,
fine-tune, the output written as the role's candidate) → the candidate in shadow
(`reasoning rollout shadow`; the proxy asks it a share of the requests and records whether it
agreed) → the manifest's `promote_when` gate passes in `reasoning reconcile`, which starts the canary
on Together's native rollouts → steps → `reasoning rollout promote` → `reasoning apply` stops the old
deployment, waits for STOPPED, takes it out of the split and deletes it. Every edit of reasoning.yaml
keeps its comments.

Simulated time: the served simulator's thread reads the test's clock, and every wait the commands
make moves it. The proxy's shadow worker runs unthreaded: `drain()` compares what the proxy queued.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import openai
from together.lib.utils.files import check_file

from controlplane.data.export import check_lines
from controlplane.manifest import Manifest, load
from controlplane.provider.simulator import WorldFile
from controlplane.store import Store, open_for
from runtime.hooks.prompts import plan_prompt
from runtime.shadow import Shadow
from runtime.target import SIMULATOR_KEY, InferenceTarget
from tests.support.cli import Run
from tests.support.clock import FakeClock
from tests.support.project import apply_file, edit
from tests.support.served import ServedProxy, ServedSimulator
from tests.support.standins import StandInAnthropic, StandInOpenAI

PLANNING = "moonmakesmagic/DeepSeek-Qwen-14B-planning"
ASKED = 12  # requests per phase; the gate asks for as many comparisons


def models_of_planning(path: Path) -> list[str]:
    manifest = load(path)
    with WorldFile(manifest.path(manifest.provider.state_file)).session() as world:  # type: ignore[union-attr]
        (endpoint,) = [e for e in world.endpoints.values() if e.name.endswith("planning")]
        return [world.models[d.model_id].name for d in world.deployments_of(endpoint)]


def comments(path: Path) -> list[str]:
    """Every comment in the file, whole-line and trailing ones, as written."""
    found = []
    for line in path.read_text().splitlines():
        padded = " " + line
        if " #" in padded:
            found.append(padded[padded.index(" #") + 1 :])
    return found


class Proxy:
    """The proxy served over the manifest as it is now (a proxy is restarted when its manifest
    changes), its custom models the served simulator, its shadow worker unthreaded."""

    def __init__(self, path: Path, simulator: ServedSimulator) -> None:
        self.manifest = load(path)
        self.simulator = simulator

    def __enter__(self) -> Proxy:
        with ExitStack() as stack:
            self.store: Store = stack.enter_context(open_for(self.manifest))
            target = InferenceTarget(
                self.simulator.base_url, self.manifest.project, {"Authorization": f"Bearer {SIMULATOR_KEY}"}
            )
            self.shadow = Shadow.over_http(self.manifest, self.store, target.chat_url, target.headers, threaded=False)
            self.served = stack.enter_context(
                ServedProxy(self.manifest, store=self.store, target=target, shadow=self.shadow)
            )
            self.served.refresh()
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def plan(self, n: int, start: int = 0) -> list[str]:
        """`n` ElizaOS planning requests (gpt-4o, the plugin's large model: mapped to planning)."""
        client = openai.OpenAI(base_url=self.served.base_url + "/v1", api_key="sk-client", max_retries=0)
        roles = []
        for i in range(start, start + n):
            reply = client.chat.completions.with_raw_response.create(
                model="gpt-4o",
                messages=[
                    {"role": "user", "content": plan_prompt(f"what should I name turtle {i}?", agent_name="Eliza")}
                ],
            )
            roles.append(reply.headers["x-reasoning-role"])
        self.served.flush()
        return roles


def test_proxy_traffic_to_samples_to_a_trained_candidate_in_shadow_through_the_gate_to_a_canary_to_the_model(
    run: Run, quickstart: Path, frozen: FakeClock, tmp_path: Path
) -> None:
    edit(quickstart, "idle_shutdown_minutes: 30", "idle_shutdown_minutes: 0", count=2)  # training takes hours
    apply_file(quickstart)
    with ExitStack() as stack:
        anthropic_upstream = stack.enter_context(StandInAnthropic())  # no request leaves 127.0.0.1
        openai_upstream = stack.enter_context(StandInOpenAI())
        simulator = stack.enter_context(ServedSimulator(quickstart.parent / ".reasoning/simulator.json"))
        edit(quickstart, "  type: simulator\n", f"  type: simulator\n  base_url: {simulator.base_url}\n")
        edit(
            quickstart,
            "  anthropic_upstream: https://api.anthropic.com\n",
            f"  anthropic_upstream: {anthropic_upstream.base_url}\n  openai_upstream: {openai_upstream.base_url}\n",
        )
        before = comments(quickstart)
        assert len(before) == 6, before  # 4 on lines of their own, 2 after a value

        # traffic through the proxy: every request answered by the planning role's model, a sample each
        with Proxy(quickstart, simulator) as proxy:
            assert proxy.plan(ASKED) == ["planning"] * ASKED
            samples = proxy.store.samples("quickstart", role="planning")
        assert len(samples) == ASKED and {(s.source, s.model) for s in samples} == {("custom", PLANNING)}
        assert openai_upstream.received == [] and anthropic_upstream.received == []

        # export: every line passes together's check_file and our rules
        exported = tmp_path / "planning.jsonl"
        done = run("data", "export", "--file", str(quickstart), "-m", "planning", "-o", str(exported))
        assert done.code == 0, done.text
        assert len(exported.read_text().splitlines()) == ASKED
        assert check_file(exported)["is_check_passed"] and check_lines(exported) == []

        # train: the output model is written as the candidate, comments kept
        trained = run("train", "-f", str(quickstart), "-m", "planning", "--auto-approve", "--wait")
        assert trained.code == 0, trained.text
        assert f"exported {ASKED} sample(s) of planning" in trained.err and "+    candidate: " in trained.out
        candidate = load(quickstart).models["planning"].candidate
        assert candidate is not None and "planning-" in candidate
        assert comments(quickstart) == before

        # shadow: the reviewer declares it and the gate; the candidate runs beside, out of the split
        edit(
            quickstart,
            f"    candidate: {candidate}\n",
            f"    candidate: {candidate}\n    shadow: {{share: 1}}\n"
            f"    promote_when: {{agreement: 0.7, samples: {ASKED}, p95_latency_ms: 800}}\n",
        )
        shadowed = run("rollout", "shadow", "planning", "-f", str(quickstart))
        assert shadowed.code == 0 and f"{candidate} shadows planning" in shadowed.out, shadowed.text
        assert sorted(models_of_planning(quickstart)) == sorted([PLANNING, candidate])
        with Proxy(quickstart, simulator) as proxy:
            assert proxy.plan(ASKED, start=ASKED) == ["planning"] * ASKED  # served by the model, not the candidate
            assert proxy.shadow.stats().queued == ASKED and proxy.shadow.drain() == ASKED
        status = run("rollout", "status", "planning", "-f", str(quickstart), "--json")
        agreement = json.loads(status.out)["agreement"]
        assert (agreement["n"], agreement["agreed"], agreement["failures"]) == (ASKED, ASKED, 0), status.out

        # the gate in reconcile: agreement measured above it starts the canary, and the event says why
        reconciled = run("reconcile", "-f", str(quickstart), "--once")
        assert reconciled.code == 0, reconciled.text
        events = json.loads(run("events", "-f", str(quickstart), "--role", "planning", "--json").out)["events"]
        (gate,) = [e["reason"] for e in events if e["kind"] == "gate"]
        assert "promote_when passed: canary" in gate and f"agreement {ASKED}/{ASKED}" in gate, gate
        held = json.loads(run("plan", "-f", str(quickstart), "--json").out)
        (planning,) = [a for a in held["actions"] if a["role"] == "planning"]
        assert planning["kind"] == "noop" and "in progress" in planning["reason"]  # apply never fights the rollout

        # the canary steps to 100%, then promote: the manifest names the candidate as the model
        frozen.tick(3 * 180)  # Together's default ladder, 5, 25, 50, 100%, a step every 3 min
        status = run("rollout", "status", "planning", "-f", str(quickstart))
        assert status.code == 0 and "step 4 of 4, 100% on the candidate" in status.out, status.text
        promoted = run("rollout", "promote", "planning", "-f", str(quickstart))
        assert promoted.code == 0, promoted.text
        assert f"-    model: {PLANNING}" in promoted.out and f"+    model: {candidate}" in promoted.out
        manifest: Manifest = load(quickstart)
        assert manifest.models["planning"].model == candidate and manifest.models["planning"].candidate is None
        assert comments(quickstart) == before

        # apply retires the old deployment: stopped, STOPPED, out of the split, then deleted
        frozen.tick(60)
        applied = run("apply", "-f", str(quickstart), "--auto-approve")
        assert applied.code == 0, applied.text
        assert models_of_planning(quickstart) == [candidate]
        events = json.loads(run("events", "-f", str(quickstart), "--role", "planning", "--json").out)["events"]
        kinds = [e["kind"] for e in sorted(events, key=lambda e: e["at"])]
        assert "promote" in kinds and "rollout" in kinds and "shadow" in kinds
        assert kinds.index("retire.stopped") < kinds.index("retire.delete"), kinds
        stopped = next(e["reason"] for e in events if e["kind"] == "retire.stopped")
        assert "STOPPED" in stopped, stopped
        assert comments(quickstart) == before


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
