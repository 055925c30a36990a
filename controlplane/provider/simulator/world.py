"""The simulated world as data: catalog, projects, models, endpoints, deployments, settings, faults.

    api.Simulator.handle ──► WorldStore.session() ──► World ◄── routes (resources, inference, admin)
                              WorldFile: JSON + flock, shared by processes
                              MemoryWorld: one process

Everything here is pydantic and serialises to one JSON document; configs and the supported-model
catalog are not stored but follow from the models and the hardware. As on Together, public base
models and their configs belong to a platform project (`proj_platform`), the caller's own models
(fine-tunes, uploads) to its project, and a derived model deploys with a config of its base. A
session loads the world under a lock and keeps what the request changed only if the request
succeeds, so a refused request leaves no trace.

Deployments move through their states in simulated time. A write records where a deployment is
heading and when it arrives (`Phase`, `next_phase`, `next_at`); a read computes the state at the
request's `clock.now()`. Nothing ticks in the background, which is why moving the clock alone
moves a deployment from PROVISIONING to READY.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from controlplane.errors import ProviderError

DeploymentState = Literal[
    "DEPLOYMENT_STATE_PROVISIONING",
    "DEPLOYMENT_STATE_READY",
    "DEPLOYMENT_STATE_SCALING",
    "DEPLOYMENT_STATE_DEGRADED",
    "DEPLOYMENT_STATE_FAILED",
    "DEPLOYMENT_STATE_STOPPED",
    "DEPLOYMENT_STATE_STOPPING",
]
Visibility = Literal["VISIBILITY_PRIVATE", "VISIBILITY_INTERNAL"]
Optimization = Literal["balanced", "latency"]
FaultKind = Literal["status", "lost", "timeout", "reset"]

REGION = "us-central-1"
SCHEMA_VERSION = 2
#: Real cold starts take minutes even for small models (docs: dedicated-model-inference/api-reference.md).
PROVISION_SECONDS = 300.0
#: "A deployment that never reaches READY within six hours is marked FAILED" (same page).
READINESS_TIMEOUT = timedelta(hours=6)
NO_CAPACITY = "Cannot place replicas: insufficient GPU capacity"
_SEEDED_AT = datetime(2025, 6, 1, tzinfo=timezone.utc)  # fixed, so every seeded world is identical
_SERVING = ("DEPLOYMENT_STATE_READY", "DEPLOYMENT_STATE_SCALING", "DEPLOYMENT_STATE_DEGRADED")


def _digest(*parts: str) -> str:
    """A stable hex digest: ids and etags are derived, never random, so worlds are reproducible."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def cluster_of(deployment_id: str) -> str:
    """The `x-cluster` a deployment answers with: stable per deployment, and not its `dep_` id
    (docs: traffic-routing.md, "x-cluster values don't equal the dep_ management IDs")."""
    return f"sim-{REGION}-{_digest('cluster', deployment_id)[:10]}"


# -- the world -----------------------------------------------------------------------------------


class Record(BaseModel):
    # The world file is ours alone: anything unexpected in it is corruption, not a new field.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Settings(Record):
    """How the simulated Together behaves; `GET/PUT /_simulator/settings`."""

    provision_seconds: float = Field(
        default=PROVISION_SECONDS, ge=0, description="Simulated time from create or start to READY."
    )
    stop_seconds: float = Field(default=1.0, ge=0, description="Simulated time STOPPING lasts before STOPPED.")
    scale_seconds: float = Field(default=1.0, ge=0, description="Simulated time SCALING lasts before READY.")
    api_keys: list[str] = Field(default_factory=list, description="Accepted bearer keys; empty accepts any key.")
    failing_models: list[str] = Field(
        default_factory=list, description="Model names whose deployments go from PROVISIONING to FAILED."
    )
    capacity: dict[str, int] = Field(
        default_factory=dict,
        description="Replicas that fit on each instance type id across all deployments (absent: no limit). "
        "A deployment that cannot place all its replicas goes DEGRADED; one that places none stays "
        "PROVISIONING and is FAILED after six hours.",
    )
    deployment_hardware: Literal["name", "id"] = Field(
        default="name",
        description="How deployments report their hardware: the instance type's deployable name "
        "(`1xnvidia-h100-80gb`, what Together's CLI parses) or its id.",
    )
    file_process_seconds: float = Field(
        default=5.0, ge=0, description="Simulated time a preprocessed file stays RUNNING before COMPLETED."
    )
    fine_tune_seconds: float = Field(
        default=3600.0, ge=0, description="Simulated time a fine-tune job takes from pending to completed."
    )
    failing_fine_tunes: list[str] = Field(
        default_factory=list, description="Base model names or suffixes whose fine-tunes end in `error`."
    )
    fine_tune_allowed_to_proceed: bool = Field(
        default=True, description="What estimate-price answers as allowed_to_proceed (false: over the user's limit)."
    )
    rollout_metric_breach: bool = Field(
        default=False,
        description="The router metrics breach every rollout's metric gates: a running canary with metrics "
        "goes SYSTEM_PAUSED (METRIC_REGRESSION) when its next step would start.",
    )
    list_public_configs: bool = Field(
        default=True,
        description="Whether listing configs finds the platform's configs of public models; Together's docs "
        "warn the list is often empty for them, and deploymentProfiles are the source of truth.",
    )

    @field_validator("capacity")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        if any(count < 0 for count in value.values()):
            raise ValueError("capacity: replica counts cannot be negative")
        return value


class Fault(Record):
    """An injected failure for requests matching `method` and `path_regex`.

    Counted (`times`: the next N matching requests) or probabilistic (`rate`: each matching
    request with that probability, drawn from `seed` and the number of requests seen, so a run
    repeats exactly). Counted faults come first, in order. The probabilistic faults a request
    matches share one draw (the first one's), each taking its `rate` of [0, 1) in turn, so their
    rates add up: five kinds at 0.04 each hit 20 % of requests, one kind at a time. What a fault
    does is its `kind`:

        status   answer `status` instead (429 with `retry_after`, 503, ...); nothing happens
        lost     the request is carried out, then its answer is replaced by `status`, or, without
                 a status, the connection is closed before the answer
        timeout  the request is carried out, and the answer is held until the client gives up
                 (at most `hold_seconds`)
        reset    the connection is closed before the request is carried out
    """

    method: str = Field(default="*", description="HTTP method to match, or * for any.")
    path_regex: str = Field(description="Regular expression searched in the request path.")
    kind: FaultKind = Field(default="status", description="What the fault does; see the class docstring.")
    status: int | None = Field(default=None, ge=400, le=599, description="The status a status or lost fault sends.")
    times: int | None = Field(default=None, ge=1, description="How many requests the fault answers (default 1).")
    rate: float | None = Field(default=None, gt=0, le=1, description="Probability per matching request.")
    seed: int = Field(default=0, description="Seed of a probabilistic fault's draws.")
    seen: int = Field(default=0, ge=0, description="Matching requests a probabilistic fault has drawn for.")
    retry_after: float | None = Field(default=None, ge=0, description="Seconds sent as Retry-After.")
    code: str | None = Field(default=None, description="The error code in the body.")
    message: str = "injected fault"
    hold_seconds: float = Field(default=30.0, gt=0, le=600, description="Longest a timeout holds the answer.")

    @field_validator("path_regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _consistent(self) -> Fault:
        if self.kind == "status" and self.status is None:
            raise ValueError("status: a status fault needs the status it answers with")
        if self.kind in ("timeout", "reset") and self.status is not None:
            raise ValueError(f"status: a {self.kind} fault sends no answer, so it takes no status")
        if self.rate is not None and self.times is not None:
            raise ValueError("rate: a fault is either counted (times) or probabilistic (rate), not both")
        if self.rate is None and self.times is None:
            self.times = 1
        return self

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and re.search(self.path_regex, path) is not None

    def draw(self) -> float:
        """The next point in [0, 1) of this probabilistic fault's seeded sequence."""
        self.seen += 1
        return int(_digest("fault", str(self.seed), str(self.seen))[:13], 16) / 16**13

    @property
    def spent(self) -> bool:
        return self.times is not None and self.times <= 0


class Project(Record):
    id: str
    name: str
    slug: str
    organization_id: str
    organization_name: str
    api_key_id: str = ""


class InstanceType(Record):
    id: str
    name: str
    gpu_type: str
    gpu_count: int
    gpu_memory_gib: int = Field(description="Memory of each GPU, as Together reports it.")
    price_cents_per_hour: int

    @property
    def memory_gib(self) -> int:
        return self.gpu_count * self.gpu_memory_gib

    @property
    def accelerator_type(self) -> str:
        """The config selector naming the GPU: the deployable name without its count (`nvidia-h100-80gb`)."""
        return self.name.split("x", 1)[1]


class ModelRecord(Record):
    id: str
    name: str
    project_id: str = Field(description="The owning project: the platform's for public models.")
    revision_id: str
    parameters: int
    architecture: str
    context_length: int
    min_memory_gib: int = Field(description="GPU memory a replica needs; smaller hardware gets no config.")
    visibility: Visibility
    created_at: datetime
    base_model: str | None = Field(default=None, description="Name of the model this one was derived from.")
    quantization: str = "BF16"
    family: str | None = Field(
        default=None, description="Public models: the supported-model catalog entry whose profile this is."
    )
    input_usd_per_mtok: float = 0.0
    output_usd_per_mtok: float = 0.0


@dataclass(frozen=True)
class Config:
    """A (reference model, instance type, optimization) pairing; derived from the catalog, never stored."""

    id: str
    model_id: str
    instance_type: str
    optimization: Optimization = "balanced"


class Phase(Record):
    state: DeploymentState
    ready_replicas: int = 0
    scheduled_replicas: int = 0
    message: str = ""

    @property
    def serving_replicas(self) -> int:
        """Replicas that take traffic: a stopping deployment's are draining, not serving."""
        return self.ready_replicas if self.state in _SERVING else 0


class TrafficEntry(Record):
    deployment_id: str
    weight: float


class EndpointRecord(Record):
    id: str
    seq: int = Field(description="Creation order: breaks ties between equal timestamps in lists.")
    name: str
    visibility: Visibility
    traffic_split: list[TrafficEntry] = Field(default_factory=list)
    active_rollout_id: str | None = Field(default=None, description="The rollout in flight on this endpoint.")
    etag: str
    created_at: datetime
    updated_at: datetime


class DeploymentRecord(Record):
    id: str
    seq: int
    endpoint_id: str
    name: str
    model_id: str
    config_id: str
    instance_type: str
    min_replicas: int
    max_replicas: int
    inactive_timeout: int = 0
    max_concurrent_requests_per_replica: str | None = None
    etag: str
    created_at: datetime
    updated_at: datetime
    phase: Phase
    next_phase: Phase | None = Field(default=None, description="Where a transition ends, at `next_at`.")
    next_at: datetime | None = None

    def observed(self, now: datetime) -> Phase:
        """The phase at `now`: transitions complete on read, without a write."""
        if self.next_phase is not None and self.next_at is not None and now >= self.next_at:
            return self.next_phase
        return self.phase

    def head(self, now: datetime, through: Phase, to: Phase, seconds: float) -> None:
        """Start a transition: `through` until `seconds` from now, then `to`."""
        if seconds <= 0:
            self.phase, self.next_phase, self.next_at = to, None, None
        else:
            self.phase, self.next_phase, self.next_at = through, to, now + timedelta(seconds=seconds)

    def settle(self, now: datetime) -> None:
        self.phase = self.observed(now)
        if self.phase is self.next_phase:
            self.next_phase, self.next_at = None, None


# -- training: v1 files and fine-tune jobs (their routes: training.py) --


class ValidationReport(Record):
    valid: bool
    dataset_format: str | None = None
    nlines: int = 0
    error: str | None = None
    error_type: str | None = None
    dataset_has_tools: bool = False


class FileRecord(Record):
    id: str
    filename: str
    purpose: str
    file_type: str
    checksum: str
    created_at: datetime
    content: str | None = Field(default=None, description="What the presigned PUT stored (UTF-8 text).")
    preprocess_at: datetime | None = None
    report: ValidationReport | None = None


class FineTuneRecord(Record):
    id: str
    created_at: datetime
    model: str
    training_file: str
    validation_file: str | None = None
    suffix: str | None = None
    n_epochs: int = 1
    n_checkpoints: int = 1
    learning_rate: float = 1e-5
    training_type: dict[str, Any]
    training_method: dict[str, Any]
    nlines: int
    token_count: int
    total_price: float
    model_output_name: str
    fails: bool = False
    cancelled_at: datetime | None = None
    minted_model_id: str | None = None


class RolloutStep(Record):
    traffic: int = Field(ge=1, le=100)
    started_at: datetime | None = None
    completed_at: datetime | None = None


class RolloutRecord(Record):
    """A v2 rollout (routes and state machine: rollouts.py)."""

    id: str
    seq: int
    endpoint_id: str
    source_deployment_id: str
    target_deployment_id: str
    strategy: Literal["ROLLOUT_STRATEGY_TYPE_CANARY", "ROLLOUT_STRATEGY_TYPE_BLUE_GREEN"]
    steps: list[RolloutStep]
    step_seconds: float
    metrics: list[dict[str, Any]] = Field(default_factory=list)
    final_source_replicas: int = 0
    final_target_replicas: int | None = None
    state: str = "ROLLOUT_STATE_PENDING"
    current_step: int = -1
    step_started_at: datetime | None = None
    stabilize_at: datetime | None = None
    settle_at: datetime | None = Field(default=None, description="When PAUSING or CANCELLING arrives.")
    condition: dict[str, Any] | None = None
    pause_reason: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    etag: str


class World(Record):
    schema_version: Literal[2] = 2
    project: Project
    platform: Project = Field(description="The project owning public base models and their configs.")
    settings: Settings = Field(default_factory=Settings)
    instance_types: dict[str, InstanceType]
    models: dict[str, ModelRecord] = Field(description="Every model of every project, by id.")
    endpoints: dict[str, EndpointRecord] = Field(default_factory=dict)
    deployments: dict[str, DeploymentRecord] = Field(default_factory=dict)
    faults: list[Fault] = Field(default_factory=list)
    files: dict[str, FileRecord] = Field(default_factory=dict, description="v1 files, by id.")
    fine_tunes: dict[str, FineTuneRecord] = Field(default_factory=dict, description="v1 fine-tune jobs, by id.")
    rollouts: dict[str, RolloutRecord] = Field(default_factory=dict, description="v2 rollouts, by id.")
    sequence: int = Field(default=0, description="Counter behind ids and etags; survives a reset.")

    def mint(self, prefix: str) -> tuple[str, int]:
        """A new id, and its sequence number."""
        self.sequence += 1
        return f"{prefix}_{_digest(prefix, str(self.sequence))[:16]}", self.sequence

    def new_etag(self, resource_id: str) -> str:
        self.sequence += 1
        return _digest(resource_id, str(self.sequence))[:16]

    def configs(self) -> dict[str, Config]:
        """Every reference model (one without a base: derived models deploy with their base's
        configs) on every instance type with enough GPU memory for it; single-GPU types also
        have a latency-optimized config."""
        found: dict[str, Config] = {}
        for model in self.models.values():
            if model.base_model is not None:
                continue
            for hardware in self.instance_types.values():
                if hardware.memory_gib < model.min_memory_gib:
                    continue
                optimizations: tuple[Optimization, ...] = (
                    ("balanced", "latency") if hardware.gpu_count == 1 else ("balanced",)
                )
                for optimization in optimizations:
                    config = Config(config_id(model.id, hardware.id, optimization), model.id, hardware.id, optimization)
                    found[config.id] = config
        return found

    def reset(self, settings: Settings | None = None) -> None:
        """Back to the seeded contents. Settings stay unless given; the id counter always stays,
        so an id from before the reset never names something created after it."""
        fresh = seed_world(settings or self.settings)
        for name in type(self).model_fields:
            if name != "sequence":
                setattr(self, name, getattr(fresh, name))

    # -- projects, resource names and lookups --

    def project_of(self, project_id: str) -> Project | None:
        return next((p for p in (self.project, self.platform) if p.id == project_id), None)

    def model_named(self, name: str) -> ModelRecord | None:
        return next((m for m in self.models.values() if m.name == name), None)

    def reference_of(self, model: ModelRecord) -> ModelRecord:
        """The model whose configs `model` deploys with: its base's base, and so on."""
        seen = {model.id}
        while model.base_model is not None:
            base = self.model_named(model.base_model)
            if base is None or base.id in seen:
                break
            seen.add(base.id)
            model = base
        return model

    def model_resource(self, model: ModelRecord) -> str:
        return f"projects/{model.project_id}/models/{model.id}"

    def config_owner(self, config: Config) -> str:
        return self.models[config.model_id].project_id

    def config_resource(self, config: Config) -> str:
        return f"projects/{self.config_owner(config)}/configs/{config.id}"

    def find_endpoint(self, key: str) -> EndpointRecord | None:
        """By id, bare name or `<slug>/<name>`: for inference names and uniqueness, not the v2 GETs,
        which take ids only."""
        bare = key.removeprefix(f"{self.project.slug}/")
        return self.endpoints.get(key) or next((e for e in self.endpoints.values() if e.name == bare), None)

    def find_deployment(self, endpoint: EndpointRecord, key: str) -> DeploymentRecord | None:
        """By id, bare name or `<slug>/<endpoint>/<name>`, within `endpoint` (inference and uniqueness)."""
        bare = key.removeprefix(f"{self.project.slug}/{endpoint.name}/")
        return next((d for d in self.deployments_of(endpoint) if key == d.id or bare == d.name), None)

    def deployments_of(self, endpoint: EndpointRecord) -> list[DeploymentRecord]:
        return sorted((d for d in self.deployments.values() if d.endpoint_id == endpoint.id), key=lambda d: d.seq)

    def routed(self, endpoint: EndpointRecord, now: datetime) -> dict[str, float]:
        """Capacity (weight x serving replicas) of each deployment taking the endpoint's traffic
        at `now`, in traffic-split order; an endpoint with none cannot answer."""
        capacity = {}
        for entry in endpoint.traffic_split:
            deployment = self.deployments.get(entry.deployment_id)
            replicas = deployment.observed(now).serving_replicas if deployment is not None else 0
            if entry.weight * replicas > 0:
                capacity[entry.deployment_id] = entry.weight * replicas
        return capacity

    def traffic_share(self, deployment: DeploymentRecord, now: datetime) -> float:
        capacity = self.routed(self.endpoints[deployment.endpoint_id], now)
        total = sum(capacity.values())
        return capacity.get(deployment.id, 0.0) / total if total else 0.0

    def placed(self, instance_type: str, now: datetime, *, besides: str) -> int:
        """Replicas scheduled on `instance_type` at `now` by deployments other than `besides`."""
        return sum(
            max(d.observed(now).scheduled_replicas, d.next_phase.scheduled_replicas if d.next_phase else 0)
            for d in self.deployments.values()
            if d.instance_type == instance_type and d.id != besides
        )

    # -- lifecycle --

    def steer(self, deployment: DeploymentRecord, now: datetime) -> None:
        """Point `deployment` at what its autoscaling asks for, from wherever it is at `now`."""
        deployment.settle(now)
        settings, current, target = self.settings, deployment.phase, deployment.min_replicas
        heading = deployment.next_phase or current
        if target == 0:
            if heading.state != "DEPLOYMENT_STATE_STOPPED":
                draining = current.ready_replicas
                deployment.head(
                    now,
                    Phase(state="DEPLOYMENT_STATE_STOPPING", ready_replicas=draining, scheduled_replicas=draining,
                          message="stopping: autoscaling is 0/0"),
                    Phase(state="DEPLOYMENT_STATE_STOPPED", message="stopped: autoscaling is 0/0"),
                    settings.stop_seconds,
                )  # fmt: skip
            return
        limit = settings.capacity.get(deployment.instance_type)
        free = (
            target
            if limit is None
            else max(0, limit - self.placed(deployment.instance_type, now, besides=deployment.id))
        )
        placed = min(target, free)
        ready = Phase(state="DEPLOYMENT_STATE_READY", ready_replicas=target, scheduled_replicas=target,
                      message="all replicas ready")  # fmt: skip
        if placed < target:
            ready = Phase(state="DEPLOYMENT_STATE_DEGRADED", ready_replicas=placed, scheduled_replicas=placed,
                          message=f"{NO_CAPACITY}: {placed} of {target} replicas placed")  # fmt: skip
        if heading == ready:
            return
        if current.serving_replicas and placed:
            was = current.ready_replicas
            deployment.head(
                now,
                Phase(state="DEPLOYMENT_STATE_SCALING", ready_replicas=was, scheduled_replicas=max(was, placed),
                      message=f"scaling from {was} to {target} replicas"),
                ready,
                settings.scale_seconds,
            )  # fmt: skip
            return
        # Stopped, stopping, failed or still provisioning: (re)provision from nothing.
        model = self.models[deployment.model_id]
        if placed == 0:
            # Nothing can be placed: the scheduler keeps trying until readiness times out.
            deployment.head(
                now,
                Phase(state="DEPLOYMENT_STATE_PROVISIONING", message=f"{NO_CAPACITY}; retrying"),
                Phase(state="DEPLOYMENT_STATE_FAILED", message=f"Timed out waiting for readiness: {NO_CAPACITY}"),
                READINESS_TIMEOUT.total_seconds(),
            )
            return
        failed = Phase(
            state="DEPLOYMENT_STATE_FAILED", message=f"simulated failure: {model.name} did not become healthy"
        )
        provisioning = Phase(state="DEPLOYMENT_STATE_PROVISIONING", scheduled_replicas=placed,
                             message=f"Scheduling replicas: {placed} of {target} placed")  # fmt: skip
        end = failed if model.name in settings.failing_models else ready
        deployment.head(now, provisioning, end, settings.provision_seconds)


@dataclass(frozen=True)
class SupportedModel:
    """One entry of `/v2/supported-models`: a public family, its weights one profile group each."""

    id: str
    name: str
    models: tuple[ModelRecord, ...]  # the family's own name first

    @property
    def base(self) -> ModelRecord:
        return self.models[0]


def supported_models(world: World) -> list[SupportedModel]:
    """The platform's public models grouped by family, in name order."""
    families: dict[str, list[ModelRecord]] = {}
    for model in world.models.values():
        if model.project_id == world.platform.id and model.family is not None:
            families.setdefault(model.family, []).append(model)
    return [
        SupportedModel(
            id=f"arch_{_digest('arch', family)[:16]}",
            name=family,
            models=tuple(sorted(members, key=lambda m: (m.name != family, m.name))),
        )
        for family, members in sorted(families.items())
    ]


def config_id(model_id: str, instance_type: str, optimization: str) -> str:
    return f"cr_{_digest(model_id, instance_type, optimization)[:16]}"


def seed_world(settings: Settings | None = None) -> World:
    """A fresh world: the project, the platform's public models, the hardware catalog and the
    project's own (fine-tuned) models, nothing deployed."""
    return World(
        project=_PROJECT.model_copy(),
        platform=_PLATFORM.model_copy(),
        settings=settings or Settings(),
        instance_types={t.id: t.model_copy() for t in _CATALOG},
        models={m.id: m.model_copy() for m in _SEED_MODELS},
    )


_PROJECT = Project(
    id="proj_sim",
    name="Simulated project",
    slug="sim",
    organization_id="org_sim",
    organization_name="Simulated org",
    api_key_id="key_sim",
)
_PLATFORM = Project(
    id="proj_platform",
    name="Together platform models",
    slug="together",
    organization_id="org_together",
    organization_name="Together AI",
)


def _hardware(gpu: str, count: int, memory_gib: int, cents_per_gpu_hour: int) -> InstanceType:
    """Together's naming: id `2x_nvidia_h100_80gb_sxm`, name `2xnvidia-h100-80gb`; price per replica."""
    kind = f"{gpu.lower()}_{memory_gib}gb"
    return InstanceType(
        id=f"{count}x_nvidia_{kind}_sxm",
        name=f"{count}xnvidia-{kind.replace('_', '-')}",
        gpu_type=gpu,
        gpu_count=count,
        gpu_memory_gib=memory_gib,
        price_cents_per_hour=count * cents_per_gpu_hour,
    )


# Per-GPU prices from docs.together.ai (reference/together-api.md, section 8); GPUs cost linearly.
_CATALOG = [
    *(_hardware("H100", count, 80, 399) for count in (1, 2, 4, 8)),
    *(_hardware("H200", count, 140, 549) for count in (1, 2)),
    *(_hardware("B200", count, 180, 995) for count in (1, 2)),
]


def _model(
    name: str, *, parameters: int, architecture: str, context: int, memory_gib: int, usd_per_mtok: float,
    base: str | None = None, quantization: str = "BF16", family: str | None = None,
) -> ModelRecord:  # fmt: skip
    public = base is None
    return ModelRecord(
        id=f"ml_{_digest(name)[:16]}",
        name=name,
        project_id=_PLATFORM.id if public else _PROJECT.id,
        revision_id=f"rv_{_digest(name, 'revision 1')[:16]}",
        parameters=parameters,
        architecture=architecture,
        context_length=context,
        min_memory_gib=memory_gib,
        visibility="VISIBILITY_INTERNAL" if public else "VISIBILITY_PRIVATE",
        created_at=_SEEDED_AT,
        base_model=base,
        quantization=quantization,
        family=(family or name) if public else None,
        input_usd_per_mtok=usd_per_mtok,
        output_usd_per_mtok=usd_per_mtok,
    )


_QWEN = "Qwen2ForCausalLM"
_SEED_MODELS = [
    # Public base models, owned by the platform project.
    _model("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", parameters=1_780_000_000, architecture=_QWEN,
           context=131072, memory_gib=16, usd_per_mtok=0.18),
    _model("Qwen/Qwen2.5-14B-Instruct", parameters=14_770_000_000, architecture=_QWEN,
           context=32768, memory_gib=40, usd_per_mtok=0.80),
    _model("deepseek-ai/deepseek-llm-67b-chat", parameters=67_000_000_000, architecture="LlamaForCausalLM",
           context=4096, memory_gib=160, usd_per_mtok=0.90),
    # One catalog entry, two profiles: the same weights at BF16 and FP8 (docs: models-and-configs.md).
    _model("Qwen/Qwen3.5-9B", parameters=9_000_000_000, architecture="Qwen3ForCausalLM",
           context=262144, memory_gib=24, usd_per_mtok=0.30),
    _model("Qwen/Qwen3.5-9B-FP8", parameters=9_000_000_000, architecture="Qwen3ForCausalLM",
           context=262144, memory_gib=12, usd_per_mtok=0.30, quantization="FP8", family="Qwen/Qwen3.5-9B"),
    # The project's own fine-tunes: they deploy with a config of their base model.
    _model("moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond", parameters=1_780_000_000,
           architecture=_QWEN, context=131072, memory_gib=16, usd_per_mtok=0.18,
           base="deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"),
    _model("moonmakesmagic/DeepSeek-Qwen-14B-planning", parameters=14_770_000_000, architecture=_QWEN,
           context=131072, memory_gib=40, usd_per_mtok=0.80, base="Qwen/Qwen2.5-14B-Instruct"),
    # Its base needs two H100s' worth of memory, so it has no config on 1x H100 or 1x H200: that is
    # how tests meet "this hardware cannot run this model".
    _model("moonmakesmagic/DeepSeek-Llama-67B-coding", parameters=67_000_000_000, architecture="LlamaForCausalLM",
           context=32768, memory_gib=160, usd_per_mtok=0.90, base="deepseek-ai/deepseek-llm-67b-chat"),
]  # fmt: skip


# -- where the world lives -----------------------------------------------------------------------


class WorldStore(Protocol):
    def session(self) -> AbstractContextManager[World]:
        """The world, exclusively, for one request; changes are kept only if the block succeeds."""
        ...


class WorldFile:
    """A world in a JSON file that separate processes share, one session at a time.

    An exclusive `flock` on a sibling `.lock` file serialises sessions across processes (the
    world file itself is replaced on write, so it cannot carry the lock). A missing file starts
    a seeded world; a changed world is written to a temporary file and renamed over the old one,
    so a crash never leaves half a world behind.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def session(self) -> Iterator[World]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:  # "a": create it without truncating
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            before = self.path.read_text() if self.path.exists() else None
            world = self._parse(before) if before is not None else seed_world()
            yield world
            after = world.model_dump_json(indent=1)
            if after != before:
                self._write(after)

    def _parse(self, text: str) -> World:
        try:
            return World.model_validate(_migrated(json.loads(text)))
        except (ValueError, ValidationError) as error:
            why = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
            raise ProviderError(
                f"{self.path}: the simulated world cannot be read: {why}",
                hint=f"delete {self.path} to start a fresh simulated world",
            ) from None

    def _write(self, text: str) -> None:
        # Only the holder of the lock writes, so one temporary name is enough.
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        with open(temporary, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


class MemoryWorld:
    """A world that lives as long as the process: `reasoning simulator serve` without a file.

    A failed request leaves no trace, exactly as with `WorldFile`: see `session`.
    """

    def __init__(self, world: World | None = None) -> None:
        self._world = world or seed_world()
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[World]:
        # No deep copy per request: that made every call O(world) (137 s to seed 1000 roles).
        # Handlers check everything before they change a record, so undoing a failed request
        # only takes putting back the containers (new or deleted records, faults, the counter).
        with self._lock:
            world = self._world
            saved = (dict(world.endpoints), dict(world.deployments), list(world.faults), world.sequence)
            try:
                yield world
            except BaseException:
                world.endpoints, world.deployments, world.faults, world.sequence = saved
                raise


def _migrated(data: Any) -> Any:
    """A world file of schema 1 (before platform projects), brought to the current schema: the
    catalog and models are seeded afresh (model ids follow from names, so deployments still name
    theirs), and each deployment's config becomes its reference model's config on the same
    hardware. Endpoints, deployments, settings, faults and the id counter are kept."""
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        return data
    world = seed_world(Settings.model_validate(data.get("settings", {})))
    world.endpoints = {key: EndpointRecord.model_validate(e) for key, e in data.get("endpoints", {}).items()}
    for key, raw in data.get("deployments", {}).items():
        deployment = DeploymentRecord.model_validate(raw)
        model = world.models.get(deployment.model_id)
        if model is not None:
            deployment.config_id = config_id(world.reference_of(model).id, deployment.instance_type, "balanced")
        world.deployments[key] = deployment
    world.faults = [Fault.model_validate(f) for f in data.get("faults", [])]
    world.sequence = int(data.get("sequence", 0))
    return world.model_dump(mode="json")
