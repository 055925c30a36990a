"""runtime.wire: Anthropic Messages <-> OpenAI chat completions, whole and streamed.

The proof is the official `anthropic` SDK: what the translation emits is served to it through a
mock HTTP transport (the transport is the fake; the events and messages are the real output),
and its own stream accumulation must assemble the message we meant. The end-to-end class puts
the simulator's chat (Together's wire shapes: `role` on every delta, usage on the finishing
chunk) between the SDK's request and the SDK's parser, the way the proxy does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import anthropic
import pytest

from controlplane.errors import PermanentError
from controlplane.provider.simulator import chat
from runtime.wire import (
    PING_SSE,
    AnthropicStream,
    OpenAIStreamDecoder,
    SSEDecoder,
    TranslationError,
    UnsupportedContent,
    UpstreamFormatError,
    anthropic_to_openai,
    encode_sse,
    message_id,
    openai_for_endpoint,
    openai_to_anthropic,
    tool_use_id,
)

try:  # anthropic 2.x is built on httpx2; earlier releases on httpx
    import httpx2 as http
except ImportError:  # pragma: no cover - depends on the SDK release installed
    import httpx as http  # type: ignore[no-redef]

JSON = dict[str, Any]
Events = list[tuple[str, JSON]]
MODEL = "claude-sonnet-4-6"
ENDPOINT = "proj-coding"
WEATHER: JSON = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TIME: JSON = {"name": "get_time", "input_schema": {"type": "object", "properties": {}}}


def request(messages: list[JSON], **fields: Any) -> JSON:
    return {"model": MODEL, "max_tokens": 256, "messages": messages, **fields}


def sdk(handler: Callable[[Any], Any]) -> anthropic.Anthropic:
    """The official client, its HTTP answered by `handler` (a request in, a response out)."""
    return anthropic.Anthropic(
        api_key="sk-ant-test",
        base_url="http://proxy.test",
        http_client=http.Client(transport=http.MockTransport(handler)),
        max_retries=0,
    )


def sse(events: Iterable[tuple[str, JSON]]) -> bytes:
    return b"".join(encode_sse(name, data) for name, data in events)


def sdk_final_message(events: Events) -> anthropic.types.Message:
    """What `messages.stream(...).get_final_message()` assembles from `events`."""

    def serve(_: Any) -> Any:
        return http.Response(200, headers={"content-type": "text/event-stream"}, content=sse(events))

    with sdk(serve).messages.stream(**request([{"role": "user", "content": "hi"}])) as stream:
        return stream.get_final_message()


def sdk_message(body: JSON) -> anthropic.types.Message:
    """What `messages.create(...)` makes of a non-streaming response body."""
    client = sdk(lambda _: http.Response(200, json=body))
    return client.messages.create(**request([{"role": "user", "content": "hi"}]))


def run(chunks: Iterable[JSON], input_tokens: int = 0) -> tuple[AnthropicStream, Events]:
    stream = AnthropicStream(MODEL, "msg_test", input_tokens)
    events: Events = []
    for chunk in chunks:
        events += stream.feed(chunk)
    events += stream.finish()
    return stream, events


def chunk(
    delta: JSON | None = None, finish_reason: str | None = None, usage: JSON | None = None, **choice: Any
) -> JSON:
    """An OpenAI chat-completion chunk; no `delta` and no finish means the usage-only last chunk."""
    choices = [] if delta is None and finish_reason is None else [
        {"index": 0, "delta": delta or {}, "finish_reason": finish_reason, **choice}
    ]  # fmt: skip
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": choices, "usage": usage}


def call_delta(index: int, arguments: str, call_id: str | None = None, name: str | None = None) -> JSON:
    function: JSON = {"arguments": arguments}
    if name is not None:
        function["name"] = name
    call: JSON = {"index": index, "function": function}
    if call_id is not None:
        call |= {"id": call_id, "type": "function"}
    return {"tool_calls": [call]}


def completion(message: JSON, finish_reason: str | None = "stop", **choice: Any) -> JSON:
    return {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason, **choice}
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def dump(message: anthropic.types.Message) -> JSON:
    return message.model_dump(exclude_none=True)


def without_none(message: JSON) -> JSON:
    return {key: value for key, value in message.items() if value is not None}


def text_of(message: anthropic.types.Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def as_streamed(stream: AnthropicStream, events: Events) -> JSON:
    """`stream.message()` as the stream's events told it: with message_start's input figure."""
    start = events[0][1]["message"]["usage"]["input_tokens"]
    message = without_none(stream.message())
    return {**message, "usage": {**message["usage"], "input_tokens": start}}


def names(events: Events) -> list[str]:
    return [name for name, _ in events]


# -- requests ------------------------------------------------------------------------------------


class TestRequest:
    def test_a_system_prompt_and_a_multi_turn_conversation_become_chat_messages(self) -> None:
        body = request(
            [
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": [{"type": "text", "text": "Hi, how can I help?"}]},
                {"role": "user", "content": [{"type": "text", "text": "Write a sort"}]},
            ],
            system="You are a coder.",
        )
        assert anthropic_to_openai(body, ENDPOINT) == {
            "model": ENDPOINT,
            "max_tokens": 256,
            "messages": [
                {"role": "system", "content": "You are a coder."},
                {"role": "user", "content": "Hello"},
                {"role": "assistant", "content": "Hi, how can I help?"},
                {"role": "user", "content": "Write a sort"},
            ],
        }

    def test_system_text_blocks_become_one_system_message(self) -> None:
        system = [
            {"type": "text", "text": "You are Claude Code."},
            {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}},
        ]
        out = anthropic_to_openai(request([{"role": "user", "content": "hi"}], system=system), ENDPOINT)
        assert out["messages"][0] == {"role": "system", "content": "You are Claude Code.\nBe brief."}

    def test_an_empty_system_prompt_sends_no_system_message(self) -> None:
        out = anthropic_to_openai(request([{"role": "user", "content": "hi"}], system=""), ENDPOINT)
        assert [m["role"] for m in out["messages"]] == ["user"]

    def test_text_blocks_of_one_turn_are_joined_into_one_string(self) -> None:
        content = [{"type": "text", "text": "<system-reminder>x</system-reminder>"}, {"type": "text", "text": "Fix it"}]
        out = anthropic_to_openai(request([{"role": "user", "content": content}]), ENDPOINT)
        assert out["messages"] == [{"role": "user", "content": "<system-reminder>x</system-reminder>\nFix it"}]

    def test_an_image_becomes_a_data_url_part_beside_the_text(self) -> None:
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
        content = [image, {"type": "text", "text": "What is this?"}]
        out = anthropic_to_openai(request([{"role": "user", "content": content}]), ENDPOINT)
        assert out["messages"] == [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                    {"type": "text", "text": "What is this?"},
                ],
            }
        ]

    def test_an_image_by_url_is_passed_by_its_url(self) -> None:
        image = {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}
        out = anthropic_to_openai(request([{"role": "user", "content": [image]}]), ENDPOINT)
        assert out["messages"][0]["content"] == [
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}
        ]

    def test_a_plain_text_document_is_inlined_as_text(self) -> None:
        document = {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "Grass is green"},
        }
        content = [document, {"type": "text", "text": "What colour?"}]
        out = anthropic_to_openai(request([{"role": "user", "content": content}]), ENDPOINT)
        assert out["messages"] == [{"role": "user", "content": "Grass is green\nWhat colour?"}]

    def test_tool_use_and_tool_result_become_tool_calls_and_a_tool_message(self) -> None:
        body = request(
            [
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Let me check."},
                        {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Paris"}},
                    ],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "18°C and sunny"}],
                },
            ],
            tools=[WEATHER],
        )
        out = anthropic_to_openai(body, ENDPOINT)
        assert out["messages"][1:] == [
            {
                "role": "assistant",
                "content": "Let me check.",
                "tool_calls": [
                    {
                        "id": "toolu_01A",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_01A", "content": "18°C and sunny"},
        ]
        assert out["tools"] == [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": WEATHER["input_schema"],
                    "description": "The weather in a city",
                },
            }
        ]

    def test_an_assistant_turn_of_only_tool_calls_has_null_content(self) -> None:
        assistant = {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": "toolu_1", "name": "get_time", "input": {}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Oslo"}},
            ],
        }
        out = anthropic_to_openai(request([{"role": "user", "content": "go"}, assistant]), ENDPOINT)
        message = out["messages"][1]
        assert message["content"] is None
        assert [(c["id"], c["function"]["arguments"]) for c in message["tool_calls"]] == [
            ("toolu_1", "{}"),
            ("toolu_2", '{"city": "Oslo"}'),
        ]

    def test_tool_results_come_before_the_rest_of_their_turn(self) -> None:
        turn = {
            "role": "user",
            "content": [
                {"type": "text", "text": "Both done?"},
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "12:00"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "rain"}]},
            ],
        }
        out = anthropic_to_openai(request([turn]), ENDPOINT)
        assert out["messages"] == [
            {"role": "tool", "tool_call_id": "toolu_1", "content": "12:00"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": "rain"},
            {"role": "user", "content": "Both done?"},
        ]

    def test_an_error_tool_result_is_marked_and_its_blocks_flattened(self) -> None:
        result = {
            "type": "tool_result",
            "tool_use_id": "toolu_9",
            "is_error": True,
            "content": [{"type": "text", "text": "exit code 1"}, {"type": "text", "text": "No such file"}],
        }
        out = anthropic_to_openai(request([{"role": "user", "content": [result]}]), ENDPOINT)
        assert out["messages"] == [
            {"role": "tool", "tool_call_id": "toolu_9", "content": "Error: exit code 1\nNo such file"}
        ]

    def test_a_tool_result_without_content_is_an_empty_tool_message(self) -> None:
        result = {"type": "tool_result", "tool_use_id": "toolu_9"}
        out = anthropic_to_openai(request([{"role": "user", "content": [result]}]), ENDPOINT)
        assert out["messages"] == [{"role": "tool", "tool_call_id": "toolu_9", "content": ""}]

    def test_an_image_in_a_tool_result_moves_to_the_user_message_after_it(self) -> None:
        screenshot = {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/"}}
        result = {
            "type": "tool_result",
            "tool_use_id": "toolu_5",
            "content": [{"type": "text", "text": "shot"}, screenshot],
        }
        out = anthropic_to_openai(request([{"role": "user", "content": [result]}]), ENDPOINT)
        assert out["messages"] == [
            {"role": "tool", "tool_call_id": "toolu_5", "content": "shot"},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}}]},
        ]

    def test_thinking_blocks_of_earlier_turns_are_dropped(self) -> None:
        assistant = {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Let me think", "signature": "sig"},
                {"type": "redacted_thinking", "data": "xyz"},
                {"type": "text", "text": "42"},
            ],
        }
        out = anthropic_to_openai(request([{"role": "user", "content": "?"}, assistant]), ENDPOINT)
        assert out["messages"][1] == {"role": "assistant", "content": "42"}

    @pytest.mark.parametrize(
        ("choice", "expected"),
        [
            ({"type": "auto"}, {"tool_choice": "auto"}),
            ({"type": "any"}, {"tool_choice": "required"}),
            (
                {"type": "tool", "name": "get_time"},
                {"tool_choice": {"type": "function", "function": {"name": "get_time"}}},
            ),
            ({"type": "none"}, {"tool_choice": "none"}),
            (
                {"type": "auto", "disable_parallel_tool_use": True},
                {"tool_choice": "auto", "parallel_tool_calls": False},
            ),
            (
                {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
                {
                    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                    "parallel_tool_calls": False,
                },
            ),
        ],
    )
    def test_tool_choice_maps_to_its_chat_completions_form(self, choice: JSON, expected: JSON) -> None:
        out = anthropic_to_openai(
            request([{"role": "user", "content": "hi"}], tools=[WEATHER, TIME], tool_choice=choice), ENDPOINT
        )
        assert {k: out[k] for k in ("tool_choice", "parallel_tool_calls") if k in out} == expected

    def test_tool_choice_none_without_tools_is_simply_left_out(self) -> None:
        out = anthropic_to_openai(request([{"role": "user", "content": "hi"}], tool_choice={"type": "none"}), ENDPOINT)
        assert "tool_choice" not in out and "tools" not in out

    def test_a_strict_tool_stays_strict(self) -> None:
        out = anthropic_to_openai(
            request([{"role": "user", "content": "hi"}], tools=[{**TIME, "strict": True}]), ENDPOINT
        )
        assert out["tools"] == [
            {"type": "function", "function": {"name": "get_time", "parameters": TIME["input_schema"], "strict": True}}
        ]

    def test_sampling_stop_sequences_and_the_user_id_carry_over(self) -> None:
        body = request(
            [{"role": "user", "content": "hi"}],
            temperature=0.2,
            top_p=0.9,
            top_k=40,
            stop_sequences=["</answer>", "\n\nHuman:"],
            metadata={"user_id": "user-7f3a"},
        )
        out = anthropic_to_openai(body, ENDPOINT)
        assert {k: out[k] for k in ("temperature", "top_p", "top_k", "stop", "user")} == {
            "temperature": 0.2,
            "top_p": 0.9,
            "top_k": 40,
            "stop": ["</answer>", "\n\nHuman:"],
            "user": "user-7f3a",
        }

    def test_a_stream_asks_for_usage_in_its_last_chunk(self) -> None:
        out = anthropic_to_openai(request([{"role": "user", "content": "hi"}], stream=True), ENDPOINT)
        assert (out["stream"], out["stream_options"]) == (True, {"include_usage": True})
        assert "stream" not in anthropic_to_openai(request([{"role": "user", "content": "hi"}], stream=False), ENDPOINT)

    def test_anthropic_only_fields_are_dropped(self) -> None:
        body = request(
            [{"role": "user", "content": "hi"}],
            thinking={"type": "adaptive"},
            output_config={"effort": "high"},
            service_tier="auto",
            mcp_servers=[],
            context_management={},
            metadata={},
        )
        assert set(anthropic_to_openai(body, ENDPOINT)) == {"model", "messages", "max_tokens"}

    def test_the_request_is_not_changed(self) -> None:
        body = request([{"role": "user", "content": [{"type": "text", "text": "hi"}]}], tools=[WEATHER], stream=True)
        before = json.dumps(body, sort_keys=True)
        anthropic_to_openai(body, ENDPOINT)
        assert json.dumps(body, sort_keys=True) == before


class TestFaithfulOrFallback:
    """What the custom route cannot answer faithfully raises `UnsupportedContent` naming the
    feature (the proxy then hands the request to the upstream); what it can is translated."""

    def test_a_mid_conversation_system_message_is_a_system_message_there(self) -> None:
        body = request(
            [
                {"role": "user", "content": "hi"},
                {"role": "system", "content": [{"type": "text", "text": "Agents:"}, {"type": "text", "text": "x"}]},
                {"role": "user", "content": "go"},
            ],
            system="You code.",
        )
        assert anthropic_to_openai(body, ENDPOINT)["messages"] == [
            {"role": "system", "content": "You code."},
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "Agents:\nx"},
            {"role": "user", "content": "go"},
        ]

    @pytest.mark.parametrize(
        ("fields", "feature"),
        [
            ({"thinking": {"type": "enabled", "budget_tokens": 1024}}, "thinking"),
            ({"output_config": {"format": {"type": "json_schema", "schema": {"type": "object"}}}}, "structured output"),
            ({"output_format": {"type": "json_schema", "schema": {"type": "object"}}}, "structured output"),
            ({"mcp_servers": [{"type": "url", "url": "https://x", "name": "x"}]}, "mcp_servers"),
            ({"container": "c1"}, "container"),
            ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "server tool web_search_20250305"),
        ],
    )
    def test_an_anthropic_feature_without_equivalent_names_itself(self, fields: JSON, feature: str) -> None:
        with pytest.raises(UnsupportedContent) as raised:
            anthropic_to_openai(request([{"role": "user", "content": "hi"}], **fields), ENDPOINT)
        assert raised.value.feature == feature

    def test_cited_documents_are_not_translated(self) -> None:
        document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"},
                    "citations": {"enabled": True}}  # fmt: skip
        with pytest.raises(UnsupportedContent) as raised:
            anthropic_to_openai(request([{"role": "user", "content": [document]}]), ENDPOINT)
        assert raised.value.feature == "citations"

    def test_adaptive_thinking_and_effort_are_hints_dropped(self) -> None:
        body = request([{"role": "user", "content": "hi"}], thinking={"type": "adaptive"},
                       output_config={"effort": "high"})  # fmt: skip
        assert set(anthropic_to_openai(body, ENDPOINT)) == {"model", "messages", "max_tokens"}

    @pytest.mark.parametrize(
        ("fields", "feature"),
        [
            ({"n": 2}, "n"),
            ({"logprobs": True}, "logprobs"),
            ({"top_logprobs": 2}, "logprobs"),
            ({"response_format": {"type": "json_object"}}, "response_format"),
            (
                {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
                "response_format",
            ),
            ({"modalities": ["text", "audio"]}, "audio"),
            ({"web_search_options": {}}, "web search"),
        ],
    )
    def test_an_openai_feature_without_equivalent_names_itself(self, fields: JSON, feature: str) -> None:
        with pytest.raises(UnsupportedContent) as raised:
            openai_for_endpoint(
                {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], **fields}, ENDPOINT
            )
        assert raised.value.feature == feature

    def test_an_openai_request_names_the_endpoint_and_max_tokens_as_together_does(self) -> None:
        body = {"model": "gpt-4o", "messages": [], "n": 1, "max_completion_tokens": 5,
                "response_format": {"type": "text"}}  # fmt: skip
        out = openai_for_endpoint(body, ENDPOINT)
        assert out == {"model": ENDPOINT, "messages": [], "n": 1, "max_tokens": 5, "response_format": {"type": "text"}}
        assert body["model"] == "gpt-4o"


class TestStopSequences:
    """Stop sequences are applied to the stream (the model is not told), so the answer can say
    which one matched, as Anthropic's does; text that may begin one is held back until it cannot."""

    def stopped(self, *pieces: str, stops: tuple[str, ...] = ("def", "STOP")) -> tuple[AnthropicStream, Events]:
        stream = AnthropicStream(MODEL, "msg_test", 3, stops)
        events: Events = []
        for c in [*text_chunks(*pieces), chunk({}, "stop")]:
            events += stream.feed(c)
        events += stream.finish()
        return stream, events

    def test_the_text_stops_before_the_sequence_and_says_which(self) -> None:
        stream, events = self.stopped("Here: ", "de", "f rev", "erse():")
        final = sdk_final_message(events)
        assert (final.stop_reason, final.stop_sequence, text_of(final)) == ("stop_sequence", "def", "Here: ")
        assert stream.stopped and stream.message()["stop_sequence"] == "def" and stream.text == "Here: "

    def test_text_held_back_for_a_sequence_that_does_not_come_is_sent(self) -> None:
        stream, events = self.stopped("a de", "bt", " ST")
        final = sdk_final_message(events)
        assert (final.stop_reason, final.stop_sequence, text_of(final)) == ("end_turn", None, "a debt ST")
        assert not stream.stopped

    def test_the_earliest_match_wins(self) -> None:
        _, events = self.stopped("xx STOP yy def")
        final = sdk_final_message(events)
        assert (final.stop_sequence, text_of(final)) == ("STOP", "xx ")


class TestMalformedRequest:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"max_tokens": 10}, "messages: Field required"),
            ({"max_tokens": 10, "messages": "hi"}, "messages: Input should be a list"),
            ({"max_tokens": 10, "messages": []}, "messages: at least one message is required"),
            ({"messages": [{"role": "user", "content": "hi"}]}, "max_tokens: Field required"),
            ({"max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]}, "max_tokens: Input should be greater"),
            (
                {"max_tokens": "9", "messages": [{"role": "user", "content": "hi"}]},
                "max_tokens: Input should be an integer",
            ),
            (request(["hi"]), "messages.0: Input should be an object"),
            (request([{"role": "bot", "content": "hi"}]), "messages.0.role: Input should be 'user', 'assistant' or"),
            (request([{"content": "hi"}]), "messages.0.role: Field required"),
            (request([{"role": "user"}]), "messages.0.content: Field required"),
            (request([{"role": "user", "content": 7}]), "messages.0.content: Input should be a string or a list"),
            (request([{"role": "user", "content": [{"text": "hi"}]}]), "messages.0.content.0.type: Field required"),
            (request([{"role": "user", "content": ["hi"]}]), "messages.0.content.0: Input should be a content block"),
            (request([{"role": "user", "content": [{"type": "text"}]}]), "messages.0.content.0.text: Field required"),
            (
                request(
                    [
                        {"role": "user", "content": "a"},
                        {"role": "user", "content": [{"type": "tool_result", "content": "x"}]},
                    ]
                ),
                "messages.1.content.0.tool_use_id: Field required",
            ),
            (
                request([{"role": "assistant", "content": [{"type": "tool_use", "name": "f", "input": {}}]}]),
                "messages.0.content.0.id: Field required",
            ),
            (
                request(
                    [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": "x"}]}]
                ),
                "messages.0.content.0.input: Input should be an object",
            ),
            (
                request([{"role": "user", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]}]),
                "messages.0.content.0.type: tool_use blocks belong in assistant turns",
            ),
            (
                request([{"role": "user", "content": [{"type": "image"}]}]),
                "messages.0.content.0.source: Field required",
            ),
            (
                request([{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "data": "x"}}]}]),
                "messages.0.content.0.source.media_type: Field required",
            ),
            (
                request([{"role": "user", "content": "hi"}], system=[{"type": "image"}]),
                "system.0.type: Input should be 'text'",
            ),
            (request([{"role": "user", "content": "hi"}], system=7), "system: Input should be a string or a list"),
            (request([{"role": "user", "content": "hi"}], temperature="hot"), "temperature: Input should be a number"),
            (
                request([{"role": "user", "content": "hi"}], stop_sequences=["a", 1]),
                "stop_sequences.1: Input should be a string",
            ),
            (
                request([{"role": "user", "content": "hi"}], stop_sequences="a"),
                "stop_sequences: Input should be a list",
            ),
            (
                request([{"role": "user", "content": "hi"}], tools=[{"name": "f"}]),
                "tools.0.input_schema: Field required",
            ),
            (
                request([{"role": "user", "content": "hi"}], tools=[{"input_schema": {}}]),
                "tools.0.name: Field required",
            ),
            (
                request([{"role": "user", "content": "hi"}], tools=[WEATHER], tool_choice={"type": "sometimes"}),
                "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'",
            ),
            (
                request(
                    [{"role": "user", "content": "hi"}], tools=[WEATHER], tool_choice={"type": "tool", "name": "nope"}
                ),
                "tool_choice.name: no tool named 'nope' in tools",
            ),
            (
                request([{"role": "user", "content": "hi"}], tool_choice={"type": "any"}),
                "tool_choice: tool_choice 'any' needs tools",
            ),
            (
                request([{"role": "user", "content": "hi"}], metadata={"user_id": 5}),
                "metadata.user_id: Input should be a string",
            ),
            (request([{"role": "user", "content": "hi"}], stream="yes"), "stream: Input should be a boolean"),
        ],
    )
    def test_malformed_input_is_refused_naming_the_field(self, body: JSON, field: str) -> None:
        with pytest.raises(TranslationError) as raised:
            anthropic_to_openai(body, ENDPOINT)
        assert str(raised.value).startswith(field)
        assert isinstance(raised.value, ValueError) and not isinstance(raised.value, UnsupportedContent)
        assert isinstance(raised.value, PermanentError)
        assert raised.value.field == field.split(":")[0]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (
                request(
                    [{"role": "user", "content": "hi"}], tools=[{"type": "web_search_20250305", "name": "web_search"}]
                ),
                "tools.0.type",
            ),
            (
                request(
                    [
                        {
                            "role": "user",
                            "content": [
                                {
                                    "type": "document",
                                    "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
                                }
                            ],
                        }
                    ]
                ),
                "messages.0.content.0.source.type",
            ),
            (
                request(
                    [{"role": "user", "content": [{"type": "image", "source": {"type": "file", "file_id": "file_1"}}]}]
                ),
                "messages.0.content.0.source.type",
            ),
            (
                request([{"role": "user", "content": [{"type": "search_result", "source": "s"}]}]),
                "messages.0.content.0.type",
            ),
            (
                request(
                    [
                        {
                            "role": "assistant",
                            "content": [{"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}],
                        }
                    ]
                ),
                "messages.0.content.0.type",
            ),
        ],
    )
    def test_content_without_an_equivalent_is_unsupported_naming_the_field(self, body: JSON, field: str) -> None:
        with pytest.raises(UnsupportedContent) as raised:
            anthropic_to_openai(body, ENDPOINT)
        assert raised.value.field == field and isinstance(raised.value, TranslationError)


# -- whole responses -----------------------------------------------------------------------------


class TestResponse:
    @pytest.mark.parametrize(
        ("finish_reason", "stop_reason"),
        [
            ("stop", "end_turn"),
            ("eos", "end_turn"),
            ("length", "max_tokens"),
            ("content_filter", "refusal"),
            (None, "end_turn"),
            ("something_new", "end_turn"),
        ],
    )
    def test_every_finish_reason_of_a_text_answer_has_its_stop_reason(
        self, finish_reason: str | None, stop_reason: str
    ) -> None:
        message = openai_to_anthropic(completion({"content": "Hello"}, finish_reason), MODEL)
        assert (message["stop_reason"], message["stop_sequence"]) == (stop_reason, None)
        assert sdk_message(message).stop_reason == stop_reason

    @pytest.mark.parametrize("finish_reason", ["tool_calls", "function_call", "stop"])
    def test_an_answer_with_tool_calls_stops_for_tool_use(self, finish_reason: str) -> None:
        call = {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
        message = openai_to_anthropic(completion({"content": None, "tool_calls": [call]}, finish_reason), MODEL)
        assert message["stop_reason"] == "tool_use"

    def test_text_and_tool_calls_become_blocks_the_sdk_reads(self) -> None:
        calls = [
            {
                "id": "call_Ab1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {"id": "call_Cd2", "type": "function", "function": {"name": "get_time", "arguments": ""}},
        ]
        message = openai_to_anthropic(completion({"content": "Checking.", "tool_calls": calls}, "tool_calls"), MODEL)
        assert message == {
            "id": "msg_abc",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_Ab1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_Cd2", "name": "get_time", "input": {}},
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": 11, "output_tokens": 7},
        }
        assert dump(sdk_message(message)) == without_none(message)

    def test_a_deprecated_function_call_is_a_tool_use(self) -> None:
        legacy = {"content": None, "function_call": {"name": "get_time", "arguments": '{"tz": "UTC"}'}}
        message = openai_to_anthropic(completion(legacy, "function_call"), MODEL)
        assert message["content"] == [
            {"type": "tool_use", "id": "toolu_abc_0", "name": "get_time", "input": {"tz": "UTC"}}
        ]

    def test_a_stop_string_the_server_names_is_a_stop_sequence(self) -> None:
        vllm = openai_to_anthropic(completion({"content": "<a>1"}, "stop", stop_reason="</a>"), MODEL)
        sglang = openai_to_anthropic(completion({"content": "<a>1"}, "stop", matched_stop="</a>"), MODEL)
        token = openai_to_anthropic(completion({"content": "<a>1"}, "stop", stop_reason=128001), MODEL)
        assert (vllm["stop_reason"], vllm["stop_sequence"]) == ("stop_sequence", "</a>")
        assert (sglang["stop_reason"], sglang["stop_sequence"]) == ("stop_sequence", "</a>")
        assert (token["stop_reason"], token["stop_sequence"]) == ("end_turn", None)
        assert sdk_message(vllm).stop_sequence == "</a>"

    def test_ids_are_derived_from_the_upstream_and_safe_for_anthropic(self) -> None:
        assert message_id("chatcmpl-9x8Y") == "msg_9x8Y"
        assert message_id("sim-1a2b") == "msg_sim-1a2b"
        assert message_id("a.b/c:d") == "msg_a_b_c_d"
        assert message_id(None).startswith("msg_") and message_id(None) != message_id(None)
        assert tool_use_id("call_abc", "x") == "toolu_abc"
        assert tool_use_id("toolu_01A", "x") == "toolu_01A"
        assert tool_use_id("chatcmpl-tool-7:1", "x") == "toolu_chatcmpl-tool-7_1"
        assert tool_use_id(None, "msg9_0") == "toolu_msg9_0"

    def test_an_empty_answer_has_no_content_blocks(self) -> None:
        message = openai_to_anthropic(completion({"content": ""}), MODEL)
        assert message["content"] == [] and sdk_message(message).content == []

    def test_a_refusal_is_the_text_of_the_answer(self) -> None:
        message = openai_to_anthropic(
            completion({"content": None, "refusal": "I can't help."}, "content_filter"), MODEL
        )
        assert message["content"] == [{"type": "text", "text": "I can't help."}] and message["stop_reason"] == "refusal"

    def test_without_usage_the_tokens_are_zero(self) -> None:
        body = completion({"content": "hi"})
        del body["usage"]
        assert openai_to_anthropic(body, MODEL)["usage"] == {"input_tokens": 0, "output_tokens": 0}

    @pytest.mark.parametrize("arguments", ['{"city": "Par', "[1, 2]", '"Paris"', "not json"])
    def test_tool_arguments_that_are_not_a_json_object_are_an_upstream_failure(self, arguments: str) -> None:
        call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
        with pytest.raises(UpstreamFormatError, match=r"choices\.0\.message\.tool_calls\.0\.function\.arguments"):
            openai_to_anthropic(completion({"content": None, "tool_calls": [call]}, "tool_calls"), MODEL)

    def test_tool_arguments_cut_by_max_tokens_become_an_empty_input(self) -> None:
        call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Par'}}
        message = openai_to_anthropic(completion({"content": None, "tool_calls": [call]}, "length"), MODEL)
        assert message["stop_reason"] == "max_tokens" and message["content"][0]["input"] == {}

    @pytest.mark.parametrize(
        "body",
        [{}, {"choices": []}, {"choices": [{"index": 0}]}, {"error": {"message": "boom"}}],
    )
    def test_a_completion_without_a_usable_choice_is_an_upstream_failure(self, body: JSON) -> None:
        with pytest.raises(UpstreamFormatError) as raised:
            openai_to_anthropic(body, MODEL)
        assert not isinstance(raised.value, TranslationError)


# -- streams -------------------------------------------------------------------------------------


def text_chunks(*pieces: str) -> list[JSON]:
    first = [chunk({"role": "assistant", "content": ""})]
    return first + [chunk({"content": piece}) for piece in pieces]


class TestStream:
    def test_a_text_stream_is_the_exact_anthropic_event_sequence(self) -> None:
        chunks = [
            *text_chunks("Hello", " world"),
            chunk({}, "stop"),
            chunk(usage={"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}),
        ]
        stream, events = run(chunks, input_tokens=10)
        assert events == [
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_test",
                        "type": "message",
                        "role": "assistant",
                        "model": MODEL,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": 10, "output_tokens": 0},
                    },
                },
            ),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " world"}},
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"input_tokens": 10, "output_tokens": 2},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        # The client sees one input figure, message_start's; the record keeps the model's.
        assert (stream.text, stream.input_tokens, stream.output_tokens) == ("Hello world", 12, 2)
        final = sdk_final_message(events)
        assert final.usage.input_tokens == 10
        assert dump(final) == {**without_none(stream.message()), "usage": {"input_tokens": 10, "output_tokens": 2}}
        assert stream.message()["content"] == [{"type": "text", "text": "Hello world"}]

    def test_nothing_is_said_until_the_model_says_something(self) -> None:
        stream = AnthropicStream(MODEL, "msg_test")
        assert stream.feed(chunk({"role": "assistant", "content": ""})) == []
        assert stream.feed(chunk({"role": "assistant", "content": None, "tool_calls": None})) == []
        assert not stream.started
        assert names(stream.feed(chunk({"content": "Hi"}))) == [
            "message_start",
            "content_block_start",
            "content_block_delta",
        ]
        assert stream.started

    def test_a_tool_call_split_across_many_deltas_streams_its_arguments(self) -> None:
        arguments = '{"city": "San Francisco", "days": 3}'
        pieces = [arguments[i : i + 4] for i in range(0, len(arguments), 4)]
        chunks = [
            chunk({"role": "assistant", "content": None}),
            chunk(call_delta(0, "", "call_XyZ", "get_weather")),
            *[chunk(call_delta(0, piece)) for piece in pieces],
            chunk({}, "tool_calls"),
            chunk(usage={"prompt_tokens": 40, "completion_tokens": 15, "total_tokens": 55}),
        ]
        stream, events = run(chunks)
        assert names(events) == [
            "message_start",
            "content_block_start",
            *["content_block_delta"] * len(pieces),
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
        assert events[1][1]["content_block"] == {
            "type": "tool_use",
            "id": "toolu_XyZ",
            "name": "get_weather",
            "input": {},
        }
        assert [data["delta"] for _, data in events[2:-3]] == [
            {"type": "input_json_delta", "partial_json": p} for p in pieces
        ]
        assert events[-2][1]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
        assert stream.tool_calls == [{"id": "toolu_XyZ", "name": "get_weather", "arguments": arguments}]
        final = sdk_final_message(events)
        assert final.stop_reason == "tool_use" and final.usage.output_tokens == 15
        assert [b.model_dump(exclude_none=True) for b in final.content] == [
            {
                "type": "tool_use",
                "id": "toolu_XyZ",
                "name": "get_weather",
                "input": {"city": "San Francisco", "days": 3},
            }
        ]

    def test_two_tool_calls_are_two_blocks_closed_in_order(self) -> None:
        chunks = [
            chunk(call_delta(0, '{"city": ', "call_1", "get_weather")),
            chunk(call_delta(0, '"Oslo"}')),
            chunk(call_delta(1, "", "call_2", "get_time")),
            chunk(call_delta(1, "{}")),
            chunk({}, "tool_calls", usage={"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}),
        ]
        stream, events = run(chunks)
        blocks = [(name, data.get("index")) for name, data in events if name.startswith("content_block_")]
        assert blocks == [
            ("content_block_start", 0),
            ("content_block_delta", 0),
            ("content_block_delta", 0),
            ("content_block_stop", 0),
            ("content_block_start", 1),
            ("content_block_delta", 1),
            ("content_block_stop", 1),
        ]
        final = sdk_final_message(events)
        assert [(b.type, getattr(b, "id", None), getattr(b, "input", None)) for b in final.content] == [
            ("tool_use", "toolu_1", {"city": "Oslo"}),
            ("tool_use", "toolu_2", {}),
        ]
        assert dump(final) == as_streamed(stream, events)

    def test_text_followed_by_a_tool_call_closes_the_text_first(self) -> None:
        chunks = [
            *text_chunks("Let me ", "look."),
            chunk(call_delta(0, '{"city": "Rome"}', "call_7", "get_weather")),
            chunk({}, "tool_calls"),
        ]
        stream, events = run(chunks)
        assert names(events) == [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
        final = sdk_final_message(events)
        assert final.content[0].type == "text" and final.content[0].text == "Let me look."
        assert final.content[1].type == "tool_use" and final.content[1].input == {"city": "Rome"}
        assert dump(final) == as_streamed(stream, events)

    def test_a_call_without_an_id_gets_one_from_its_message_and_block(self) -> None:
        stream, events = run(
            [
                *text_chunks("x"),
                chunk(
                    {"tool_calls": [{"index": 0, "function": {"name": "get_time", "arguments": "{}"}}]}, "tool_calls"
                ),
            ]
        )
        assert events[4][1]["content_block"]["id"] == "toolu_test_1"
        assert stream.tool_calls[0]["id"] == "toolu_test_1"

    def test_arguments_sent_before_the_name_wait_for_it(self) -> None:
        chunks = [
            chunk(call_delta(0, '{"a"', "call_1")),
            chunk(call_delta(0, ": 1}", name="f")),
            chunk({}, "tool_calls"),
        ]
        _, events = run(chunks)
        assert [data["delta"]["partial_json"] for name, data in events if name == "content_block_delta"] == ['{"a": 1}']
        assert sdk_final_message(events).content[0].input == {"a": 1}  # type: ignore[union-attr]

    def test_calls_streamed_without_an_index_are_told_apart_by_their_ids(self) -> None:
        def unindexed(arguments: str, call_id: str | None = None, name: str | None = None) -> JSON:
            delta = call_delta(0, arguments, call_id, name)
            del delta["tool_calls"][0]["index"]
            return chunk(delta)

        chunks = [
            unindexed('{"city":', "call_1", "get_weather"),
            unindexed(' "Oslo"}'),
            unindexed("{}", "call_2", "get_time"),
            chunk({}, "tool_calls"),
        ]
        stream, events = run(chunks)
        assert stream.tool_calls == [
            {"id": "toolu_1", "name": "get_weather", "arguments": '{"city": "Oslo"}'},
            {"id": "toolu_2", "name": "get_time", "arguments": "{}"},
        ]
        assert [b.input for b in sdk_final_message(events).content] == [{"city": "Oslo"}, {}]  # type: ignore[union-attr]

    def test_an_empty_stream_is_still_a_whole_message(self) -> None:
        stream, events = run([])
        assert names(events) == ["message_start", "message_delta", "message_stop"]
        final = sdk_final_message(events)
        assert (final.content, final.stop_reason, final.usage.output_tokens) == ([], "end_turn", 0)
        assert stream.text == "" and stream.tool_calls == []

    def test_usage_is_taken_from_the_openai_usage_chunk_and_from_togethers_finishing_chunk(self) -> None:
        usage = {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34}
        openai_style, _ = run([*text_chunks("a"), chunk({}, "stop"), chunk(usage=usage)])
        together_style, events = run(
            [*text_chunks("a"), chunk({"role": "assistant", "content": ""}, "stop", usage=usage)]
        )
        assert (openai_style.input_tokens, openai_style.output_tokens) == (30, 4)
        assert (together_style.input_tokens, together_style.output_tokens) == (30, 4)
        final = sdk_final_message(events)  # the model's input figure came after message_start's (0)
        assert (final.usage.input_tokens, final.usage.output_tokens) == (0, 4)

    def test_without_usage_output_tokens_are_estimated_and_input_tokens_kept(self) -> None:
        stream, events = run([*text_chunks("abcdefghij"), chunk({}, "stop")], input_tokens=99)
        assert (stream.input_tokens, stream.output_tokens) == (99, 3)
        assert events[-2][1]["usage"] == {"input_tokens": 99, "output_tokens": 3}
        assert sdk_final_message(events).usage.input_tokens == 99

    @pytest.mark.parametrize(
        ("finish_reason", "stop_reason"), [("length", "max_tokens"), ("content_filter", "refusal"), ("eos", "end_turn")]
    )
    def test_the_finish_reason_becomes_the_stop_reason(self, finish_reason: str, stop_reason: str) -> None:
        stream, events = run([*text_chunks("a"), chunk({}, finish_reason)])
        assert stream.stop_reason == stop_reason and sdk_final_message(events).stop_reason == stop_reason

    def test_a_matched_stop_string_is_the_stop_sequence(self) -> None:
        _, events = run([*text_chunks("a"), chunk({}, "stop", stop_reason="</a>")])
        final = sdk_final_message(events)
        assert (final.stop_reason, final.stop_sequence) == ("stop_sequence", "</a>")

    @pytest.mark.parametrize(
        ("arguments", "sdk_error"),
        [("[1, 2]", anthropic.APIStatusError), ("{'city': 'Paris'}", ValueError)],
    )
    def test_invalid_streamed_arguments_end_the_stream_with_an_error(
        self, arguments: str, sdk_error: type[Exception]
    ) -> None:
        # The SDK fails either way: on our error event, or already on the fragment it cannot parse.
        stream, events = run([chunk(call_delta(0, arguments, "call_1", "get_weather")), chunk({}, "tool_calls")])
        assert names(events)[-2:] == ["content_block_stop", "error"]
        assert events[-1][1]["error"]["type"] == "api_error" and "get_weather" in events[-1][1]["error"]["message"]
        assert stream.finished and stream.finish() == []
        with pytest.raises(sdk_error):
            sdk_final_message(events)

    def test_a_broken_upstream_ends_the_stream_with_an_error_event(self) -> None:
        stream = AnthropicStream(MODEL, "msg_test")
        events = stream.feed(chunk({"content": "partial"}))
        events.append(stream.error("upstream connection lost", "overloaded_error"))
        assert events[-1] == (
            "error",
            {"type": "error", "error": {"type": "overloaded_error", "message": "upstream connection lost"}},
        )
        assert stream.feed(chunk({"content": "more"})) == [] and stream.finish() == []
        with pytest.raises(anthropic.APIStatusError, match="upstream connection lost"):
            sdk_final_message(events)

    def test_choices_other_than_the_first_are_ignored(self) -> None:
        other = {"id": "c", "choices": [{"index": 1, "delta": {"content": "B"}, "finish_reason": None}]}
        both = {
            "id": "c",
            "choices": [{"index": 1, "delta": {"content": "B"}}, {"index": 0, "delta": {"content": "A"}}],
        }
        stream, _ = run([other, both, chunk({}, "stop")])
        assert stream.text == "A"


# -- server-sent events --------------------------------------------------------------------------


class TestSSE:
    def test_an_event_is_its_name_and_compact_json(self) -> None:
        data = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 'é\n"x"'}}
        assert encode_sse("content_block_delta", data) == (
            b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
            b'"delta":{"type":"text_delta","text":"\\u00e9\\n\\"x\\""}}\n\n'
        )

    def test_a_ping_where_anthropic_sends_it_decodes_and_changes_nothing_a_client_sees(self) -> None:
        assert SSEDecoder().feed(PING_SSE) == [("ping", '{"type":"ping"}')]
        assert encode_sse("ping", {"type": "ping"}) == PING_SSE
        _, events = run([*text_chunks("Hi ", "there"), chunk({}, "stop")])
        assert [name for name, _ in events[:2]] == ["message_start", "content_block_start"]
        pinged = sse(events[:2]) + PING_SSE + sse(events[2:])  # Anthropic's order: after the block starts

        def seen_by_the_sdk(wire: bytes) -> tuple[list[str], JSON]:
            def serve(_: Any) -> Any:
                return http.Response(200, headers={"content-type": "text/event-stream"}, content=wire)

            with sdk(serve).messages.stream(**request([{"role": "user", "content": "hi"}])) as stream:
                return [event.type for event in stream], dump(stream.get_final_message())

        assert seen_by_the_sdk(pinged) == seen_by_the_sdk(sse(events))
        assert seen_by_the_sdk(pinged)[1]["content"] == [{"type": "text", "text": "Hi there"}]

    def test_the_decoder_reads_back_what_is_encoded_byte_by_byte(self) -> None:
        _, events = run([*text_chunks("Hi ", "there"), chunk({}, "stop")])
        wire = sse(events)
        decoder = SSEDecoder()
        decoded = [event for i in range(len(wire)) for event in decoder.feed(wire[i : i + 1])]
        assert [(name, json.loads(data)) for name, data in decoded] == events

    @pytest.mark.parametrize(
        "wire",
        [
            b"event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n",
            b"event: a\rdata: 1\r\rdata: 2\r\r",
            b"event: a\ndata: 1\n\ndata: 2\n\n",
            b"\xef\xbb\xbfevent: a\ndata: 1\n\n: keep-alive comment\n\ndata: 2\n\n",
            b"event:a\ndata:1\nid: 7\nretry: 100\n\ndata:2\n\n",
        ],
    )
    def test_every_line_ending_comments_and_ignored_fields_split_anywhere(self, wire: bytes) -> None:
        for cut in range(len(wire) + 1):
            decoder = SSEDecoder()
            assert decoder.feed(wire[:cut]) + decoder.feed(wire[cut:]) == [("a", "1"), (None, "2")], cut

    def test_data_lines_of_one_event_are_joined_and_events_without_data_are_dropped(self) -> None:
        decoder = SSEDecoder()
        assert decoder.feed(b"data: one\ndata:  two\ndata\n\nevent: empty\n\n") == [(None, "one\n two\n")]

    def test_a_multibyte_character_split_between_pieces_survives(self) -> None:
        wire = 'data: {"t":"日本"}\n\n'.encode()
        decoder = SSEDecoder()
        assert decoder.feed(wire[:12]) + decoder.feed(wire[12:]) == [(None, '{"t":"日本"}')]

    def test_flush_dispatches_an_event_left_without_its_blank_line(self) -> None:
        decoder = SSEDecoder()
        assert decoder.feed(b"data: last") == []
        assert decoder.flush() == [(None, "last")]

    def test_openai_chunks_stop_at_done(self) -> None:
        wire = b'data: {"id":"1","choices":[]}\n\ndata: [DONE]\n\ndata: {"id":"2"}\n\n'
        assert OpenAIStreamDecoder().feed(wire) == [{"id": "1", "choices": []}]

    def test_the_openai_decoder_parses_chunks_until_done(self) -> None:
        decoder = OpenAIStreamDecoder()
        assert decoder.feed(b'data: {"id":"1"}\n\ndata: {"id"') == [{"id": "1"}]
        assert decoder.feed(b':"2"}\n\ndata: [DONE]\n\ndata: {"id":"3"}\n\n') == [{"id": "2"}]
        assert decoder.done and decoder.feed(b'data: {"id":"4"}\n\n') == [] and decoder.flush() == []

    @pytest.mark.parametrize(
        ("wire", "problem"),
        [
            (b"data: {not json\n\n", "not JSON"),
            (b"data: [1]\n\n", "not an object"),
            (b'data: {"error": {"message": "model overloaded"}}\n\n', "model overloaded"),
        ],
    )
    def test_a_bad_or_failed_upstream_stream_is_an_upstream_error(self, wire: bytes, problem: str) -> None:
        with pytest.raises(UpstreamFormatError, match=problem):
            OpenAIStreamDecoder().feed(wire)


# -- end to end: the SDK's request, translated, answered by the simulator, translated back --------


class SimulatedProxy:
    """What the proxy does with a custom role, in-process: the SDK's HTTP request is translated,
    answered by the simulator's chat (Together's shapes) as `role`, and translated back."""

    def __init__(self, role: chat.Role) -> None:
        self.role = role
        self.sent: list[JSON] = []  # the chat-completions requests, as the simulator got them

    def __call__(self, http_request: Any) -> Any:
        body = json.loads(http_request.content)
        translated = anthropic_to_openai(body, f"proj-{self.role}")
        self.sent.append(translated)
        upstream = chat.ChatRequest.model_validate(translated)
        answer = chat.answer(upstream, self.role, served_by=translated["model"])
        if not translated.get("stream"):
            return http.Response(
                200, json=openai_to_anthropic(chat.completion(upstream, answer, "sim-abc123", 0), body["model"])
            )
        decoder, stream = OpenAIStreamDecoder(), AnthropicStream(body["model"], message_id(None), input_tokens=1)
        wire = b""
        for piece in chat.stream(upstream, answer, "sim-abc123", 0):
            for parsed in decoder.feed(piece):
                wire += sse(stream.feed(parsed))
        assert decoder.done
        wire += sse(stream.finish())
        return http.Response(200, headers={"content-type": "text/event-stream"}, content=wire)


class TestThroughTheSimulator:
    def test_create_gets_the_coding_models_answer(self) -> None:
        proxy = SimulatedProxy("coding")
        message = sdk(proxy).messages.create(
            model=MODEL,
            max_tokens=200,
            system=[{"type": "text", "text": "You write Python."}],
            messages=[{"role": "user", "content": "Write a function to reverse a string"}],
        )
        assert message.id == "msg_sim-abc123" and message.model == MODEL and message.stop_reason == "end_turn"
        assert message.content[0].type == "text" and message.content[0].text.startswith(
            "```python\ndef reverse_a_string("
        )
        assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
        assert proxy.sent[0]["messages"][0] == {"role": "system", "content": "You write Python."}

    def test_a_stream_assembles_the_same_answer_as_create(self) -> None:
        client = sdk(SimulatedProxy("planning"))
        ask = {
            "model": MODEL,
            "max_tokens": 200,
            "messages": [{"role": "user", "content": "Tell me about the weather"}],
        }
        whole = client.messages.create(**ask)
        with client.messages.stream(**ask) as stream:
            streamed_text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert streamed_text == whole.content[0].text == final.content[0].text  # type: ignore[union-attr]
        assert "<actions>REPLY</actions>" in streamed_text
        # Input tokens: the whole answer has the model's figure; a stream gives the figure its
        # message_start gave (the estimate: the model reports after its first token) in every event.
        assert (final.stop_reason, final.usage.output_tokens) == (whole.stop_reason, whole.usage.output_tokens)

    @pytest.mark.parametrize("streaming", [False, True])
    def test_a_tool_use_round_trip(self, streaming: bool) -> None:
        client = sdk(SimulatedProxy("planning"))
        turns: list[Any] = [{"role": "user", "content": "Use get_weather for Paris"}]
        ask: dict[str, Any] = {"model": MODEL, "max_tokens": 200, "tools": [WEATHER]}
        if streaming:
            with client.messages.stream(**ask, messages=turns) as stream:
                first = stream.get_final_message()
        else:
            first = client.messages.create(**ask, messages=turns)
        assert first.stop_reason == "tool_use"
        call = first.content[-1]
        assert call.type == "tool_use" and call.name == "get_weather" and call.input == {"city": "example"}
        assert call.id.startswith("toolu_")
        turns += [
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18°C, sunny"}]},
        ]
        second = client.messages.create(**ask, messages=turns)
        assert second.stop_reason == "end_turn" and second.content[0].type == "text"

    def test_a_coding_model_writes_a_file_with_claude_codes_write_tool_and_ends_on_its_result(self) -> None:
        """What Claude Code sends, in short: its `Write` tool among others, the working directory in
        the system prompt, the ask after a system reminder, a stream. Anthropic tools become OpenAI
        tools, the simulator's `tool_calls` a `tool_use` the SDK assembles, its result a tool message."""
        proxy = SimulatedProxy("coding")
        client = sdk(proxy)
        write = {
            "name": "Write",
            "description": "Writes a file to the local filesystem.",
            "input_schema": {
                "type": "object",
                "properties": {"file_path": {"type": "string"}, "content": {"type": "string"}},
                "required": ["file_path", "content"],
            },
        }
        ask: dict[str, Any] = {
            "model": MODEL,
            "max_tokens": 64000,
            "tools": [WEATHER, write],
            "system": [{"type": "text", "text": "# Environment\n - Primary working directory: /work/app\n"}],
        }
        said = [{"type": "text", "text": "<system-reminder>\nctx\n</system-reminder>"},
                {"type": "text", "text": "Write a Python function that reverses a linked list"}]  # fmt: skip
        turns: list[Any] = [{"role": "user", "content": said}]
        with client.messages.stream(**ask, messages=turns) as stream:
            first = stream.get_final_message()
        assert first.stop_reason == "tool_use"
        [call] = [b for b in first.content if b.type == "tool_use"]
        assert call.name == "Write" and call.input["file_path"] == "/work/app/reverse_a_linked_list.py"
        assert call.input["content"].startswith("def reverse_a_linked_list(")
        assert proxy.sent[0]["tools"][1]["function"]["name"] == "Write"
        turns += [
            {"role": "assistant", "content": first.content},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "File created"}]},
        ]
        with client.messages.stream(**ask, messages=turns) as stream:
            second = stream.get_final_message()
        assert proxy.sent[1]["messages"][-1]["role"] == "tool"
        assert second.stop_reason == "end_turn" and not [b for b in second.content if b.type == "tool_use"]
        assert second.content[0].type == "text" and second.content[0].text == f"I wrote {call.input['file_path']}."

    def test_forcing_a_tool_and_max_tokens_reach_the_model(self) -> None:
        proxy = SimulatedProxy("planning")
        client = sdk(proxy)
        forced = client.messages.create(
            model=MODEL,
            max_tokens=50,
            tools=[WEATHER, TIME],
            tool_choice={"type": "tool", "name": "get_time"},
            messages=[{"role": "user", "content": "hello"}],
        )
        assert [b.name for b in forced.content if b.type == "tool_use"] == ["get_time"]
        with client.messages.stream(
            model=MODEL, max_tokens=3, messages=[{"role": "user", "content": "hello"}]
        ) as stream:
            cut = stream.get_final_message()
        assert (cut.stop_reason, cut.usage.output_tokens) == ("max_tokens", 3)
        assert proxy.sent[-1]["stream_options"] == {"include_usage": True}
