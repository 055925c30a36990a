"""What a sample says of the request it was made from: who answered it (the role's revision, or
the model the fallback was asked for), how it ended, the agent and room where the client says,
and the prompt as served. And the loop's first half end to end: traffic through the proxy and
the hooks, samples in the store, `data export`, together's `check_file` passes."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import openai
from together.lib.utils.files import check_file

from controlplane import api
from controlplane.data.export import check_lines
from runtime.hooks import Hooks
from runtime.hooks.prompts import plan_prompt
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, Serve, World
from tests.support.served import ServedProxy

ASK = [{"role": "user", "content": "write a function to reverse a string"}]
CODING_REVISION = "moonmakesmagic/DeepSeek-Llama-67B-coding"


def claude(proxy: ServedProxy, **headers: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.base_url, api_key=ANTHROPIC_KEY, max_retries=0, default_headers=headers)


class TestWhatASampleSays:
    def test_a_custom_answer_names_the_revision_served_and_the_ids_from_the_headers(
        self, world: World, proxy: ServedProxy
    ) -> None:
        client = claude(proxy, **{"x-reasoning-agent-id": "agent-7", "x-reasoning-room-id": "room-3"})
        client.messages.create(model=CLIENT_MODEL, max_tokens=50, messages=ASK, system="You write code.")  # type: ignore[arg-type]
        proxy.flush()
        with world.store() as store:
            [sample] = store.samples("proxytest")
        assert (sample.role, sample.source, sample.model, sample.outcome) == ("coding", "custom", CODING_REVISION, "ok")
        assert (sample.agent_id, sample.room_id) == ("agent-7", "room-3")
        # the prompt as the custom model was served it: translated to chat completions, less its model
        assert sample.format == "openai"
        assert sample.prompt["messages"] == [{"role": "system", "content": "You write code."}, *ASK]
        assert sample.content_hash == sample.digest() and len(sample.content_hash) == 64
        assert sample.label is None

    def test_a_fallback_names_the_model_it_was_asked_for_and_the_agent_from_metadata(
        self, world: World, serve: Serve
    ) -> None:
        proxy = serve(world.write(models_extra="    enabled: false\n"))
        claude(proxy).messages.create(
            model=CLIENT_MODEL,
            max_tokens=50,
            messages=ASK,
            metadata={"user_id": "user-42"},  # type: ignore[arg-type]
        )
        proxy.flush()
        with world.store() as store:
            [sample] = store.samples("proxytest")
        assert (sample.source, sample.model, sample.outcome) == ("fallback", CLIENT_MODEL, "fallback")
        assert (sample.agent_id, sample.room_id) == ("user-42", None)

    def test_an_openai_request_gives_its_ids_in_metadata(self, world: World, proxy: ServedProxy) -> None:
        client = openai.OpenAI(base_url=proxy.base_url + "/v1", api_key="sk-client", max_retries=0)
        client.chat.completions.create(
            model="gpt-4o",  # mapped to planning, and only a planning (message-handler) prompt goes there
            messages=[{"role": "user", "content": plan_prompt("plan the reply", agent_name="Eliza")}],
            metadata={"agent_id": "eliza", "room_id": "general"},
        )
        proxy.flush()
        with world.store() as store:
            [sample] = store.samples("proxytest")
        assert (sample.role, sample.agent_id, sample.room_id) == ("planning", "eliza", "general")


class TestEndToEnd:
    def test_proxy_and_hooks_traffic_exports_to_a_file_together_accepts(
        self, world: World, proxy: ServedProxy, tmp_path: Path
    ) -> None:
        manifest = world.write()
        client = claude(proxy, **{"x-reasoning-agent-id": "coder"})
        client.messages.create(model=CLIENT_MODEL, max_tokens=50, messages=ASK)  # type: ignore[arg-type]
        turns = [*ASK, {"role": "assistant", "content": "Which language?"}, {"role": "user", "content": "Python"}]
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=50, messages=turns) as stream:  # type: ignore[arg-type]
            stream.get_final_message()
        openai.OpenAI(base_url=proxy.base_url + "/v1", api_key="sk-client", max_retries=0).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": plan_prompt("hi", agent_name="Eliza")}]
        )
        proxy.flush()
        with Hooks(manifest, agent_name="Eliza", refresh_seconds=3600) as hooks:
            hooks.should_respond_sync("Hi Eliza", meta={"agent_id": "eliza-1", "room_id": "room-9"})
            hooks.plan_sync("Eliza, what's new?", meta={"agent_id": "eliza-1"})
        out = tmp_path / "train.jsonl"
        report = api.data_export(manifest, output=out)
        assert (report.read, report.written, report.skipped) == (5, 5, ())
        checked = check_file(out)
        assert checked["is_check_passed"] and checked["num_samples"] == 5, checked["message"]
        assert check_lines(out) == []
        lines = [json.loads(text) for text in out.read_text().splitlines()]
        assert [line["messages"][-1]["role"] for line in lines] == ["assistant"] * 5
        with world.store() as store:
            samples = store.samples("proxytest")
        by_role = {s.role: s for s in samples}
        assert (by_role["should_respond"].agent_id, by_role["should_respond"].room_id) == ("eliza-1", "room-9")
        assert by_role["should_respond"].model == "moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond"
        # the user turn is exactly the prompt the hooks served
        hooks_line = next(line for line in lines if line["messages"][0]["content"].startswith("<task>Decide"))
        assert hooks_line["messages"][0] == by_role["should_respond"].prompt["messages"][0]
        stats = api.data_stats(manifest)
        assert {r.role: r.samples for r in stats.roles} == {"coding": 2, "planning": 2, "should_respond": 1}
