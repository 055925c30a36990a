"""The simulated decision models read the prompts ElizaOS really sends: the message under
`# Received Message` (TS 1.7.x) or `# Current Message` (Python 2.0.0a5), the agent's name from the
template, the people in the room; and answer XML the runtimes parse.

Sources: the prompts in tests/clients/prompts/ts-1.7.2 (captured from `@elizaos/core` 1.7.2 through
`plugin-openai` 1.6.0 and `plugin-anthropic` 1.5.12) and tests/clients/prompts/py-2.0.0a5 (composed
by `elizaos` 2.0.0a5); the answer formats are the templates' `<output>` sections, and TS's
`parseKeyValueXml` (`@elizaos/core` 1.7.2 dist) takes the first `<response>` block, as
`runtime.parse` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.provider.simulator import chat, prompts
from runtime.parse import parse_plan, parse_should_respond

CLIENTS = Path(__file__).resolve().parents[1] / "clients" / "prompts"
TS, PY = CLIENTS / "ts-1.7.2", CLIENTS / "py-2.0.0a5"
ADDRESSED = "Eliza, what's a good name for a pet turtle?"


def ask(prompt: str, role: chat.Role) -> str:
    request = chat.ChatRequest(model="m", messages=[chat.Message(role="user", content=prompt)])
    answer = chat.answer(request, role, "sim")
    assert answer.content is not None
    return answer.content


def served(name: str) -> str:
    return (TS / f"{name}.txt").read_text() if not name.startswith("py/") else (PY / f"{name[3:]}.txt").read_text()


class TestReadingThePrompt:
    @pytest.mark.parametrize(
        ("name", "sender", "text"),
        [
            ("should_respond", "Alice", ADDRESSED),
            ("should_respond_chatter", "Bob", "morning all, traffic on the bridge was terrible today"),
            ("message_handler", "Alice", ADDRESSED),  # not "No previous action results available."
            ("py/should_respond", "User", ADDRESSED),
            ("py/message_handler", "User", ADDRESSED),
            ("py/should_respond_elsewhere", "User", "haha Bob, did you watch the match last night?"),
        ],
    )
    def test_the_message_is_the_one_under_the_runtimes_heading(self, name: str, sender: str, text: str) -> None:
        said = prompts.latest_message(served(name))
        assert (said.sender, said.text) == (sender, text)

    @pytest.mark.parametrize("name", ["should_respond", "message_handler", "py/should_respond", "py/message_handler"])
    def test_the_agents_name_comes_from_the_template_or_its_providers(self, name: str) -> None:
        # 2.0.0a5's message handler leaves {{agentName}} unfilled: the name is in "# Agent: Eliza"
        assert prompts.agent_name(served(name)) == "Eliza"

    def test_the_people_in_the_room_are_those_ts_lists_and_who_spoke(self) -> None:
        assert prompts.participants(served("should_respond")) == {"Alice", "Bob", "Carol", "Eliza"}

    def test_without_a_heading_the_last_line_of_the_providers_is_the_message(self) -> None:
        prompt = "<task>Decide on behalf of Ann whether they should respond</task>\n"
        prompt += "<providers>\nx\nBob: hi\n</providers>"
        assert prompts.latest_message(prompt).text == "Bob: hi"


class TestAnsweringTheRealPrompts:
    @pytest.mark.parametrize("runtime", ["", "py/"])
    def test_a_message_addressed_by_name_gets_respond_and_chatter_ignore(self, runtime: str) -> None:
        addressed = parse_should_respond(ask(served(f"{runtime}should_respond"), "should_respond"))
        chatter = parse_should_respond(ask(served(f"{runtime}should_respond_chatter"), "should_respond"))
        assert (addressed.decision, chatter.decision) == ("RESPOND", "IGNORE")
        assert "Eliza" in addressed.reasoning

    def test_talk_addressed_to_someone_else_gets_ignore_though_it_is_a_question(self) -> None:
        answer = parse_should_respond(ask(served("py/should_respond_elsewhere"), "should_respond"))
        assert answer.decision == "IGNORE" and "Bob" in answer.reasoning
        ts = served("should_respond").replace(f"Alice: {ADDRESSED}", "Carol: haha Bob, did you watch the match?")
        assert parse_should_respond(ask(ts, "should_respond")).decision == "IGNORE"

    def test_being_told_to_stop_gets_stop(self) -> None:
        ts = served("should_respond").replace(f"Alice: {ADDRESSED}", "Carol: Eliza, please stop talking now")
        assert parse_should_respond(ask(ts, "should_respond")).decision == "STOP"

    @pytest.mark.parametrize("runtime", ["", "py/"])
    def test_the_planning_answer_replies_to_the_message_as_the_agent(self, runtime: str) -> None:
        text = ask(served(f"{runtime}message_handler"), "planning")
        plan = parse_plan(text)
        assert plan.actions == ["REPLY"] and "turtle" in plan.text and plan.thought.startswith("Eliza ")
        # the template's <output>: exactly the keys the TS runtime reads, first in one <response>
        assert text.startswith("<response>") and text.endswith("</response>")
