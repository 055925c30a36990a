"""Together's v2 resources, played: identity, hardware, models, configs, supported models,
endpoints, deployments.

One function per route, each `(world, call) -> SimResponse`; `api` holds the table that maps
method and path to them. Request bodies are lenient models (Together's fields in camelCase,
anything unmodelled ignored); every rule Together enforces and the control plane depends on is
checked here and refused with Together's status and error: names, autoscaling bounds, model and
config compatibility (a derived model deploys with its base's config; public models and configs
belong to the platform project), unique names (409), stale etags (409), a PATCH with nothing to
update (400), deleting what is still in use or not yet STOPPED (400). Resources are addressed by
id; names resolve through the list filter, as Together's own CLI does.

Handlers check everything before they change a record, so a refused request leaves no trace and
`MemoryWorld` can undo a failed one without copying the world first.
"""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from controlplane.provider.simulator import views
from controlplane.provider.simulator.protocol import ApiError, Call, SimResponse, bad_request, json_response, not_found
from controlplane.provider.simulator.query import Field as FilterField
from controlplane.provider.simulator.query import TextField, TimeField, compile_filter, order, paginate
from controlplane.provider.simulator.world import (
    Config,
    DeploymentRecord,
    EndpointRecord,
    ModelRecord,
    Phase,
    TrafficEntry,
    Visibility,
    World,
    supported_models,
)

# Together's rule for endpoint and deployment names: they become DNS-ish inference addresses.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
T = TypeVar("T")


# -- request bodies and their checks --------------------------------------------------------------


class _Body(BaseModel):
    # Lenient like the real API: fields the simulator does not model (placement, scaling windows,
    # speculators) are accepted and ignored.
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class _EndpointCreate(_Body):
    name: str
    visibility: Visibility = "VISIBILITY_PRIVATE"


class _TrafficEntry(_Body):
    deployment_id: str = Field(alias="deploymentId")
    weight: float = Field(ge=0, allow_inf_nan=False)


class _EndpointUpdate(_Body):
    etag: str | None = None
    name: str | None = None
    traffic_split: list[_TrafficEntry] | None = Field(default=None, alias="trafficSplit")
    visibility: Visibility | None = None


class _Autoscaling(_Body):
    min_replicas: int | None = Field(default=None, alias="minReplicas")
    max_replicas: int | None = Field(default=None, alias="maxReplicas")


class _DeploymentCreate(_Body):
    name: str
    autoscaling: _Autoscaling
    model: str | None = None
    model_id: str | None = Field(default=None, alias="modelId")  # deprecated by Together, still accepted
    config: str | None = None
    config_id: str | None = Field(default=None, alias="configId")  # deprecated by Together, still accepted
    inactive_timeout: int = Field(default=0, alias="inactiveTimeout")
    max_concurrent_requests_per_replica: str | None = Field(default=None, alias="maxConcurrentRequestsPerReplica")
    validate_only: bool = Field(default=False, alias="validateOnly")


class _DeploymentUpdate(_Body):
    etag: str | None = None
    autoscaling: _Autoscaling | None = None
    inactive_timeout: int | None = Field(default=None, alias="inactiveTimeout")
    max_concurrent_requests_per_replica: str | None = Field(default=None, alias="maxConcurrentRequestsPerReplica")
    name: str | None = None


def _update_mask(call: Call, allowed: set[str]) -> set[str] | None:
    """`updateMask` as a set of camelCase paths (snake_case accepted), or None when absent."""
    raw = call.query.get("updateMask", "")
    paths = {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), p.strip()) for p in raw.split(",") if p.strip()}
    if not paths:
        return None
    unknown = sorted(paths - allowed)
    if unknown:
        raise bad_request(f"updateMask: unknown field {unknown[0]!r}; updatable: {', '.join(sorted(allowed))}",
                          param="updateMask")  # fmt: skip
    return paths


def _required(value: T | None, param: str) -> T:
    """A field the update mask names; a mask naming a field the body lacks is a client bug."""
    if value is None:
        raise bad_request(f"{param}: named in updateMask but missing from the body", param=param)
    return value


def _check_etag(current: str, given: str | None, what: str) -> None:
    if given and given != current:
        raise ApiError(409, f"{what} was modified: etag {given!r} is stale (now {current!r})", code="aborted")


def _check_name(name: str, param: str) -> None:
    if not NAME_PATTERN.match(name):
        raise bad_request(
            f"{param}: {name!r} must be 1-63 lower-case letters, digits or '-', starting with a letter or digit",
            param=param,
        )


def _check_autoscaling(minimum: int, maximum: int) -> None:
    if minimum < 0 or maximum < 0:
        raise bad_request("autoscaling: replica counts cannot be negative", param="autoscaling")
    if maximum < minimum:
        raise bad_request(f"autoscaling: maxReplicas {maximum} is below minReplicas {minimum}",
                          param="autoscaling.maxReplicas")  # fmt: skip
    if minimum == 0 and maximum > 0:
        raise bad_request("autoscaling: minReplicas 0 needs maxReplicas 0 (that stops the deployment)",
                          param="autoscaling.minReplicas")  # fmt: skip


def _check_inactive_timeout(minutes: int) -> None:
    if minutes != 0 and not 30 <= minutes <= 1440:
        raise bad_request("inactiveTimeout: use 0 (disabled) or 30 to 1440 minutes", param="inactiveTimeout")


def _check_concurrency(value: str | None) -> None:
    if value is not None and not value.isdigit():
        raise bad_request("maxConcurrentRequestsPerReplica: must be a non-negative integer",
                          param="maxConcurrentRequestsPerReplica")  # fmt: skip


# -- lookups ---------------------------------------------------------------------------------------


def _endpoint(world: World, call: Call) -> EndpointRecord:
    """By id only: Together's retrieve takes `ep_` ids (its CLI resolves names through the list filter)."""
    endpoint = world.endpoints.get(call.params["endpoint"])
    if endpoint is None:
        raise not_found("endpoint", call.params["endpoint"])
    return endpoint


def _deployment(world: World, call: Call) -> tuple[EndpointRecord, DeploymentRecord]:
    endpoint = _endpoint(world, call)
    deployment = world.deployments.get(call.params["deployment"])
    if deployment is None or deployment.endpoint_id != endpoint.id:
        raise not_found("deployment", call.params["deployment"])
    return endpoint, deployment


_MODEL_RESOURCE = re.compile(r"projects/(?P<project>[^/]+)/models/(?P<model>[^/]+)(?:/revisions/(?P<revision>[^/]+))?")
_CONFIG_RESOURCE = re.compile(r"projects/(?P<project>[^/]+)/configs/(?P<config>[^/]+)")


def _resolve_model(world: World, resource: str | None, model_id: str | None) -> ModelRecord:
    """A model of this project or a public one of the platform's, named by its owner's resource."""
    if resource is None and model_id is not None:
        found = world.models.get(model_id)
        resource = (
            world.model_resource(found) if found is not None else f"projects/{world.project.id}/models/{model_id}"
        )
    if not resource:
        raise bad_request("model: required, as projects/{project}/models/{model}[/revisions/{revision}]", param="model")
    match = _MODEL_RESOURCE.fullmatch(resource)
    model = world.models.get(match["model"]) if match else None
    if match is None or model is None or model.project_id != match["project"]:
        raise bad_request(f"model: {resource!r} is not a model of project {world.project.id} or a public model",
                          param="model")  # fmt: skip
    if match["revision"] not in (None, model.revision_id):
        raise bad_request(f"model: {model.name} has no revision {match['revision']!r}", param="model")
    return model


def _resolve_config(world: World, resource: str | None, config_id: str | None, model: ModelRecord) -> Config:
    """The config, which must be one of the model's reference model (its base, for a derived model)."""
    configs = world.configs()
    if resource is None and config_id is not None:
        resource = world.config_resource(configs[config_id]) if config_id in configs else config_id
    if not resource:
        raise bad_request("config: required, as projects/{project}/configs/{config}", param="config")
    match = _CONFIG_RESOURCE.fullmatch(resource)
    config = configs.get(match["config"]) if match else None
    if match is None or config is None or world.config_owner(config) != match["project"]:
        raise bad_request(f"config: {resource!r} is not a config", param="config")
    reference = world.reference_of(model)
    if config.model_id != reference.id:
        of = world.models[config.model_id].name
        wanted = reference.name if reference.id == model.id else f"its base model {reference.name}"
        raise bad_request(f"config: {config.id} is for {of}; {model.name} deploys with a config of {wanted}",
                          param="config")  # fmt: skip
    return config


# -- routes: identity, catalog, models -------------------------------------------------------------


def whoami(world: World, call: Call) -> SimResponse:
    project = world.project
    return json_response(
        200,
        {
            "type": "project_api_key",
            "project": {"id": project.id, "name": project.name, "slug": project.slug},
            "organization": {"id": project.organization_id, "name": project.organization_name},
            "api_key": {"id": project.api_key_id},
        },
    )


def list_instance_types(world: World, call: Call) -> SimResponse:
    data = [views.instance_type(world, t, call.now) for t in world.instance_types.values()]
    return json_response(200, {"object": "list", "data": data, "next_cursor": None})


def get_instance_type(world: World, call: Call) -> SimResponse:
    hardware = world.instance_types.get(call.params["instance_type"])
    if hardware is None:
        raise not_found("instance type", call.params["instance_type"])
    return json_response(200, views.instance_type(world, hardware, call.now))


def list_models(world: World, call: Call) -> SimResponse:
    owned = [m for m in world.models.values() if m.project_id == call.params["project"]]
    page, cursor = paginate(owned, lambda m: (m.name, m.id), call.query)
    return json_response(200, {"data": [views.model(world, m) for m in page], "next_cursor": cursor})


def get_model(world: World, call: Call) -> SimResponse:
    """By `ml_` id only, within its owning project (names resolve by listing)."""
    model = world.models.get(call.params["model"])
    if model is None or model.project_id != call.params["project"]:
        raise not_found("model", call.params["model"])
    return json_response(200, views.model(world, model))


def _visible_configs(world: World, project: str) -> list[Config]:
    """Configs a project lists: its own, and the platform's unless they are set to be unlisted."""
    listed = {project} | ({world.platform.id} if world.settings.list_public_configs else set())
    return [c for c in world.configs().values() if world.config_owner(c) in listed]


def list_configs(world: World, call: Call) -> SimResponse:
    configs = _visible_configs(world, call.params["project"])
    wanted = [call.query[k] for k in ("referenceModel", "referenceModelId") if call.query.get(k)]
    for reference in wanted:
        configs = [c for c in configs if reference in (c.model_id, world.model_resource(world.models[c.model_id]))]

    def key(config: Config) -> tuple[str, int, str]:
        hardware = world.instance_types[config.instance_type]
        return world.models[config.model_id].name, hardware.price_cents_per_hour, config.id

    page, cursor = paginate(configs, key, call.query)
    return json_response(200, {"data": [views.config(world, c) for c in page], "next_cursor": cursor})


def get_config(world: World, call: Call) -> SimResponse:
    """A config of the project in the path: public configs are read under the platform's id."""
    config = world.configs().get(call.params["config"])
    if config is None or world.config_owner(config) != call.params["project"]:
        raise not_found("config", call.params["config"])
    return json_response(200, views.config(world, config))


# -- routes: supported models (the public catalog) ------------------------------------------------

_PRODUCTS = {"PRODUCT_SERVERLESS", "PRODUCT_DEDICATED", "PRODUCT_FINE_TUNING"}
_MODALITIES = {"MODALITY_TEXT", "MODALITY_IMAGE", "MODALITY_AUDIO", "MODALITY_VIDEO"}
_ADAPTER_MODES = {"ADAPTER_MODE_FIXED", "ADAPTER_MODE_DYNAMIC", "ADAPTER_MODE_DISABLED"}


def _enum(call: Call, name: str, allowed: set[str]) -> str | None:
    value = call.query.get(name)
    if value is not None and value not in allowed:
        raise bad_request(f"{name}: {value!r} is not one of {', '.join(sorted(allowed))}", param=name)
    return value


def list_supported_models(world: World, call: Call) -> SimResponse:
    """`GET /v2/supported-models`: filters `product`, `modality`, `adapterMode`, `search`; cursor pages."""
    product = _enum(call, "product", _PRODUCTS)
    modality = _enum(call, "modality", _MODALITIES)
    adapter_mode = _enum(call, "adapterMode", _ADAPTER_MODES)
    search = call.query.get("search", "").lower()
    rendered = [views.supported_model(world, entry) for entry in supported_models(world)]
    kept = [
        view
        for view in rendered
        if (product is None or product in view["products"])
        and (modality is None or modality in view["inputModalities"])
        and (adapter_mode is None or any(p["adapterMode"] == adapter_mode for p in view["deploymentProfiles"]))
        and (not search or any(search in str(view[k]).lower() for k in ("id", "name", "displayName", "description")))
    ]
    page, cursor = paginate(kept, lambda view: (str(view["name"]), str(view["id"])), call.query)
    return json_response(200, {"data": page, "next_cursor": cursor})


def get_supported_model(world: World, call: Call) -> SimResponse:
    entry = next((e for e in supported_models(world) if e.id == call.params["supported"]), None)
    if entry is None:
        raise not_found("supported model", call.params["supported"])
    return json_response(200, views.supported_model(world, entry))


# -- routes: endpoints -----------------------------------------------------------------------------

_ENDPOINT_FIELDS: dict[str, FilterField[EndpointRecord]] = {
    "name": TextField(lambda e: e.name),
    "created_at": TimeField(lambda e: e.created_at),
    "updated_at": TimeField(lambda e: e.updated_at),
}
_ENDPOINT_MASK = {"name", "trafficSplit", "visibility"}


def create_endpoint(world: World, call: Call) -> SimResponse:
    body = call.parse(_EndpointCreate)
    name = _own_name(world, body.name)
    if world.find_endpoint(name) is not None:
        raise ApiError(409, f"endpoint {world.project.slug}/{name} already exists", code="already_exists", param="name")
    endpoint_id, seq = world.mint("ep")
    endpoint = EndpointRecord(
        id=endpoint_id, seq=seq, name=name, visibility=body.visibility, etag=world.new_etag(endpoint_id),
        created_at=call.now, updated_at=call.now,
    )  # fmt: skip
    world.endpoints[endpoint.id] = endpoint
    return json_response(200, views.endpoint(world, endpoint, call.now))


def _own_name(world: World, name: str) -> str:
    """A bare endpoint name from a bare or `<slug>/<name>` one; the slug must be this project's."""
    slug, _, bare = name.rpartition("/")
    if slug and slug != world.project.slug:
        raise bad_request(
            f"name: project slug {slug!r} does not match this project ({world.project.slug})", param="name"
        )
    _check_name(bare, "name")
    return bare


def list_endpoints(world: World, call: Call) -> SimResponse:
    by, descending = order(call.query)
    endpoints = list(world.endpoints.values())
    if call.query.get("filter"):
        keep = compile_filter(call.query["filter"], _ENDPOINT_FIELDS)
        endpoints = [e for e in endpoints if keep(e)]

    def key(endpoint: EndpointRecord) -> tuple[str, int]:
        return views.rfc3339(endpoint.updated_at if by == "updated_at" else endpoint.created_at), endpoint.seq

    page, cursor = paginate(endpoints, key, call.query, descending=descending)
    return json_response(200, {"data": [views.endpoint(world, e, call.now) for e in page], "next_cursor": cursor})


def get_endpoint(world: World, call: Call) -> SimResponse:
    return json_response(200, views.endpoint(world, _endpoint(world, call), call.now))


def update_endpoint(world: World, call: Call) -> SimResponse:
    body = call.parse(_EndpointUpdate)
    mask = _update_mask(call, _ENDPOINT_MASK)
    endpoint = _endpoint(world, call)
    _check_etag(endpoint.etag, body.etag, f"endpoint {endpoint.name}")
    # Without a mask, the populated fields are updated; an empty list is not populated, so
    # `trafficSplit: []` alone is "400 no fields to update" (docs: dedicated-model-inference/
    # api-reference.md, Delete Resources). With the mask it clears the split, as `tg endpoints
    # rm --force` sends it (SDK lib/cli/api/endpoints/rm.py).
    present = {"name": body.name, "trafficSplit": body.traffic_split or None, "visibility": body.visibility}
    paths = mask if mask is not None else {p for p, value in present.items() if value is not None}
    if not paths:
        raise bad_request("no fields to update")
    # Everything is checked before anything changes: a refused request leaves no trace.
    name, visibility, split = endpoint.name, endpoint.visibility, endpoint.traffic_split
    if "name" in paths:
        name = _own_name(world, _required(body.name, "name"))
        other = world.find_endpoint(name)
        if other is not None and other.id != endpoint.id:
            raise ApiError(409, f"endpoint {world.project.slug}/{name} already exists", code="already_exists")
    if "visibility" in paths:
        visibility = _required(body.visibility, "visibility")
    if "trafficSplit" in paths:
        # A masked trafficSplit that the body leaves out clears the split, as a field mask does.
        split = _traffic_split(world, endpoint, body.traffic_split or [])
    endpoint.name, endpoint.visibility, endpoint.traffic_split = name, visibility, split
    endpoint.etag, endpoint.updated_at = world.new_etag(endpoint.id), call.now
    return json_response(200, views.endpoint(world, endpoint, call.now))


def _traffic_split(world: World, endpoint: EndpointRecord, entries: list[_TrafficEntry]) -> list[TrafficEntry]:
    own = {d.id for d in world.deployments_of(endpoint)}
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        param = f"trafficSplit.{index}.deploymentId"
        if entry.deployment_id not in own:
            raise bad_request(f"{param}: {entry.deployment_id!r} is not a deployment of this endpoint", param=param)
        if entry.deployment_id in seen:
            raise bad_request(f"{param}: {entry.deployment_id!r} appears twice", param=param)
        seen.add(entry.deployment_id)
    # "A zero weight unsets the deployment and removes it from the split entirely" (docs: route-traffic).
    return [TrafficEntry(deployment_id=e.deployment_id, weight=e.weight) for e in entries if e.weight > 0]


def delete_endpoint(world: World, call: Call) -> SimResponse:
    endpoint = _endpoint(world, call)
    _check_etag(endpoint.etag, call.query.get("etag"), f"endpoint {endpoint.name}")
    remaining = world.deployments_of(endpoint)
    if remaining:
        raise bad_request(
            f"endpoint {endpoint.name} still has {len(remaining)} deployment(s); delete them first",
            code="failed_precondition",
        )
    del world.endpoints[endpoint.id]
    return json_response(200, {})


# -- routes: deployments ---------------------------------------------------------------------------

# Top-level paths only: Together's CLI sends `updateMask=autoscaling` (SDK lib/cli/api/endpoints/
# update.py, rm.py); whether nested paths such as `autoscaling.minReplicas` are accepted is not
# documented, so they are refused here rather than relied upon.
_DEPLOYMENT_MASK = {"autoscaling", "inactiveTimeout", "maxConcurrentRequestsPerReplica", "name"}


def create_deployment(world: World, call: Call) -> SimResponse:
    body = call.parse(_DeploymentCreate)
    endpoint = _endpoint(world, call)
    _check_name(body.name, "name")
    model = _resolve_model(world, body.model, body.model_id)
    config = _resolve_config(world, body.config, body.config_id, model)
    minimum = body.autoscaling.min_replicas
    if minimum is None:
        raise bad_request("autoscaling.minReplicas: required", param="autoscaling.minReplicas")
    maximum = body.autoscaling.max_replicas if body.autoscaling.max_replicas is not None else minimum
    _check_autoscaling(minimum, maximum)
    _check_inactive_timeout(body.inactive_timeout)
    _check_concurrency(body.max_concurrent_requests_per_replica)
    if world.find_deployment(endpoint, body.name) is not None:
        raise ApiError(409, f"deployment {body.name} already exists in endpoint {endpoint.name}",
                       code="already_exists", param="name")  # fmt: skip
    validate_only = body.validate_only or call.flag("validateOnly")
    # A dry run is built like the real thing but never stored, so it mints no id.
    deployment_id, seq = ("dep_validate_only", 0) if validate_only else world.mint("dep")
    deployment = DeploymentRecord(
        id=deployment_id, seq=seq, endpoint_id=endpoint.id, name=body.name, model_id=model.id, config_id=config.id,
        instance_type=config.instance_type, min_replicas=minimum, max_replicas=maximum,
        inactive_timeout=body.inactive_timeout,
        max_concurrent_requests_per_replica=body.max_concurrent_requests_per_replica,
        etag="" if validate_only else world.new_etag(deployment_id), created_at=call.now, updated_at=call.now,
        phase=Phase(state="DEPLOYMENT_STATE_STOPPED", message="created with autoscaling 0/0"),
    )  # fmt: skip
    world.steer(deployment, call.now)
    if not validate_only:
        world.deployments[deployment.id] = deployment
    return json_response(200, views.deployment(world, deployment, call.now, 0.0))


def list_deployments(world: World, call: Call) -> SimResponse:
    endpoint = _endpoint(world, call)
    by, descending = order(call.query)
    deployments = world.deployments_of(endpoint)
    if call.query.get("filter"):
        fields: dict[str, FilterField[DeploymentRecord]] = {  # state and model depend on the request
            "name": TextField(lambda d: d.name),
            "state": TextField(lambda d: d.observed(call.now).state),
            "model": TextField(lambda d: world.model_resource(world.models[d.model_id])),
            "created_at": TimeField(lambda d: d.created_at),
            "updated_at": TimeField(lambda d: d.updated_at),
        }
        keep = compile_filter(call.query["filter"], fields)
        deployments = [d for d in deployments if keep(d)]

    def key(deployment: DeploymentRecord) -> tuple[str, int]:
        return views.rfc3339(deployment.updated_at if by == "updated_at" else deployment.created_at), deployment.seq

    page, cursor = paginate(deployments, key, call.query, descending=descending)
    data = [views.deployment(world, d, call.now, world.traffic_share(d, call.now)) for d in page]
    return json_response(200, {"data": data, "next_cursor": cursor})


def get_deployment(world: World, call: Call) -> SimResponse:
    _, deployment = _deployment(world, call)
    share = world.traffic_share(deployment, call.now)
    return json_response(200, views.deployment(world, deployment, call.now, share))


def update_deployment(world: World, call: Call) -> SimResponse:
    body = call.parse(_DeploymentUpdate)
    mask = _update_mask(call, _DEPLOYMENT_MASK)
    endpoint, deployment = _deployment(world, call)
    _check_etag(deployment.etag, body.etag, f"deployment {deployment.name}")
    scaling = body.autoscaling or _Autoscaling()
    if mask is None:
        present = {
            "autoscaling": body.autoscaling,
            "inactiveTimeout": body.inactive_timeout,
            "maxConcurrentRequestsPerReplica": body.max_concurrent_requests_per_replica,
            "name": body.name,
        }
        mask = {path for path, value in present.items() if value is not None}
    if not mask:
        raise bad_request("no fields to update")

    minimum, maximum = deployment.min_replicas, deployment.max_replicas
    if "autoscaling" in mask:
        # "Omit [minReplicas] on update to preserve the current value"; an omitted maxReplicas
        # "on update preserves the current value" (SDK types/deployment_autoscaling_param.py).
        _required(body.autoscaling, "autoscaling")
        minimum = scaling.min_replicas if scaling.min_replicas is not None else minimum
        maximum = scaling.max_replicas if scaling.max_replicas is not None else maximum
    _check_autoscaling(minimum, maximum)
    # Everything is checked before anything changes: a refused request leaves no trace.
    timeout, concurrency, name = (
        deployment.inactive_timeout,
        deployment.max_concurrent_requests_per_replica,
        deployment.name,
    )
    if "inactiveTimeout" in mask:
        timeout = _required(body.inactive_timeout, "inactiveTimeout")
        _check_inactive_timeout(timeout)
    if "maxConcurrentRequestsPerReplica" in mask:
        concurrency = _required(body.max_concurrent_requests_per_replica, "maxConcurrentRequestsPerReplica")
        _check_concurrency(concurrency)
    if "name" in mask:
        name = _required(body.name, "name")
        _check_name(name, "name")
        other = world.find_deployment(endpoint, name)
        if other is not None and other.id != deployment.id:
            raise ApiError(409, f"deployment {name} already exists in endpoint {endpoint.name}", code="already_exists")
    deployment.inactive_timeout, deployment.max_concurrent_requests_per_replica = timeout, concurrency
    deployment.name = name
    if (minimum, maximum) != (deployment.min_replicas, deployment.max_replicas):
        deployment.min_replicas, deployment.max_replicas = minimum, maximum
        world.steer(deployment, call.now)
    deployment.etag, deployment.updated_at = world.new_etag(deployment.id), call.now
    share = world.traffic_share(deployment, call.now)
    return json_response(200, views.deployment(world, deployment, call.now, share))


def delete_deployment(world: World, call: Call) -> SimResponse:
    """Only a STOPPED deployment outside the traffic split: "a deployment must be stopped first"
    (docs: dedicated-model-inference/api-reference.md); "remove the deployment from live traffic
    first" (SDK resources/endpoints/deployments.py)."""
    endpoint, deployment = _deployment(world, call)
    _check_etag(deployment.etag, call.query.get("etag"), f"deployment {deployment.name}")
    state = deployment.observed(call.now).state
    if state != "DEPLOYMENT_STATE_STOPPED":
        raise bad_request(
            f"deployment {deployment.name} is {state}; scale it to 0/0 and wait for DEPLOYMENT_STATE_STOPPED "
            "before deleting it",
            code="failed_precondition",
        )
    weight = sum(t.weight for t in endpoint.traffic_split if t.deployment_id == deployment.id)
    if weight > 0:
        raise bad_request(
            f"deployment {deployment.name} still has weight {weight:g} in the traffic split of {endpoint.name}; "
            "remove it from the split first",
            code="failed_precondition",
        )
    del world.deployments[deployment.id]
    return json_response(200, {})
