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
    World,
)


def rfc3339(moment: datetime) -> str:
    # Fixed width, so the strings sort as the instants do: list cursors compare them.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def instance_type(hardware: InstanceType) -> JSON:
    return {
        "id": hardware.id,
        "name": hardware.name,
        "description": f"{hardware.gpu_count}x NVIDIA {hardware.gpu_type} {hardware.gpu_memory_gib}GB",
        "gpuType": hardware.gpu_type,
        "gpuCount": hardware.gpu_count,
        "gpuMemoryGib": hardware.gpu_memory_gib,
        "priceCentsPerHour": hardware.price_cents_per_hour,
        "regions": [{"name": REGION, "headroom": {"relation": "RELATION_GTE", "value": 3}}],
    }


def model(world: World, record: ModelRecord) -> JSON:
    parameters = str(record.parameters)
    view: JSON = {
        "id": record.id,
        "name": record.name,
        "organizationId": world.project.organization_id,
        "projectId": world.project.id,
        "visibility": record.visibility,
        "description": f"{record.name}, as served by the simulator",
        "weights": {
            "architecture": record.architecture,
            "contextLength": str(record.context_length),
            "parameters": {"total": parameters, "byDtype": [{"dtype": "bfloat16", "count": parameters}]},
            "type": "WEIGHTS_TYPE_DEFAULT",
        },
    }
    base = next((m for m in world.models.values() if m.name == record.base_model), None)
    if base is not None:
        view |= {"baseModel": world.model_resource(base), "baseModelId": base.id}
    return view


def config(world: World, record: Config) -> JSON:
    reference, hardware = world.models[record.model_id], world.instance_types[record.instance_type]
    return {
        "id": record.id,
        "projectId": world.project.id,
        "referenceModel": world.model_resource(reference),
        "referenceModelId": reference.id,
        "selectors": [
            {"key": "instance_type", "value": hardware.id},
            {"key": "gpu_type", "value": hardware.gpu_type},
            {"key": "gpu_count", "value": str(hardware.gpu_count)},
        ],
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
    return {
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


def deployment(world: World, record: DeploymentRecord, now: datetime, share: float, *, summary: bool = False) -> JSON:
    """The full EndpointDeployment, or (`summary`) the EndpointDeploymentSummary an endpoint embeds."""
    owner, served = world.endpoints[record.endpoint_id], world.models[record.model_id]
    phase = record.observed(now)
    view: JSON = {
        "id": record.id,
        "name": f"{world.project.slug}/{owner.name}/{record.name}",
        "model": f"{world.model_resource(served)}/revisions/{served.revision_id}",
        "modelId": served.id,
        "hardware": record.instance_type,
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
        "config": world.config_resource(record.config_id),
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
