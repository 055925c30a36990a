"""The served simulator, driven by Together's official SDK: if the SDK is happy, the wire format is.

Simulated time: the server thread reads `controlplane.clock.now()`, which the `frozen` fixture
(tests/support/clock.py) holds still; `frozen.tick(...)` is how a deployment gets from PROVISIONING to
READY here, with no real waiting.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest
import together
from together.types import Endpoint, EndpointDeployment, Model
from together.types.chat import ChatCompletion, ChatCompletionChunk
from together.types.endpoints import HardwareListResponse, InferenceInstanceType
from together.types.models import Config
from together.types.supported_model import SupportedModel
from together.types.whoami_project_api_key import WhoamiProjectAPIKey

from controlplane.provider.simulator import MemoryWorld, SimResponse, Simulator
from controlplane.provider.simulator.api import ROUTES
from controlplane.provider.simulator.world import PROVISION_SECONDS
from controlplane.provider.together import TogetherClient
from tests.support.clock import FakeClock
from tests.support.served import ServedSimulator

SHOULD_RESPOND = "moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond"
PLANNING = "moonmakesmagic/DeepSeek-Qwen-14B-planning"
CODING = "moonmakesmagic/DeepSeek-Llama-67B-coding"
H100 = "1x_nvidia_h100_80gb_sxm"  # the instance type's id
H100_NAME = "1xnvidia-h100-80gb"  # its deployable name: what configs' selectors and deployments say


# -- helpers -----------------------------------------------------------------------------------


def own_model(client: together.Together, name: str) -> Model:
    return next(m for m in client.models.list() if m.name == name)


def model_resource(client: together.Together, name: str) -> str:
    model = own_model(client, name)
    return f"projects/{model.project_id}/models/{model.id}"


def hardware_of(config: Config) -> str | None:
    """`{accelerator_count}x{accelerator_type}`, as SDK lib/cli/api/endpoints/_utils/_hardware_pricing.py builds it."""
    selectors = {s.key: s.value for s in config.selectors}
    if "accelerator_type" not in selectors or "accelerator_count" not in selectors:
        return None
    return f"{selectors['accelerator_count']}x{selectors['accelerator_type']}"


def config_resource(client: together.Together, model: str, hardware: str = H100_NAME) -> str:
    """The balanced config `model` deploys with on `hardware`: one of its base model's, since a
    fine-tune deploys with its base's configs (SDK lib/cli/api/endpoints/_utils/_resolve_model.py)."""
    base = own_model(client, model).base_model
    assert base is not None
    for config in client.models.configs.list(reference_model=base):
        if hardware_of(config) == hardware and {"key": "optimization", "value": "balanced"} in [
            s.model_dump() for s in config.selectors
        ]:
            return f"projects/{config.project_id}/configs/{config.id}"
    raise AssertionError(f"no config for {model} on {hardware}")


def deploy(
    client: together.Together, endpoint: str, name: str = "v1", *, model: str = SHOULD_RESPOND, replicas: int = 1
) -> EndpointDeployment:
    return client.endpoints.deployments.create(
        endpoint,
        name=name,
        model=model_resource(client, model),
        config=config_resource(client, model, H100_NAME if model != CODING else "2xnvidia-h100-80gb"),
        autoscaling={"min_replicas": replicas, "max_replicas": replicas},
    )


def route_all_traffic(client: together.Together, endpoint_id: str, deployment_id: str) -> Endpoint:
    etag = client.endpoints.retrieve(endpoint_id).etag
    return client.endpoints.update(
        endpoint_id,
        update_mask="trafficSplit",
        etag=etag,
        traffic_split=[{"deployment_id": deployment_id, "weight": 1}],
    )


def ready_endpoint(client: together.Together, frozen: FakeClock, name: str, model: str) -> Endpoint:
    """An endpoint whose one deployment of `model` is READY and takes all traffic."""
    endpoint = client.endpoints.create(name=name)
    deployment = deploy(client, endpoint.id, model=model)
    frozen.tick(PROVISION_SECONDS)
    return route_all_traffic(client, endpoint.id, deployment.id)


def stop(client: together.Together, frozen: FakeClock, endpoint_id: str, deployment_id: str) -> None:
    """Scale to 0/0 and let it drain (stop_seconds: 1): what Together asks before a delete."""
    client.endpoints.deployments.update(
        deployment_id, endpoint_id=endpoint_id, update_mask="autoscaling",
        autoscaling={"min_replicas": 0, "max_replicas": 0},
    )  # fmt: skip
    frozen.tick(1)


def text_of(completion: ChatCompletion) -> str:
    message = completion.choices[0].message
    assert message is not None and message.content is not None
    return message.content


def error_body(error: together.APIStatusError) -> dict[str, Any]:
    body = error.response.json()
    assert isinstance(body, dict)
    return body


# -- tests -------------------------------------------------------------------------------------


class TestIdentityAndCatalog:
    def test_whoami_names_the_simulated_project(self, client: together.Together) -> None:
        me = client.whoami()
        assert me.type == "project_api_key"
        assert (me.project.id, me.project.slug, me.organization.id) == ("proj_sim", "sim", "org_sim")

    def test_hardware_catalog_lists_every_instance_type_with_its_price(self, client: together.Together) -> None:
        catalog = client.endpoints.hardware.list()
        prices = {t.id: t.price_cents_per_hour for t in catalog.data}
        assert len(prices) == 8
        assert prices[H100] == 399 and prices["8x_nvidia_h100_80gb_sxm"] == 3192
        assert prices["2x_nvidia_b200_180gb_sxm"] == 1990
        one = client.endpoints.hardware.retrieve("1x_nvidia_h200_140gb_sxm")
        assert (one.name, one.gpu_type, one.gpu_count, one.gpu_memory_gib) == ("1xnvidia-h200-140gb", "H200", 1, 140)

    def test_models_list_holds_the_projects_own_fine_tunes_only(self, client: together.Together) -> None:
        """Public base models belong to a platform project, not ours (docs: dedicated-model-inference/
        api-reference.md, "for public models and published configs that's usually a platform project")."""
        models = list(client.models.list())
        assert {m.name for m in models} == {SHOULD_RESPOND, PLANNING, CODING}
        assert all(m.id.startswith("ml_") and m.project_id == "proj_sim" for m in models)
        assert all(m.base_model and m.base_model.startswith("projects/proj_platform/models/ml_") for m in models)

    def test_a_large_model_has_no_config_on_hardware_too_small_for_it(self, client: together.Together) -> None:
        base = own_model(client, CODING).base_model
        assert base is not None
        hardware = {hardware_of(c) for c in client.models.configs.list(reference_model=base)}
        assert H100_NAME not in hardware and "1xnvidia-h200-140gb" not in hardware
        assert {"2xnvidia-h100-80gb", "1xnvidia-b200-180gb"} <= hardware

    def test_configs_are_walked_page_by_page(self, client: together.Together) -> None:
        reference = own_model(client, SHOULD_RESPOND).base_model
        assert reference is not None
        first = client.models.configs.list(reference_model=reference, limit=3)
        assert len(first.data) == 3 and first.next_cursor
        walked = list(client.models.configs.list(reference_model=reference, limit=3))
        # eight instance types, and a latency-optimized config on each of the three single-GPU ones
        assert len(walked) == 11 and len({c.id for c in walked}) == 11
        assert all(c.reference_model == reference for c in walked)


class TestEndpoints:
    def test_creates_an_endpoint_and_finds_it_by_id_or_through_the_name_filter(self, client: together.Together) -> None:
        created = client.endpoints.create(name="support-should-respond")
        assert created.id.startswith("ep_") and created.name == "sim/support-should-respond"
        assert (created.endpoint_type, created.visibility, created.traffic_split) == (
            "ENDPOINT_TYPE_DEDICATED", "VISIBILITY_PRIVATE", [],
        )  # fmt: skip
        assert client.endpoints.retrieve(created.id).etag == created.etag
        found = client.endpoints.list(filter='name="support-should-respond"')
        assert [e.id for e in found] == [created.id]

    def test_a_taken_name_is_a_conflict(self, client: together.Together) -> None:
        client.endpoints.create(name="twice")
        with pytest.raises(together.ConflictError):
            client.endpoints.create(name="twice")

    def test_an_invalid_name_is_refused_naming_the_field(self, client: together.Together) -> None:
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.create(name="Not_A_Name")
        assert error_body(refused.value)["error"]["param"] == "name"

    def test_lists_more_endpoints_than_a_page_holds(self, client: together.Together) -> None:
        names = [f"ep-{i}" for i in range(7)]
        for name in names:
            client.endpoints.create(name=name)
        first = client.endpoints.list(limit=3)
        assert len(first.data) == 3 and first.next_cursor
        assert [e.name for e in client.endpoints.list(limit=3)] == [f"sim/{n}" for n in names]

    def test_a_limit_above_the_maximum_is_refused(self, client: together.Together) -> None:
        with pytest.raises(together.BadRequestError):
            client.endpoints.list(limit=501)

    def test_filters_by_exact_name_and_by_substring(self, client: together.Together) -> None:
        for name in ("shop-planning", "shop-coding", "blog-planning"):
            client.endpoints.create(name=name)
        exact = client.endpoints.list(filter='name = "sim/shop-coding"')
        assert [e.name for e in exact] == ["sim/shop-coding"]
        contains = client.endpoints.list(filter='name:"planning"')
        assert [e.name for e in contains] == ["sim/shop-planning", "sim/blog-planning"]

    def test_orders_newest_first_when_asked(self, client: together.Together, frozen: FakeClock) -> None:
        for name in ("older", "newer"):
            client.endpoints.create(name=name)
            frozen.tick(1)
        assert [e.name for e in client.endpoints.list(order_by="created_at desc")] == ["sim/newer", "sim/older"]

    def test_updates_only_what_the_update_mask_names(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="masked")
        deployment = deploy(client, endpoint.id)
        updated = client.endpoints.update(
            endpoint.id,
            update_mask="trafficSplit",
            etag=endpoint.etag,
            traffic_split=[{"deployment_id": deployment.id, "weight": 1}],
            visibility="VISIBILITY_INTERNAL",  # present but not masked: unchanged
        )
        assert [(t.deployment_id, t.weight) for t in updated.traffic_split] == [(deployment.id, 1)]
        assert updated.visibility == "VISIBILITY_PRIVATE"
        assert updated.etag != endpoint.etag

    def test_a_stale_etag_is_a_conflict(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="contested")
        client.endpoints.update(endpoint.id, visibility="VISIBILITY_INTERNAL", etag=endpoint.etag)
        with pytest.raises(together.ConflictError):
            client.endpoints.update(endpoint.id, visibility="VISIBILITY_PRIVATE", etag=endpoint.etag)
        with pytest.raises(together.ConflictError):
            client.endpoints.delete(endpoint.id, etag=endpoint.etag)

    def test_an_endpoint_is_deleted_only_once_it_has_no_deployments(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="doomed")
        deployment = deploy(client, endpoint.id)
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.delete(endpoint.id)
        assert error_body(refused.value)["error"]["code"] == "failed_precondition"
        stop(client, frozen, endpoint.id, deployment.id)
        client.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        client.endpoints.delete(endpoint.id)
        with pytest.raises(together.NotFoundError):
            client.endpoints.retrieve(endpoint.id)


class TestDeployments:
    def test_a_deployment_pins_the_model_revision_and_the_config_hardware(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="pinned")
        deployment = deploy(client, endpoint.id, "first", replicas=2)
        assert deployment.id.startswith("dep_") and deployment.name == "sim/pinned/first"
        assert deployment.model.startswith(model_resource(client, SHOULD_RESPOND) + "/revisions/rv_")
        assert deployment.config == config_resource(client, SHOULD_RESPOND)
        assert (deployment.hardware, deployment.desired_replicas) == (H100_NAME, 2)
        assert deployment.status.state == "DEPLOYMENT_STATE_PROVISIONING"
        summary = client.endpoints.retrieve(endpoint.id).deployments
        assert [(d.id, d.hardware, d.state) for d in summary] == [
            (deployment.id, H100_NAME, "DEPLOYMENT_STATE_PROVISIONING")
        ]

    def test_a_config_of_another_model_is_refused_naming_the_config(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="mismatch")
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.create(
                endpoint.id,
                name="v1",
                model=model_resource(client, SHOULD_RESPOND),
                config=config_resource(client, PLANNING),
                autoscaling={"min_replicas": 1, "max_replicas": 1},
            )
        assert error_body(refused.value)["error"]["param"] == "config"

    @pytest.mark.parametrize(("minimum", "maximum"), [(0, 1), (2, 1), (-1, -1)])
    def test_impossible_autoscaling_is_refused(self, client: together.Together, minimum: int, maximum: int) -> None:
        endpoint = client.endpoints.create(name="bounds")
        with pytest.raises(together.BadRequestError):
            client.endpoints.deployments.create(
                endpoint.id,
                name="v1",
                model=model_resource(client, SHOULD_RESPOND),
                config=config_resource(client, SHOULD_RESPOND),
                autoscaling={"min_replicas": minimum, "max_replicas": maximum},
            )

    def test_a_taken_deployment_name_is_a_conflict(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="names")
        deploy(client, endpoint.id, "v1")
        with pytest.raises(together.ConflictError):
            deploy(client, endpoint.id, "v1")

    def test_validate_only_checks_without_creating(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="dry")
        checked = client.endpoints.deployments.create(
            endpoint.id,
            name="v1",
            model=model_resource(client, SHOULD_RESPOND),
            config=config_resource(client, SHOULD_RESPOND),
            autoscaling={"min_replicas": 1, "max_replicas": 1},
            validate_only=True,
        )
        assert checked.hardware == H100_NAME
        assert list(client.endpoints.deployments.list(endpoint.id)) == []

    def test_an_update_changes_only_the_masked_fields(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="scaled")
        deployment = deploy(client, endpoint.id)
        updated = client.endpoints.deployments.update(
            deployment.id,
            endpoint_id=endpoint.id,
            update_mask="autoscaling",
            autoscaling={"min_replicas": 1, "max_replicas": 3},
            inactive_timeout=60,  # present but not masked: unchanged
            etag=deployment.etag,
        )
        assert (updated.autoscaling.min_replicas, updated.autoscaling.max_replicas) == (1, 3)
        assert updated.inactive_timeout == 0
        assert updated.etag != deployment.etag
        with pytest.raises(together.ConflictError):
            client.endpoints.deployments.update(
                deployment.id, endpoint_id=endpoint.id, inactive_timeout=60, etag=deployment.etag
            )

    def test_an_update_with_nothing_to_change_is_refused(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="idle")
        deployment = deploy(client, endpoint.id)
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.update(deployment.id, endpoint_id=endpoint.id)
        assert "no fields to update" in error_body(refused.value)["error"]["message"]

    def test_lists_the_deployments_of_an_endpoint_in_creation_order(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="many")
        created = [deploy(client, endpoint.id, f"v{i}").id for i in range(3)]
        assert [d.id for d in client.endpoints.deployments.list(endpoint.id, limit=2)] == created
        assert client.endpoints.deployments.retrieve(created[1], endpoint_id=endpoint.id).name == "sim/many/v1"
        named = client.endpoints.deployments.list(endpoint.id, filter='name = "v1"')
        assert [d.id for d in named] == [created[1]]


class TestSimulatedTime:
    def test_a_new_deployment_is_ready_after_provision_seconds(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="warming")
        deployment = deploy(client, endpoint.id, replicas=2)
        frozen.tick(PROVISION_SECONDS - 0.1)
        assert client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status.state == (
            "DEPLOYMENT_STATE_PROVISIONING"
        )
        frozen.tick(0.1)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert (status.state, status.ready_replicas) == ("DEPLOYMENT_STATE_READY", 2)

    def test_stopping_takes_stop_seconds_then_the_deployment_is_stopped(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="cooling")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        stopping = client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, autoscaling={"min_replicas": 0, "max_replicas": 0}
        )
        assert stopping.status.state == "DEPLOYMENT_STATE_STOPPING"
        frozen.tick(1)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert (status.state, status.ready_replicas) == ("DEPLOYMENT_STATE_STOPPED", 0)

    def test_a_stopped_deployment_starts_again_through_provisioning(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="restart")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        scale = client.endpoints.deployments.update
        scale(deployment.id, endpoint_id=endpoint.id, autoscaling={"min_replicas": 0, "max_replicas": 0})
        frozen.tick(1)
        started = scale(deployment.id, endpoint_id=endpoint.id, autoscaling={"min_replicas": 1, "max_replicas": 1})
        assert started.status.state == "DEPLOYMENT_STATE_PROVISIONING"
        frozen.tick(PROVISION_SECONDS)
        assert client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status.state == (
            "DEPLOYMENT_STATE_READY"
        )

    def test_scaling_a_ready_deployment_passes_through_scaling(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="growing")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        scaling = client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, autoscaling={"min_replicas": 3, "max_replicas": 3}
        )
        assert (scaling.status.state, scaling.status.ready_replicas) == ("DEPLOYMENT_STATE_SCALING", 1)
        frozen.tick(1)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert (status.state, status.ready_replicas) == ("DEPLOYMENT_STATE_READY", 3)

    def test_a_model_set_to_fail_ends_failed(
        self, client: together.Together, simulator: ServedSimulator, frozen: FakeClock
    ) -> None:
        with simulator.world() as world:
            world.settings.failing_models = [SHOULD_RESPOND]
        endpoint = client.endpoints.create(name="broken")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert status.state == "DEPLOYMENT_STATE_FAILED" and SHOULD_RESPOND in status.message

    def test_the_endpoint_summary_shows_the_state_and_traffic_share(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = ready_endpoint(client, frozen, "summary", SHOULD_RESPOND)
        [summary] = client.endpoints.retrieve(endpoint.id).deployments
        assert (summary.state, summary.ready_replicas) == ("DEPLOYMENT_STATE_READY", 1)
        assert summary.estimated_effective_traffic_share == 1.0


class TestChatCompletions:
    def test_a_should_respond_model_answers_in_elizaos_xml(self, client: together.Together, frozen: FakeClock) -> None:
        ready_endpoint(client, frozen, "agent-should-respond", SHOULD_RESPOND)
        prompt = "<task>Decide on behalf of Eliza whether they should respond.</task>\n<name>Eliza</name>"
        completion = client.chat.completions.create(
            model="sim/agent-should-respond",
            messages=[{"role": "system", "content": prompt}, {"role": "user", "content": "Eliza, are you there"}],
        )
        text = text_of(completion)
        assert text.startswith("<response>\n  <name>Eliza</name>\n  <reasoning>")
        assert text.endswith("<action>RESPOND</action>\n</response>")
        assert completion.usage is not None and completion.usage.total_tokens > completion.usage.prompt_tokens

    def test_a_planning_model_answers_with_a_reply_action(self, client: together.Together, frozen: FakeClock) -> None:
        ready_endpoint(client, frozen, "agent-planning", PLANNING)
        completion = client.chat.completions.create(
            model="agent-planning", messages=[{"role": "user", "content": "Tell me about the weather"}]
        )
        text = text_of(completion)
        assert "<actions>REPLY</actions>" in text and "<text>You said: Tell me about the weather</text>" in text

    def test_a_coding_model_answers_with_a_python_block(self, client: together.Together, frozen: FakeClock) -> None:
        ready_endpoint(client, frozen, "agent-coding", CODING)
        completion = client.chat.completions.create(
            model="sim/agent-coding",
            messages=[{"role": "user", "content": "Write a function to reverse a string"}],
        )
        text = text_of(completion)
        assert text.startswith("```python\ndef reverse_a_string(") and text.endswith("```")

    def test_a_stream_carries_the_same_answer_in_chunks_and_ends_with_usage(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        ready_endpoint(client, frozen, "streamer-planning", PLANNING)
        request: dict[str, Any] = {
            "model": "sim/streamer-planning",
            "messages": [{"role": "user", "content": "hello there"}],
        }
        whole = text_of(client.chat.completions.create(**request))
        chunks = list(client.chat.completions.create(**request, stream=True))
        assert len(chunks) > 3 and all(c.object == "chat.completion.chunk" for c in chunks)
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole
        assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage is not None
        assert all(c.usage is None for c in chunks[:-1])

    def test_max_tokens_cuts_the_answer_short(self, client: together.Together, frozen: FakeClock) -> None:
        ready_endpoint(client, frozen, "short-planning", PLANNING)
        completion = client.chat.completions.create(
            model="sim/short-planning", messages=[{"role": "user", "content": "hi"}], max_tokens=3
        )
        assert completion.choices[0].finish_reason == "length"
        assert completion.usage is not None and completion.usage.completion_tokens == 3

    def test_a_stop_sequence_ends_the_answer_before_it(self, client: together.Together, frozen: FakeClock) -> None:
        ready_endpoint(client, frozen, "stopped-planning", PLANNING)
        completion = client.chat.completions.create(
            model="sim/stopped-planning", messages=[{"role": "user", "content": "hi"}], stop=["</thought>"]
        )
        text = text_of(completion)
        assert "</thought>" not in text and text.startswith("<response>\n    <thought>")

    def test_a_tool_the_user_names_is_called(self, client: together.Together, frozen: FakeClock) -> None:
        ready_endpoint(client, frozen, "tools", PLANNING)
        weather = {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                    "required": ["city", "days"],
                },
            },
        }
        request: dict[str, Any] = {
            "model": "sim/tools",
            "messages": [{"role": "user", "content": "Use get_weather for Paris"}],
            "tools": [weather],
        }
        choice = client.chat.completions.create(**request).choices[0]
        assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
        call = choice.message.tool_calls[0]
        assert (call.type, call.function.name, json.loads(call.function.arguments)) == (
            "function", "get_weather", {"city": "example", "days": 0},
        )  # fmt: skip
        chunks = list(client.chat.completions.create(**request, stream=True))
        streamed = [t for c in chunks for t in (c.choices[0].delta.tool_calls or [])]
        assert [(t.id, t.function.name) for t in streamed] == [(call.id, "get_weather")]
        assert chunks[-1].choices[0].finish_reason == "tool_calls"

    def test_a_coding_model_writes_the_asked_for_file_with_the_clients_write_tool_as_together_answers(
        self, client: together.Together, http: httpx.Client, frozen: FakeClock
    ) -> None:
        """Claude Code's shape (its `Write` tool, the working directory in the system prompt, the
        ask after a `<system-reminder>`), as the proxy translates it. The answer's shape is
        Together's: reference/together-api.md §4.2-4.3 and reference/together-openapi-v1.yaml
        (`ChatCompletionChunk`, whose delta `tool_calls` items are `ToolChoice`, required
        `[id, type, function{name, arguments: string}, index]`, so a streamed call comes whole in
        one delta, `role` on every delta, `usage` on the last chunk, `finish_reason: tool_calls`)."""
        ready_endpoint(client, frozen, "agent-coding", CODING)
        write = {
            "type": "function",
            "function": {
                "name": "Write",
                "description": "Writes a file to the local filesystem.",
                "parameters": {
                    "type": "object",
                    "properties": {"file_path": {"type": "string"}, "content": {"type": "string"}},
                    "required": ["file_path", "content"],
                },
            },
        }
        read = {"type": "function", "function": {"name": "Read", "parameters": {"type": "object", "properties": {
            "file_path": {"type": "string"}}, "required": ["file_path"]}}}  # fmt: skip
        system = (
            "You are Claude Code.\n# Environment\n - Primary working directory: /home/dev/project\n - Platform: linux"
        )
        reminder = "<system-reminder>\nToday's date is 2026-12-02.\n</system-reminder>\n\n"
        ask = reminder + "create a file hello.py that prints hi"
        turns: list[dict[str, Any]] = [{"role": "system", "content": system}, {"role": "user", "content": ask}]
        request: dict[str, Any] = {"model": "sim/agent-coding", "messages": turns, "tools": [read, write]}

        raw = http.post("/v1/chat/completions", json=request).json()
        completion = ChatCompletion.model_validate(raw)
        [choice] = completion.choices
        assert choice.finish_reason == "tool_calls" and choice.message.content is None
        [call] = raw["choices"][0]["message"]["tool_calls"]
        assert set(call) == {"index", "id", "type", "function"} and call["type"] == "function"
        assert call["id"].startswith("call_") and isinstance(call["function"]["arguments"], str)
        assert (call["function"]["name"], json.loads(call["function"]["arguments"])) == (
            "Write", {"file_path": "/home/dev/project/hello.py", "content": "print('hi')\n"},
        )  # fmt: skip

        with http.stream("POST", "/v1/chat/completions", json={**request, "stream": True}) as stream:
            events = [line.removeprefix("data: ") for line in stream.iter_lines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        chunks = [ChatCompletionChunk.model_validate_json(e) for e in events[:-1]]
        assert all(c.choices[0].delta.role == "assistant" for c in chunks)
        streamed = [t for c in chunks for t in c.choices[0].delta.tool_calls or []]
        assert [t.model_dump() for t in streamed] == [{**call, "index": 0}]
        assert chunks[-1].choices[0].finish_reason == "tool_calls" and chunks[-1].usage is not None
        assert all(c.usage is None for c in chunks[:-1])

        # the tool's result ends the turn: a short text, finish_reason stop, no further call
        turns += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "File created at: /home/dev/project/hello.py"},
        ]
        done = client.chat.completions.create(model="sim/agent-coding", messages=turns, tools=[read, write])
        assert (done.choices[0].finish_reason, done.choices[0].message.tool_calls) == ("stop", [])
        assert text_of(done) == "I wrote /home/dev/project/hello.py."

    def test_a_deployment_can_be_addressed_directly(self, client: together.Together, frozen: FakeClock) -> None:
        endpoint = client.endpoints.create(name="direct-planning")
        deploy(client, endpoint.id, "canary", model=PLANNING)
        frozen.tick(PROVISION_SECONDS)  # READY, but not in the traffic split: only pinning reaches it
        completion = client.chat.completions.create(
            model="sim/direct-planning/canary", messages=[{"role": "user", "content": "hi"}]
        )
        assert completion.model == "sim/direct-planning/canary"
        with pytest.raises(together.BadRequestError) as refused:
            client.chat.completions.create(model="sim/direct-planning", messages=[{"role": "user", "content": "hi"}])
        assert error_body(refused.value)["error"]["code"] == "endpoint_not_configured"

    def test_an_endpoint_without_a_ready_deployment_is_not_configured(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="cold")
        route_all_traffic(client, endpoint.id, deploy(client, endpoint.id).id)  # still PROVISIONING
        with pytest.raises(together.BadRequestError) as refused:
            client.chat.completions.create(model="sim/cold", messages=[{"role": "user", "content": "hi"}])
        assert error_body(refused.value)["error"]["code"] == "endpoint_not_configured"

    def test_an_unknown_model_is_not_available(self, client: together.Together) -> None:
        with pytest.raises(together.BadRequestError) as refused:
            client.chat.completions.create(model=SHOULD_RESPOND, messages=[{"role": "user", "content": "hi"}])
        assert error_body(refused.value)["error"]["code"] == "model_not_available"

    @pytest.mark.parametrize("body", [b"{not json", b'{"model": "sim/x"}', b"[]"])
    def test_a_malformed_request_is_an_invalid_request(self, http: httpx.Client, body: bytes) -> None:
        answer = http.post("/v1/chat/completions", content=body)
        assert answer.status_code == 400 and answer.json()["error"]["type"] == "invalid_request_error"

    def test_v1_models_lists_the_seeded_models_and_every_answering_endpoint(
        self, client: together.Together, http: httpx.Client, frozen: FakeClock
    ) -> None:
        ready_endpoint(client, frozen, "listed-planning", PLANNING)
        client.endpoints.create(name="unlisted")
        models = http.get("/v1/models").json()
        assert isinstance(models, list)
        ids = [m["id"] for m in models]
        assert SHOULD_RESPOND in ids and "Qwen/Qwen2.5-14B-Instruct" in ids
        assert "sim/listed-planning" in ids and "sim/unlisted" not in ids
        assert all(m["object"] == "model" and set(m["pricing"]) >= {"hourly", "input", "output"} for m in models)


class TestWireShapes:
    """Raw answers, validated strictly by the SDK's own pydantic types (the SDK itself parses leniently)."""

    def test_every_resource_has_every_field_the_sdk_requires(
        self, client: together.Together, http: httpx.Client, frozen: FakeClock
    ) -> None:
        endpoint = ready_endpoint(client, frozen, "shapes-planning", PLANNING)
        deployment = endpoint.deployments[0]
        project = "/v2/projects/proj_sim"
        WhoamiProjectAPIKey.model_validate(http.get("/v3/whoami").json())
        HardwareListResponse.model_validate(http.get("/v2/public/inference-instance-types").json())
        InferenceInstanceType.model_validate(http.get(f"/v2/public/inference-instance-types/{H100}").json())
        model = Model.model_validate(http.get(f"{project}/models").json()["data"][0])
        Model.model_validate(http.get(f"{project}/models/{model.id}").json())
        config = Config.model_validate(http.get(f"{project}/configs").json()["data"][0])
        Config.model_validate(http.get(f"/v2/projects/{config.project_id}/configs/{config.id}").json())
        public = http.get("/v2/supported-models").json()
        SupportedModel.model_validate(public["data"][0])
        SupportedModel.model_validate(http.get(f"/v2/supported-models/{public['data'][0]['id']}").json())
        Endpoint.model_validate(http.get(f"{project}/endpoints/{endpoint.id}").json())
        Endpoint.model_validate(http.get(f"{project}/endpoints").json()["data"][0])
        path = f"{project}/endpoints/{endpoint.id}/deployments"
        EndpointDeployment.model_validate(http.get(f"{path}/{deployment.id}").json())
        EndpointDeployment.model_validate(http.get(path).json()["data"][0])
        chat = {"model": "sim/shapes-planning", "messages": [{"role": "user", "content": "hi"}]}
        ChatCompletion.model_validate(http.post("/v1/chat/completions", json=chat).json())
        with http.stream("POST", "/v1/chat/completions", json={**chat, "stream": True}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = [line.removeprefix("data: ") for line in stream.iter_lines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        for event in events[:-1]:
            ChatCompletionChunk.model_validate_json(event)


class TestErrors:
    def test_a_request_without_a_key_is_unauthenticated(self, simulator: ServedSimulator) -> None:
        answer = httpx.get(f"{simulator.base_url}/v3/whoami")
        assert answer.status_code == 401 and answer.json()["error"]["type"] == "authentication_error"

    def test_a_key_outside_the_accepted_list_is_an_authentication_error(
        self, client: together.Together, simulator: ServedSimulator
    ) -> None:
        with simulator.world() as world:
            world.settings.api_keys = ["the-only-key"]
        with pytest.raises(together.AuthenticationError):
            client.whoami()

    def test_errors_use_togethers_shape_and_repeat_the_request_id(self, http: httpx.Client) -> None:
        answer = http.get("/v2/projects/proj_sim/endpoints/ep_missing")
        body = answer.json()
        assert answer.status_code == 404 and body["id"] == answer.headers["x-request-id"]
        assert set(body["error"]) == {"message", "type", "param", "code"}
        assert body["error"]["type"] == "not_found_error"

    def test_an_unknown_route_is_not_found_and_a_wrong_method_not_allowed(self, http: httpx.Client) -> None:
        assert http.get("/v2/nowhere").status_code == 404
        wrong = http.delete("/v3/whoami")
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"

    def test_another_project_is_not_found(self, client: together.Together) -> None:
        with pytest.raises(together.NotFoundError):
            client.endpoints.list(project_id="proj_other")


class TestSettings:
    def test_settings_change_through_the_admin_route(self, http: httpx.Client) -> None:
        changed = http.put("/_simulator/settings", json={"provision_seconds": 0, "failing_models": [CODING]})
        assert changed.json()["provision_seconds"] == 0 and changed.json()["failing_models"] == [CODING]
        assert http.get("/_simulator/settings").json()["stop_seconds"] == 1
        refused = http.put("/_simulator/settings", json={"provision_seconds": -1})
        assert refused.status_code == 400 and refused.json()["error"]["param"] == "provision_seconds"

    def test_reset_forgets_endpoints_but_keeps_settings(self, client: together.Together, http: httpx.Client) -> None:
        client.endpoints.create(name="forgotten")
        http.put("/_simulator/settings", json={"scale_seconds": 7})
        http.post("/_simulator/reset")
        assert list(client.endpoints.list()) == []
        assert http.get("/_simulator/settings").json()["scale_seconds"] == 7


def recorded(simulator: Simulator, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every (method, route template) `simulator` answers from now on, in order."""
    seen: list[tuple[str, str]] = []
    handle = simulator.handle

    def recording(method: str, path: str, *args: Any) -> SimResponse:
        template = next(r.template for r in ROUTES if r.method == method.upper() and r.pattern.fullmatch(path))
        seen.append((method.upper(), template))
        return handle(method, path, *args)

    monkeypatch.setattr(simulator, "handle", recording)
    return seen


def provider_lifecycle(client: TogetherClient) -> set[str]:
    """Every call of the control plane's client, once, as apply, plan and destroy make them; the
    names of the methods called."""
    called = set()

    def call(method: str, *args: Any, **kwargs: Any) -> Any:
        called.add(method)
        return getattr(client, method)(*args, **kwargs)

    call("whoami")
    call("instance_types")
    planning = next(m for m in call("models") if m.name == PLANNING)
    config = next(c for c in call("configs", planning.base_model) if c.instance_type_name == H100_NAME)
    call("get_config", config.resource)
    public = call("supported_models", search="Qwen3.5")
    call("supported_model", public[0].id)
    endpoint = call("create_endpoint", "provider-calls")
    assert call("find_endpoint", "provider-calls") == endpoint
    assert [e.id for e in call("endpoints", name_contains="provider-")] == [endpoint.id]
    deployment = call("create_deployment", endpoint.id, name="v1", model=planning.resource, config=config.resource,
                      min_replicas=1, max_replicas=1)  # fmt: skip
    call("get_deployment", endpoint.id, deployment.id)
    routed = call("set_traffic", call("get_endpoint", endpoint.id), {deployment.id: 100.0})
    call("scale_deployment", endpoint.id, deployment.id, min_replicas=0, max_replicas=0)
    call("set_traffic", routed, {})
    call("delete_deployment", endpoint.id, deployment.id)
    call("delete_endpoint", endpoint.id)
    return called


class TestEveryProviderCall:
    """What the control plane's client sends, the official SDK sends too, and parses what comes back:
    every route the client uses is driven by the SDK against the served simulator."""

    def test_the_sdk_drives_every_route_the_provider_uses(
        self, client: together.Together, simulator: ServedSimulator, frozen: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        in_process = Simulator(MemoryWorld(), provision_seconds=0, stop_seconds=0)
        provider_routes = recorded(in_process, monkeypatch)
        transport = httpx.MockTransport(
            lambda r: _answer(in_process.handle(r.method, r.url.raw_path.split(b"?")[0].decode(),
                                                dict(r.url.params), dict(r.headers), r.read()), r)
        )  # fmt: skip
        with TogetherClient("http://simulator.invalid", "k", transport=transport, max_retries=0) as ours:
            called = provider_lifecycle(ours)
        public = {
            name for name, _ in inspect.getmembers(TogetherClient, inspect.isfunction) if not name.startswith("_")
        }
        assert called == public - {"close"}, "a client method the SDK test does not cover"

        sdk_routes = recorded(simulator.simulator, monkeypatch)
        client.whoami()
        client.endpoints.hardware.list()
        planning = own_model(client, PLANNING)
        configs = client.models.configs.list(reference_model=planning.base_model)
        config = next(c for c in configs if hardware_of(c) == H100_NAME)
        client.models.configs.retrieve(config.id, project_id=config.project_id)
        [public_model] = list(client.models.list_supported(product="PRODUCT_DEDICATED", search="Qwen3.5"))
        client.models.retrieve_supported(public_model.id)
        endpoint = client.endpoints.create(name="sdk-calls", visibility="VISIBILITY_PRIVATE")
        assert [e.id for e in client.endpoints.list(filter='name = "sdk-calls"', limit=500)] == [endpoint.id]
        assert [e.id for e in client.endpoints.list(filter='name:"sdk-"', limit=500)] == [endpoint.id]
        deployment = client.endpoints.deployments.create(
            endpoint.id, name="v1", model=f"projects/{planning.project_id}/models/{planning.id}",
            config=f"projects/{config.project_id}/configs/{config.id}",
            autoscaling={"min_replicas": 1, "max_replicas": 1}, inactive_timeout=0,
        )  # fmt: skip
        client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id)
        current = client.endpoints.retrieve(endpoint.id)
        routed = client.endpoints.update(
            endpoint.id, update_mask="trafficSplit", etag=current.etag,
            traffic_split=[{"deployment_id": deployment.id, "weight": 100}],
        )  # fmt: skip
        client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
            autoscaling={"min_replicas": 0, "max_replicas": 0},
        )  # fmt: skip
        client.endpoints.update(endpoint.id, update_mask="trafficSplit", etag=routed.etag, traffic_split=[])
        frozen.tick(1)  # stopped
        client.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        client.endpoints.delete(endpoint.id)

        missing = set(provider_routes) - set(sdk_routes)
        assert not missing, f"routes the provider uses that the SDK did not drive: {sorted(missing)}"


def _answer(answer: SimResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(answer.status, headers=answer.headers, content=answer.content(), request=request)
