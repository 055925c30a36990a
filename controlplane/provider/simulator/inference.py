"""Inference, played: `GET /v1/models` and `POST /v1/chat/completions` on dedicated endpoints.

A chat `model` names an endpoint (`<slug>/<endpoint>` or its bare name) or pins one deployment
(`<slug>/<endpoint>/<deployment>`). An endpoint routes as Together documents it (docs:
dedicated-model-inference/traffic-routing.md): each request samples a deployment in proportion
to weight x ready replicas, by a sampling key that keeps it sticky (`prompt_cache_key`, else
`user`, else the request's content), and the answer names the deployment in `x-cluster`. What it
cannot answer gets Together's v2 400s: `endpoint_not_ready` when every deployment is stopped,
`endpoint_not_configured` when nothing serving is in the split, `model_not_available` for names
it does not know. What the model says is `chat`'s business.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING

from controlplane.provider.simulator.protocol import JSON, Call, SimResponse, bad_request, json_response
from controlplane.provider.simulator.world import DeploymentRecord, EndpointRecord, World, cluster_of

if TYPE_CHECKING:
    from controlplane.provider.simulator import chat


def list_models(world: World, call: Call) -> SimResponse:
    """A bare array, as v1 has it: the seeded models, then every endpoint that answers right now."""
    entries = [
        _entry(m.name, m.created_at, m.name.split("/")[0], m.context_length,
               {"hourly": 0, "input": m.input_usd_per_mtok, "output": m.output_usd_per_mtok})
        for m in sorted(world.models.values(), key=lambda m: m.name)
    ]  # fmt: skip
    for endpoint in sorted(world.endpoints.values(), key=lambda e: e.seq):
        routed = world.routed(endpoint, call.now)
        if routed:
            deployment = world.deployments[next(iter(routed))]
            hourly = world.instance_types[deployment.instance_type].price_cents_per_hour / 100
            entries.append(
                _entry(f"{world.project.slug}/{endpoint.name}", endpoint.created_at, world.project.name,
                       world.models[deployment.model_id].context_length, {"hourly": hourly, "input": 0, "output": 0})
            )  # fmt: skip
    return json_response(200, entries)


def _entry(name: str, created: datetime, organization: str, context_length: int, pricing: JSON) -> JSON:
    return {
        "id": name,
        "object": "model",
        "created": int(created.timestamp()),
        "type": "chat",
        "display_name": name.split("/")[-1],
        "organization": organization,
        "context_length": context_length,
        "pricing": {**pricing, "base": 0, "finetune": 0},
    }


def chat_completions(world: World, call: Call) -> SimResponse:
    # imported on the first chat: plan, apply and reconcile talk to the simulator without one
    from controlplane.provider.simulator import chat

    request = call.parse(chat.ChatRequest)
    endpoint, deployment = _target(world, request, call.now)
    role = chat.role_for(endpoint.name, world.models[deployment.model_id].name)
    result = chat.answer(request, role, served_by=f"{world.project.slug}/{endpoint.name}")
    created = int(call.now.timestamp())
    headers = {"x-cluster": cluster_of(deployment.id)}
    if request.stream:
        headers |= {"content-type": "text/event-stream", "cache-control": "no-cache"}
        return SimResponse(200, headers, chat.stream(request, result, call.request_id, created))
    return json_response(200, chat.completion(request, result, call.request_id, created), headers)


def sampling_key(request: chat.ChatRequest) -> str:
    """What keeps a request on one deployment: `prompt_cache_key`, else `user`, else its content."""
    if request.prompt_cache_key:
        return f"prompt_cache_key:{request.prompt_cache_key}"
    if request.user:
        return f"user:{request.user}"
    # role and content only, as before the simulator read tool calls: a key keeps its deployment
    content = json.dumps(
        [m.model_dump(mode="json", include={"role", "content"}) for m in request.messages], sort_keys=True
    )
    return f"content:{hashlib.sha256(content.encode()).hexdigest()}"


def sample(capacity: dict[str, float], key: str) -> str:
    """The deployment a key lands on: a point in [0, 1) fixed by the key, over the cumulative
    capacity in traffic-split order, so shares follow capacity and a key keeps its deployment
    while the split is stable."""
    point = int(hashlib.sha256(key.encode()).hexdigest()[:13], 16) / 16**13 * sum(capacity.values())
    for deployment_id, share in capacity.items():
        if point < share:
            return deployment_id
        point -= share
    return next(reversed(capacity))


def _target(world: World, request: chat.ChatRequest, now: datetime) -> tuple[EndpointRecord, DeploymentRecord]:
    """The endpoint and deployment that answer `request.model`."""
    model = request.model
    parts = model.split("/")
    if len(parts) > 1 and parts[0] == world.project.slug:
        parts = parts[1:]
    endpoint = world.find_endpoint(parts[0]) if len(parts) <= 2 else None
    pinned = world.find_deployment(endpoint, parts[1]) if endpoint and len(parts) == 2 else None
    if endpoint is None or (len(parts) == 2 and pinned is None):
        raise bad_request(
            f"Unable to access model {model}. Dedicated models are called as <project slug>/<endpoint name>; "
            "create an endpoint and a deployment for it first.",
            code="model_not_available",
            param="model",
        )
    if pinned is not None:
        if pinned.observed(now).serving_replicas:
            return endpoint, pinned
        behind = [pinned]
    else:
        routed = world.routed(endpoint, now)
        if routed:
            return endpoint, world.deployments[sample(routed, sampling_key(request))]
        behind = world.deployments_of(endpoint)
    name = f"{world.project.slug}/{endpoint.name}"
    if behind and all(d.observed(now).state in _STOPPED for d in behind):
        raise bad_request(f"Endpoint {name} is not ready: every deployment behind it is stopped.",
                          code="endpoint_not_ready")  # fmt: skip
    raise bad_request(
        f"Endpoint {name} is not configured: no deployment in its traffic split has a ready replica.",
        code="endpoint_not_configured",
    )


_STOPPED = ("DEPLOYMENT_STATE_STOPPED", "DEPLOYMENT_STATE_STOPPING")
