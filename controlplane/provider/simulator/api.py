"""The simulated Together API: the route table, and `Simulator.handle`, its one entry point.

    transport.SimulatorTransport (httpx, in process) ──┐
                                                       ├──► Simulator.handle(method, path, ...)
    server.SimulatorApp (ASGI, uvicorn) ───────────────┘        │  route → auth → fault → handler
                                                                ▼
                                  resources (v2, v3)  inference (v1)  admin (/_simulator)
                                                                │
                                                   world: WorldStore.session() → World

All routing on method and path happens here, once: unknown paths get 404 and known paths with
the wrong method 405, both in Together's error shape. Every Together route needs a bearer key
(checked against `settings.api_keys` when that list is not empty) and may meet an injected fault:
a refusal in its place, a connection reset before it, or, after it was carried out, its answer
lost or held past the client's patience (`SimResponse.drop`, which the adapters act out);
`/_simulator/` routes need neither. Every response carries `x-request-id`, which error bodies
repeat as `id`.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import unquote

from controlplane import clock
from controlplane.provider.simulator import admin, inference, resources
from controlplane.provider.simulator.protocol import ApiError, Call, SimResponse, not_found
from controlplane.provider.simulator.world import Fault, MemoryWorld, Settings, World, WorldStore

Handler = Callable[[World, Call], SimResponse]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # `{name}` matches one path segment
    handler: Handler
    admin: bool = False  # the simulator's own controls: no auth, no faults
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(regex))


def _later(module: str, name: str) -> Handler:
    """A handler imported on its first call: the routes few runs take (files, fine-tunes, rollouts)
    cost a command's start-up nothing."""

    def handler(world: World, call: Call) -> SimResponse:
        found: Handler = getattr(importlib.import_module(f"controlplane.provider.simulator.{module}"), name)
        return found(world, call)

    handler.__name__ = name
    return handler


_PROJECT = "/v2/projects/{project}"
_ENDPOINT = f"{_PROJECT}/endpoints/{{endpoint}}"
_DEPLOYMENT = f"{_ENDPOINT}/deployments/{{deployment}}"
_ROLLOUT = f"{_ENDPOINT}/rollouts/{{rollout}}"

ROUTES = [
    Route("GET", "/v3/whoami", resources.whoami),
    Route("GET", "/v2/public/inference-instance-types", resources.list_instance_types),
    Route("GET", "/v2/public/inference-instance-types/{instance_type}", resources.get_instance_type),
    Route("GET", f"{_PROJECT}/models", resources.list_models),
    Route("GET", f"{_PROJECT}/models/{{model}}", resources.get_model),
    Route("GET", f"{_PROJECT}/configs", resources.list_configs),
    Route("GET", f"{_PROJECT}/configs/{{config}}", resources.get_config),
    Route("GET", "/v2/supported-models", resources.list_supported_models),
    Route("GET", "/v2/supported-models/{supported}", resources.get_supported_model),
    Route("POST", f"{_PROJECT}/endpoints", resources.create_endpoint),
    Route("GET", f"{_PROJECT}/endpoints", resources.list_endpoints),
    Route("GET", _ENDPOINT, resources.get_endpoint),
    Route("PATCH", _ENDPOINT, resources.update_endpoint),
    Route("DELETE", _ENDPOINT, resources.delete_endpoint),
    Route("POST", f"{_ENDPOINT}/deployments", resources.create_deployment),
    Route("GET", f"{_ENDPOINT}/deployments", resources.list_deployments),
    Route("GET", _DEPLOYMENT, resources.get_deployment),
    Route("PATCH", _DEPLOYMENT, resources.update_deployment),
    Route("DELETE", _DEPLOYMENT, resources.delete_deployment),
    Route("POST", f"{_ENDPOINT}/rollouts", _later("rollouts", "create_rollout")),
    Route("GET", f"{_ENDPOINT}/rollouts", _later("rollouts", "list_rollouts")),
    Route("GET", _ROLLOUT, _later("rollouts", "get_rollout")),
    Route("DELETE", _ROLLOUT, _later("rollouts", "delete_rollout")),
    Route("POST", f"{_ROLLOUT}/start", _later("rollouts", "start_rollout")),
    Route("POST", f"{_ROLLOUT}/pause", _later("rollouts", "pause_rollout")),
    Route("POST", f"{_ROLLOUT}/resume", _later("rollouts", "resume_rollout")),
    Route("POST", f"{_ROLLOUT}/promote", _later("rollouts", "promote_rollout")),
    Route("POST", f"{_ROLLOUT}/cancel", _later("rollouts", "cancel_rollout")),
    Route("GET", "/v1/models", inference.list_models),
    Route("POST", "/v1/files", _later("training", "create_file")),
    Route("GET", "/v1/files", _later("training", "list_files")),
    Route("GET", "/v1/files/{file}", _later("training", "get_file")),
    Route("DELETE", "/v1/files/{file}", _later("training", "delete_file")),
    Route("GET", "/v1/files/{file}/content", _later("training", "get_file_content")),
    Route("POST", "/v1/files/{file}/preprocess", _later("training", "preprocess")),
    Route("GET", "/v1/fine-tunes/models/limits", _later("training", "model_limits")),
    Route("POST", "/v1/fine-tunes/estimate-price", _later("training", "estimate_price")),
    Route("POST", "/v1/fine-tunes", _later("training", "create_fine_tune")),
    Route("GET", "/v1/fine-tunes", _later("training", "list_fine_tunes")),
    Route("GET", "/v1/fine-tunes/{job}", _later("training", "get_fine_tune")),
    Route("DELETE", "/v1/fine-tunes/{job}", _later("training", "delete_fine_tune")),
    Route("POST", "/v1/fine-tunes/{job}/cancel", _later("training", "cancel_fine_tune")),
    Route("GET", "/v1/fine-tunes/{job}/events", _later("training", "fine_tune_events")),
    Route("GET", "/v1/fine-tunes/{job}/checkpoints", _later("training", "fine_tune_checkpoints")),
    Route("POST", "/v1/chat/completions", inference.chat_completions),
    Route("GET", "/_simulator/world", admin.get_world, admin=True),
    Route("GET", "/_simulator/settings", admin.get_settings, admin=True),
    Route("PUT", "/_simulator/settings", admin.put_settings, admin=True),
    Route("GET", "/_simulator/faults", admin.list_faults, admin=True),
    Route("POST", "/_simulator/faults", admin.add_fault, admin=True),
    Route("DELETE", "/_simulator/faults", admin.clear_faults, admin=True),
    Route("POST", "/_simulator/reset", admin.reset, admin=True),
    # the presigned URL POST /v1/files redirects to: S3's, so no bearer key and no faults
    Route("PUT", "/_simulator/uploads/{file}", _later("training", "put_upload"), admin=True),
]


class Simulator:
    """Together's API over a world: `handle` one request, get one response.

    Timing settings given here are written into the world when the simulator starts (the
    manifest's `provision_seconds`, the CLI's flags); `PUT /_simulator/settings` can change them
    afterwards. Without a store the world lives in memory.
    """

    def __init__(
        self,
        store: WorldStore | None = None,
        *,
        provision_seconds: float | None = None,
        stop_seconds: float | None = None,
        scale_seconds: float | None = None,
    ) -> None:
        self.store: WorldStore = store if store is not None else MemoryWorld()
        given = {"provision_seconds": provision_seconds, "stop_seconds": stop_seconds, "scale_seconds": scale_seconds}
        overrides = {name: value for name, value in given.items() if value is not None}
        if overrides:
            with self.store.session() as world:
                world.settings = Settings.model_validate({**world.settings.model_dump(), **overrides})

    def world(self) -> AbstractContextManager[World]:
        """The world itself, for tests and tools; changes made in the block are kept."""
        return self.store.session()

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> SimResponse:
        """Answer one request. `path` is as sent on the wire: percent-encoded, without the query."""
        request_id = f"sim-{uuid.uuid4().hex[:24]}"
        try:
            response = self._serve(method.upper(), path, query, headers, body, request_id)
        except ApiError as error:
            response = error.response(request_id)
        return response.with_headers({"x-request-id": request_id})

    def _serve(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes, request_id: str
    ) -> SimResponse:
        route, params = _route(method, path)
        # The one clock read of a request: every route sees the same moment.
        now = clock.now()
        call = Call(
            method=method,
            path=path,
            query=dict(query),
            headers={name.lower(): value for name, value in headers.items()},
            body=body,
            params=params,
            now=now,
            request_id=request_id,
        )
        with self.store.session() as world:
            if route.admin:
                return route.handler(world, call)
            _authenticate(world, call)
            _check_project(world, route, params)
            if world.fine_tunes:
                from controlplane.provider.simulator import training

                training.settle(world, now)  # a fine-tune that completed by now has minted its model
            if world.rollouts:
                from controlplane.provider.simulator import rollouts

                rollouts.settle(world, now)  # rollouts move traffic in simulated time
            fault = _take_fault(world, call)
            if fault is None:
                return route.handler(world, call)
            if fault.kind == "status":
                return _refusal(fault, call)
            if fault.kind == "reset":  # before the request is carried out
                return SimResponse(499, {}, b"", drop="reset")
        # The fault strikes after the request is carried out: the draw above is kept, and the
        # request runs in a session of its own, kept or undone as any other.
        try:
            with self.store.session() as world:
                answer = route.handler(world, call)
        except ApiError as error:
            answer = error.response(request_id)
        if fault.kind == "timeout":
            return dataclasses.replace(answer, drop="timeout", hold_seconds=fault.hold_seconds)
        return _refusal(fault, call) if fault.status is not None else dataclasses.replace(answer, drop="reset")


def _route(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for `path` and its decoded segments, or a 404 / 405."""
    allowed = set()
    for route in ROUTES:
        match = route.pattern.fullmatch(path.rstrip("/") or "/")
        if match is None:
            continue
        if route.method == method:
            return route, {name: unquote(value) for name, value in match.groupdict().items()}
        allowed.add(route.method)
    if allowed:
        raise ApiError(405, f"method {method} is not allowed on {path}", code="method_not_allowed",
                       headers={"allow": ", ".join(sorted(allowed))})  # fmt: skip
    raise ApiError(404, f"no such route: {method} {path}", code="not_found")


def _authenticate(world: World, call: Call) -> None:
    scheme, _, key = call.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "Missing API key: send Authorization: Bearer <key>", code="invalid_api_key")
    if world.settings.api_keys and key.strip() not in world.settings.api_keys:
        raise ApiError(401, "Invalid API key provided.", code="invalid_api_key")


def _check_project(world: World, route: Route, params: Mapping[str, str]) -> None:
    """The caller's project, or the platform's for reading public models and configs."""
    project = params.get("project")
    if project is None or project == world.project.id:
        return
    if project != world.platform.id:
        raise not_found("project", project)
    if route.method != "GET" or route.handler not in _PUBLIC_READS:
        raise ApiError(403, f"project {project} is not yours: its public models and configs are read-only",
                       code="permission_denied")  # fmt: skip


_PUBLIC_READS = {resources.get_model, resources.list_configs, resources.get_config}


def _take_fault(world: World, call: Call) -> Fault | None:
    """The injected fault that hits `call`, if any (see `Fault` for the order and the shared
    draw), spending a count or a draw; spent counted faults are dropped. Returned rather than
    raised: the session keeps only what a successful request changed, and the spend must be kept."""
    matching = [f for f in world.faults if f.matches(call.method, call.path)]
    for fault in matching:
        if fault.rate is None:
            assert fault.times is not None
            fault.times -= 1
            if fault.spent:
                world.faults = [f for f in world.faults if f is not fault]
            return fault
    chancy = [f for f in matching if f.rate is not None]
    if not chancy:
        return None
    point = chancy[0].draw()
    for other in chancy[1:]:
        other.seen += 1  # every fault counts the requests it matched
    for fault in chancy:
        assert fault.rate is not None
        if point < fault.rate:
            return fault
        point -= fault.rate
    return None


def _refusal(fault: Fault, call: Call) -> SimResponse:
    headers = {"retry-after": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
    assert fault.status is not None
    return ApiError(fault.status, fault.message, code=fault.code, headers=headers).response(call.request_id)
