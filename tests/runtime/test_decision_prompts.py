"""The router knows ElizaOS's decision prompts by their structure: both runtimes' should-respond
and message-handler templates, whatever the providers carry, in each API's body; nothing else
(reflection, object generation, JSON mode) is taken for one.

Sources: the bodies plugin-openai 1.6.0 (`POST /v1/responses`) and plugin-anthropic 1.5.12
(`POST /v1/messages`) sent from a real TS 1.7.2 agent (tests/clients/prompts/ts-1.7.2), and the
prompts the `elizaos` 2.0.0a5 package composed (tests/clients/prompts/py-2.0.0a5).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runtime.hooks.prompts import plan_prompt, should_respond_prompt
from runtime.routing.decision_prompts import accepts, kind_of, prompt_kind
from runtime.wire.api import Api

PROMPTS = Path(__file__).resolve().parents[1] / "clients" / "prompts"
TS, PY = PROMPTS / "ts-1.7.2", PROMPTS / "py-2.0.0a5"


def body(name: str, api: str) -> dict[str, Any]:
    return dict(json.loads((TS / f"{name}.{api}.json").read_text()))


def chat(prompt: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}], **extra}


class TestRecognition:
    @pytest.mark.parametrize("api", ["openai-responses", "anthropic-messages"])
    @pytest.mark.parametrize(
        ("name", "kind"),
        [
            ("should_respond", "should_respond"),
            ("should_respond_chatter", "should_respond"),
            ("message_handler", "message_handler"),
            ("reflection", None),
            ("object_small", None),  # JSON mode through plugin-openai; a JSON-only system through plugin-anthropic
        ],
    )
    def test_what_a_typescript_agent_sends_is_known_in_each_apis_body(self, api: str, name: str, kind: str) -> None:
        wire: Api = "anthropic" if api.startswith("anthropic") else "openai"
        assert kind_of(wire, body(name, api)) == kind

    @pytest.mark.parametrize(
        ("name", "kind"),
        [
            ("should_respond", "should_respond"),
            ("should_respond_chatter", "should_respond"),
            ("should_respond_elsewhere", "should_respond"),
            ("message_handler", "message_handler"),  # wrapped in validation codes, {{agentName}} unfilled
        ],
    )
    def test_what_a_python_agent_sends_is_known_too(self, name: str, kind: str) -> None:
        assert kind_of("openai", chat((PY / f"{name}.txt").read_text())) == kind

    def test_the_hooks_own_prompts_of_both_runtimes_are_known(self) -> None:
        for runtime in ("python-2.0", "ts-1.7"):
            assert prompt_kind(should_respond_prompt("hi", agent_name="Ann", runtime=runtime)) == "should_respond"
            assert prompt_kind(plan_prompt("hi", agent_name="Ann", runtime=runtime)) == "message_handler"

    def test_whatever_the_providers_carry_only_the_prompts_own_structure_counts(self) -> None:
        quoted = (TS / "should_respond.txt").read_text()
        reflection = (TS / "reflection.txt").read_text()
        # a conversation that quotes a decision prompt does not make a reflection one
        assert prompt_kind(reflection.replace("# Received Message", quoted + "\n# Received Message", 1)) is None
        # a should-respond prompt whose providers quote a message handler is still a should-respond prompt
        handler = (TS / "message_handler.txt").read_text()
        assert prompt_kind(quoted.replace("# Received Message", handler + "\n# Received Message", 1)) == (
            "should_respond"
        )
        assert prompt_kind(quoted.replace("Eliza", "Dr. Ada Lovelace-Byron")) == "should_respond"

    def test_json_mode_is_never_a_decision(self) -> None:
        prompt = (TS / "should_respond.txt").read_text()
        assert kind_of("openai", chat(prompt, response_format={"type": "json_object"})) is None
        responses = {"model": "m", "input": prompt, "text": {"format": {"type": "json_schema"}}}
        assert kind_of("openai", responses) is None
        assert kind_of("openai", {"model": "m", "input": prompt}) == "should_respond"

    def test_a_body_without_text_is_no_decision(self) -> None:
        assert kind_of("openai", {"model": "m"}) is None
        assert (
            kind_of("anthropic", {"model": "m", "messages": [{"role": "user", "content": [{"type": "image"}]}]}) is None
        )


class TestWhatARoleTakes:
    def test_by_default_the_decision_roles_take_their_prompts_and_other_roles_anything(self) -> None:
        assert accepts("should_respond", "should_respond", {})
        assert not accepts("should_respond", "message_handler", {})
        assert not accepts("planning", None, {})
        assert accepts("coding", None, {})

    def test_the_manifest_widens_and_narrows_it(self) -> None:
        configured = {"planning": frozenset({"message_handler", "should_respond"}), "coding": frozenset()}
        assert accepts("planning", "should_respond", configured)
        assert not accepts("coding", None, configured)
        assert accepts("should_respond", None, {"should_respond": frozenset({"any"})})
