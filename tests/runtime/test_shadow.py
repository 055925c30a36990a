"""The shadow, off the request path: after a role's custom model answered (the gate's hook), a
share of the requests goes to the candidate's shadow deployment, pinned by name on the simulator
(`<project_slug>/<endpoint>/<deployment>`, as Together pins one), and each comparison is recorded.
The worker runs unthreaded here: `drain()` compares what is queued, deterministically."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane import api, clock
from controlplane.manifest import load
from controlplane.store import Sample, Usage, open_for
from runtime.services import RuntimeServices
from runtime.shadow import Shadow, agrees
from runtime.target import SIMULATOR_KEY, InferenceTarget
from tests.support.clock import FakeClock
from tests.support.served import ServedSimulator
from tests.training.test_rollout import project
from tests.training.test_shadow import shadowed

__all__ = ["project"]

PLAN = "<response><thought>t</thought><actions>REPLY</actions><providers></providers><text>hi</text></response>"


def planning_sample(manifest_project: str, answer: str = PLAN) -> Sample:
    return Sample(
        project=manifest_project,
        role="planning",
        at=clock.now(),
        source="custom",
        prompt={"messages": [{"role": "user", "content": "plan reply 1"}], "max_tokens": 64},
        answer=answer,
    )


def test_an_answer_through_the_gate_is_compared_on_the_pinned_shadow_deployment(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    candidate = shadowed(project, tmp_path, share="1")
    manifest = load(project)
    recorded = api.rollout_shadow(manifest, "planning")
    sent: list[dict[str, object]] = []
    with ServedSimulator(manifest.path(manifest.provider.state_file)) as served, open_for(manifest) as store:  # type: ignore[union-attr]
        target = InferenceTarget(served.base_url, manifest.project, {"Authorization": f"Bearer {SIMULATOR_KEY}"})
        http = Shadow.over_http(manifest, store, target.chat_url, target.headers, threaded=False)

        def send(body: dict[str, object]) -> dict[str, object]:
            sent.append(body)
            frozen.tick(0.25)  # the candidate took 250 ms (simulated)
            return http._send(body)

        shadow = Shadow(manifest, store, send, threaded=False)
        services = RuntimeServices.from_manifest(manifest, store, target=target, shadow=shadow)
        try:
            services.refresh()
            admission = services.gate.admit("planning", input_tokens=10, max_output_tokens=64)
            assert not isinstance(admission, type(None)) and hasattr(admission, "succeeded"), admission
            usage = Usage(project=manifest.project, role="planning", at=clock.now(), latency_ms=120.0)
            admission.succeeded(usage, planning_sample(manifest.project))  # type: ignore[union-attr]
            assert shadow.stats().queued == 1
            assert shadow.drain() == 1
        finally:
            services.close()
        results = store.shadow_results(manifest.project, "planning")
    assert [b["model"] for b in sent] == [recorded.pinned]
    (result,) = results
    assert result.model == candidate and not result.failed, result.reason
    assert result.candidate_latency_ms == pytest.approx(250.0) and result.served_latency_ms == 120.0
    assert shadow.stats().compared == 1


def test_a_full_queue_drops_and_counts_and_never_blocks(project: Path, tmp_path: Path, frozen: FakeClock) -> None:
    shadowed(project, tmp_path, share="1")
    manifest = load(project)
    api.rollout_shadow(manifest, "planning")
    with open_for(manifest) as store:
        shadow = Shadow(manifest, store, lambda body: {}, max_queue=2, threaded=False)
        assert shadow.refresh()
        usage = Usage(project=manifest.project, role="planning", at=clock.now(), latency_ms=1.0)
        offered = [shadow.offer("planning", usage, planning_sample(manifest.project)) for _ in range(5)]
        assert offered == [True, True, False, False, False]
        assert (shadow.stats().queued, shadow.stats().dropped) == (2, 3)
        # an answer from nowhere is a failure, recorded with its reason
        assert shadow.drain() == 2
        results = store.shadow_results(manifest.project, "planning")
    assert [(r.failed, r.agree, r.reason) for r in results] == [
        (True, False, "no choices[0].message in the answer")
    ] * 2


def test_the_share_decides_and_a_role_without_shadow_is_never_offered(
    project: Path, tmp_path: Path, frozen: FakeClock
) -> None:
    shadowed(project, tmp_path, share="0.25")
    manifest = load(project)
    api.rollout_shadow(manifest, "planning")
    draws = iter([0.1, 0.3, 0.24, 0.9])
    with open_for(manifest) as store:
        shadow = Shadow(manifest, store, lambda body: {}, chance=lambda: next(draws), threaded=False)
        shadow.refresh()
        usage = Usage(project=manifest.project, role="planning", at=clock.now(), latency_ms=1.0)
        picked = [shadow.offer("planning", usage, planning_sample(manifest.project)) for _ in range(4)]
        assert picked == [True, False, True, False]
        other = usage.model_copy(update={"role": "should_respond"})
        assert not shadow.offer("should_respond", other, planning_sample(manifest.project))


@pytest.mark.parametrize(
    ("role", "served", "candidate", "agree"),
    [
        ("should_respond", "<response><action>RESPOND</action></response>", "<think>x</think>[RESPOND]", True),
        ("should_respond", "<response><action>RESPOND</action></response>", "<action>IGNORE</action>", False),
        ("should_respond", "<response><action>STOP</action></response>", "no idea", False),
        ("planning", PLAN, PLAN.replace("<text>hi</text>", "<text>hello</text>"), True),
        ("planning", PLAN, PLAN.replace("REPLY", "REPLY,FOLLOW_ROOM"), False),
        (
            "coding",
            '{"content": null, "tool_calls": [{"id": "a", "type": "function", '
            '"function": {"name": "Read", "arguments": "{\\"path\\": \\"x\\"}"}}]}',
            '{"content": "ok", "tool_calls": [{"id": "b", "type": "function", '
            '"function": {"name": "Read", "arguments": "{\\"path\\": \\"y\\"}"}}]}',
            True,
        ),
        (
            "coding",
            '{"content": null, "tool_calls": [{"id": "a", "type": "function", '
            '"function": {"name": "Read", "arguments": "{}"}}]}',
            '{"content": null, "tool_calls": [{"id": "b", "type": "function", '
            '"function": {"name": "Read", "arguments": "{not json"}}]}',
            False,
        ),
        (
            "coding",
            "some text",
            '{"content": null, "tool_calls": [{"function": {"name": "Bash", "arguments": "{}"}}]}',
            False,
        ),
        ("coding", "some text", "other text", True),
    ],
)
def test_agreement_per_role(role: str, served: str, candidate: str, agree: bool) -> None:
    assert agrees(role, served, candidate)[0] is agree
