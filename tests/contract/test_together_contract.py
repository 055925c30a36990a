"""Together's behaviour that `reasoning` relies on, checked against the simulator and, with
`pytest -m live` and `TOGETHER_API_KEY`, against Together itself.

Each test names where the behaviour is documented (SDK `together==3.1.1` or Together's docs as
mirrored in togethercomputer/skills `skills/together-ai/references/dedicated-model-inference/`).
On the simulator these are fast; live, the endpoint lifecycle costs one replica of the cheapest
certified profile for the minutes its cold start takes (and the routing test two), and everything
created is deleted afterwards (see conftest.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest
import together
from together.types.supported_model_deployment_profile import SupportedModelDeploymentProfile

from controlplane.provider import Provider
from tests.contract.conftest import LIVE_READY_SECONDS, Service

SELECTORS = ("accelerator_type", "accelerator_count")


@dataclass(frozen=True)
class Cheapest:
    """The cheapest certified way to deploy a public model, and what it costs per hour."""

    profile: SupportedModelDeploymentProfile
    hardware: str  # the instance type's deployable name
    cents_per_hour: int


def accelerator_name(service: Service, config_resource: str) -> str | None:
    """`{accelerator_count}x{accelerator_type}` of a config, read under its owning project (SDK
    lib/cli/api/endpoints/_utils/_hardware_pricing.py: hardware_from_selectors)."""
    named = re.fullmatch(r"projects/([^/]+)/configs/([^/]+)", config_resource)
    assert named is not None, config_resource
    config = service.sdk.models.configs.retrieve(named.group(2), project_id=named.group(1))
    selectors = {s.key: s.value for s in config.selectors}
    if not all(key in selectors for key in SELECTORS):
        return None
    return f"{selectors['accelerator_count']}x{selectors['accelerator_type']}"


def cheapest(service: Service) -> Cheapest:
    prices = {t.name: t.price_cents_per_hour for t in service.sdk.endpoints.hardware.list().data}
    candidates = []
    for entry in service.sdk.models.list_supported(product="PRODUCT_DEDICATED"):
        if entry.status in ("SUPPORTED_MODEL_STATUS_DEPRECATED", "SUPPORTED_MODEL_STATUS_HIDDEN"):
            continue
        for profile in entry.deployment_profiles:
            if profile.gpu_count == 1 and profile.model and profile.config:
                candidates.append(profile)
    assert candidates, "no single-GPU certified profile in the supported-models catalog"
    priced = []
    for profile in sorted(candidates, key=lambda p: (p.api_model_name, p.quantization))[:40]:
        hardware = accelerator_name(service, profile.config)
        if hardware in prices:
            priced.append(Cheapest(profile, hardware, prices[hardware]))
    assert priced, "no certified profile's config names an instance type of the hardware catalog"
    return min(priced, key=lambda c: (c.cents_per_hour, c.profile.api_model_name, c.profile.quantization))


def state_of(service: Service, endpoint_id: str, deployment_id: str) -> str:
    return service.sdk.endpoints.deployments.retrieve(deployment_id, endpoint_id=endpoint_id).status.state


def reaches(service: Service, endpoint_id: str, deployment_id: str, state: str, timeout: float) -> None:
    service.wait_for(
        f"{deployment_id} to be {state}",
        lambda: True if state_of(service, endpoint_id, deployment_id) == state else None,
        timeout=timeout,
        every=15.0 if service.kind == "live" else 30.0,
    )


def chat(service: Service, endpoint: str, **extra: object) -> tuple[str, str]:
    """One tiny completion: (x-cluster, text)."""
    raw = service.sdk.chat.completions.with_raw_response.create(
        model=f"{service.slug}/{endpoint}", messages=[{"role": "user", "content": "ping"}], max_tokens=1, **extra
    )
    message = raw.parse().choices[0].message
    return raw.headers.get("x-cluster", ""), (message.content or "") if message is not None else ""


def code_of(error: together.APIStatusError) -> str | None:
    body = error.body
    detail = body.get("error", body) if isinstance(body, dict) else None
    return detail.get("code") if isinstance(detail, dict) else None


class TestIdentityAndCatalog:
    def test_whoami_names_the_project_and_its_slug(self, service: Service) -> None:
        """SDK _client.py (whoami): "project.slug can be used with an endpoint slug as
        <project_slug>/<endpoint_slug> to form the model value"."""
        me = service.ours.whoami()
        assert me.project.id == service.project_id and me.project.slug

    def test_instance_types_are_named_count_x_type_with_an_hourly_price(self, service: Service) -> None:
        """docs: models-and-configs.md, Instance types: "map to a deployable instance type (e.g.
        1xnvidia-h100-80gb)"; SDK types/endpoints/inference_instance_type.py (priceCentsPerHour)."""
        kinds = service.sdk.endpoints.hardware.list().data
        assert kinds
        for kind in kinds:
            assert re.fullmatch(r"\d+x[a-z0-9-]+", kind.name), kind.name
            assert kind.price_cents_per_hour > 0 and kind.gpu_count >= 1

    def test_public_profiles_name_platform_owned_models_and_configs(self, service: Service) -> None:
        """docs: api-reference.md: the owning project of public models and configs "is usually a
        platform project, not yours"; models-and-configs.md, Deployment profiles."""
        found = cheapest(service).profile
        model_owner = re.fullmatch(r"projects/([^/]+)/models/[^/]+(?:/revisions/[^/]+)?", found.model)
        config_owner = re.fullmatch(r"projects/([^/]+)/configs/[^/]+", found.config)
        assert model_owner and config_owner
        assert service.project_id not in (model_owner.group(1), config_owner.group(1))

    def test_a_profiles_config_names_its_hardware_in_accelerator_selectors(self, service: Service) -> None:
        """docs: models-and-configs.md, Configs (accelerator_type, accelerator_count); SDK
        _hardware_pricing.py builds the instance type name from them."""
        found = cheapest(service)
        names = {t.name for t in service.sdk.endpoints.hardware.list().data}
        assert accelerator_name(service, found.profile.config) in names

    def test_the_control_planes_catalog_reads_public_profiles(self, service: Service) -> None:
        """Our client end to end: supported-models, profile hardware, prices (no resources created)."""
        found = cheapest(service)
        catalog = Provider(service.ours, service.prefix).catalog([found.profile.api_model_name])
        profiles = catalog.public[found.profile.api_model_name]
        assert profiles and all(p.hardware in catalog.hardware for p in profiles)
        assert round(min(catalog.price(p.hardware) for p in profiles) * 100) <= found.cents_per_hour


class TestEndpointLifecycle:
    def test_an_endpoint_lives_and_is_deleted_the_way_apply_assumes(self, service: Service) -> None:
        """One endpoint, one deployment of the cheapest profile, through every rule apply relies on."""
        sdk, found = service.sdk, cheapest(service)
        name = service.name("probe")
        endpoint = sdk.endpoints.create(name=name)

        # GET takes ids; names resolve through the list filter (SDK _resolve_model.py, resolve_endpoint).
        with pytest.raises((together.NotFoundError, together.BadRequestError)):
            sdk.endpoints.retrieve(name)
        assert [e.id for e in sdk.endpoints.list(filter=f'name="{name}"')] == [endpoint.id]

        deployment = sdk.endpoints.deployments.create(
            endpoint.id, name="v1", model=found.profile.model, config=found.profile.config,
            autoscaling={"min_replicas": 1, "max_replicas": 1}, inactive_timeout=0,
        )  # fmt: skip
        assert deployment.status.state in ("DEPLOYMENT_STATE_PROVISIONING", "DEPLOYMENT_STATE_SCALING")

        # "You can't zero the split with an empty list ... 400 no fields to update" (api-reference.md).
        with pytest.raises(together.BadRequestError):
            sdk.endpoints.update(endpoint.id, traffic_split=[])

        reaches(service, endpoint.id, deployment.id, "DEPLOYMENT_STATE_READY", LIVE_READY_SECONDS)

        # "A deployment must be stopped first" (api-reference.md, Delete Resources).
        with pytest.raises(together.APIStatusError) as running:
            sdk.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        assert 400 <= running.value.status_code < 500

        # A READY deployment outside the split: endpoint_not_configured (api-reference.md, Troubleshooting).
        with pytest.raises(together.BadRequestError) as unrouted:
            chat(service, name)
        assert code_of(unrouted.value) == "endpoint_not_configured"

        # Routed: it answers, and names its deployment in x-cluster (traffic-routing.md).
        current = sdk.endpoints.retrieve(endpoint.id)
        sdk.endpoints.update(endpoint.id, update_mask="trafficSplit", etag=current.etag,
                             traffic_split=[{"deployment_id": deployment.id, "weight": 1}])  # fmt: skip
        service.settle()
        cluster, _ = chat(service, name)
        assert cluster

        # The mask Together's CLI sends, both bounds (SDK lib/cli/api/endpoints/update.py).
        scaled = sdk.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
            autoscaling={"min_replicas": 1, "max_replicas": 2},
        )  # fmt: skip
        assert (scaled.autoscaling.min_replicas, scaled.autoscaling.max_replicas) == (1, 2)

        # Stopped while routed: endpoint_not_ready ("every deployment behind the endpoint is stopped").
        sdk.endpoints.deployments.update(
            deployment.id, endpoint_id=endpoint.id, update_mask="autoscaling",
            autoscaling={"min_replicas": 0, "max_replicas": 0},
        )  # fmt: skip
        reaches(service, endpoint.id, deployment.id, "DEPLOYMENT_STATE_STOPPED", 30 * 60)
        service.settle()
        with pytest.raises(together.BadRequestError) as stopped:
            chat(service, name)
        assert code_of(stopped.value) == "endpoint_not_ready"

        # A zero weight removes the entry (docs: route-traffic), then delete works.
        current = sdk.endpoints.retrieve(endpoint.id)
        emptied = sdk.endpoints.update(endpoint.id, update_mask="trafficSplit", etag=current.etag,
                                       traffic_split=[{"deployment_id": deployment.id, "weight": 0}])  # fmt: skip
        assert emptied.traffic_split == []
        sdk.endpoints.deployments.delete(deployment.id, endpoint_id=endpoint.id)
        sdk.endpoints.delete(endpoint.id)
        with pytest.raises(together.NotFoundError):
            sdk.endpoints.retrieve(endpoint.id)


class TestRouting:
    def test_a_split_samples_by_weight_and_stays_sticky_by_key(self, service: Service) -> None:
        """docs: traffic-routing.md: "sample a candidate in proportion to capacity (weight x ready
        replicas)"; sticky by prompt_cache_key; "a configured 95/5 typically measures ~92-97 % on the
        control at N=200". Live, this runs two replicas of the cheapest profile for its duration."""
        sdk, found = service.sdk, cheapest(service)
        name = service.name("split")
        endpoint = sdk.endpoints.create(name=name)
        deployments = [
            sdk.endpoints.deployments.create(
                endpoint.id, name=side, model=found.profile.model, config=found.profile.config,
                autoscaling={"min_replicas": 1, "max_replicas": 1}, inactive_timeout=0,
            ).id
            for side in ("stable", "canary")
        ]  # fmt: skip
        for deployment in deployments:
            reaches(service, endpoint.id, deployment, "DEPLOYMENT_STATE_READY", LIVE_READY_SECONDS)
        clusters = {}
        for deployment in deployments:  # map x-cluster to deployments by routing all to one
            current = sdk.endpoints.retrieve(endpoint.id)
            sdk.endpoints.update(endpoint.id, update_mask="trafficSplit", etag=current.etag,
                                 traffic_split=[{"deployment_id": deployment, "weight": 1}])  # fmt: skip
            service.settle()
            clusters[chat(service, name)[0]] = deployment
        stable, canary = deployments
        assert set(clusters.values()) == {stable, canary}
        current = sdk.endpoints.retrieve(endpoint.id)
        sdk.endpoints.update(endpoint.id, update_mask="trafficSplit", etag=current.etag,
                             traffic_split=[{"deployment_id": stable, "weight": 95},
                                            {"deployment_id": canary, "weight": 5}])  # fmt: skip
        service.settle()
        landed = Counter(
            clusters.get(chat(service, name, extra_body={"prompt_cache_key": f"probe-{i}"})[0]) for i in range(200)
        )
        assert landed[stable] + landed[canary] == 200 and 2 <= landed[canary] <= 25
        repeat = {chat(service, name, extra_body={"prompt_cache_key": "the-same"})[0] for _ in range(5)}
        assert len(repeat) == 1
