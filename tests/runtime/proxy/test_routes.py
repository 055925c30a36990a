"""Both APIs, both routes, both streaming modes, through the official SDKs.

Routed requests are answered by the simulator's models (translated for Anthropic clients);
requests no rule routes reach the stand-in upstreams untouched. Every response says which.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import openai
import pytest

from controlplane.manifest import load
from runtime.hooks.prompts import plan_prompt, should_respond_prompt
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, UPSTREAM_MODEL, Serve, World
from tests.support.served import ServedProxy

WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def claude(proxy: ServedProxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.base_url, api_key=ANTHROPIC_KEY, max_retries=0)


def gpt(proxy: ServedProxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy.base_url + "/v1", api_key="sk-openai-client", max_retries=0)


def sse_events(proxy: ServedProxy, body: dict[str, object]) -> list[str]:
    """The event names of a streamed answer, exactly as sent (the SDKs hide pings)."""
    headers = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"}
    with httpx.stream("POST", f"{proxy.base_url}/v1/messages", json=body, headers=headers) as response:
        text = response.read().decode()
    return [line.removeprefix("event: ") for line in text.splitlines() if line.startswith("event: ")]


class TestAnthropicRoutedToACustomModel:
    def test_create_is_answered_by_the_role_and_recorded_with_its_sample(self, proxy: ServedProxy) -> None:
        raw = claude(proxy).messages.with_raw_response.create(
            model=CLIENT_MODEL,
            max_tokens=200,
            system="You write Python.",
            messages=[{"role": "user", "content": "write a function to reverse a string"}],
        )
        message = raw.parse()
        assert raw.headers["x-reasoning-role"] == "coding"
        assert raw.headers["x-reasoning-reason"] == "rule 1: model claude-coder"
        assert message.model == CLIENT_MODEL and message.stop_reason == "end_turn"
        assert message.content[0].type == "text" and "def reverse_a_string" in message.content[0].text
        assert message.usage.output_tokens > 0
        proxy.flush()
        with proxy.services.store as store:
            [usage] = store.usage("proxytest")
            [sample] = store.samples("proxytest")
        assert (usage.role, usage.outcome, usage.reason) == ("coding", "ok", "rule 1: model claude-coder")
        # latency runs on the fake clock, which stands still here (tests/runtime/proxy/test_exchange.py moves it)
        assert usage.output_tokens == message.usage.output_tokens and usage.latency_ms >= 0
        assert sample.source == "custom" and sample.answer == message.content[0].text
        assert sample.prompt["messages"] == [
            {"role": "system", "content": "You write Python."},
            {"role": "user", "content": "write a function to reverse a string"},
        ]

    def test_stream_sends_anthropics_exact_event_sequence(self, proxy: ServedProxy) -> None:
        body = {"model": CLIENT_MODEL, "max_tokens": 50, "stream": True,
                "messages": [{"role": "user", "content": "write a function to add numbers"}]}  # fmt: skip
        events = sse_events(proxy, body)
        deltas = events[3:-4]
        assert events[:3] == ["message_start", "content_block_start", "ping"]
        assert deltas and set(deltas) == {"content_block_delta"}
        assert events[-3:] == ["content_block_stop", "message_delta", "message_stop"]

        with claude(proxy).messages.stream(
            model=CLIENT_MODEL, max_tokens=50, messages=[{"role": "user", "content": "write a function to add numbers"}]
        ) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert "def add_numbers" in text and final.content[0].text == text  # type: ignore[union-attr]

    def test_a_tool_use_round_trip_streams_the_call_and_answers_its_result(self, proxy: ServedProxy) -> None:
        client = claude(proxy)
        ask = {"role": "user", "content": "call get_weather for Paris"}
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, tools=[WEATHER], messages=[ask]) as stream:
            called = stream.get_final_message()
        [use] = [block for block in called.content if block.type == "tool_use"]
        assert called.stop_reason == "tool_use" and use.name == "get_weather" and use.input == {"city": "example"}
        answered = client.messages.create(
            model=CLIENT_MODEL,
            max_tokens=100,
            tools=[WEATHER],  # type: ignore[list-item]
            messages=[
                ask,
                {"role": "assistant", "content": called.content},  # type: ignore[typeddict-item]
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]},
            ],
        )
        assert answered.stop_reason == "end_turn" and answered.content[0].type == "text"


class TestStopSequencesOnTheCustomRoute:
    @pytest.mark.parametrize("streaming", [False, True])
    def test_the_answer_stops_before_the_sequence_and_says_which(self, proxy: ServedProxy, streaming: bool) -> None:
        ask: dict[str, Any] = {
            "model": CLIENT_MODEL,
            "max_tokens": 200,
            "stop_sequences": ["def "],
            "messages": [{"role": "user", "content": "Write a Python function that reverses a list"}],
        }
        if streaming:
            with claude(proxy).messages.stream(**ask) as stream:
                streamed = "".join(stream.text_stream)
                message = stream.get_final_message()
            assert streamed == message.content[0].text  # type: ignore[union-attr]
        else:
            message = claude(proxy).messages.create(**ask)
        assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "def ")
        text = message.content[0].text  # type: ignore[union-attr]
        assert text.startswith("```python") and "def " not in text


class TestAnthropicPassThrough:
    def test_create_reaches_the_upstream_untouched_with_the_clients_own_key(
        self, proxy: ServedProxy, world: World
    ) -> None:
        raw = claude(proxy).messages.with_raw_response.create(
            model=UPSTREAM_MODEL, max_tokens=100, messages=[{"role": "user", "content": "hello there"}]
        )
        assert raw.parse().content[0].text == "Upstream says: hello there"  # type: ignore[union-attr]
        assert raw.headers["x-reasoning-role"] == "upstream"
        assert raw.headers["request-id"].startswith("req_msg_standin")  # the upstream's headers come back
        received = world.anthropic.received[-1]
        assert received.headers["authorization"] == f"Bearer {ANTHROPIC_KEY}"  # as this SDK sends its key
        assert received.headers["anthropic-version"] and received.headers["user-agent"].startswith("Anthropic/")
        assert not any(name.startswith("x-reasoning") for name in received.headers)
        assert received.body["messages"] == [{"role": "user", "content": "hello there"}]

    def test_stream_is_relayed_event_for_event_with_its_query_string(self, proxy: ServedProxy, world: World) -> None:
        body = {"model": UPSTREAM_MODEL, "max_tokens": 50, "stream": True,
                "messages": [{"role": "user", "content": "say hi"}]}  # fmt: skip
        events = sse_events(proxy, body)
        assert events == ["message_start", "content_block_start", "ping", "content_block_delta",
                          "content_block_delta", "content_block_delta", "content_block_delta",
                          "content_block_stop", "message_delta", "message_stop"]  # fmt: skip
        client = claude(proxy)
        with client.messages.stream(
            model=UPSTREAM_MODEL,
            max_tokens=50,
            messages=[{"role": "user", "content": "say hi"}],
            extra_query={"beta": "true"},  # what Claude Code sends
        ) as stream:
            assert "".join(stream.text_stream) == "Upstream says: say hi"
        assert world.anthropic.received[-1].query == "beta=true"

    def test_other_anthropic_paths_go_to_the_upstream(self, proxy: ServedProxy) -> None:
        counted = claude(proxy).messages.count_tokens(
            model=UPSTREAM_MODEL, messages=[{"role": "user", "content": "one two three"}]
        )
        assert counted.input_tokens == 3


class TestPassThroughIsExact:
    """Issue 11 item 2: every path, every method, to its own API's upstream and no other."""

    @pytest.mark.parametrize(
        ("method", "path", "query", "body"),
        [
            ("GET", "/v1/models", "limit=2&after_id=x", b""),
            ("GET", "/v1/messages/batches", "", b""),
            ("DELETE", "/v1/messages/batches/msgbatch_1", "", b""),
            ("POST", "/v1/messages/count_tokens", "beta=true", b'{"model": "m",\n "messages": []}'),
        ],
    )
    def test_an_anthropic_request_arrives_as_it_was_sent(
        self, proxy: ServedProxy, world: World, method: str, path: str, query: str, body: bytes
    ) -> None:
        headers = {"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01", "anthropic-beta": "b1",
                   "x-app": "cli"}  # fmt: skip
        url = f"{proxy.base_url}{path}" + (f"?{query}" if query else "")
        response = httpx.request(method, url, content=body or None, headers=headers)
        assert response.headers["x-reasoning-role"] == "upstream"
        [received] = world.anthropic.received
        assert (received.method, received.path, received.query) == (method, path, query)
        assert received.body == (json.loads(body) if body else None)
        assert {k: received.headers[k] for k in headers} == headers
        assert not world.openai.received

    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", "/v1/models"), ("GET", "/v1/models/gpt-4o"), ("POST", "/v1/embeddings"), ("POST", "/v1/responses"),
         ("DELETE", "/v1/responses/resp_1"), ("GET", "/v1/files")],
    )  # fmt: skip
    def test_an_openai_request_goes_to_the_openai_upstream_with_its_key_only(
        self, proxy: ServedProxy, world: World, method: str, path: str
    ) -> None:
        body = b'{"model": "text-embedding-3-small", "input": "x"}' if method == "POST" else None
        headers = {"authorization": "Bearer sk-openai-client", "openai-organization": "org-1"}
        response = httpx.request(method, f"{proxy.base_url}{path}?x=1", content=body, headers=headers)
        assert response.headers["x-reasoning-role"] == "upstream"
        [received] = world.openai.received
        assert (received.method, received.path, received.query) == (method, path, "x=1")
        assert {k: received.headers[k] for k in headers} == headers
        assert not world.anthropic.received  # the OpenAI key never reaches Anthropic

    def test_an_anthropic_key_never_reaches_the_openai_upstream(self, proxy: ServedProxy, world: World) -> None:
        client = claude(proxy)
        client.messages.create(model=UPSTREAM_MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(anthropic.APIStatusError):
            client.models.list()  # the stand-in does not serve it; what matters is where it went
        client.messages.count_tokens(model=UPSTREAM_MODEL, messages=[{"role": "user", "content": "a b"}])
        assert len(world.anthropic.received) == 3 and not world.openai.received

    def test_a_relayed_answer_has_one_date_header(self, proxy: ServedProxy) -> None:
        response = httpx.post(
            f"{proxy.base_url}/v1/messages",
            json={"model": UPSTREAM_MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"},
        )
        assert response.status_code == 200 and len(response.headers.get_list("date")) == 1

    @pytest.mark.parametrize("suffix", ["/v1", "/v1/", "/"])
    def test_an_upstream_url_ending_in_v1_is_the_same_upstream(self, world: World, serve: Serve, suffix: str) -> None:
        world.write()
        text = world.path.read_text()
        for standin in (world.anthropic, world.openai):
            text = text.replace(f"upstream: {standin.base_url}\n", f"upstream: {standin.base_url}{suffix}\n")
        world.path.write_text(text)
        proxy = serve(load(world.path))
        gpt(proxy).chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hello"}])
        claude(proxy).messages.create(model=UPSTREAM_MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}])
        assert [r.path for r in world.openai.received] == ["/v1/chat/completions"]
        assert [r.path for r in world.anthropic.received] == ["/v1/messages"]


class TestOpenAI:
    def test_mapped_models_are_answered_by_their_roles(self, proxy: ServedProxy) -> None:
        client = gpt(proxy)
        # model_map sends a role only the prompts it takes: ElizaOS's message handler, its should-respond
        plan = plan_prompt("Is Eliza there?", agent_name="Eliza")
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o", messages=[{"role": "user", "content": plan}]
        )
        planned = raw.parse()
        assert raw.headers["x-reasoning-role"] == "planning"
        assert raw.headers["x-reasoning-reason"] == "model gpt-4o -> planning"
        assert "<actions>REPLY</actions>" in (planned.choices[0].message.content or "")
        assert planned.choices[0].finish_reason == "stop" and planned.usage and planned.usage.completion_tokens > 0

        chunks = list(
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[
                    {"role": "user", "content": should_respond_prompt("Eliza, are you there?", agent_name="Eliza")}
                ],
                stream=True,
            )
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert "<action>RESPOND</action>" in text

    def test_unmapped_models_go_to_the_openai_upstream(self, proxy: ServedProxy, world: World) -> None:
        client = gpt(proxy)
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "hello"}]
        )
        assert raw.parse().choices[0].message.content == "Upstream says: hello"
        assert raw.headers["x-reasoning-role"] == "upstream"
        assert world.openai.received[-1].headers["authorization"] == "Bearer sk-openai-client"
        streamed = client.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "hello again"}], stream=True
        )
        assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == "Upstream says: hello again"

    def test_without_an_openai_upstream_an_unmapped_model_gets_a_clear_404(self, world: World, serve: object) -> None:
        manifest = world.write(openai=False)
        proxy = serve(manifest)  # type: ignore[operator]
        with pytest.raises(openai.NotFoundError) as error:
            gpt(proxy).chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hello"}])
        assert "proxy.openai_upstream is not set" in str(error.value)
        assert error.value.response.headers["x-reasoning-role"] == "upstream"


class TestDryRun:
    def test_says_what_it_would_do_and_calls_no_model(self, proxy: ServedProxy, world: World) -> None:
        body = {"model": CLIENT_MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
        response = httpx.post(f"{proxy.base_url}/v1/messages", json=body, headers={"x-reasoning-dry-run": "1"})
        assert response.status_code == 200
        assert response.headers["x-reasoning-role"] == "coding"
        decision = response.json()
        assert decision["role"] == "coding" and decision["answered_by"] == "coding" and decision["fallback"] is None
        assert decision["reason"] == "rule 1: model claude-coder"
        unrouted = httpx.post(
            f"{proxy.base_url}/v1/chat/completions",
            json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]},
            headers={"x-reasoning-dry-run": "1"},
        )
        assert json.loads(unrouted.text)["answered_by"] == "upstream"
        assert world.anthropic.received == [] and world.openai.received == []
        proxy.flush()
        with proxy.services.store as store:
            assert store.usage("proxytest") == []


class TestResponsesAPI:
    """POST /v1/responses (OpenAI API reference: Responses), through the proxy's own paths."""

    def test_a_routed_response_is_recorded_with_its_prompt_in_chat_form(self, proxy: ServedProxy) -> None:
        plan = plan_prompt("Is Eliza there?", agent_name="Eliza")
        raw = gpt(proxy).responses.with_raw_response.create(model="gpt-4o", input=plan, instructions="Be kind.")
        assert (raw.headers["x-reasoning-role"], raw.headers["x-reasoning-reason"]) == (
            "planning",
            "model gpt-4o -> planning",
        )
        answered = raw.parse().output_text
        proxy.flush()
        with proxy.services.store as store:
            [usage] = store.usage("proxytest")
            [sample] = store.samples("proxytest")
        assert (usage.role, usage.outcome) == ("planning", "ok") and usage.output_tokens > 0
        assert sample.answer == answered and sample.prompt["messages"] == [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": plan},
        ]

    def test_what_only_openai_has_goes_to_the_openai_upstream(self, proxy: ServedProxy, world: World) -> None:
        plan = plan_prompt("Is Eliza there?", agent_name="Eliza")
        body = {"model": "gpt-4o", "input": plan, "tools": [{"type": "web_search"}]}
        response = httpx.post(f"{proxy.base_url}/v1/responses", json=body)
        assert (response.headers["x-reasoning-role"], response.headers["x-reasoning-reason"]) == (
            "upstream",
            "fallback: unsupported content",
        )
        # this stand-in serves no Responses API: its own 404 comes back, as relayed
        assert response.status_code == 404 and world.openai.received[-1].path == "/v1/responses"

    def test_a_request_without_input_is_refused_naming_it(self, proxy: ServedProxy) -> None:
        response = httpx.post(f"{proxy.base_url}/v1/responses", json={"model": "gpt-4o"})
        assert response.status_code == 400 and response.headers["x-reasoning-role"] == "proxy"
        assert response.json()["error"]["param"] == "input"

    def test_get_is_not_allowed(self, proxy: ServedProxy) -> None:
        assert httpx.get(f"{proxy.base_url}/v1/responses").status_code == 405
