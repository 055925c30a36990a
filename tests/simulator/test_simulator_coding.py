"""A simulated coding model in an agent's tool loop (`coding`, through `chat.answer`): what it
writes, where, and when it stops."""

from __future__ import annotations

import json
from typing import Any

import pytest

from controlplane.provider.simulator import coding
from controlplane.provider.simulator.chat import Answer, ChatRequest, answer

CLAUDE_CODE_SYSTEM = (
    "You are Claude Code.\n# Environment\n - Primary working directory: /home/dev/app\n - Platform: linux"
)
REMINDER = "<system-reminder>\nAs you answer the user's questions, you can use this context.\n</system-reminder>\n\n"


def tool(name: str, **properties: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {p: {"type": t} for p, t in properties.items()},
        "required": [*properties],
    }
    return {"type": "function", "function": {"name": name, "parameters": schema}}


WRITE = tool("Write", file_path="string", content="string")
CLAUDE_CODE_TOOLS = [tool("Bash", command="string"), tool("Edit", file_path="string", old_string="string",
                     new_string="string"), tool("Read", file_path="string"), WRITE]  # fmt: skip


def ask(said: str, *, system: str = CLAUDE_CODE_SYSTEM, tools: list[Any] = CLAUDE_CODE_TOOLS, **fields: Any) -> Answer:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": REMINDER + said}]
    return answer(ChatRequest(model="m", messages=messages, tools=tools, **fields), "coding", "m")


def arguments(result: Answer) -> dict[str, Any]:
    assert result.tool_call is not None and result.finish_reason == "tool_calls", result
    parsed: dict[str, Any] = json.loads(result.tool_call.arguments)
    return parsed


class TestWritingTheFileAskedFor:
    @pytest.mark.parametrize(
        ("said", "path", "content"),
        [
            ("create a file hello.py that prints hi", "/home/dev/app/hello.py", "print('hi')\n"),
            ("Create notes.md that says remember the milk", "/home/dev/app/notes.md", "remember the milk\n"),
            ("write src/app.js that prints hello", "/home/dev/app/src/app.js", 'console.log("hello");\n'),
            ("write /tmp/elsewhere.txt containing nothing", "/tmp/elsewhere.txt", "nothing\n"),
        ],
    )  # fmt: skip
    def test_a_named_file_is_written_under_the_working_directory(self, said: str, path: str, content: str) -> None:
        result = ask(said)
        assert result.tool_call is not None and result.tool_call.name == "Write" and result.content is None
        assert arguments(result) == {"file_path": path, "content": content}

    def test_a_function_goes_in_a_file_named_for_it_and_compiles(self) -> None:
        written = arguments(ask("Write a Python function that reverses a linked list"))
        assert written["file_path"] == "/home/dev/app/reverse_a_linked_list.py"
        assert written["content"].startswith("def reverse_a_linked_list(")
        compile(written["content"], written["file_path"], "exec")

    def test_any_tool_taking_a_path_and_content_writes_when_there_is_no_write(self) -> None:
        tools = [tool("search", query="string"), tool("save_file", path="string", text="string")]
        result = ask("create a file hello.py that prints hi", system="Working directory: /srv/x", tools=tools)
        assert result.tool_call is not None and result.tool_call.name == "save_file"
        assert arguments(result) == {"path": "/srv/x/hello.py", "text": "print('hi')\n"}

    def test_an_editor_tool_with_a_command_is_told_to_create(self) -> None:
        editor = tool("str_replace_based_edit_tool", command="string", path="string", file_text="string")
        editor["function"]["parameters"]["properties"]["command"]["enum"] = ["view", "create", "str_replace"]
        written = arguments(ask("create a file hello.py that prints hi", tools=[editor]))
        assert written == {"command": "create", "path": "/home/dev/app/hello.py", "file_text": "print('hi')\n"}

    def test_without_a_stated_directory_the_path_is_the_bare_name(self) -> None:
        assert arguments(ask("create a file hello.py that prints hi", system="You code."))["file_path"] == "hello.py"

    def test_forcing_the_write_tool_still_writes_what_was_asked(self) -> None:
        forced = {"type": "function", "function": {"name": "Write"}}
        assert arguments(ask("create a file hello.py that prints hi", tool_choice=forced))["content"] == "print('hi')\n"

    def test_the_same_ask_gets_the_same_call_and_another_ask_another_id(self) -> None:
        first, again = ask("create a file a.py that prints a"), ask("create a file a.py that prints a")
        other = ask("create a file b.py that prints b")
        assert first == again and first.tool_call is not None and other.tool_call is not None
        assert first.tool_call.id != other.tool_call.id


class TestNotWriting:
    @pytest.mark.parametrize("said", ["what's a good name for a cat?", "explain recursion", "what does this file do?"])
    def test_a_question_gets_text_not_a_call(self, said: str) -> None:
        result = ask(said)
        assert result.tool_call is None and result.finish_reason == "stop" and result.content

    def test_the_answer_is_about_the_users_words_not_the_system_reminder(self) -> None:
        result = ask("explain recursion")
        assert result.content is not None and "def explain_recursion(" in result.content
        assert "system-reminder" not in result.content and "context" not in result.content

    def test_tool_choice_none_and_no_writing_tool_get_text(self) -> None:
        assert ask("create a file hello.py that prints hi", tool_choice="none").tool_call is None
        assert ask("create a file hello.py that prints hi", tools=[tool("Read", file_path="string")]).tool_call is None

    def test_only_the_coding_role_writes(self) -> None:
        messages = [{"role": "system", "content": CLAUDE_CODE_SYSTEM}, {"role": "user", "content": "create hello.py"}]
        planned = answer(ChatRequest(model="m", messages=messages, tools=[WRITE]), "planning", "m")
        assert planned.tool_call is None and "<actions>REPLY</actions>" in (planned.content or "")


class TestAfterTheTool:
    def turn(self, result: str, *after: dict[str, Any]) -> Answer:
        call = ask("create a file hello.py that prints hi").tool_call
        assert call is not None
        messages = [
            {"role": "system", "content": CLAUDE_CODE_SYSTEM},
            {"role": "user", "content": REMINDER + "create a file hello.py that prints hi"},
            {"role": "assistant", "content": None, "tool_calls": [call.wire()]},
            {"role": "tool", "tool_call_id": call.id, "content": result},
            *after,
        ]
        return answer(ChatRequest(model="m", messages=messages, tools=CLAUDE_CODE_TOOLS), "coding", "m")

    def test_reminders_sent_after_the_result_do_not_restart_the_loop(self) -> None:
        done = self.turn("File created", {"role": "user", "content": REMINDER}, {"role": "system", "content": "x"})
        assert (done.content, done.tool_call) == ("I wrote /home/dev/app/hello.py.", None)

    def test_the_tools_result_ends_the_turn_with_what_was_written(self) -> None:
        done = self.turn("File created successfully at: /home/dev/app/hello.py")
        assert (done.content, done.tool_call, done.finish_reason) == ("I wrote /home/dev/app/hello.py.", None, "stop")

    def test_a_failed_write_is_said_and_still_ends_the_turn(self) -> None:
        done = self.turn("Error: permission denied")
        assert done.content == "I could not write /home/dev/app/hello.py: Error: permission denied"
        assert done.tool_call is None

    def test_another_tools_result_is_reported_as_it_came(self) -> None:
        assert coding.after_tool("3 files", None) == "Done: 3 files"
        assert coding.after_tool("error: no such command", None) == "The tool failed: error: no such command"
