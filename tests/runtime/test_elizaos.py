"""The plugin in the real `elizaos` 2.0.0a5 runtime, with the quickstart applied to the simulator
as the custom models and a local stand-in plugin as the models the agent had before."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elizaos import Character, Content, Memory, ModelType, Plugin
from elizaos.runtime import AgentRuntime

from controlplane.manifest import Manifest, load
from runtime.elizaos import PLAN_EVENT, PLUGIN_NAME, SHOULD_RESPOND_EVENT, reasoning_plugin
from runtime.hooks import Hooks
from runtime.target import InferenceTarget
from tests.support.project import apply_file, recorded, stop_role

pytestmark = pytest.mark.usefixtures("frozen")


class LocalModels:
    """Stands in for the agent's own models (elizaos-plugin-openai, say); counts its calls."""

    def __init__(self, priority: int = 0) -> None:
        self.calls: list[tuple[str, str]] = []
        self.priority = priority

    async def small(self, runtime: Any, params: dict[str, Any]) -> str:
        self.calls.append(("TEXT_SMALL", params["prompt"]))
        return "<response><reasoning>local: always</reasoning><action>RESPOND</action></response>"

    async def large(self, runtime: Any, params: dict[str, Any]) -> str:
        self.calls.append(("TEXT_LARGE", params["prompt"]))
        if "Summarize" in params["prompt"]:
            return "local summary"
        said = params["prompt"].split("# Current Message\n")[-1].split("\n")[0]
        return f"<response><thought>local</thought><actions>REPLY</actions><text>(local) {said}</text></response>"

    def plugin(self) -> Plugin:
        async def init(config: dict[str, Any], runtime: Any) -> None:
            runtime.register_model(ModelType.TEXT_SMALL, self.small, provider="local", priority=self.priority)
            runtime.register_model(ModelType.TEXT_LARGE, self.large, provider="local", priority=self.priority)

        return Plugin(name="local", description="local stand-in models", init=init)


class Agent:
    """An AgentRuntime with the reasoning plugin; `say()` sends a message and returns what came of it."""

    def __init__(self, hooks: Hooks, *plugins: Plugin, **runtime_args: Any) -> None:
        self.decisions: list[Any] = []

        async def seen(payload: dict[str, Any]) -> None:
            self.decisions.append(payload["decision"])

        watcher = Plugin(name="watch", description="d", events={SHOULD_RESPOND_EVENT: [seen], PLAN_EVENT: [seen]})
        self.runtime = AgentRuntime(
            character=Character(name="Eliza", bio=["A helpful AI assistant."]),
            plugins=[*plugins, reasoning_plugin(hooks), watcher],
            **runtime_args,
        )
        self.user, self.room = str(uuid.uuid4()), str(uuid.uuid4())

    def say(self, *texts: str, channel: str = "GROUP") -> list[tuple[bool, str | None]]:
        async def run() -> list[tuple[bool, str | None]]:
            await self.runtime.initialize()
            results = []
            for text in texts:
                content = Content(text=text, source="test", channel_type=channel)
                memory = Memory(entity_id=self.user, room_id=self.room, content=content)
                result = await self.runtime.message_service.handle_message(self.runtime, memory)
                results.append((result.did_respond, result.response_content.text if result.response_content else None))
            await self.runtime.stop()
            return results

        return asyncio.run(run())


@pytest.fixture
def manifest(frozen: object, quickstart: Path) -> Manifest:
    return apply_file(quickstart)


@pytest.fixture
def hooks(manifest: Manifest) -> Iterator[Hooks]:
    with Hooks(manifest, refresh_seconds=3600) as opened:
        yield opened


#: For tests in which no custom model may be asked: nothing listens on port 9.
NOWHERE = InferenceTarget("http://127.0.0.1:9", "quickstart", {})


@pytest.fixture
def idle_hooks(quickstart: Path) -> Iterator[Hooks]:
    """Hooks on the quickstart, not applied and with no model to ask: for what the plugin does
    before any decision."""
    with Hooks(load(quickstart), target=NOWHERE, refresh_seconds=3600) as opened:
        yield opened


class TestGate:
    def test_messages_are_gated_and_planned_by_the_custom_models(self, hooks: Hooks, manifest: Manifest) -> None:
        local = LocalModels()
        agent = Agent(hooks, local.plugin())
        results = agent.say("Hi Eliza, how are you?", "Bob, lunch at noon", "Eliza, stop talking", "Eliza, one more?")
        assert results == [
            (True, "You said: User: Hi Eliza, how are you?"),
            (False, None),
            (False, None),
            (True, "You said: User: Eliza, one more?"),  # the second answer is to the second message
        ]
        gates = [(d.decision, d.source) for d in agent.decisions if hasattr(d, "decision")]
        assert gates == [("RESPOND", "custom"), ("IGNORE", "custom"), ("STOP", "custom"), ("RESPOND", "custom")]
        assert [d.source for d in agent.decisions if hasattr(d, "actions")] == ["custom", "custom"]
        assert local.calls == []  # the agent's own models were not needed
        hooks.recorder.flush()
        usage, samples = recorded(manifest)
        assert [(u.role, u.outcome) for u in usage].count(("should_respond", "ok")) == 4
        plans = [s for s in samples if s.role == "planning"]
        assert [s.source for s in plans] == ["custom", "custom"]
        # the exact prompt the runtime sent: its wrapper, the message handler template, the message last
        prompt = plans[0].prompt["messages"][0]["content"]
        assert prompt.startswith("initial code: ") and "<task>Generate dialog and actions for the character" in prompt
        assert "# Current Message\nUser: Hi Eliza, how are you?\n</providers>" in prompt
        assert plans[0].meta["agent"] == "Eliza" and plans[0].meta["via"] == "elizaos"
        gate = next(s for s in samples if s.role == "should_respond")
        assert gate.prompt["messages"][0]["content"].startswith("<task>Decide on behalf of Eliza whether")
        assert gate.meta["room_id"] == agent.room and gate.meta["channel"] == "GROUP"

    def test_direct_messages_and_a_disabled_check_skip_the_gate(self, hooks: Hooks, manifest: Manifest) -> None:
        assert Agent(hooks).say("Bob, lunch at noon", channel="DM") == [(True, "You said: User: Bob, lunch at noon")]
        unchecked = Agent(hooks, check_should_respond=False)
        assert unchecked.say("Bob, lunch at noon") == [(True, "You said: User: Bob, lunch at noon")]
        hooks.recorder.flush()
        usage, _ = recorded(manifest)
        assert [u.role for u in usage] == ["planning", "planning"]


class TestPlanning:
    def test_the_plugin_outranks_other_models_and_passes_other_prompts_on(
        self, idle_hooks: Hooks, quickstart: Path
    ) -> None:
        local = LocalModels(priority=100)
        agent = Agent(idle_hooks, local.plugin())

        async def run() -> tuple[Any, Any]:
            await agent.runtime.initialize()
            top = agent.runtime.get_model("TEXT_LARGE")  # what use_model picks: the highest priority
            chosen = [h.provider for h in agent.runtime._models["TEXT_LARGE"] if h.handler is top]
            summary = await agent.runtime.use_model(ModelType.TEXT_LARGE, {"prompt": "Summarize the chat"})
            return chosen, summary

        chosen, summary = asyncio.run(run())
        assert chosen == [PLUGIN_NAME]
        assert summary == "local summary" and local.calls == [("TEXT_LARGE", "Summarize the chat")]
        idle_hooks.recorder.flush()
        assert recorded(load(quickstart))[0] == []  # not a planning prompt: no decision was made

    def test_validation_level_is_trusted_unless_the_agent_chose_one(
        self, idle_hooks: Hooks, caplog: pytest.LogCaptureFixture
    ) -> None:
        for given, kept in [(None, "trusted"), ("fast", "fast"), ("strict", "strict")]:
            caplog.clear()
            agent = Agent(idle_hooks, settings={"VALIDATION_LEVEL": given} if given else {})
            asyncio.run(agent.runtime.initialize())
            assert agent.runtime.get_setting("VALIDATION_LEVEL") == kept
            assert ("Set VALIDATION_LEVEL=trusted" in caplog.text) == (kept == "strict"), given


class TestFallback:
    def test_stopped_roles_fall_back_to_the_agents_own_models(self, manifest: Manifest, quickstart: Path) -> None:
        stop_role(quickstart, "should_respond")
        stop_role(quickstart, "planning")
        local = LocalModels()
        with Hooks(manifest, target=NOWHERE, refresh_seconds=3600) as hooks:
            agent = Agent(hooks, local.plugin())
            assert agent.say("Bob, lunch at noon") == [(True, "(local) User: Bob, lunch at noon")]
        assert [(d.source, d.reason) for d in agent.decisions] == [("fallback", "stopped"), ("fallback", "stopped")]
        assert [kind for kind, _ in local.calls] == ["TEXT_SMALL", "TEXT_LARGE"]
        assert local.calls[0][1].startswith("<task>Decide on behalf of Eliza")  # the same prompt, to the fallback
        usage, samples = recorded(manifest)
        assert [(u.role, u.outcome, u.reason) for u in usage] == [
            ("should_respond", "fallback", "stopped"),
            ("planning", "fallback", "stopped"),
        ]
        assert [s.source for s in samples] == ["fallback", "fallback"]

    def test_without_a_small_model_the_gate_lets_messages_through(self, manifest: Manifest, quickstart: Path) -> None:
        stop_role(quickstart, "should_respond")
        with Hooks(manifest, refresh_seconds=3600) as hooks:
            agent = Agent(hooks)
            assert agent.say("Bob, lunch at noon") == [(True, "You said: User: Bob, lunch at noon")]
        gate, plan = agent.decisions
        assert (gate.decision, gate.source, gate.reason) == ("RESPOND", "fallback", "stopped")
        assert plan.source == "custom"

    def test_a_gate_that_cannot_decide_lets_messages_through(self, manifest: Manifest, quickstart: Path) -> None:
        stop_role(quickstart, "should_respond")

        async def broken(runtime: Any, params: dict[str, Any]) -> str:
            raise ConnectionError("the agent's own small model is down too")

        broken_small = Plugin(name="broken", description="d", models={ModelType.TEXT_SMALL: broken})
        with Hooks(manifest, refresh_seconds=3600) as hooks:
            agent = Agent(hooks, broken_small)
            assert agent.say("Bob, lunch at noon") == [(True, "You said: User: Bob, lunch at noon")]
        usage, _ = recorded(manifest)
        assert [(u.role, u.outcome, u.reason) for u in usage] == [
            ("should_respond", "error", "stopped"),
            ("planning", "ok", None),
        ]
