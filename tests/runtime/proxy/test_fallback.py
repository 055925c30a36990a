"""Every reason a routed request goes to the fallback upstream, and what happens after the first
byte: the stream ends with the API's own error event.

Each fallback is invisible to the client except for `x-reasoning-role: upstream` and
`x-reasoning-reason: fallback: <why>`; the role it was routed to still records the request
(outcome `fallback`, with the reason), which is how a stopped role is woken by demand.
"""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from runtime.hooks.prompts import plan_prompt
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, Serve, World
from tests.support.served import ServedProxy

ASK = [{"role": "user", "content": "write a function to reverse a string"}]


def create(proxy: ServedProxy, *, stream: bool = False) -> tuple[str, str, str]:
    """Role header, reason header and text of one routed request (streamed or not)."""
    client = anthropic.Anthropic(base_url=proxy.base_url, api_key=ANTHROPIC_KEY, max_retries=0)
    if stream:
        with client.messages.with_streaming_response.create(
            model=CLIENT_MODEL,
            max_tokens=50,
            messages=ASK,
            stream=True,  # type: ignore[arg-type]
        ) as response:
            events = list(response.parse())
            text = "".join(
                e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"
            )  # type: ignore[union-attr]
            return response.headers["x-reasoning-role"], response.headers["x-reasoning-reason"], text
    raw = client.messages.with_raw_response.create(model=CLIENT_MODEL, max_tokens=50, messages=ASK)  # type: ignore[arg-type]
    return raw.headers["x-reasoning-role"], raw.headers["x-reasoning-reason"], raw.parse().content[0].text  # type: ignore[union-attr]


UPSTREAM_TEXT = "Upstream says: write a function to reverse a string"


class TestBeforeTheFirstByte:
    def test_a_role_disabled_in_the_manifest_falls_back_and_is_recorded_for_the_role(
        self, world: World, serve: Serve
    ) -> None:
        manifest = world.write(models_extra="    enabled: false\n")
        proxy = serve(manifest)
        assert create(proxy) == ("upstream", "fallback: disabled in manifest", UPSTREAM_TEXT)
        assert create(proxy, stream=True) == ("upstream", "fallback: disabled in manifest", UPSTREAM_TEXT)
        proxy.flush()
        with world.store() as store:
            usage = store.usage("proxytest")
            samples = store.samples("proxytest")
        assert [(u.role, u.outcome, u.reason, u.cost_usd) for u in usage] == [
            ("coding", "fallback", "disabled in manifest", 0.0)
        ] * 2
        assert (usage[0].input_tokens, usage[0].output_tokens) == (7, 9)  # the upstream's own count, from its answer
        assert [(s.role, s.source, s.answer) for s in samples] == [("coding", "fallback", UPSTREAM_TEXT)] * 2

    def test_a_stopped_role_falls_back(self, world: World, proxy: ServedProxy) -> None:
        assert create(proxy)[0] == "coding"
        with world.store() as store:
            applied = store.applied("proxytest")["coding"]
            stopped = applied.spec.model_copy(update={"min_replicas": 0, "max_replicas": 0})
            store.record_applied("proxytest", applied.model_copy(update={"spec": stopped}))
        proxy.refresh()
        assert create(proxy, stream=True) == ("upstream", "fallback: stopped", UPSTREAM_TEXT)

    def test_a_role_over_its_budget_falls_back(self, world: World, serve: Serve) -> None:
        manifest = world.write(
            models_extra="    price_per_million_tokens: {output: 1000}\n    budget: {limit_usd: 0.01, period: day}\n"
        )
        proxy = serve(manifest)
        role, reason, _ = create(proxy)  # 50 output tokens at $1000/M: $0.05 > $0.01
        assert role == "upstream" and reason.startswith("fallback: over budget: ") and "coding budget, day" in reason

    def test_a_5xx_falls_back_and_opens_the_circuit_which_then_skips_the_role(self, world: World, serve: Serve) -> None:
        manifest = world.write(proxy_extra="  circuit: {failures: 1}\n")
        proxy = serve(manifest)
        fault = {"method": "POST", "path_regex": "/v1/chat/completions", "status": 503, "times": 1}
        httpx.post(f"{proxy.services.target.base_url}/_simulator/faults", json=fault).raise_for_status()
        assert create(proxy) == ("upstream", "fallback: custom model answered 503", UPSTREAM_TEXT)
        assert create(proxy, stream=True) == ("upstream", "fallback: circuit open (1 failures in 30s)", UPSTREAM_TEXT)
        proxy.flush()
        with world.store() as store:
            reasons = [u.reason for u in store.usage("proxytest")]
        assert reasons == ["custom model answered 503", "circuit open (1 failures in 30s)"]

    def test_a_model_slow_to_its_first_token_falls_back(self, world: World, serve: Serve) -> None:
        manifest = world.write(proxy_extra="  first_byte_timeout_seconds: 0.000001\n")
        proxy = serve(manifest)
        assert create(proxy) == ("upstream", "fallback: first byte timeout", UPSTREAM_TEXT)
        assert create(proxy, stream=True) == ("upstream", "fallback: first byte timeout", UPSTREAM_TEXT)

    def test_an_openai_request_falls_back_to_the_openai_upstream(self, world: World, proxy: ServedProxy) -> None:
        fault = {"method": "POST", "path_regex": "/v1/chat/completions", "status": 429, "times": 1}
        httpx.post(f"{proxy.services.target.base_url}/_simulator/faults", json=fault).raise_for_status()
        client = openai.OpenAI(base_url=proxy.base_url + "/v1", api_key="sk-openai-client", max_retries=0)
        prompt = plan_prompt("hello", agent_name="Eliza")  # what the planning role takes through model_map
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}]
        )
        assert raw.headers["x-reasoning-reason"] == "fallback: custom model answered 429"
        assert raw.parse().choices[0].message.content == "Upstream says: " + " ".join(prompt.split()[:40])
        assert world.openai.received[-1].body["model"] == "gpt-4o"  # the client's request, untouched


class TestAfterTheFirstByte:
    """The custom model is the OpenAI stand-in here: it can die in the middle of an answer."""

    @pytest.fixture
    def breaking(self, world: World, serve: Serve) -> ServedProxy:
        manifest = world.write(custom=world.openai.base_url)
        world.openai.break_after = 3  # the role chunk and two words, then the connection drops
        return serve(manifest)

    def test_an_anthropic_stream_ends_with_an_error_event_and_is_recorded_as_an_error(
        self, world: World, breaking: ServedProxy
    ) -> None:
        client = anthropic.Anthropic(base_url=breaking.base_url, api_key=ANTHROPIC_KEY, max_retries=0)
        received: list[str] = []
        with (
            pytest.raises(anthropic.APIStatusError) as error,
            client.messages.stream(model=CLIENT_MODEL, max_tokens=50, messages=ASK) as stream,  # type: ignore[arg-type]
        ):
            received.extend(stream.text_stream)
        assert received == ["Upstream", " says:"]  # what the model said before it died reached the client
        assert "custom model broke off its answer" in str(error.value)
        breaking.flush()
        with world.store() as store:
            [usage] = store.usage("proxytest")
            assert store.samples("proxytest") == []
        assert usage.outcome == "error" and usage.reason.startswith("custom model broke off")  # type: ignore[union-attr]

    def test_a_whole_answer_that_breaks_still_falls_back_since_nothing_was_sent(self, breaking: ServedProxy) -> None:
        role, reason, text = create(breaking)
        assert (role, text) == ("upstream", UPSTREAM_TEXT) and reason.startswith("fallback: custom model failed")

    def test_an_openai_stream_ends_with_an_error_chunk(self, breaking: ServedProxy) -> None:
        client = openai.OpenAI(base_url=breaking.base_url + "/v1", api_key="sk-openai-client", max_retries=0)
        stream = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": plan_prompt("hello there", agent_name="E")}],
            stream=True,
        )
        words = []
        with pytest.raises(openai.APIError, match="custom model broke off its answer"):
            for chunk in stream:
                words.append(chunk.choices[0].delta.content)
        assert words == ["", "Upstream", " says:"]
