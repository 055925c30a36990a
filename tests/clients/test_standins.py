"""The stand-in upstreams are strict like the real APIs: what the real-client tests rely on."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from tests.clients.conftest import Upstreams

ANTHROPIC_HEADERS = {"x-api-key": "sk-ant-x", "anthropic-version": "2023-06-01"}
OPENAI_HEADERS = {"authorization": "Bearer sk-x"}


@pytest.fixture
def apis(upstreams: Upstreams) -> Upstreams:
    upstreams.clear()
    return upstreams


class TestAnthropicStandIn:
    def test_a_wrong_method_is_405_and_an_unknown_path_404_in_anthropics_error_shape(self, apis: Upstreams) -> None:
        wrong = httpx.get(f"{apis.anthropic.base_url}/v1/messages", headers=ANTHROPIC_HEADERS)
        assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
        assert wrong.json()["type"] == "error" and wrong.json()["error"]["type"] == "invalid_request_error"
        unknown = httpx.post(f"{apis.anthropic.base_url}/v1/embeddings", headers=ANTHROPIC_HEADERS, json={})
        assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "not_found_error"
        assert unknown.json()["request_id"].startswith("req_")

    def test_a_request_without_a_key_is_401(self, apis: Upstreams) -> None:
        response = httpx.get(f"{apis.anthropic.base_url}/v1/models")
        assert response.status_code == 401 and response.json()["error"]["type"] == "authentication_error"

    def test_every_request_is_recorded_as_sent(self, apis: Upstreams) -> None:
        httpx.post(
            f"{apis.anthropic.base_url}/v1/messages/count_tokens?beta=true",
            headers=ANTHROPIC_HEADERS,
            content=b'{"model":"m","messages":[{"role":"user","content":"one two"}]}',
        )
        [received] = apis.anthropic.received
        assert (received.method, received.path, received.query) == ("POST", "/v1/messages/count_tokens", "beta=true")
        assert received.headers["x-api-key"] == "sk-ant-x" and received.body["model"] == "m"
        assert received.raw == b'{"model":"m","messages":[{"role":"user","content":"one two"}]}'

    def test_the_sdk_lists_models_and_batches_and_streams_thinking_and_tools(self, apis: Upstreams) -> None:
        sdk = anthropic.Anthropic(base_url=apis.anthropic.base_url, api_key="sk-ant-x", max_retries=0)
        assert next(m.id for m in sdk.models.list()) == "claude-sonnet-4-5-20250929"
        assert sdk.models.retrieve("claude-opus-4-8").display_name == "Claude Opus 4.8"
        assert list(sdk.messages.batches.list()) == []
        tool = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
        with sdk.messages.stream(
            model="m",
            max_tokens=2048,
            thinking={"type": "enabled", "budget_tokens": 1024},
            tools=[tool],
            messages=[{"role": "user", "content": "call get_weather"}],
        ) as stream:
            final = stream.get_final_message()
        assert [b.type for b in final.content] == ["thinking", "text", "tool_use"] and final.stop_reason == "tool_use"


class TestOpenAIStandIn:
    def test_a_wrong_method_is_405_and_an_unknown_path_404_in_openais_error_shape(self, apis: Upstreams) -> None:
        wrong = httpx.get(f"{apis.openai.base_url}/v1/chat/completions", headers=OPENAI_HEADERS)
        assert wrong.status_code == 405
        assert set(wrong.json()["error"]) == {"message", "type", "param", "code"}
        unknown = httpx.post(f"{apis.openai.base_url}/v1/messages", headers=OPENAI_HEADERS, json={})
        assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "Invalid URL (POST /v1/messages)"

    def test_the_sdk_gets_responses_embeddings_and_models(self, apis: Upstreams) -> None:
        sdk = openai.OpenAI(base_url=f"{apis.openai.base_url}/v1", api_key="sk-x", max_retries=0)
        created = sdk.responses.create(model="gpt-4.1", input="hello there")
        assert created.output_text == "Upstream says: hello there"
        assert sdk.responses.retrieve(created.id).id == created.id
        with sdk.responses.stream(model="gpt-4.1", input="hello there") as stream:
            assert stream.get_final_response().output_text == "Upstream says: hello there"
        assert len(sdk.embeddings.create(model="text-embedding-3-small", input="x").data[0].embedding) == 1536
        assert "gpt-4o" in [m.id for m in sdk.models.list()]
