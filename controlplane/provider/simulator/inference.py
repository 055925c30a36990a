"""Inference, played: `GET /v1/models` and `POST /v1/chat/completions` on dedicated endpoints.

A chat `model` names an endpoint (`<slug>/<endpoint>` or its bare name) or pins one deployment
(`<slug>/<endpoint>/<deployment>`). It is answered by a deployment that is serving at the
request's `now` and, for an endpoint, takes traffic in its split; otherwise Together's 400s:
`model_not_available` for names it does not know, `dedicated_endpoint_not_running` for endpoints
that cannot answer. What the model says is `chat`'s business.
"""

from __future__ import annotations

from datetime import datetime

from controlplane.provider.simulator.protocol import JSON, Call, SimResponse, bad_request, json_response
from controlplane.provider.simulator.world import DeploymentRecord, EndpointRecord, World


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
    endpoint, deployment = _target(world, request.model, call.now)
    role = chat.role_for(endpoint.name, world.models[deployment.model_id].name)
    result = chat.answer(request, role, served_by=f"{world.project.slug}/{endpoint.name}")
    created = int(call.now.timestamp())
    if request.stream:
        headers = {"content-type": "text/event-stream", "cache-control": "no-cache"}
        return SimResponse(200, headers, chat.stream(request, result, call.request_id, created))
    return json_response(200, chat.completion(request, result, call.request_id, created))


def _target(world: World, model: str, now: datetime) -> tuple[EndpointRecord, DeploymentRecord]:
    """The endpoint and deployment that answer `model`."""
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
    else:
        routed = world.routed(endpoint, now)
        if routed:
            # The largest share answers; max() keeps the first of equals, in traffic-split order.
            return endpoint, world.deployments[max(routed, key=lambda deployment_id: routed[deployment_id])]
    raise bad_request(
        f"Dedicated endpoint {world.project.slug}/{endpoint.name} is not running: "
        "no READY deployment takes its traffic.",
        code="dedicated_endpoint_not_running",
    )
