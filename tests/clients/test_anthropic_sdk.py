"""The official `anthropic` SDK's features through the proxy, on both routes (real-clients.md
section 2; issue 11's acceptance): each honoured, or handed to the upstream, never a proxy 4xx/5xx
the upstream would not give. The custom route is the coding role (simulator), chosen with the
`x-reasoning-role` header; the pass-through route is the Anthropic stand-in.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import anthropic
import httpx
import pytest

from tests.clients.conftest import Proxy, Upstreams
from tests.clients.matrix import assert_answered_by, routes

MODEL = "claude-sonnet-4-5-20250929"
KEY = "sk-ant-sdk-0123456789abcdef"
CODING = "Write a Python function that reverses a linked list"
HEADER = {"custom": "coding", "passthrough": "upstream"}
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()
PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "lines": {"type": "integer"}},
    "required": ["name", "lines"],
    "additionalProperties": False,
}


@functools.cache
def client(proxy: Proxy, route: str | None = None) -> anthropic.Anthropic:
    """One SDK client per route (making one builds an SSL context: a cost per test otherwise)."""
    headers = {"x-reasoning-role": HEADER[route]} if route else {}
    return anthropic.Anthropic(base_url=proxy.base_url, api_key=KEY, max_retries=0, default_headers=headers)


def create(proxy: Proxy, route: str, **kwargs: Any) -> tuple[Any, httpx.Headers]:
    kwargs.setdefault("messages", [{"role": "user", "content": CODING}])
    raw = client(proxy, route).messages.with_raw_response.create(
        model=MODEL, max_tokens=kwargs.pop("max_tokens", 512), **kwargs
    )
    assert_answered_by(raw.headers, route, "coding")
    return raw.parse(), raw.headers


def types(message: Any) -> list[str]:
    return [block.type for block in message.content]


def text(message: Any) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


@pytest.fixture
def upstream(upstreams: Upstreams) -> Upstreams:
    upstreams.clear()
    return upstreams


class TestMessages:
    @routes()
    def test_a_plain_create_answers_text(self, proxy: Proxy, route: str) -> None:
        message, _ = create(proxy, route)
        assert types(message) == ["text"] and text(message) and message.stop_reason == "end_turn"
        assert message.usage.output_tokens > 0

    @routes()
    def test_count_tokens_counts(self, proxy: Proxy, route: str) -> None:
        counted = client(proxy, route).messages.count_tokens(
            model=MODEL, messages=[{"role": "user", "content": CODING}]
        )
        assert counted.input_tokens > 0

    @routes()
    def test_thinking_gives_a_thinking_block(self, proxy: Proxy, route: str) -> None:
        message, _ = create(proxy, route, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024})
        assert "thinking" in types(message) and "text" in types(message)

    @routes()
    def test_a_forced_tool_is_called(self, proxy: Proxy, route: str) -> None:
        message, _ = create(proxy, route, tools=[WEATHER], tool_choice={"type": "tool", "name": "get_weather"})
        [use] = [b for b in message.content if b.type == "tool_use"]
        assert use.name == "get_weather" and isinstance(use.input["city"], str) and message.stop_reason == "tool_use"

    @routes()
    def test_tool_choice_any_calls_a_tool(self, proxy: Proxy, route: str) -> None:
        message, _ = create(proxy, route, tools=[WEATHER], tool_choice={"type": "any"})
        assert "tool_use" in types(message) and message.stop_reason == "tool_use"

    @routes()
    def test_auto_without_parallel_tool_use_calls_at_most_one(self, proxy: Proxy, route: str) -> None:
        message, _ = create(
            proxy, route, tools=[WEATHER], tool_choice={"type": "auto", "disable_parallel_tool_use": True}
        )
        assert types(message).count("tool_use") <= 1 and text(message) is not None

    @routes()
    def test_a_base64_image_is_taken(self, proxy: Proxy, route: str) -> None:
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
        message, _ = create(
            proxy, route, messages=[{"role": "user", "content": [image, {"type": "text", "text": CODING}]}]
        )
        assert text(message)

    @routes()
    def test_an_image_url_is_taken(self, proxy: Proxy, route: str) -> None:
        image = {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}
        message, _ = create(
            proxy, route, messages=[{"role": "user", "content": [image, {"type": "text", "text": CODING}]}]
        )
        assert text(message)

    @routes()
    def test_a_pdf_document_is_taken(self, proxy: Proxy, route: str) -> None:
        document = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}}
        content = [document, {"type": "text", "text": CODING}]
        message, _ = create(proxy, route, messages=[{"role": "user", "content": content}])
        assert text(message)

    @routes()
    def test_a_server_tool_is_taken(self, proxy: Proxy, route: str) -> None:
        search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 1}
        message, _ = create(proxy, route, tools=[search])
        assert text(message)

    @routes()
    def test_a_stop_sequence_stops_the_text_and_says_which(self, proxy: Proxy, route: str) -> None:
        message, _ = create(proxy, route, stop_sequences=["def", "function"])
        assert message.stop_reason == "stop_sequence" and message.stop_sequence in ("def", "function")
        assert message.stop_sequence not in text(message)

    @routes()
    def test_cache_control_on_system_and_top_level_is_taken(self, proxy: Proxy, route: str) -> None:
        system = [{"type": "text", "text": "You write Python.", "cache_control": {"type": "ephemeral"}}]
        message, _ = create(proxy, route, system=system, extra_body={"cache_control": {"type": "ephemeral"}})
        assert text(message)

    @routes()
    def test_structured_output_answers_json_of_the_schema(self, proxy: Proxy, route: str) -> None:
        output = {"format": {"type": "json_schema", "schema": SCHEMA}}
        message, _ = create(proxy, route, extra_body={"output_config": output})
        answer = json.loads(text(message))
        assert isinstance(answer["name"], str) and isinstance(answer["lines"], int)

    @routes()
    def test_a_mid_conversation_system_message_is_taken(self, proxy: Proxy, route: str) -> None:
        messages = [{"role": "user", "content": CODING}, {"role": "system", "content": "Be brief."}]
        message, _ = create(proxy, route, messages=messages)
        assert text(message)

    @routes()
    def test_sampling_parameters_and_metadata_are_taken(self, proxy: Proxy, route: str) -> None:
        message, _ = create(
            proxy, route, metadata={"user_id": "user-1"}, extra_body={"temperature": 0.2, "top_k": 5, "top_p": 0.9}
        )
        assert text(message)

    @routes()
    def test_an_assistant_prefill_is_continued(self, proxy: Proxy, route: str) -> None:
        messages = [{"role": "user", "content": CODING}, {"role": "assistant", "content": "Here it is:"}]
        message, _ = create(proxy, route, messages=messages)
        assert message.stop_reason == "end_turn"

    @routes()
    def test_beta_create_with_betas_is_taken(self, proxy: Proxy, route: str) -> None:
        raw = client(proxy, route).beta.messages.with_raw_response.create(
            model=MODEL,
            max_tokens=256,
            betas=["context-management-2025-06-27"],
            messages=[{"role": "user", "content": CODING}],
        )
        assert_answered_by(raw.headers, route, "coding")
        assert raw.parse().content


class TestStreaming:
    @routes()
    def test_text_streams_and_the_final_message_matches(self, proxy: Proxy, route: str) -> None:
        with client(proxy, route).messages.stream(
            model=MODEL, max_tokens=512, messages=[{"role": "user", "content": CODING}]
        ) as stream:
            streamed = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert streamed and text(final) == streamed and final.stop_reason == "end_turn"

    @routes()
    def test_a_forced_tool_call_streams(self, proxy: Proxy, route: str) -> None:
        with client(proxy, route).messages.stream(
            model=MODEL,
            max_tokens=512,
            tools=[WEATHER],
            tool_choice={"type": "tool", "name": "get_weather"},
            messages=[{"role": "user", "content": CODING}],
        ) as stream:
            final = stream.get_final_message()
        [use] = [b for b in final.content if b.type == "tool_use"]
        assert use.name == "get_weather" and "city" in use.input and final.stop_reason == "tool_use"

    @routes()
    def test_thinking_streams(self, proxy: Proxy, route: str) -> None:
        with client(proxy, route).messages.stream(
            model=MODEL,
            max_tokens=2048,
            thinking={"type": "enabled", "budget_tokens": 1024},
            messages=[{"role": "user", "content": CODING}],
        ) as stream:
            final = stream.get_final_message()
        assert "thinking" in types(final)

    @routes()
    def test_every_event_of_a_stream_reports_the_same_input_tokens(self, proxy: Proxy, route: str) -> None:
        body = {"model": MODEL, "max_tokens": 256, "stream": True, "messages": [{"role": "user", "content": CODING}]}
        headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01", "x-reasoning-role": HEADER[route]}
        with httpx.stream("POST", f"{proxy.base_url}/v1/messages", json=body, headers=headers) as response:
            events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
        start = next(e for e in events if e["type"] == "message_start")["message"]["usage"]["input_tokens"]
        reported = [
            e["usage"]["input_tokens"] for e in events if e["type"] == "message_delta" and "input_tokens" in e["usage"]
        ]
        assert reported and set(reported) == {start}


class TestToolLoops:
    @routes()
    def test_a_tool_result_round_trip_is_answered(self, proxy: Proxy, route: str) -> None:
        ask = {"role": "user", "content": "call get_weather for Paris"}
        called, _ = create(proxy, route, tools=[WEATHER], tool_choice={"type": "any"}, messages=[ask])
        [use] = [b for b in called.content if b.type == "tool_use"]
        result = {"type": "tool_result", "tool_use_id": use.id, "content": [{"type": "text", "text": "sunny"}]}
        answered, _ = create(
            proxy,
            route,
            tools=[WEATHER],
            messages=[
                ask,
                {"role": "assistant", "content": [b.model_dump() for b in called.content]},
                {"role": "user", "content": [result]},
            ],
        )
        assert answered.stop_reason == "end_turn" and text(answered)

    def test_a_tool_loop_that_starts_on_the_custom_model_stays_on_it(self, proxy: Proxy) -> None:
        sdk = client(proxy)  # routed by the request itself, no header
        ask = {"role": "user", "content": f"{CODING}, then call get_weather"}
        first = sdk.messages.with_raw_response.create(
            model=MODEL, max_tokens=512, tools=[WEATHER], messages=[ask], tool_choice={"type": "any"}
        )
        assert first.headers["x-reasoning-role"] == "coding", first.headers["x-reasoning-reason"]
        called = first.parse()
        [use] = [b for b in called.content if b.type == "tool_use"]
        result = {"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}
        second = sdk.messages.with_raw_response.create(
            model=MODEL,
            max_tokens=512,
            tools=[WEATHER],
            messages=[
                ask,
                {"role": "assistant", "content": [b.model_dump() for b in called.content]},
                {"role": "user", "content": [result]},
            ],
        )
        assert second.headers["x-reasoning-role"] == "coding", second.headers["x-reasoning-reason"]


class TestPassThroughPaths:
    def test_models_list_lists(self, proxy: Proxy) -> None:
        assert "claude-sonnet-4-5-20250929" in [m.id for m in client(proxy).models.list()]

    def test_models_retrieve_retrieves(self, proxy: Proxy) -> None:
        assert client(proxy).models.retrieve(MODEL).id == MODEL

    def test_message_batches_list_lists(self, proxy: Proxy, upstream: Upstreams) -> None:
        assert list(client(proxy).messages.batches.list()) == []
        assert [r.method for r in upstream.anthropic.received] == ["GET"]

    def test_a_relayed_request_arrives_byte_for_byte_with_its_query_and_headers(
        self, proxy: Proxy, upstream: Upstreams
    ) -> None:
        raw = b'{"model": "claude-upstream", "max_tokens": 20,\n "messages": [{"role": "user", "content": "hi"}]}'
        headers = {
            "x-api-key": KEY,
            "anthropic-version": "2023-06-01",
            "anthropic-beta": "claude-code-20250219",
            "content-type": "application/json",
            "x-app": "cli",
            "x-reasoning-role": "upstream",
        }
        response = httpx.post(f"{proxy.base_url}/v1/messages?beta=true", content=raw, headers=headers)
        assert response.status_code == 200
        [received] = upstream.anthropic.received
        assert (received.method, received.path, received.query, received.raw) == (
            "POST",
            "/v1/messages",
            "beta=true",
            raw,
        )
        sent = {k: v for k, v in headers.items() if k != "x-reasoning-role"}
        assert {k: received.headers[k] for k in sent} == sent and "x-reasoning-role" not in received.headers

    def test_a_relayed_answer_has_one_date_header(self, proxy: Proxy) -> None:
        response = client(proxy, "passthrough").messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=[{"role": "user", "content": "hi"}]
        )
        assert len(response.http_response.headers.get_list("date")) == 1
