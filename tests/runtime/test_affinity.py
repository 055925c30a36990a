"""Conversation affinity: a conversation's later turns go where its first turn went (issue 11 items 3 and 5)."""

from __future__ import annotations

from typing import Any

import pytest

from controlplane.manifest.loader import loads
from runtime.routing import Router
from runtime.routing.affinity import SESSION_HEADER, Affinity
from tests.support.clock import FakeClock

ROLES = """\
version: 1
project: demo
models:
  planning: {model: org/planning, hardware: h}
  coding: {model: org/coding, hardware: h}
"""
CODE = "Write a Python function that parses ISO dates like 2026-11-24 and returns a date; add a test."
CHAT = "What should I cook tonight with chickpeas and spinach?"
WEATHER = {"name": "get_weather", "description": "Today's weather in a city.", "input_schema": {"type": "object"}}


def router(**affinity: Any) -> Router:
    return Router(loads(ROLES), affinity=Affinity(**affinity) if affinity else True)


def turn(first: str, *later: Any, **extra: Any) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": first}]
    for index, content in enumerate(later):
        messages.append({"role": "assistant" if index % 2 == 0 else "user", "content": content})
    return {"model": "claude-sonnet-4-5", "max_tokens": 512, "messages": messages, **extra}


class TestLaterTurns:
    def test_a_conversation_routed_to_coding_stays_there_when_its_last_turn_is_chatty(self) -> None:
        routes = router()
        first = routes.route("anthropic", turn(CODE), {})
        assert first.role == "coding" and first.reason.startswith("default rule: ")
        later = routes.route("anthropic", turn(CODE, "```python\ndef parse(s): ...\n```", CHAT), {})
        assert later.role == "coding"
        assert later.reason == "affinity: coding since the conversation's first turn"

    def test_a_conversation_sent_upstream_stays_upstream(self) -> None:
        routes = router()
        assert routes.route("anthropic", turn(CHAT), {}).role is None
        later = routes.route("anthropic", turn(CHAT, "Try a chana saag.", CODE), {})
        assert later.role is None and later.reason == "affinity: upstream since the conversation's first turn"

    def test_without_affinity_each_turn_is_routed_on_its_own(self) -> None:
        routes = Router(loads(ROLES), affinity=False)
        routes.route("anthropic", turn(CHAT), {})
        assert routes.route("anthropic", turn(CHAT, "Try a chana saag.", CODE), {}).role == "coding"

    def test_a_role_header_decides_its_request_whatever_the_conversation(self) -> None:
        routes = router()
        routes.route("anthropic", turn(CODE), {})
        forced = routes.route("anthropic", turn(CODE, "ok", "more"), {"x-reasoning-role": "upstream"})
        assert forced.role is None and forced.reason == "header x-reasoning-role=upstream"


class TestToolLoop:
    """Issue 11 item 5: an SDK agent whose tools are not about code starts on the custom model; its
    next turn holds only a tool_result, which on its own scores low and went to the upstream."""

    def ask(self) -> dict[str, Any]:
        return turn(f"{CODE} Then call get_weather for Paris.", tools=[WEATHER])

    def loop(self) -> dict[str, Any]:
        call = [{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}]
        result = [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny, 21 C"}]
        return turn(f"{CODE} Then call get_weather for Paris.", call, result, tools=[WEATHER])

    def test_a_tool_loop_that_starts_on_the_custom_model_stays_on_it(self) -> None:
        routes = router()
        assert routes.route("anthropic", self.ask(), {}).role == "coding"
        after = routes.route("anthropic", self.loop(), {})
        assert after.role == "coding" and after.reason.startswith("affinity: ")

    def test_every_later_round_of_the_loop_stays_too(self) -> None:
        routes = router()
        routes.route("anthropic", self.ask(), {})
        body = self.loop()
        for round_ in range(3):
            body["messages"] += [
                {"role": "assistant", "content": [{"type": "tool_use", "id": f"t{round_}", "name": "get_weather",
                                                   "input": {"city": "Lyon"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{round_}", "content": "rain"}]},
            ]  # fmt: skip
            assert routes.route("anthropic", body, {}).role == "coding"


class TestKeys:
    def test_the_same_opening_in_two_sessions_is_two_conversations(self) -> None:
        table = Affinity()
        body = turn(CODE)
        one = table.key("anthropic", body, {SESSION_HEADER: "s-1"})
        assert one != table.key("anthropic", body, {SESSION_HEADER: "s-2"})
        assert one == table.key("anthropic", turn(CODE, "ok", "next"), {SESSION_HEADER: "s-1"})

    def test_metadata_user_id_scopes_a_conversation_when_no_session_header_is_sent(self) -> None:
        table = Affinity()
        alice = table.key("anthropic", turn(CODE, metadata={"user_id": "alice"}), {})
        bob = table.key("anthropic", turn(CODE, metadata={"user_id": "bob"}), {})
        assert alice != bob
        assert alice == table.key("anthropic", turn(CODE, "a", "b", metadata={"user_id": "alice"}), {})

    def test_a_sessions_side_call_is_a_conversation_of_its_own(self) -> None:
        routes = router()
        session = {SESSION_HEADER: "cc-session"}
        assert routes.route("anthropic", turn(CODE), session).role == "coding"
        title = turn("Write a 5-10 word title for the following conversation: cooking dinner with friends")
        assert not routes.route("anthropic", title, session).reason.startswith("affinity")

    def test_a_body_without_a_user_turn_has_no_key(self) -> None:
        assert Affinity.key("anthropic", {"messages": [{"role": "assistant", "content": "x"}]}, {}) is None
        assert Affinity.key("anthropic", {"messages": "x"}, {}) is None

    def test_another_model_is_routed_afresh(self) -> None:
        table = Affinity()
        assert table.key("openai", turn(CODE), {}) != table.key("openai", {**turn(CODE), "model": "gpt-5"}, {})


class TestTable:
    def test_is_bounded_the_least_recently_used_conversation_goes_first(self) -> None:
        table = Affinity(size=2)
        table.put("a", "coding", "x")
        table.put("b", None, "y")
        assert table.get("a") == ("coding", "x")  # a is now the most recently used
        table.put("c", "coding", "z")
        assert len(table) == 2 and table.get("b") is None and table.get("a") is not None

    def test_an_entry_expires_after_its_ttl_since_last_use(self, frozen: FakeClock) -> None:
        table = Affinity(ttl_seconds=60)
        table.put("a", "coding", "x")
        frozen.tick(50)
        assert table.get("a") is not None  # used: renewed
        frozen.tick(50)
        assert table.get("a") is not None
        frozen.tick(61)
        assert table.get("a") is None

    def test_an_expired_conversation_is_routed_afresh(self, frozen: FakeClock) -> None:
        routes = router(ttl_seconds=60)
        routes.route("anthropic", turn(CHAT), {})
        frozen.tick(61)
        assert routes.route("anthropic", turn(CHAT, "Try a chana saag.", CODE), {}).role == "coding"

    @pytest.mark.parametrize("settings", [{"size": 0}, {"ttl_seconds": 0}])
    def test_refuses_a_table_that_cannot_hold_anything(self, settings: dict[str, Any]) -> None:
        with pytest.raises(ValueError, match="affinity"):
            Affinity(**settings)


class TestNothingToKeep:
    def test_a_request_no_rule_can_take_is_not_remembered(self) -> None:
        # the implied rule is Anthropic's: an OpenAI conversation has no route to keep
        table = Affinity()
        routes = Router(loads(ROLES), affinity=table)
        ask = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Write a Python function"}]}
        first, later = routes.route("openai", ask, {}), routes.route("openai", ask, {})
        assert first == later and not later.reason.startswith("affinity")
        assert len(table) == 0
