"""The official `openai` SDK's features through the proxy, on both routes (real-clients.md
section 3; issues 11 and 15): each honoured, or handed to the upstream, never a proxy 4xx/5xx the
upstream would not give. The custom route is `gpt-4o`, which the quickstart's `model_map` sends
to the planning role (simulator); the pass-through route is `gpt-4.1`, which no rule maps, and
the OpenAI stand-in answers it. Also: each API's key stays with its own upstream.
"""

from __future__ import annotations

import contextlib
import functools
import json
from typing import Any

import anthropic
import httpx
import openai
import pytest

from runtime.hooks.prompts import plan_prompt
from tests.clients.conftest import Proxy, Upstreams
from tests.clients.matrix import assert_answered_by, routes

MODEL = {"custom": "gpt-4o", "passthrough": "gpt-4.1"}
KEY = "sk-openai-sdk-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-sdk-isolation-0123456789"
ASK = [{"role": "user", "content": "Eliza, what's a good name for a pet turtle?"}]
# What model_map sends the planning role: ElizaOS's message-handler prompt (anything else on gpt-4o
# goes upstream, "fallback: not a planning prompt").
PLAN = [{"role": "user", "content": plan_prompt(ASK[0]["content"], agent_name="Eliza")}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@functools.cache
def client(proxy: Proxy) -> openai.OpenAI:
    """One SDK client (making one builds an SSL context: a cost per test otherwise)."""
    return openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=KEY, max_retries=0)


def create(proxy: Proxy, route: str, **kwargs: Any) -> tuple[Any, httpx.Headers]:
    kwargs.setdefault("messages", PLAN if route == "custom" else ASK)
    raw = client(proxy).chat.completions.with_raw_response.create(model=MODEL[route], **kwargs)
    assert_answered_by(raw.headers, route, "planning")
    return raw.parse(), raw.headers


def chunks(proxy: Proxy, route: str, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("messages", PLAN if route == "custom" else ASK)
    with client(proxy).chat.completions.with_streaming_response.create(
        model=MODEL[route], stream=True, **kwargs
    ) as raw:
        assert_answered_by(raw.headers, route, "planning")
        return list(raw.parse())


@pytest.fixture
def upstream(upstreams: Upstreams) -> Upstreams:
    upstreams.clear()
    return upstreams


class TestChatCompletions:
    @routes()
    def test_a_plain_create_answers(self, proxy: Proxy, route: str) -> None:
        completion, _ = create(proxy, route)
        [choice] = completion.choices
        assert choice.message.content and choice.finish_reason == "stop" and completion.usage.completion_tokens > 0

    @routes()
    def test_a_forced_function_is_called(self, proxy: Proxy, route: str) -> None:
        completion, _ = create(
            proxy, route, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}}
        )
        [call] = completion.choices[0].message.tool_calls
        assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)
        assert completion.choices[0].finish_reason == "tool_calls"

    @routes()
    def test_tool_choice_required_calls_a_tool(self, proxy: Proxy, route: str) -> None:
        completion, _ = create(proxy, route, tools=[WEATHER], tool_choice="required")
        assert completion.choices[0].message.tool_calls

    @routes()
    def test_n_gives_n_choices(self, proxy: Proxy, route: str) -> None:
        completion, _ = create(proxy, route, n=2)
        assert [c.index for c in completion.choices] == [0, 1]

    @routes()
    def test_json_mode_answers_json(self, proxy: Proxy, route: str) -> None:
        # on the custom route the message-handler prompt in JSON mode is no decision: the upstream answers
        completion, headers = create(proxy, route, response_format={"type": "json_object"})
        assert isinstance(json.loads(completion.choices[0].message.content), dict)
        assert headers["x-reasoning-role"] == "upstream"

    @routes()
    def test_logprobs_are_given(self, proxy: Proxy, route: str) -> None:
        completion, _ = create(proxy, route, logprobs=True, top_logprobs=2)
        tokens = completion.choices[0].logprobs.content
        assert tokens and all(len(t.top_logprobs) == 2 for t in tokens)

    @routes()
    def test_max_completion_tokens_limits_the_answer(self, proxy: Proxy, route: str) -> None:
        completion, _ = create(proxy, route, max_completion_tokens=5)
        assert completion.usage.completion_tokens <= 5 and completion.choices[0].finish_reason == "length"


class TestChatStreaming:
    @routes()
    def test_a_stream_with_usage_ends_with_the_usage(self, proxy: Proxy, route: str) -> None:
        got = chunks(proxy, route, stream_options={"include_usage": True})
        text = "".join(c.choices[0].delta.content or "" for c in got if c.choices)
        assert text and got[-1].usage is not None and got[-1].usage.completion_tokens > 0

    @routes()
    def test_a_stream_without_include_usage_has_no_usage(self, proxy: Proxy, route: str) -> None:
        assert all(c.usage is None for c in chunks(proxy, route))

    @routes()
    def test_every_chunk_names_the_requested_model(self, proxy: Proxy, route: str) -> None:
        assert {c.model for c in chunks(proxy, route)} == {MODEL[route]}

    @routes()
    def test_a_tool_call_streams(self, proxy: Proxy, route: str) -> None:
        got = chunks(
            proxy, route, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}}
        )
        calls = [t for c in got if c.choices for t in c.choices[0].delta.tool_calls or []]
        finishes = [c.choices[0].finish_reason for c in got if c.choices and c.choices[0].finish_reason]
        assert calls and calls[0].function.name == "get_weather" and finishes == ["tool_calls"]

    @routes()
    def test_the_stream_helper_gives_the_final_completion(self, proxy: Proxy, route: str) -> None:
        with client(proxy).chat.completions.stream(model=MODEL[route], messages=ASK) as stream:
            final = stream.get_final_completion()
        assert final.choices[0].message.content


class TestResponses:
    """`responses.create`, as plugin-openai >= 1.5 calls it: the custom route's message-handler
    prompt is answered by the planning role (translated to chat completions and back), the
    pass-through route's by the OpenAI upstream."""

    @staticmethod
    def ask(route: str) -> str:
        return str((PLAN if route == "custom" else ASK)[0]["content"])

    @routes()
    def test_responses_create_answers(self, proxy: Proxy, route: str, upstream: Upstreams) -> None:
        raw = client(proxy).responses.with_raw_response.create(model=MODEL[route], input=self.ask(route))
        assert raw.headers["x-reasoning-role"] == ("planning" if route == "custom" else "upstream")
        response = raw.parse()
        assert response.status == "completed" and response.output_text and response.model == MODEL[route]
        assert response.usage is not None and response.usage.output_tokens > 0
        if route == "custom":
            assert "<actions>REPLY</actions>" in response.output_text and "turtle" in response.output_text
            assert not upstream.openai.received  # the role answered, nobody else
        else:
            assert [r.path for r in upstream.openai.received] == ["/v1/responses"]

    @routes()
    def test_responses_stream(self, proxy: Proxy, route: str) -> None:
        with client(proxy).responses.stream(model=MODEL[route], input=self.ask(route)) as stream:
            kinds = [e.type for e in stream]
            final = stream.get_final_response()
        deltas = kinds.count("response.output_text.delta")
        assert kinds[0] == "response.created" and kinds[-1] == "response.completed" and deltas > 1
        assert final.output_text and final.status == "completed"

    @routes()
    def test_a_responses_tool_call_comes_back_as_a_function_call(self, proxy: Proxy, route: str) -> None:
        tool = {"type": "function", **WEATHER["function"]}
        forced = {"type": "function", "name": "get_weather"}
        response = client(proxy).responses.create(
            model=MODEL[route], input=self.ask(route), tools=[tool], tool_choice=forced
        )
        [call] = [item for item in response.output if item.type == "function_call"]
        assert call.name == "get_weather" and "city" in json.loads(call.arguments)

    def test_json_mode_on_a_mapped_model_goes_upstream_saying_why(self, proxy: Proxy) -> None:
        raw = client(proxy).responses.with_raw_response.create(
            model=MODEL["custom"], input=self.ask("custom"), text={"format": {"type": "json_object"}}
        )
        assert (raw.headers["x-reasoning-role"], raw.headers["x-reasoning-reason"]) == (
            "upstream",
            "fallback: not a planning prompt",
        )
        assert isinstance(json.loads(raw.parse().output_text), dict)

    def test_a_stored_response_is_retrieved_from_the_upstream(self, proxy: Proxy) -> None:
        created = client(proxy).responses.create(model=MODEL["passthrough"], input="hello")
        assert client(proxy).responses.retrieve(created.id).output_text == created.output_text


class TestOtherPaths:
    def test_models_list_lists(self, proxy: Proxy) -> None:
        assert "gpt-4o" in [m.id for m in client(proxy).models.list()]

    def test_models_retrieve_retrieves(self, proxy: Proxy) -> None:
        assert client(proxy).models.retrieve("gpt-4o").id == "gpt-4o"

    def test_embeddings_embed(self, proxy: Proxy) -> None:
        embedded = client(proxy).embeddings.create(model="text-embedding-3-small", input=["a turtle", "a cat"])
        assert [len(e.embedding) for e in embedded.data] == [1536, 1536]


class TestKeys:
    def test_an_openai_key_never_reaches_the_anthropic_upstream(self, proxy: Proxy, upstream: Upstreams) -> None:
        sdk = client(proxy)
        sdk.chat.completions.create(model=MODEL["passthrough"], messages=ASK)
        for call in (sdk.models.list, lambda: sdk.embeddings.create(model="text-embedding-3-small", input="x")):
            with contextlib.suppress(openai.APIStatusError):  # today's failure is the next assertion's subject
                call()
        assert any(KEY in json.dumps(r.headers) for r in upstream.openai.received)
        assert not any(KEY in json.dumps(r.headers) for r in upstream.anthropic.received)

    def test_an_anthropic_key_never_reaches_the_openai_upstream(self, proxy: Proxy, upstream: Upstreams) -> None:
        sdk = anthropic.Anthropic(base_url=proxy.base_url, api_key=ANTHROPIC_KEY, max_retries=0)
        sdk.messages.create(model="claude-upstream", max_tokens=20, messages=[{"role": "user", "content": "hi"}])
        sdk.messages.count_tokens(model="claude-upstream", messages=[{"role": "user", "content": "hi"}])
        assert any(ANTHROPIC_KEY in json.dumps(r.headers) for r in upstream.anthropic.received)
        assert not any(ANTHROPIC_KEY in json.dumps(r.headers) for r in upstream.openai.received)
