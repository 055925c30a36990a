"""From Together's wire values to the project's: the catalog the plan reads, and refresh.

Driven against the in-process simulator (which plays Together as its docs and SDK describe it)
and, where only an exact answer will do, against `httpx.MockTransport`. Each test names the
source of the behaviour it holds the client to, and fails on what the client did before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from controlplane.provider import Provider, deployment_name
from controlplane.provider.simulator import Simulator, WorldFile
from controlplane.provider.simulator.transport import SimulatorTransport
from controlplane.provider.together import TogetherClient
from controlplane.provider.types import Config
from controlplane.values import Spec
from controlplane.values.catalog import Catalog, Hardware

SHOULD_RESPOND = "moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond"
PLANNING = "moonmakesmagic/DeepSeek-Qwen-14B-planning"
CODING = "moonmakesmagic/DeepSeek-Llama-67B-coding"
H100 = "1x_nvidia_h100_80gb_sxm"
QWEN35 = "Qwen/Qwen3.5-9B"
DEPLOYMENT = {
    "id": "dep_1",
    "name": "s/e/d",
    "etag": "e",
    "model": "m",
    "hardware": "h",
    "createdAt": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def world(tmp_path: Path) -> Path:
    path = tmp_path / "world.json"
    Simulator(WorldFile(path), provision_seconds=0)
    return path


@pytest.fixture
def client(world: Path) -> Iterator[TogetherClient]:
    with TogetherClient("http://simulator.invalid", "k", transport=SimulatorTransport(world), max_retries=0) as made:
        yield made


@pytest.fixture
def provider(client: TogetherClient) -> Provider:
    return Provider(client, "shop")


def settings(client: TogetherClient, **changes: object) -> None:
    client._http.put("/_simulator/settings", json=changes).raise_for_status()


def deploy_role(provider: Provider, catalog: Catalog, role: str, spec: Spec) -> None:
    """What apply leaves behind for `role`: its endpoint, one deployment of `spec`, all traffic on it."""
    client = provider.client
    endpoint = client.create_endpoint(f"{provider.project}-{role.replace('_', '-')}")
    deployment = client.create_deployment(
        endpoint.id,
        name=deployment_name(provider.project, spec),
        model=catalog.models[spec.model],
        config=catalog.configs[spec.model][spec.hardware],
        min_replicas=spec.min_replicas,
        max_replicas=spec.max_replicas,
    )
    client.set_traffic(client.get_endpoint(endpoint.id), {deployment.id: 100.0})


class TestConfigs:
    def test_a_configs_hardware_comes_from_its_accelerator_selectors(self) -> None:
        """SDK lib/cli/api/endpoints/_utils/_hardware_pricing.py::hardware_from_selectors; the client
        used to read an `instance_type` selector, which Together's configs do not have (audit §0.1)."""
        config = Config.model_validate(
            {"id": "cr_1", "projectId": "proj_platform", "referenceModel": "projects/proj_platform/models/ml_1",
             "selectors": [{"key": "accelerator_type", "value": "nvidia-h100-80gb"},
                           {"key": "accelerator_count", "value": "2"}, {"key": "optimization", "value": "balanced"}]}
        )  # fmt: skip
        assert config.instance_type_name == "2xnvidia-h100-80gb"
        invented = config.model_copy(update={"selectors": []})
        assert invented.instance_type_name is None

    def test_the_catalog_maps_instance_type_ids_to_the_configs_of_a_fine_tunes_base(self, provider: Provider) -> None:
        """A fine-tune deploys with its base model's config (SDK lib/cli/api/endpoints/_utils/
        _resolve_model.py); the client used to list only the fine-tune's own configs, which
        Together may not have: every plan would then say "it fits on: nothing" (audit §3 rows 1, 3)."""
        catalog = provider.catalog([SHOULD_RESPOND, PLANNING, CODING])
        fits = catalog.configs[SHOULD_RESPOND]
        assert H100 in fits and fits[H100].startswith("projects/proj_platform/configs/cr_")
        assert H100 not in catalog.configs[CODING] and "2x_nvidia_h100_80gb_sxm" in catalog.configs[CODING]
        assert catalog.models[PLANNING].startswith("projects/proj_sim/models/ml_")

    def test_of_several_configs_on_one_instance_type_the_balanced_one_is_chosen(
        self, provider: Provider, client: TogetherClient
    ) -> None:
        """docs: models-and-configs.md, Configs: optimization is `balanced`, `throughput` or
        `latency`, and single-GPU balanced is "a good default"."""
        catalog = provider.catalog([SHOULD_RESPOND])
        chosen = catalog.configs[SHOULD_RESPOND][H100]
        config = client.get_config(chosen)
        assert config.selector("optimization") == "balanced" and config.instance_type_name == "1xnvidia-h100-80gb"

    def test_when_together_lists_no_configs_for_a_public_base_its_profiles_stand_in(
        self, provider: Provider, client: TogetherClient
    ) -> None:
        """docs: models-and-configs.md: `configs` "frequently returns an empty list for catalog
        architectures ... read the profiles instead"."""
        settings(client, list_public_configs=False)
        assert client.configs(catalog_model(client, PLANNING)) == []
        catalog = provider.catalog([PLANNING])
        fits = catalog.configs[PLANNING]
        assert H100 in fits and fits[H100].startswith("projects/proj_platform/configs/cr_")


def catalog_model(client: TogetherClient, name: str) -> str:
    base = next(m for m in client.models() if m.name == name).base_model
    assert base is not None
    return base


class TestPublicModels:
    def test_a_public_model_comes_with_its_profiles_and_platform_resources(self, provider: Provider) -> None:
        """SDK types/supported_model_deployment_profile.py; docs: models-and-configs.md, Deployment
        profiles ("copy the strings verbatim rather than substituting your own project ID"). A
        public model was not in the catalog at all (audit §3 row 9)."""
        catalog = provider.catalog([QWEN35])
        profiles = {(p.quantization, p.hardware): p.model for p in catalog.public[QWEN35]}
        assert profiles[("BF16", H100)] == QWEN35 and profiles[("FP8", H100)] == f"{QWEN35}-FP8"
        for name in (QWEN35, f"{QWEN35}-FP8"):
            assert catalog.models[name].startswith("projects/proj_platform/models/ml_")
            assert catalog.configs[name][H100].startswith("projects/proj_platform/configs/cr_")

    def test_a_profile_weights_name_is_a_public_model_too(self, provider: Provider) -> None:
        catalog = provider.catalog([f"{QWEN35}-FP8"])
        assert {p.quantization for p in catalog.public[f"{QWEN35}-FP8"]} == {"FP8"}

    def test_a_deployed_public_model_refreshes_under_its_name(self, provider: Provider) -> None:
        """The summary's model names a platform project; refresh maps it back to the name the plan
        compares, or every plan would replace it (audit §4 d, "reverse map for public models")."""
        catalog = provider.catalog([f"{QWEN35}-FP8"])
        spec = Spec(model=f"{QWEN35}-FP8", hardware=H100, min_replicas=1, max_replicas=1)
        deploy_role(provider, catalog, "chat", spec)
        [deployment] = provider.refresh(["chat"], catalog)["chat"].deployments
        assert deployment.spec == spec

    def test_an_unknown_name_is_neither_a_project_nor_a_public_model(self, provider: Provider) -> None:
        catalog = provider.catalog(["nobody/nothing"])
        assert "nobody/nothing" not in catalog.models and "nobody/nothing" not in catalog.public

    def test_supported_models_are_read_page_by_page_without_a_page_size(self) -> None:
        """SDK resources/models/models.py::list_supported sends no limit unless asked; the maximum is
        not documented, so the client leaves it to Together and follows `next_cursor`."""
        pages = [
            {"data": [{"id": "arch_1", "name": "a/b", "deploymentProfiles": []}], "next_cursor": "c1"},
            {"data": [{"id": "arch_2", "name": "c/d", "status": "SUPPORTED_MODEL_STATUS_DEPRECATED"}],
             "next_cursor": None},
        ]  # fmt: skip
        seen: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=pages[len(seen) - 1])

        found = mocked(answer).supported_models()
        assert [(m.id, m.deployable) for m in found] == [("arch_1", True), ("arch_2", False)]
        assert [dict(r.url.params) for r in seen] == [
            {"product": "PRODUCT_DEDICATED"}, {"product": "PRODUCT_DEDICATED", "after": "c1"},
        ]  # fmt: skip


def mocked(handler: Callable[[httpx.Request], httpx.Response]) -> TogetherClient:
    return TogetherClient("https://api.example", "k", project_id="proj_1", transport=httpx.MockTransport(handler),
                          max_retries=0)  # fmt: skip


class TestRefresh:
    @pytest.mark.parametrize("form", ["name", "id"])
    def test_hardware_in_either_form_refreshes_as_the_catalogs_id(
        self, provider: Provider, client: TogetherClient, form: str
    ) -> None:
        """Together's CLI parses a deployment's hardware as the deployable name (SDK lib/cli/api/
        endpoints/list.py::_prettify_hardware); the client copied it verbatim, so a name would show
        as drift from the manifest's id and plan a replace (audit §3 row 5)."""
        settings(client, deployment_hardware=form)
        catalog = provider.catalog([PLANNING])
        spec = Spec(model=PLANNING, hardware=H100, min_replicas=1, max_replicas=2)
        deploy_role(provider, catalog, "planning", spec)
        reported = client.get_endpoint(provider.endpoint("planning").id).deployments[0].hardware  # type: ignore[union-attr]
        assert reported == ("1xnvidia-h100-80gb" if form == "name" else H100)
        [deployment] = provider.refresh(["planning"], catalog)["planning"].deployments
        assert deployment.spec == spec

    def test_the_catalog_finds_hardware_by_id_name_or_name_without_its_vendor(self) -> None:
        """SDK _hardware_pricing.py::find_instance_type: by name, by id, and tolerating a missing
        vendor prefix (`1xh100-80gb`)."""
        h100 = Hardware(id=H100, name="1xnvidia-h100-80gb", usd_per_hour=3.99)
        catalog = Catalog(hardware={H100: h100}, models={})
        for form in (H100, "1xnvidia-h100-80gb", "1xh100-80gb", "1XNVIDIA-H100-80GB"):
            assert catalog.canonical_hardware(form) == H100
        assert catalog.canonical_hardware("9xmystery") == "9xmystery"


class TestWrites:
    def test_scaling_sends_the_mask_togethers_cli_sends_with_both_bounds(self) -> None:
        """SDK lib/cli/api/endpoints/update.py and rm.py send `updateMask=autoscaling`; nested paths
        (what the client sent) are not known to be accepted (audit §3 row 6)."""
        seen: list[httpx.Request] = []
        stopping = {"state": "DEPLOYMENT_STATE_STOPPING"}
        deployment = {**DEPLOYMENT, "autoscaling": {"minReplicas": 0, "maxReplicas": 0}, "status": stopping}

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=deployment)

        mocked(answer).scale_deployment("ep_1", "dep_1", min_replicas=0, max_replicas=0)
        assert seen[0].url.params["updateMask"] == "autoscaling"
        assert json.loads(seen[0].content) == {"autoscaling": {"minReplicas": 0, "maxReplicas": 0}}

    def test_a_config_is_read_under_its_owning_project(self) -> None:
        """SDK lib/cli/api/endpoints/_utils/_hardware_pricing.py::ensure_config_with_selectors reads a
        config with `project_id=model_config.project_id`: a public config under the platform's."""
        seen: list[str] = []
        body = {"id": "cr_9", "projectId": "proj_platform", "referenceModel": "projects/proj_platform/models/ml_1"}

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path)
            return httpx.Response(200, json=body)

        assert mocked(answer).get_config("projects/proj_platform/configs/cr_9").id == "cr_9"
        assert seen == ["/v2/projects/proj_platform/configs/cr_9"]

    def test_an_active_rollout_and_partial_placement_are_read(self) -> None:
        """SDK types/endpoint.py (activeRolloutId), types/deployment_status.py (scheduledReplicas)."""
        endpoint = {"id": "ep_1", "name": "s/e", "etag": "e", "createdAt": "2026-01-01T00:00:00Z",
                    "activeRolloutId": "rol_7"}  # fmt: skip
        deployment = {
            **DEPLOYMENT, "autoscaling": {"minReplicas": 3, "maxReplicas": 3}, "desiredReplicas": 3,
            "status": {"state": "DEPLOYMENT_STATE_DEGRADED", "readyReplicas": 2, "scheduledReplicas": 2},
        }  # fmt: skip

        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json=deployment if "/deployments/" in request.url.path else endpoint)

        client = mocked(answer)
        assert client.get_endpoint("ep_1").active_rollout_id == "rol_7"
        found = client.get_deployment("ep_1", "dep_1")
        assert (found.status.state, found.desired_replicas, found.status.scheduled_replicas) == (
            "DEPLOYMENT_STATE_DEGRADED", 3, 2,
        )  # fmt: skip
