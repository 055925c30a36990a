"""The simulator behaves as Together documents itself, driven by the official SDK.

Each test names its source (a file of SDK `together==3.1.1` or a page of Together's docs, as
mirrored in togethercomputer/skills `skills/together-ai/references/dedicated-model-inference/`)
and fails on the lenient behaviour the audit found (reference/together-fidelity.md, section 3).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import together
from together.types.supported_model import SupportedModel

from controlplane.provider.simulator import Settings
from controlplane.provider.simulator.world import PROVISION_SECONDS, READINESS_TIMEOUT
from tests.simulator.test_simulator_sdk import (
    H100,
    H100_NAME,
    PLANNING,
    SHOULD_RESPOND,
    config_resource,
    deploy,
    error_body,
    hardware_of,
    model_resource,
    own_model,
    route_all_traffic,
    stop,
)
from tests.support.clock import FakeClock
from tests.support.served import ServedSimulator

SELECTOR_KEYS = {"accelerator_type", "accelerator_count", "optimization", "topology", "adapter_mode"}
QWEN35 = "Qwen/Qwen3.5-9B"


def split(client: together.Together, endpoint_id: str, weights: dict[str, float]) -> None:
    etag = client.endpoints.retrieve(endpoint_id).etag
    client.endpoints.update(
        endpoint_id,
        update_mask="trafficSplit",
        etag=etag,
        traffic_split=[{"deployment_id": d, "weight": w} for d, w in weights.items()],
    )


def ask(client: together.Together, model: str, **extra: Any) -> str:
    """One chat request; the `x-cluster` that answered it (docs: traffic-routing.md, Observing routing)."""
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": extra.pop("content", "ping")}], max_tokens=1, **extra
    )
    return str(raw.headers["x-cluster"])


def two_deployments(
    client: together.Together, frozen: FakeClock, name: str, replicas: tuple[int, int] = (1, 1)
) -> tuple[str, str, str]:
    """An endpoint with two READY deployments (stable, canary), neither in the split yet."""
    endpoint = client.endpoints.create(name=name)
    stable = deploy(client, endpoint.id, "stable", model=PLANNING, replicas=replicas[0])
    canary = deploy(client, endpoint.id, "canary", model=PLANNING, replicas=replicas[1])
    frozen.tick(PROVISION_SECONDS)
    return endpoint.id, stable.id, canary.id


def clusters(client: together.Together, endpoint: str, *deployments: str) -> dict[str, str]:
    """x-cluster -> deployment id, mapped as the docs say: route 100 % to one and record it."""
    found = {}
    for deployment in deployments:
        split(client, endpoint, {deployment: 1})
        found[ask(client, f"sim/{client.endpoints.retrieve(endpoint).name.split('/')[-1]}")] = deployment
    return found


class TestConfigSelectors:
    def test_configs_carry_only_togethers_selector_keys(self, client: together.Together) -> None:
        """docs: models-and-configs.md, Configs (accelerator_type, accelerator_count, optimization,
        topology); audit §0.1. The simulator used to send instance_type, gpu_type and gpu_count."""
        configs = list(client.models.configs.list())
        assert configs
        for config in configs:
            assert {s.key for s in config.selectors} == SELECTOR_KEYS

    def test_a_configs_accelerator_selectors_name_an_instance_type(self, client: together.Together) -> None:
        """SDK lib/cli/api/endpoints/_utils/_hardware_pricing.py: hardware_from_selectors builds
        `{accelerator_count}x{accelerator_type}` and find_instance_type matches it by name."""
        names = {t.name for t in client.endpoints.hardware.list().data}
        for config in client.models.configs.list():
            assert hardware_of(config) in names


class TestOwnership:
    def test_a_fine_tune_deploys_with_a_config_of_its_base_model(self, client: together.Together) -> None:
        """SDK lib/cli/api/endpoints/_utils/_resolve_model.py: "Config comes from the base/reference
        model; deploy path stays the custom model". The simulator used to refuse the base's config."""
        endpoint = client.endpoints.create(name="derived")
        base = own_model(client, SHOULD_RESPOND).base_model
        config = next(c for c in client.models.configs.list(reference_model=base) if hardware_of(c) == H100_NAME)
        deployment = client.endpoints.deployments.create(
            endpoint.id,
            name="v1",
            model=model_resource(client, SHOULD_RESPOND),
            config=f"projects/{config.project_id}/configs/{config.id}",
            autoscaling={"min_replicas": 1, "max_replicas": 1},
        )
        assert deployment.model.startswith(model_resource(client, SHOULD_RESPOND))
        assert deployment.config == f"projects/proj_platform/configs/{config.id}"

    def test_a_fine_tune_has_no_configs_of_its_own(self, client: together.Together) -> None:
        """audit §3 row 3: `configs(referenceModel=<fine-tune>)` may be empty on Together; the CLI
        lists the base's first (SDK _resolve_model.py, _model_config_reference_ids)."""
        assert list(client.models.configs.list(reference_model=model_resource(client, PLANNING))) == []

    def test_a_config_of_an_unrelated_model_is_refused(self, client: together.Together) -> None:
        """The API "validates model/config compatibility" (SDK _resolve_config.py, resolve_config)."""
        endpoint = client.endpoints.create(name="unrelated")
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.create(
                endpoint.id,
                name="v1",
                model=model_resource(client, SHOULD_RESPOND),
                config=config_resource(client, PLANNING),
                autoscaling={"min_replicas": 1, "max_replicas": 1},
            )
        assert "deploys with a config of its base model" in error_body(refused.value)["error"]["message"]

    def test_public_models_and_their_configs_belong_to_the_platform_project(self, client: together.Together) -> None:
        """docs: api-reference.md, Resource IDs and names: `{project_id}` is the owning project, "for
        public models and published configs that's usually a platform project". The simulator used
        to keep public models in the caller's project and refuse every other project."""
        base = own_model(client, PLANNING).base_model
        assert base is not None and base.startswith("projects/proj_platform/")
        public = client.models.retrieve(base.rsplit("/", 1)[-1], project_id="proj_platform")
        assert (public.name, public.project_id) == ("Qwen/Qwen2.5-14B-Instruct", "proj_platform")
        config = next(iter(client.models.configs.list(reference_model=base)))
        assert config.project_id == "proj_platform"
        assert client.models.configs.retrieve(config.id, project_id="proj_platform").id == config.id
        with pytest.raises(together.NotFoundError):
            client.models.configs.retrieve(config.id)  # under our project: not ours

    def test_the_platform_project_is_read_only(self, client: together.Together) -> None:
        with pytest.raises(together.PermissionDeniedError):
            client.endpoints.create(name="squatter", project_id="proj_platform")

    def test_configs_of_public_models_may_be_unlisted_yet_retrievable(
        self, client: together.Together, simulator: ServedSimulator
    ) -> None:
        """docs: models-and-configs.md: configs of a public architecture "frequently" list empty;
        deploymentProfiles are the source of truth."""
        with simulator.world() as world:
            world.settings.list_public_configs = False
        base = own_model(client, PLANNING).base_model
        assert list(client.models.configs.list(reference_model=base)) == []
        profile = next(iter(client.models.list_supported(search="Qwen2.5-14B"))).deployment_profiles[0]
        config_id = profile.config.rsplit("/", 1)[-1]
        assert client.models.configs.retrieve(config_id, project_id="proj_platform").id == config_id


class TestSupportedModels:
    def test_public_models_come_with_profiles_by_gpu_and_quantization(
        self, client: together.Together, http: httpx.Client
    ) -> None:
        """SDK types/supported_model.py and supported_model_deployment_profile.py; docs:
        models-and-configs.md, Deployment profiles ("A model usually has more than one profile")."""
        for raw in http.get("/v2/supported-models").json()["data"]:
            SupportedModel.model_validate(raw)  # strictly: every required field
        [entry] = list(client.models.list_supported(search=QWEN35))
        on_h100 = [p for p in entry.deployment_profiles if (p.gpu_type, p.gpu_count) == ("H100", 1)]
        assert sorted((p.quantization, p.api_model_name) for p in on_h100) == [
            ("BF16", QWEN35), ("FP8", f"{QWEN35}-FP8"),
        ]  # fmt: skip
        for profile in entry.deployment_profiles:
            assert profile.model.startswith("projects/proj_platform/models/ml_") and "/revisions/rv_" in profile.model
            assert profile.config.startswith("projects/proj_platform/configs/cr_")
            assert profile.profile_id == profile.certified_config_revision_id == profile.config.rsplit("/", 1)[-1]

    def test_a_profile_deploys_with_its_model_and_config_verbatim(self, client: together.Together) -> None:
        """docs: models-and-configs.md: "take that profile's model and config strings" and pass them
        straight into a deployment create; the summary's model then names the platform project."""
        [entry] = list(client.models.list_supported(search=QWEN35))
        profile = next(p for p in entry.deployment_profiles if p.quantization == "FP8" and p.gpu_count == 1)
        endpoint = client.endpoints.create(name="public")
        created = client.endpoints.deployments.create(
            endpoint.id,
            name="v1",
            model=profile.model,
            config=profile.config,
            autoscaling={"min_replicas": 1, "max_replicas": 1},
        )
        assert created.model == profile.model and created.config == profile.config
        [summary] = client.endpoints.retrieve(endpoint.id).deployments
        assert summary.model.startswith("projects/proj_platform/")

    def test_filters_by_search_product_modality_and_adapter_mode(self, client: together.Together) -> None:
        """SDK types/model_list_supported_params.py: adapterMode, modality, product, search."""
        everything = {m.name for m in client.models.list_supported()}
        assert {"Qwen/Qwen2.5-14B-Instruct", QWEN35, "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"} <= everything
        assert {m.name for m in client.models.list_supported(search="qwen3.5")} == {QWEN35}
        assert {m.name for m in client.models.list_supported(product="PRODUCT_DEDICATED")} == everything
        assert list(client.models.list_supported(product="PRODUCT_FINE_TUNING")) == []
        assert list(client.models.list_supported(modality="MODALITY_IMAGE")) == []
        assert list(client.models.list_supported(adapter_mode="ADAPTER_MODE_DYNAMIC")) == []

    def test_pages_follow_the_cursor_and_an_entry_is_retrieved_by_its_id(self, client: together.Together) -> None:
        first = client.models.list_supported(limit=1)
        assert len(first.data) == 1 and first.next_cursor
        walked = list(client.models.list_supported(limit=1))
        assert len(walked) == len({m.id for m in walked}) >= 4
        assert client.models.retrieve_supported(walked[0].id).name == walked[0].name
        with pytest.raises(together.NotFoundError):
            client.models.retrieve_supported("arch_nothing")

    def test_an_unknown_filter_value_is_refused_naming_it(self, http: httpx.Client) -> None:
        answer = http.get("/v2/supported-models", params={"product": "PRODUCT_TOASTER"})
        assert answer.status_code == 400 and answer.json()["error"]["param"] == "product"


class TestLookupsById:
    """Retrieve takes ids; Together's CLI resolves names through the list filter (SDK
    _resolve_model.py, resolve_endpoint; `tg` models: "the CLI resolves names by listing"). The
    simulator used to find endpoints and models by name on GET paths as well (audit §3 row 8)."""

    def test_an_endpoint_is_retrieved_by_id_not_by_name(self, client: together.Together) -> None:
        created = client.endpoints.create(name="by-id")
        assert client.endpoints.retrieve(created.id).name == "sim/by-id"
        with pytest.raises(together.NotFoundError):
            client.endpoints.retrieve("by-id")

    def test_a_model_is_retrieved_by_id_not_by_name(self, client: together.Together) -> None:
        model = own_model(client, PLANNING)
        assert client.models.retrieve(model.id).name == PLANNING
        with pytest.raises(together.NotFoundError):
            client.models.retrieve(PLANNING)  # the SDK sends it as one segment, moonmakesmagic%2F...

    def test_a_deployment_is_retrieved_by_id_not_by_name(self, client: together.Together) -> None:
        endpoint = client.endpoints.create(name="dep-by-id")
        created = deploy(client, endpoint.id)
        assert client.endpoints.deployments.retrieve(created.id, endpoint_id=endpoint.id).id == created.id
        with pytest.raises(together.NotFoundError):
            client.endpoints.deployments.retrieve("v1", endpoint_id=endpoint.id)


class TestDeletingDeployments:
    """docs: api-reference.md, Delete Resources: "a deployment must be stopped first. Order: scale
    to 0/0; wait for DEPLOYMENT_STATE_STOPPED; remove it from the split; delete". SDK
    resources/endpoints/deployments.py (delete): "Remove the deployment from live traffic first"."""

    def test_a_running_deployment_cannot_be_deleted_even_out_of_the_split(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        """The simulator used to delete a READY deployment at weight 0 (audit §0.2, §3 row 2)."""
        endpoint = client.endpoints.create(name="running")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        assert error_body(refused.value)["error"]["code"] == "failed_precondition"
        assert "DEPLOYMENT_STATE_READY" in error_body(refused.value)["error"]["message"]

    def test_a_stopping_deployment_cannot_be_deleted_yet(self, client: together.Together, frozen: FakeClock) -> None:
        endpoint = client.endpoints.create(name="draining")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
            autoscaling={"min_replicas": 0, "max_replicas": 0},
        )  # fmt: skip
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        assert "DEPLOYMENT_STATE_STOPPING" in error_body(refused.value)["error"]["message"]

    def test_a_stopped_deployment_keeps_its_weight_and_is_deleted_once_out_of_the_split(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        """docs: api-reference.md, Stop / Restart: "A stopped deployment keeps its configuration and
        traffic-split weight"; so the split entry must go before the delete."""
        endpoint = client.endpoints.create(name="retired")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        route_all_traffic(client, endpoint.id, deployment.id)
        stop(client, frozen, endpoint.id, deployment.id)
        assert [t.deployment_id for t in client.endpoints.retrieve(endpoint.id).traffic_split] == [deployment.id]
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        assert "remove it from the split first" in error_body(refused.value)["error"]["message"]
        split(client, endpoint.id, {})
        client.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        assert client.endpoints.retrieve(endpoint.id).deployments == []


class TestTrafficSplit:
    def test_a_zero_weight_removes_the_entry_from_the_split(self, client: together.Together) -> None:
        """docs: route-traffic ("a zero weight unsets the deployment and removes it from the split
        entirely"), audit §3 row 7. The simulator used to keep a 0-weight entry."""
        endpoint = client.endpoints.create(name="zeroed")
        first, second = deploy(client, endpoint.id, "a").id, deploy(client, endpoint.id, "b").id
        split(client, endpoint.id, {first: 1, second: 0})
        assert [(t.deployment_id, t.weight) for t in client.endpoints.retrieve(endpoint.id).traffic_split] == [
            (first, 1)
        ]

    def test_an_empty_split_without_a_mask_is_no_fields_to_update(self, client: together.Together) -> None:
        """docs: api-reference.md, Delete Resources: "You can't zero the split with an empty list ...
        returns 400 no fields to update". The simulator used to clear the split."""
        endpoint = client.endpoints.create(name="unmasked")
        deployment = deploy(client, endpoint.id)
        route_all_traffic(client, endpoint.id, deployment.id)
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.update(endpoint.id, traffic_split=[])
        assert "no fields to update" in error_body(refused.value)["error"]["message"]
        assert len(client.endpoints.retrieve(endpoint.id).traffic_split) == 1

    def test_an_empty_split_under_the_mask_clears_it(self, client: together.Together) -> None:
        """SDK lib/cli/api/endpoints/rm.py (`rm --force`): traffic_split=[], update_mask="trafficSplit"."""
        endpoint = client.endpoints.create(name="cleared")
        route_all_traffic(client, endpoint.id, deploy(client, endpoint.id).id)
        cleared = client.endpoints.update(endpoint.id, traffic_split=[], update_mask="trafficSplit")
        assert cleared.traffic_split == []


class TestDeploymentUpdateMasks:
    def test_the_mask_togethers_cli_sends_sets_both_bounds(self, client: together.Together) -> None:
        """SDK lib/cli/api/endpoints/update.py and rm.py send `updateMask=autoscaling`."""
        endpoint = client.endpoints.create(name="cli-mask")
        deployment = deploy(client, endpoint.id)
        updated = client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
            autoscaling={"min_replicas": 2, "max_replicas": 4},
        )  # fmt: skip
        assert (updated.autoscaling.min_replicas, updated.autoscaling.max_replicas) == (2, 4)

    def test_a_bound_left_out_keeps_its_value(self, client: together.Together) -> None:
        """SDK types/deployment_autoscaling_param.py: maxReplicas "omitting it on update preserves the
        current value". The simulator used to set max to min (audit, Appendix A)."""
        endpoint = client.endpoints.create(name="kept-max")
        deployment = deploy(client, endpoint.id)
        client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
            autoscaling={"min_replicas": 1, "max_replicas": 5},
        )  # fmt: skip
        updated = client.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling", autoscaling={"min_replicas": 2}
        )
        assert (updated.autoscaling.min_replicas, updated.autoscaling.max_replicas) == (2, 5)

    def test_a_nested_mask_path_is_refused(self, client: together.Together) -> None:
        """Nested paths were a simulator allowance that Together's CLI never sends (audit §3 row 6):
        refused, so nothing comes to depend on them."""
        endpoint = client.endpoints.create(name="nested")
        deployment = deploy(client, endpoint.id)
        with pytest.raises(together.BadRequestError) as refused:
            client.endpoints.deployments.update(
                deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling.maxReplicas",
                autoscaling={"max_replicas": 3},
            )  # fmt: skip
        assert error_body(refused.value)["error"]["param"] == "updateMask"


class TestRouting:
    """docs: traffic-routing.md (How routing works, Stickiness, Observing routing). The simulator
    used to answer every request from the largest share: a 95/5 split sent 0 of 200 to the 5."""

    def test_a_five_percent_canary_gets_about_five_percent_of_varied_requests(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint, stable, canary = two_deployments(client, frozen, "canaried")
        named = clusters(client, endpoint, stable, canary)
        split(client, endpoint, {stable: 95, canary: 5})
        counts = Counter(
            named[ask(client, "sim/canaried", extra_body={"prompt_cache_key": f"probe-{i}"})] for i in range(200)
        )
        # "a configured 95/5 typically measures ~92-97 % on the control at N=200"
        assert 3 <= counts[canary] <= 20 and counts[stable] + counts[canary] == 200

    def test_share_is_weight_times_ready_replicas(self, client: together.Together, frozen: FakeClock) -> None:
        """ "Share = weight x ready replicas ... Equal weights with unequal replica counts are not a 50/50 split.\""""
        endpoint, one, three = two_deployments(client, frozen, "uneven", replicas=(1, 3))
        named = clusters(client, endpoint, one, three)
        split(client, endpoint, {one: 1, three: 1})
        counts = Counter(named[ask(client, "sim/uneven", extra_body={"user": f"user-{i}"})] for i in range(200))
        assert 30 <= counts[one] <= 70  # a quarter of 200
        summaries = {d.id: d.estimated_effective_traffic_share for d in client.endpoints.retrieve(endpoint).deployments}
        assert summaries == {one: 0.25, three: 0.75}

    def test_a_request_is_sticky_by_prompt_cache_key_then_user_then_content(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint, stable, canary = two_deployments(client, frozen, "sticky")
        split(client, endpoint, {stable: 1, canary: 1})
        for key in ("a", "b", "c", "d"):
            landed = {ask(client, "sim/sticky", content=f"varied {n}", extra_body={"prompt_cache_key": key})
                      for n in range(5)}  # fmt: skip
            assert len(landed) == 1  # whatever the content, the key decides
        for user in ("ann", "bob", "cyd"):
            landed = {ask(client, "sim/sticky", content=f"other {n}", extra_body={"user": user}) for n in range(5)}
            assert len(landed) == 1
        assert len({ask(client, "sim/sticky", content="the same words") for _ in range(5)}) == 1
        spread = {ask(client, "sim/sticky", extra_body={"prompt_cache_key": f"k{n}"}) for n in range(40)}
        assert len(spread) == 2  # and varied keys reach both

    def test_the_answer_names_its_deployment_in_x_cluster(self, client: together.Together, frozen: FakeClock) -> None:
        """ "x-cluster — the per-deployment cluster ID (one stable value per deployment)"; "x-cluster
        values don't equal the dep_ management IDs"."""
        endpoint, stable, canary = two_deployments(client, frozen, "attributed")
        named = clusters(client, endpoint, stable, canary)
        assert set(named.values()) == {stable, canary}
        assert not any(cluster.startswith("dep_") for cluster in named)
        pinned = client.chat.completions.with_raw_response.create(
            model="sim/attributed/canary", messages=[{"role": "user", "content": "hi"}]
        )
        assert named[pinned.headers["x-cluster"]] == canary


class TestInferenceErrors:
    """docs: api-reference.md, Troubleshooting; traffic-routing.md: "An endpoint whose deployments are
    all stopped returns HTTP 400 endpoint_not_ready; a READY deployment that is missing from the split
    (or has weight 0) gets endpoint_not_configured". The simulator used dedicated_endpoint_not_running."""

    def test_an_endpoint_whose_deployments_are_all_stopped_is_not_ready(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="asleep")
        deployment = deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        route_all_traffic(client, endpoint.id, deployment.id)
        stop(client, frozen, endpoint.id, deployment.id)
        with pytest.raises(together.BadRequestError) as refused:
            client.chat.completions.create(model="sim/asleep", messages=[{"role": "user", "content": "hi"}])
        assert error_body(refused.value)["error"]["code"] == "endpoint_not_ready"

    def test_a_ready_deployment_outside_the_split_is_not_configured(
        self, client: together.Together, frozen: FakeClock
    ) -> None:
        endpoint = client.endpoints.create(name="unrouted")
        deploy(client, endpoint.id)
        frozen.tick(PROVISION_SECONDS)
        with pytest.raises(together.BadRequestError) as refused:
            client.chat.completions.create(model="sim/unrouted", messages=[{"role": "user", "content": "hi"}])
        assert (refused.value.status_code, error_body(refused.value)["error"]["code"]) == (
            400, "endpoint_not_configured",
        )  # fmt: skip


class TestLifecycle:
    def test_an_active_rollout_shows_as_active_rollout_id(
        self, client: together.Together, simulator: ServedSimulator
    ) -> None:
        """SDK types/endpoint.py: activeRolloutId, "the currently active rollout in an in-flight state,
        including paused"; the simulator never rendered it."""
        endpoint = client.endpoints.create(name="rolling")
        assert client.endpoints.retrieve(endpoint.id).active_rollout_id is None
        with simulator.world() as world:
            world.endpoints[endpoint.id].active_rollout_id = "rol_123"
        assert client.endpoints.retrieve(endpoint.id).active_rollout_id == "rol_123"

    def test_provisioning_takes_minutes_by_default(self, client: together.Together, frozen: FakeClock) -> None:
        """docs: api-reference.md, Autoscaling: a cold start takes "Minutes even for small models";
        the simulator used to be READY after 3 s."""
        assert Settings().provision_seconds >= 120
        endpoint = client.endpoints.create(name="cold-start")
        deployment = deploy(client, endpoint.id)
        frozen.tick(60)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert (status.state, status.scheduled_replicas, status.ready_replicas) == (
            "DEPLOYMENT_STATE_PROVISIONING", 1, 0,
        )  # fmt: skip

    def test_too_little_capacity_leaves_a_deployment_degraded_with_partial_scheduled_replicas(
        self, client: together.Together, simulator: ServedSimulator, frozen: FakeClock
    ) -> None:
        """docs: api-reference.md, Troubleshooting: "DEGRADED with Cannot place replicas: insufficient
        GPU capacity ... compare status.scheduledReplicas to desiredReplicas"."""
        with simulator.world() as world:
            world.settings.capacity = {H100: 2}
        endpoint = client.endpoints.create(name="crowded")
        deployment = deploy(client, endpoint.id, replicas=3)
        frozen.tick(PROVISION_SECONDS)
        found = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id)
        assert found.status.state == "DEPLOYMENT_STATE_DEGRADED" and found.desired_replicas == 3
        assert (found.status.scheduled_replicas, found.status.ready_replicas) == (2, 2)
        assert "insufficient GPU capacity" in found.status.message
        h100 = client.endpoints.hardware.retrieve(H100)
        assert [(r.headroom.relation, r.headroom.value) for r in h100.regions or [] if r.headroom] == [
            ("RELATION_EQ", 0)
        ]

    def test_a_deployment_that_places_nothing_fails_after_six_hours(
        self, client: together.Together, simulator: ServedSimulator, frozen: FakeClock
    ) -> None:
        """docs: api-reference.md, Deployment States: "A deployment that never reaches READY within six
        hours is marked FAILED"."""
        with simulator.world() as world:
            world.settings.capacity = {H100: 0}
        endpoint = client.endpoints.create(name="starved")
        deployment = deploy(client, endpoint.id)
        frozen.tick(READINESS_TIMEOUT.total_seconds() - 1)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert (status.state, status.scheduled_replicas) == ("DEPLOYMENT_STATE_PROVISIONING", 0)
        frozen.tick(1)
        status = client.endpoints.deployments.retrieve(deployment.id, endpoint_id=endpoint.id).status
        assert status.state == "DEPLOYMENT_STATE_FAILED" and "Timed out waiting for readiness" in status.message
