"""The hooks against the quickstart applied to the simulator: the custom models decide, and every
reason they cannot ends at the fallback, recorded.

Each test copies the quickstart manifest, applies it (a library call on the in-process simulator,
time frozen at 09:00 UTC, outside the planning role's shutdown window), and opens `Hooks` on it:
its inference target then serves the same simulated world on a loopback port.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from controlplane import clock
from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest, load
from controlplane.store import Store
from runtime.hooks import (
    FallbackFailed,
    Hooks,
    NoFallback,
    RoleSettings,
    Upstream,
    plan_prompt,
    render_message_handler,
    render_should_respond,
    should_respond_prompt,
)
from runtime.parse import PlanAnswer, ShouldRespondAnswer
from runtime.target import InferenceTarget
from tests.clients.conftest import node_project
from tests.support.project import apply_file, edit, recorded, stop_role
from tests.support.standins import StandInChat, silent_port

pytestmark = pytest.mark.usefixtures("frozen")

IGNORE_XML = "<response><reasoning>the fallback says no</reasoning><action>IGNORE</action></response>"
#: A target for tests where the custom model must not be asked: nothing listens on port 9.
NOWHERE = InferenceTarget("http://127.0.0.1:9", "quickstart", {})


@pytest.fixture
def manifest(frozen: object, quickstart: Path) -> Manifest:
    return apply_file(quickstart)


def open_hooks(manifest: Manifest, **kwargs: Any) -> Hooks:
    return Hooks(manifest, agent_name="Eliza", refresh_seconds=3600, **kwargs)


class TestPrompts:
    def test_the_python_templates_are_elizaos_2_0_own_word_for_word(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOG_LEVEL", "WARNING")  # elizaos configures the root logger on import
        import elizaos  # a dev dependency; imported here, after LOG_LEVEL is set

        providers = "# Conversation\nBob: hi\n# Current Message\nUser: Eliza, hello"
        for rendered, template in (
            (render_should_respond("Eliza", providers), elizaos.SHOULD_RESPOND_TEMPLATE),
            (render_message_handler("Eliza", providers, "python-2.0"), elizaos.MESSAGE_HANDLER_TEMPLATE),
        ):
            assert rendered == template.replace("{{agentName}}", "Eliza").replace("{{providers}}", providers)

    def test_the_typescript_templates_are_elizaos_1_7_own_word_for_word(self) -> None:
        # the packages of the real TS agent (tests/clients/node/elizaos, pinned @elizaos/core 1.7.2)
        core = node_project("elizaos") / "node_modules" / "@elizaos" / "core"
        assert json.loads((core / "package.json").read_text())["version"].startswith("1.7.")
        bundle = (core / "dist" / "node" / "index.node.js").read_text()
        providers = "# Received Message\nAlice: Eliza, hello"
        for rendered, name in (
            (render_should_respond("Eliza", providers, "ts-1.7"), "shouldRespondTemplate"),
            (render_message_handler("Eliza", providers, "ts-1.7"), "messageHandlerTemplate"),
        ):
            found = re.search(rf"var {name} = `(.*?)`;", bundle, re.DOTALL)
            assert found is not None, f"{name} is no longer in @elizaos/core's bundle"
            template = found.group(1).replace("\\`", "`")  # a JS template literal, unescaped
            assert rendered == template.replace("{{agentName}}", "Eliza").replace("{{providers}}", providers)

    def test_the_runtimes_templates_differ_where_their_packages_do(self) -> None:
        python, ts = (render_message_handler("Eliza", "x", runtime) for runtime in ("python-2.0", "ts-1.7"))
        assert "<params>" in python and "<params>" not in ts
        assert render_should_respond("Eliza", "x", "ts-1.7") == render_should_respond("Eliza", "x", "python-2.0")

    def test_an_unknown_runtime_is_refused_naming_the_known_ones(self, manifest: Manifest) -> None:
        with pytest.raises(
            ValueError, match=re.escape("unknown ElizaOS runtime 'ts-2': expected one of python-2.0, ts-1.7")
        ):
            Hooks(manifest, agent_runtime="ts-2")  # type: ignore[arg-type]

    def test_a_typescript_agents_message_is_where_its_runtime_puts_it(self) -> None:
        prompt = should_respond_prompt(
            "where are you?", [("Bob", "hi")], agent_name="Eliza", sender="Carol", runtime="ts-1.7"
        )
        assert providers_of(prompt).endswith(
            "# Received Message\nCarol: where are you?\n\n# Focus your response\nYou are replying to the above "
            "message from **Carol**. Keep your answer relevant to that message. Do not repeat earlier replies "
            "unless the sender asks again."
        )

    def test_the_message_is_the_last_line_of_the_providers(self) -> None:
        prompt = should_respond_prompt(
            "where are you?", [("Bob", "morning all"), "Ann: hi Bob"], agent_name="Eliza", sender="Carol"
        )
        assert providers_of(prompt) == (
            "# Conversation Messages\nBob: morning all\nAnn: hi Bob\n\n# Current Message\nCarol: where are you?"
        )
        assert providers_of(should_respond_prompt("hi", "RECENT: x", agent_name="E")) == (
            "RECENT: x\n\n# Current Message\nUser: hi"
        )

    def test_the_planning_prompt_lists_the_actions_as_elizaos_does(self) -> None:
        prompt = plan_prompt(
            "hi", {"FACTS": "the sky is blue", "N": 3}, {"REPLY": "Reply.", "IGNORE": "Say nothing."}, agent_name="E"
        )
        assert providers_of(prompt) == (
            "Possible response actions: REPLY, IGNORE\n\n# Available Actions\n- **REPLY**: Reply.\n"
            "- **IGNORE**: Say nothing.\n\nFACTS: the sky is blue\nN: 3\n\n# Current Message\nUser: hi"
        )
        assert providers_of(plan_prompt("hi", "", ["REPLY"], agent_name="E")) == (
            "Possible response actions: REPLY\n\n# Current Message\nUser: hi"
        )


def providers_of(prompt: str) -> str:
    return prompt.split("<providers>\n")[1].split("\n</providers>")[0]


class TestCustomModels:
    def test_should_respond_is_decided_by_the_custom_model(self, manifest: Manifest) -> None:
        async def ask(hooks: Hooks) -> list[tuple[str, str, str]]:
            said = ["Hi Eliza, how are you?", "Bob, lunch at noon", "Eliza, stop talking"]
            results = [await hooks.should_respond(message, [("Bob", "hey all")]) for message in said]
            assert all(r.reasoning and r.latency_ms >= 0 for r in results)
            return [(r.decision, r.source, r.reason) for r in results]

        with open_hooks(manifest) as hooks:
            assert asyncio.run(ask(hooks)) == [
                ("RESPOND", "custom", "answered by quickstart-should-respond"),
                ("IGNORE", "custom", "answered by quickstart-should-respond"),
                ("STOP", "custom", "answered by quickstart-should-respond"),
            ]
            # the sync wrapper runs on a loop of its own, beside the caller's
            assert hooks.should_respond_sync("Eliza?").decision == "RESPOND"

    def test_plan_is_decided_by_the_custom_model(self, manifest: Manifest) -> None:
        with open_hooks(manifest) as hooks:
            result = hooks.plan_sync("Hi Eliza, what's new?", "", ["REPLY", "IGNORE"])
        assert result.source == "custom" and result.reason == "answered by quickstart-planning"
        assert result.actions == ["REPLY"] and result.providers == []
        assert result.text == "You said: User: Hi Eliza, what's new?"
        assert result.thought.endswith("should answer the message directly.")

    def test_a_typescript_agents_hooks_ask_and_keep_its_runtimes_prompts(self, manifest: Manifest) -> None:
        with open_hooks(manifest, agent_runtime="ts-1.7") as hooks:
            gate = hooks.should_respond_sync("Eliza, a turtle name?", [("Bob", "morning")], sender="Alice")
            ignored = hooks.should_respond_sync("Bob, lunch at noon?", sender="Alice")
            plan = hooks.plan_sync("Eliza, a turtle name?", sender="Alice")
        assert (gate.decision, ignored.decision) == ("RESPOND", "IGNORE")
        assert plan.text == "You said: Alice: Eliza, a turtle name?"
        _, samples = recorded(manifest)
        expected = [
            should_respond_prompt(
                "Eliza, a turtle name?", [("Bob", "morning")], agent_name="Eliza", sender="Alice", runtime="ts-1.7"
            ),
            should_respond_prompt("Bob, lunch at noon?", agent_name="Eliza", sender="Alice", runtime="ts-1.7"),
            plan_prompt("Eliza, a turtle name?", agent_name="Eliza", sender="Alice", runtime="ts-1.7"),
        ]
        assert [s.prompt["messages"][0]["content"] for s in samples] == expected  # exactly as served
        assert "<params>" not in expected[2] and "# Received Message\nAlice: Eliza, a turtle name?" in expected[2]

    def test_each_decision_records_usage_and_the_exact_prompt_and_answer_redacted(self, manifest: Manifest) -> None:
        with open_hooks(manifest) as hooks:
            hooks.should_respond_sync("Hi Eliza", meta={"room": "r1"})
            hooks.plan_sync("Eliza, mail me at ann@example.com")
        usage, samples = recorded(manifest)
        assert [(u.role, u.outcome, u.reason) for u in usage] == [
            ("should_respond", "ok", None),
            ("planning", "ok", None),
        ]
        assert all(u.input_tokens > 100 and u.output_tokens > 5 for u in usage)
        assert {u.at for u in usage} == {clock.now()}  # when each decision began, on the one clock
        should, plan = samples
        assert should.source == plan.source == "custom"
        assert should.prompt == {
            "messages": [{"role": "user", "content": should_respond_prompt("Hi Eliza", agent_name="Eliza")}],
            "max_tokens": 512,
            "temperature": 0.1,
        }
        assert (
            should.answer.startswith("<response>\n  <name>Eliza</name>") and "<action>RESPOND</action>" in should.answer
        )
        assert should.meta == {
            "room": "r1",
            "model": "quickstart-should-respond",
            "reason": "answered by quickstart-should-respond",
        }
        # redacted before it was written: the prompt and the answer that echoed it
        assert "ann@example.com" not in plan.prompt["messages"][0]["content"] + plan.answer
        assert "User: Eliza, mail me at [REDACTED:email]" in plan.prompt["messages"][0]["content"]
        assert "<actions>REPLY</actions>" in plan.answer

    def test_decisions_are_recorded_on_either_database(self, frozen: object, quickstart: Path, store_url: str) -> None:
        edit(quickstart, "url: sqlite:///.reasoning/state.db", f"url: '{store_url}'")
        manifest = load(quickstart)  # not applied: the role is not up, the fallback decides
        with open_hooks(manifest, target=NOWHERE) as hooks:
            result = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: IGNORE_XML)
        assert (result.source, result.reason) == ("fallback", "not applied yet")
        with Store(store_url) as store:
            assert [(u.outcome, u.reason) for u in store.usage("quickstart")] == [("fallback", "not applied yet")]
            assert [(s.source, s.answer) for s in store.samples("quickstart")] == [("fallback", IGNORE_XML)]


class TestFallback:
    def test_a_stopped_role_falls_back_to_the_callers_function(self, manifest: Manifest, quickstart: Path) -> None:
        stop_role(quickstart, "should_respond")
        seen: list[tuple[str, object]] = []

        def mine(message: str, context: object) -> str:
            seen.append((message, context))
            return IGNORE_XML

        with open_hooks(manifest, target=NOWHERE, should_respond_fallback=mine) as hooks:
            result = hooks.should_respond_sync("Hi Eliza", "ctx")
        assert (result.decision, result.source, result.reason) == ("IGNORE", "fallback", "stopped")
        assert result.reasoning == "the fallback says no"
        assert seen == [("Hi Eliza", "ctx")]
        usage, samples = recorded(manifest)
        assert [(u.outcome, u.reason, u.input_tokens) for u in usage] == [("fallback", "stopped", 0)]
        assert samples[0].source == "fallback" and samples[0].answer == IGNORE_XML
        assert samples[0].model is None  # the caller's own function: no model to name

    def test_a_role_disabled_in_the_manifest_falls_back_to_an_async_function(self, quickstart: Path) -> None:
        edit(quickstart, "  planning:", "  planning:\n    enabled: false")
        manifest = apply_file(quickstart)
        decided = PlanAnswer(thought="mine", actions=["REPLY"], text="fallback heard Hi Eliza")

        async def mine(message: str, state: object, actions: object) -> PlanAnswer:
            return decided

        with open_hooks(manifest, target=NOWHERE, plan_fallback=mine) as hooks:
            result = hooks.plan_sync("Hi Eliza")
        assert (result.text, result.source, result.reason) == (decided.text, "fallback", "disabled in manifest")
        _, samples = recorded(manifest)
        assert samples[0].answer == decided.to_xml()

    def test_over_budget_falls_back_without_calling_the_model(self, quickstart: Path) -> None:
        # a dollar a token: the reservation (prompt + 512 answer tokens) is over the 500 USD budget
        price = "    price_per_million_tokens: {input: 1000000, output: 1000000}"
        edit(quickstart, "    priority: 10", "    priority: 10\n" + price)
        manifest = apply_file(quickstart)
        with open_hooks(manifest, target=NOWHERE) as hooks:
            result = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: ShouldRespondAnswer(decision="STOP"))
        assert (result.decision, result.source) == ("STOP", "fallback")
        # spent so far: the hardware since apply; asked for: about 850 tokens at a dollar each
        assert re.fullmatch(r"over budget: 0\.0\d+ \+ 8\d\d\.00 > 500\.00 USD \(month\)", result.reason), result.reason
        usage, _ = recorded(manifest)
        assert [(u.outcome, u.input_tokens, u.cost_usd) for u in usage] == [("fallback", 0, 0.0)]

    def test_a_slow_model_falls_back_after_its_timeout(self, manifest: Manifest) -> None:
        fast = {"should_respond": RoleSettings(max_tokens=512, temperature=0.1, timeout_seconds=0.05)}
        with silent_port() as url:
            target = InferenceTarget(url, manifest.project, {})
            with open_hooks(manifest, target=target, settings=fast) as hooks:
                result = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: "[RESPOND]")
        assert (result.decision, result.source, result.reason) == (
            "RESPOND",
            "fallback",
            "slow: no answer within 0.05 s",
        )
        _, samples = recorded(manifest)
        assert samples[0].answer == "[RESPOND]"

    def test_an_erroring_model_falls_back_and_then_its_circuit_opens(self, quickstart: Path) -> None:
        edit(quickstart, "  model_map:", "  circuit: {failures: 1, open_seconds: 60}\n  model_map:")
        manifest = apply_file(quickstart)
        with open_hooks(manifest) as hooks:
            fault = {"method": "POST", "path_regex": "/v1/chat/completions", "status": 503, "code": "overloaded"}
            httpx.post(f"{hooks.target.base_url}/_simulator/faults", json=fault).raise_for_status()
            first = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: IGNORE_XML)
            second = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: IGNORE_XML)
        assert (first.source, first.reason) == ("fallback", "error: HTTP 503 overloaded")
        assert (second.source, second.reason) == ("fallback", "circuit open (1 failures in 30s)")
        usage, _ = recorded(manifest)
        assert [u.reason for u in usage] == ["error: HTTP 503 overloaded", "circuit open (1 failures in 30s)"]

    def test_a_model_refusing_the_request_falls_back_without_opening_its_circuit(self, quickstart: Path) -> None:
        # As in the proxy: a 4xx other than 429 is about the request, not the model's health.
        edit(quickstart, "  model_map:", "  circuit: {failures: 1, open_seconds: 60}\n  model_map:")
        manifest = apply_file(quickstart)
        with open_hooks(manifest) as hooks:
            fault = {"method": "POST", "path_regex": "/v1/chat/completions", "status": 400, "code": "invalid_request"}
            httpx.post(f"{hooks.target.base_url}/_simulator/faults", json={**fault, "times": 1}).raise_for_status()
            first = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: IGNORE_XML)
            second = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: IGNORE_XML)
        assert (first.source, first.reason) == ("fallback", "error: HTTP 400 invalid_request")
        assert (second.source, second.reason) == ("custom", "answered by quickstart-should-respond")

    def test_an_unparseable_answer_falls_back_and_is_recorded(self, manifest: Manifest) -> None:
        rambling = "<think>\nThe user greets me. Should I answer? Probably, but the rules say"
        with StandInChat(rambling) as model:
            target = InferenceTarget(model.base_url, manifest.project, {"Authorization": "Bearer k"})
            with open_hooks(manifest, target=target) as hooks:
                result = hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: IGNORE_XML)
            assert model.received[0]["model"] == "quickstart-should-respond"
            assert model.headers[0]["authorization"] == "Bearer k"
        assert (result.source, result.reason) == (
            "fallback",
            "unparseable answer: no <action> with RESPOND, IGNORE or STOP",
        )
        usage, samples = recorded(manifest)
        # the custom model's tokens were spent (and are counted); the sample is the fallback's answer
        assert [(u.outcome, u.input_tokens, u.output_tokens) for u in usage] == [("fallback", 7, 3)]
        assert [(s.source, s.answer) for s in samples] == [("fallback", IGNORE_XML)]

    def test_the_configured_upstream_answers_with_its_key(
        self, manifest: Manifest, quickstart: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        stop_role(quickstart, "should_respond")
        monkeypatch.setenv("FALLBACK_KEY", "sk-fallback-0123456789")
        with StandInChat(IGNORE_XML) as upstream:
            settings = Upstream(base_url=upstream.base_url + "/v1", model="gpt-4o-mini", api_key_env="FALLBACK_KEY")
            with open_hooks(manifest, target=NOWHERE, upstream=settings) as hooks:
                result = hooks.should_respond_sync("Hi Eliza")
            assert upstream.received[0]["model"] == "gpt-4o-mini"
            assert upstream.received[0]["messages"][0]["content"].startswith("<task>Decide on behalf of Eliza")
            assert upstream.headers[0]["authorization"] == "Bearer sk-fallback-0123456789"
        assert (result.decision, result.source, result.reason) == ("IGNORE", "fallback", "stopped")
        [sample] = recorded(manifest)[1]
        assert (sample.source, sample.model, sample.outcome) == ("fallback", "gpt-4o-mini", "fallback")

    def test_the_manifests_openai_upstream_is_the_default_fallback(self, quickstart: Path) -> None:
        with StandInChat(IGNORE_XML) as upstream:
            edit(quickstart, "  model_map:", f"  openai_upstream: {upstream.base_url}\n  model_map:")
            manifest = load(quickstart)  # not applied: the role is not up
            with open_hooks(manifest, target=NOWHERE) as hooks:
                result = hooks.should_respond_sync("Hi Eliza")
            assert upstream.received[0]["model"] == "gpt-4o-mini"  # proxy.model_map: gpt-4o-mini -> should_respond
        assert (result.decision, result.source) == ("IGNORE", "fallback")

    def test_no_fallback_is_a_clear_error_and_recorded(self, manifest: Manifest, quickstart: Path) -> None:
        stop_role(quickstart, "should_respond")
        with open_hooks(manifest, target=NOWHERE) as hooks, pytest.raises(NoFallback) as caught:
            hooks.should_respond_sync("Hi Eliza")
        assert str(caught.value) == "the should_respond model could not answer (stopped) and no fallback is configured"
        usage, samples = recorded(manifest)
        assert [(u.outcome, u.reason) for u in usage] == [("error", "stopped")] and samples == []

    def test_a_fallback_that_cannot_answer_fails_clearly(self, quickstart: Path) -> None:
        manifest = load(quickstart)  # not applied: every role falls back
        with StandInChat("Sure, I can help with that!") as prose, StandInChat(status=502) as failing:
            with open_hooks(manifest, target=NOWHERE, upstream=Upstream(base_url=prose.base_url, model="a")) as hooks:
                with pytest.raises(FallbackFailed) as caught:
                    hooks.plan_sync("Hi Eliza")
                assert str(caught.value) == (
                    "the planning model could not answer (not applied yet), nor could the fallback a: "
                    "no <response> with <actions> or <text>"
                )
                with pytest.raises(FallbackFailed, match=r"the fallback's answer did not parse: no <action>"):
                    hooks.should_respond_sync("Hi Eliza", fallback=lambda m, c: "no idea")
            failing_upstream = Upstream(base_url=failing.base_url, model="b")
            with (
                open_hooks(manifest, target=NOWHERE, upstream=failing_upstream) as hooks,
                pytest.raises(FallbackFailed, match=r"nor could the fallback b: HTTP 502 standin_error$"),
            ):
                hooks.plan_sync("Hi Eliza")
        missing_key = Upstream(base_url="http://127.0.0.1:9", model="c", api_key_env="NOT_SET_ANYWHERE")
        with (
            open_hooks(manifest, target=NOWHERE, upstream=missing_key) as hooks,
            pytest.raises(SecretMissing, match="NOT_SET_ANYWHERE is not set"),
        ):
            hooks.plan_sync("Hi Eliza")
