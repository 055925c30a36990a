"""One sample as one line of Together's conversational format, or the reason it cannot be one.

The rules are the legacy 1.x `check_file`'s, which Together's server applies after upload (SDK
3.1.1 `together/lib/utils/files.py` only checks structure now); `violations` checks them on any
line, and every line `line()` makes keeps them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from controlplane.data.format import Refused, encode, line, violations
from controlplane.values.data import TrainingRow


def row(prompt: dict[str, Any], answer: str = "the answer", fmt: str = "openai") -> TrainingRow:
    return TrainingRow(1, fmt, json.dumps(prompt), answer, None)  # type: ignore[arg-type]


CALL = {"id": "call_1", "type": "function", "function": {"name": "read", "arguments": '{"path": "a.py"}'}}
TOOL = {
    "type": "function",
    "function": {"name": "read", "description": "Read a file", "parameters": {"type": "object"}},
}


class TestOpenAIPrompts:
    def test_the_user_turn_is_the_prompt_served_and_the_answer_is_the_last_assistant_turn(self) -> None:
        prompt = {"messages": [{"role": "user", "content": "  exactly this\n"}], "temperature": 0.1, "max_tokens": 9}
        assert line(row(prompt)) == {
            "messages": [
                {"role": "user", "content": "  exactly this\n"},
                {"role": "assistant", "content": "the answer"},
            ]
        }

    def test_developer_is_system_and_consecutive_system_messages_are_one(self) -> None:
        prompt = {"messages": [{"role": "developer", "content": "a"}, {"role": "system", "content": "b"},
                               {"role": "user", "content": "q", "name": "ann"}]}  # fmt: skip
        assert line(row(prompt))["messages"][:2] == [
            {"role": "system", "content": "a\n\nb"},
            {"role": "user", "content": "q"},  # `name` is not a key Together takes
        ]

    def test_text_parts_become_a_string(self) -> None:
        prompt = {
            "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]
        }
        assert line(row(prompt))["messages"][0] == {"role": "user", "content": "ab"}

    def test_tools_and_a_tool_calling_answer_are_in_openai_form(self) -> None:
        prompt = {
            "messages": [
                {"role": "user", "content": "read a.py"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": "print(1)"},
            ],
            "tools": [{**TOOL, "strict": True}],
        }
        answer = json.dumps({"content": None, "tool_calls": [{**CALL, "id": "call_2"}]})
        out = line(row(prompt, answer))
        assert out["tools"] == [TOOL]
        assert out["messages"][1] == {"role": "assistant", "content": "", "tool_calls": [CALL]}
        assert out["messages"][-1] == {"role": "assistant", "content": "", "tool_calls": [{**CALL, "id": "call_2"}]}
        assert violations(out) == []

    def test_a_line_without_tools_has_no_tools_key(self) -> None:
        assert set(line(row({"messages": [{"role": "user", "content": "q"}]}))) == {"messages"}

    @pytest.mark.parametrize(
        ("messages", "answer", "reason"),
        [
            ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "x", "two user messages in a row"),
            ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "pre"}], "x",
             "two assistant messages in a row"),
            ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:"}}]}], "x",
             "a 'image_url' content part (only text is trained on)"),
            ([{"role": "function", "content": "a"}], "x",
             "a 'function' message (not one of system, user, assistant, tool)"),
            ([{"role": "user", "content": "a"}], "  ", "an empty answer"),
            ([{"role": "assistant", "content": "a"}], "x", "two assistant messages in a row"),
        ],
    )  # fmt: skip
    def test_a_prompt_that_would_need_rewriting_is_refused_with_its_reason(
        self, messages: list[dict[str, Any]], answer: str, reason: str
    ) -> None:
        with pytest.raises(Refused, match="^" + reason.replace("(", r"\(").replace(")", r"\)") + "$"):
            line(row({"messages": messages}, answer))

    def test_a_sample_over_max_seq_length_is_refused(self) -> None:
        prompt = {"messages": [{"role": "user", "content": "word " * 400}]}
        assert line(row(prompt), max_seq_length=1000)
        with pytest.raises(Refused, match="longer than max_seq_length 400 tokens"):
            line(row(prompt), max_seq_length=400)


class TestAnthropicPrompts:
    def test_system_blocks_tool_use_and_tool_result_are_converted(self) -> None:
        prompt = {
            "system": [{"type": "text", "text": "You code."}, {"type": "text", "text": " Tersely."}],
            "messages": [
                {"role": "user", "content": "fix a.py"},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "x"},
                    {"type": "text", "text": "Reading."},
                    {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a.py"}},
                ]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1",
                     "content": [{"type": "text", "text": "print(1)"}]},
                    {"type": "text", "text": "go on"},
                ]},
            ],
            "tools": [{"name": "read", "description": "Read a file", "input_schema": {"type": "object"}}],
            "max_tokens": 100,
        }  # fmt: skip
        out = line(row(prompt, "Done.", fmt="anthropic"))
        assert out == {
            "messages": [
                {"role": "system", "content": "You code. Tersely."},
                {"role": "user", "content": "fix a.py"},
                {"role": "assistant", "content": "Reading.", "tool_calls": [
                    {"id": "toolu_1", "type": "function", "function": {"name": "read", "arguments": '{"path": "a.py"}'}}
                ]},
                {"role": "tool", "tool_call_id": "toolu_1", "content": "print(1)"},
                {"role": "user", "content": "go on"},
                {"role": "assistant", "content": "Done."},
            ],
            "tools": [TOOL],
        }  # fmt: skip

    def test_an_image_or_a_server_tool_is_refused(self) -> None:
        image = {"messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}
        with pytest.raises(Refused, match="a user 'image' block"):
            line(row(image, fmt="anthropic"))
        server = {
            "messages": [{"role": "user", "content": "q"}],
            "tools": [{"type": "web_search_20250305", "name": "w"}],
        }
        with pytest.raises(Refused, match="an Anthropic server tool"):
            line(row(server, fmt="anthropic"))


class TestViolations:
    def test_a_good_line_has_none(self) -> None:
        good = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                             {"role": "assistant", "content": "a", "tool_calls": [CALL]},
                             {"role": "tool", "tool_call_id": "call_1", "content": "r"},
                             {"role": "tool", "tool_call_id": "call_2", "content": "r"},
                             {"role": "assistant", "content": "a"}], "tools": [TOOL]}  # fmt: skip
        assert violations(good) == []

    @pytest.mark.parametrize(
        ("bad", "problem"),
        [
            ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "id": 3},
             "unexpected key 'id'"),
            ({"messages": []}, "messages is not a non-empty list"),
            ({"messages": [{"role": "human", "content": "q"}, {"role": "assistant", "content": "a"}]},
             "messages[0]: role 'human' is not one of system, user, assistant, tool"),
            ({"messages": [{"role": "user", "content": ["q"]}, {"role": "assistant", "content": "a"}]},
             "messages[0]: content is not a string"),
            ({"messages": [{"role": "user", "content": "q"}]}, "the last message is not the assistant's answer"),
            ({"messages": [{"role": "assistant", "content": "a"}]}, "the first message is neither system nor user"),
            ({"messages": [{"role": "user", "content": "q"},
                           {"role": "assistant", "content": "", "tool_calls": [{"name": "read", "arguments": {}}]}]},
             "messages[1]: tool_calls are not OpenAI's {id, type: function, function{name, arguments}}"),
            ({"messages": [{"role": "user", "content": "q"},
                           {"role": "assistant", "content": "",
                            "tool_calls": [{**CALL, "function": {"name": "r", "arguments": "{"}}]}]},
             "messages[1]: tool_calls are not OpenAI's {id, type: function, function{name, arguments}}"),
            ({"messages": [{"role": "user", "content": "q"}, {"role": "tool", "content": "r"},
                           {"role": "assistant", "content": "a"}]}, "messages[1]: a tool message without tool_call_id"),
            ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 1}]},
             "messages[1]: unexpected key 'weight'"),
        ],
    )  # fmt: skip
    def test_each_rule_is_checked(self, bad: dict[str, Any], problem: str) -> None:
        assert problem in violations(bad)


class TestThePlainPath:
    @pytest.mark.parametrize(
        "messages",
        [
            [{"role": "user", "content": "q"}],
            [{"role": "system", "content": "s"}, {"role": "user", "content": "q", "name": "ann"}],
            [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "r"}],
        ],
    )
    def test_makes_the_line_the_general_path_makes_and_it_keeps_the_rules(self, messages: list[Any]) -> None:
        from controlplane.data.format import _converted, _plain

        prompt = {"messages": messages, "temperature": 0.1}
        assert _plain(prompt) is not None
        made = line(row(prompt))
        assert made == _converted("openai", prompt, "the answer")
        assert violations(made) == []

    @pytest.mark.parametrize(
        "prompt",
        [
            {"messages": [{"role": "system", "content": "a"}, {"role": "system", "content": "b"}]},
            {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "prefill"}]},
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}]}]},
            {"messages": [{"role": "user", "content": "q"}], "tools": [TOOL]},
            {"messages": [{"role": "user", "content": "q", "refusal": None}]},
        ],
    )
    def test_leaves_anything_else_to_the_general_path(self, prompt: dict[str, Any]) -> None:
        from controlplane.data.format import _plain

        assert _plain(prompt) is None


class TestEncoding:
    def test_a_line_is_utf8_json_with_its_newline_and_reads_back_as_it_was(self) -> None:
        out = line(row({"messages": [{"role": "user", "content": 'grüß dich ✓ "quoted"\n'}]}, answer="ja"))
        data = encode(out)
        assert data.endswith(b"\n") and data.count(b"\n") == 1 and "grüß".encode() in data
        assert json.loads(data) == out and violations(json.loads(data)) == []

    def test_what_orjson_refuses_the_standard_library_takes(self) -> None:
        big = 2**70  # past orjson's 64 bits, both ways: a tool schema with a huge bound
        tools = [{"type": "function", "function": {"name": "read", "parameters": {"maximum": big}}}]
        stored = row({"messages": [{"role": "user", "content": "read"}], "tools": tools})
        out = line(stored)
        assert json.loads(encode(out))["tools"][0]["function"]["parameters"] == {"maximum": big}

    def test_text_that_is_no_unicode_is_refused_not_written(self) -> None:
        stored = row({"messages": [{"role": "user", "content": "x"}]}, answer="half a pair \ud800")
        with pytest.raises(Refused, match="not valid Unicode"):
            encode(line(stored))
