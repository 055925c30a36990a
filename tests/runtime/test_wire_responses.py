"""The Responses API for a custom model that speaks chat completions (`runtime.wire.responses`).

Shapes from OpenAI's API reference (Responses: create, streaming events) as the `openai` SDK
models them (`openai.types.responses`): the events and the Response built here are validated by
those models, and the requests are the ones `@ai-sdk/openai` 2.x (plugin-openai 1.6.0) sends
(tests/clients/prompts/ts-1.7.2/*.openai-responses.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from runtime.errors import TranslationError, UnsupportedContent
from runtime.wire.responses import ResponsesStream, read, to_chat
from runtime.wire.sse import encode_sse

CAPTURED = Path(__file__).resolve().parents[1] / "clients" / "prompts" / "ts-1.7.2"
EVENT = TypeAdapter(ResponseStreamEvent)


def chunk(content: str | None = None, *, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class TestRequest:
    def test_what_plugin_openai_sends_becomes_one_user_message(self) -> None:
        body = json.loads((CAPTURED / "should_respond.openai-responses.json").read_text())
        chat = to_chat(body)
        [message] = chat["messages"]
        assert message["role"] == "user" and message["content"].startswith("<task>Decide on behalf of Eliza")
        assert (chat["model"], chat["max_tokens"], chat["temperature"]) == ("gpt-4o-mini", 8192, 0.7)

    def test_instructions_turns_tools_and_their_results_translate(self) -> None:
        chat = to_chat(
            {
                "model": "m",
                "instructions": "be brief",
                "input": [
                    {"role": "user", "content": [{"type": "input_text", "text": "weather?"}]},
                    {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city":"x"}'},
                    {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
                ],
                "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}],
                "tool_choice": {"type": "function", "name": "get_weather"},
                "text": {"format": {"type": "json_object"}},
                "stream": True,
            }
        )
        assert chat["messages"] == [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"x"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ]
        assert chat["tools"] == [
            {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
        ]
        assert chat["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
        assert chat["response_format"] == {"type": "json_object"} and chat["stream"] is True

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"input": "hi", "tools": [{"type": "web_search"}]}, "tools.0.type"),
            ({"input": "hi", "previous_response_id": "resp_1"}, "previous_response_id"),
            (
                {"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]},
                "input.0.content.0.type",
            ),
        ],
    )
    def test_what_only_the_upstream_has_is_unsupported(self, body: dict[str, Any], field: str) -> None:
        with pytest.raises(UnsupportedContent) as raised:
            to_chat({"model": "m", **body})
        assert raised.value.field == field

    def test_a_request_without_input_is_refused_naming_it(self) -> None:
        with pytest.raises(TranslationError, match="input: Field required"):
            to_chat({"model": "m"})


class TestAnswer:
    def test_a_streamed_text_answer_is_valid_responses_events_and_a_valid_response(self) -> None:
        stream = ResponsesStream({"model": "gpt-4o", "input": "hi"}, 12, 1_700_000_000)
        events = stream.feed(chunk("Hello"))
        assert stream.started
        events += stream.feed(chunk(" there"))
        events += stream.feed(chunk(finish="stop"))
        events += stream.feed({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 2}})
        events += stream.finish()
        parsed = [EVENT.validate_python(data) for _, data in events]
        assert [e.type for e in parsed] == [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
        assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
        response = Response.model_validate(stream.response())
        assert response.output_text == "Hello there" and response.model == "gpt-4o"
        assert response.usage is not None and (response.usage.input_tokens, response.usage.output_tokens) == (12, 2)

    def test_tool_calls_come_back_as_function_call_items(self) -> None:
        stream = ResponsesStream({"model": "m"}, 5, 0)
        call = {"index": 0, "id": "call_abc", "function": {"name": "get_weather", "arguments": '{"ci'}}
        stream.feed(chunk(tool_calls=[call]))
        stream.feed(chunk(tool_calls=[{"index": 0, "function": {"arguments": 'ty":"x"}'}}], finish="tool_calls"))
        events = [EVENT.validate_python(data) for _, data in stream.finish()]
        assert "response.function_call_arguments.done" in [e.type for e in events]
        [item] = Response.model_validate(stream.response()).output
        assert item.type == "function_call" and (item.call_id, item.name, item.arguments) == (
            "call_abc",
            "get_weather",
            '{"city":"x"}',
        )
        assert stream.tool_calls()[0]["function"]["arguments"] == '{"city":"x"}'

    def test_an_answer_cut_at_its_token_limit_is_incomplete(self) -> None:
        stream = ResponsesStream({"model": "m", "max_output_tokens": 1}, 5, 0)
        stream.feed(chunk("Hel", finish="length"))
        assert stream.finish()[-1][0] == "response.incomplete"
        response = Response.model_validate(stream.response())
        assert response.status == "incomplete" and response.incomplete_details is not None


class TestReadingARelayedAnswer:
    def test_a_response_and_its_events_read_the_same(self) -> None:
        stream = ResponsesStream({"model": "m"}, 7, 0)
        events = stream.feed(chunk("Hi"))
        events += stream.feed(chunk(tool_calls=[{"index": 0, "id": "call_1", "function": {"name": "f"}}]))
        events += stream.feed({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}})
        events += stream.finish()
        whole = read(json.dumps(stream.response()).encode(), stream=False)
        streamed = read(b"".join(encode_sse(name, data) for name, data in events), stream=True)
        assert whole == streamed
        assert (whole.text, whole.input_tokens, whole.output_tokens) == ("Hi", 7, 3)
        assert whole.tool_calls == [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]

    def test_what_is_not_a_response_reads_as_nothing(self) -> None:
        assert read(b"not json", stream=False).text == "" and read(b"data: [1]\n\n", stream=True).text == ""
