"""The world as Together shows it: v2 wire shapes (camelCase, fully qualified enums).

Each function renders one resource exactly as SDK `together==3.1.1` declares it in `types/`, with
every required field present: `InferenceInstanceType`, `Model`, `models.Config`, `Endpoint` (with
its `EndpointDeploymentSummary`s) and `EndpointDeployment`. States are computed at the request's
`now`, so a view is where simulated time becomes visible.
"""

from __future__ import annotations

from datetime import datetime, timezone

from controlplane.provider.simulator.protocol import JSON
from controlplane.provider.simulator.world import (
    REGION,
    Config,
    DeploymentRecord,
    EndpointRecord,
    InstanceType,
    ModelRecord,
    SupportedModel,
    World,
)


def rfc3339(moment: datetime) -> str:
    # Fixed width, so the strings sort as the instants do: list cursors compare them.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def instance_type(world: World, hardware: InstanceType, now: datetime) -> JSON:
    limit = world.settings.capacity.get(hardware.id)
    if limit is None:
        headroom: JSON = {"relation": "RELATION_GTE", "value": 3}
    else:
        headroom = {"relation": "RELATION_EQ", "value": max(0, limit - world.placed(hardware.id, now, besides=""))}
    return {
        "id": hardware.id,
        "name": hardware.name,
        "description": f"{hardware.gpu_count}x NVIDIA {hardware.gpu_type} {hardware.gpu_memory_gib}GB",
        "gpuType": hardware.gpu_type,
        "gpuCount": hardware.gpu_count,
        "gpuMemoryGib": hardware.gpu_memory_gib,
        "priceCentsPerHour": hardware.price_cents_per_hour,
        "regions": [{"name": REGION, "headroom": headroom}],
    }


def model(world: World, record: ModelRecord) -> JSON:
    parameters = str(record.parameters)
    owner = world.project_of(record.project_id)
    view: JSON = {
        "id": record.id,
        "name": record.name,
        "organizationId": owner.organization_id if owner is not None else "",
        "projectId": record.project_id,
        "visibility": record.visibility,
        "description": f"{record.name}, as served by the simulator",
        "weights": {
            "architecture": record.architecture,
            "contextLength": str(record.context_length),
            "parameters": {"total": parameters, "byDtype": [{"dtype": _dtype(record), "count": parameters}]},
            "type": "WEIGHTS_TYPE_DEFAULT",
        },
    }
    base = world.model_named(record.base_model) if record.base_model is not None else None
    if base is not None:
        view |= {"baseModel": world.model_resource(base), "baseModelId": base.id}
    return view


def _dtype(record: ModelRecord) -> str:
    return "float8_e4m3fn" if record.quantization == "FP8" else "bfloat16"


def selectors(hardware: InstanceType, optimization: str) -> list[JSON]:
    """A config's selectors, with Together's keys (docs: models-and-configs.md; SDK
    `lib/cli/api/endpoints/_utils/_hardware_pricing.py` builds `{count}x{type}` from the first two)."""
    values = {
        "accelerator_type": hardware.accelerator_type,
        "accelerator_count": str(hardware.gpu_count),
        "optimization": optimization,
        "topology": "aggregated",
        "adapter_mode": "disabled",
    }
    return [{"key": key, "value": value} for key, value in values.items()]


def config(world: World, record: Config) -> JSON:
    reference, hardware = world.models[record.model_id], world.instance_types[record.instance_type]
    return {
        "id": record.id,
        "projectId": world.config_owner(record),
        "referenceModel": world.model_resource(reference),
        "referenceModelId": reference.id,
        "selectors": selectors(hardware, record.optimization),
        "certifications": [
            {
                "certificationType": "CERTIFICATION_TYPE_CERTIFIED",
                "certifiedAt": rfc3339(reference.created_at),
                "certifiedBy": "simulator",
                "model": world.model_resource(reference),
                "modelRevisionId": reference.revision_id,
                "target": "CERTIFICATION_TARGET_MRE",
            }
        ],
    }


def endpoint(world: World, record: EndpointRecord, now: datetime) -> JSON:
    capacity = world.routed(record, now)
    total = sum(capacity.values())
    view: JSON = {
        "id": record.id,
        "name": f"{world.project.slug}/{record.name}",
        "projectId": world.project.id,
        "endpointType": "ENDPOINT_TYPE_DEDICATED",
        "etag": record.etag,
        "visibility": record.visibility,
        "trafficSplit": [{"deploymentId": t.deployment_id, "weight": t.weight} for t in record.traffic_split],
        "deployments": [
            deployment(world, d, now, capacity.get(d.id, 0.0) / total if total else 0.0, summary=True)
            for d in world.deployments_of(record)
        ],
        "createdAt": rfc3339(record.created_at),
        "updatedAt": rfc3339(record.updated_at),
    }
    if record.active_rollout_id is not None:
        view["activeRolloutId"] = record.active_rollout_id
    return view


def hardware_of(world: World, record: DeploymentRecord) -> str:
    """What a deployment reports as its hardware: the deployable name (`1xnvidia-h100-80gb`, which
    SDK `lib/cli/api/endpoints/list.py::_prettify_hardware` parses), or the id if set so."""
    hardware = world.instance_types[record.instance_type]
    return hardware.name if world.settings.deployment_hardware == "name" else hardware.id


def deployment(world: World, record: DeploymentRecord, now: datetime, share: float, *, summary: bool = False) -> JSON:
    """The full EndpointDeployment, or (`summary`) the EndpointDeploymentSummary an endpoint embeds."""
    owner, served = world.endpoints[record.endpoint_id], world.models[record.model_id]
    phase = record.observed(now)
    view: JSON = {
        "id": record.id,
        "name": f"{world.project.slug}/{owner.name}/{record.name}",
        "model": f"{world.model_resource(served)}/revisions/{served.revision_id}",
        "modelId": served.id,
        "hardware": hardware_of(world, record),
        "autoscaling": {"minReplicas": record.min_replicas, "maxReplicas": record.max_replicas},
        "desiredReplicas": record.min_replicas,
        "estimatedEffectiveTrafficShare": share,
        "trafficMode": "TRAFFIC_MODE_LIVE",
        "createdAt": rfc3339(record.created_at),
    }
    if summary:
        return view | {"state": phase.state, "readyReplicas": phase.ready_replicas}
    replicas = {"readyReplicas": phase.ready_replicas, "scheduledReplicas": phase.scheduled_replicas}
    view |= {
        "endpointId": owner.id,
        "projectId": world.project.id,
        "modelRevisionId": served.revision_id,
        "config": f"projects/{world.reference_of(served).project_id}/configs/{record.config_id}",
        "configId": record.config_id,
        "etag": record.etag,
        "inactiveTimeout": record.inactive_timeout,
        "status": {
            "state": phase.state,
            "message": phase.message,
            **replicas,
            "details": {"region": [{"region": REGION, **replicas}] if phase.scheduled_replicas else []},
        },
        "runtimeInfo": {"engineType": "simulator", "engineVersion": "1", "functionCallingSupported": True},
        "updatedAt": rfc3339(record.updated_at),
    }
    if record.max_concurrent_requests_per_replica is not None:
        view["maxConcurrentRequestsPerReplica"] = record.max_concurrent_requests_per_replica
    return view


def supported_model(world: World, entry: SupportedModel) -> JSON:
    """A `SupportedModel` with its `deploymentProfiles`: one per balanced config of each of the
    family's weights, naming the platform's model and config resources (SDK
    `types/supported_model.py`, `types/supported_model_deployment_profile.py`)."""
    base = entry.base
    configs = sorted(
        (c for c in world.configs().values() if c.optimization == "balanced"),
        key=lambda c: world.instance_types[c.instance_type].price_cents_per_hour,
    )
    profiles = [
        _profile(world, model, config) for model in entry.models for config in configs if config.model_id == model.id
    ]
    publisher = entry.name.split("/")[0]
    view: JSON = {
        "id": entry.id,
        "baseModel": world.model_resource(base),
        "baseModelId": base.id,
        "capabilities": ["CAPABILITY_CHAT"],
        "createdAt": rfc3339(base.created_at),
        "deploymentProfiles": profiles,
        "displayName": entry.name.split("/")[-1],
        "displayType": "chat",
        "inputModalities": ["MODALITY_TEXT"],
        "name": entry.name,
        "outputModalities": ["MODALITY_TEXT"],
        "products": ["PRODUCT_DEDICATED", "PRODUCT_SERVERLESS"],
        "publisher": publisher,
        "status": "SUPPORTED_MODEL_STATUS_SUPPORTED",
        "updatedAt": rfc3339(base.created_at),
        "architecture": base.architecture,
        "contextLength": str(base.context_length),
        "description": f"{entry.name}, a public model of the simulated platform",
        "features": ["FEATURE_TOOL_CALLING"],
        "pricing": {"input": base.input_usd_per_mtok, "output": base.output_usd_per_mtok},
    }
    return view


def _profile(world: World, model: ModelRecord, config: Config) -> JSON:
    hardware = world.instance_types[config.instance_type]
    return {
        "certifiedConfigRevisionId": config.id,
        "certifiedModelRevisionId": model.revision_id,
        "config": world.config_resource(config),
        "gpuCount": hardware.gpu_count,
        "gpuType": hardware.gpu_type,
        "model": f"{world.model_resource(model)}/revisions/{model.revision_id}",
        "modelName": model.name,
        "parallelism": f"TP{hardware.gpu_count}",
        "performanceBenchmarks": {
            "decodingSpeedTps": round(4000 / max(1, model.parameters // 1_000_000_000) * hardware.gpu_count, 1),
            "maxContextLength": str(model.context_length),
            "timeToFirstTokenMs": 120,
        },
        "profileId": config.id,
        "quantization": model.quantization,
        "adapterMode": "ADAPTER_MODE_DISABLED",
    }
