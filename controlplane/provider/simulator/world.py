"""The simulated world as data: catalog, models, endpoints, deployments, settings, faults.

    api.Simulator.handle ──► WorldStore.session() ──► World ◄── routes (resources, inference, admin)
                              WorldFile: JSON + flock, shared by processes
                              MemoryWorld: one process

Everything here is pydantic and serialises to one JSON document; configs are not stored but follow
from the models and the catalog. A session loads the world under a lock and keeps what the
request changed only if the request succeeds, so a refused request leaves no trace.

Deployments move through their states in simulated time. A write records where a deployment is
heading and when it arrives (`Phase`, `next_phase`, `next_at`); a read computes the state at the
request's `clock.now()`. Nothing ticks in the background, which is why moving the clock alone
moves a deployment from PROVISIONING to READY.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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

REGION = "us-central-1"
_SEEDED_AT = datetime(2025, 6, 1, tzinfo=timezone.utc)  # fixed, so every seeded world is identical
_SERVING = ("DEPLOYMENT_STATE_READY", "DEPLOYMENT_STATE_SCALING")


def _digest(*parts: str) -> str:
    """A stable hex digest: ids and etags are derived, never random, so worlds are reproducible."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


# -- the world -----------------------------------------------------------------------------------


class Record(BaseModel):
    # The world file is ours alone: anything unexpected in it is corruption, not a new field.
    model_config = ConfigDict(extra="forbid")


class Settings(Record):
    """How the simulated Together behaves; `GET/PUT /_simulator/settings`."""

    provision_seconds: float = Field(default=3.0, ge=0, description="Simulated time from create or start to READY.")
    stop_seconds: float = Field(default=1.0, ge=0, description="Simulated time STOPPING lasts before STOPPED.")
    scale_seconds: float = Field(default=1.0, ge=0, description="Simulated time SCALING lasts before READY.")
    api_keys: list[str] = Field(default_factory=list, description="Accepted bearer keys; empty accepts any key.")
    failing_models: list[str] = Field(
        default_factory=list, description="Model names whose deployments go from PROVISIONING to FAILED."
    )


class Fault(Record):
    """An injected failure: the next `times` matching requests get `status` instead of an answer."""

    method: str = Field(default="*", description="HTTP method to match, or * for any.")
    path_regex: str = Field(description="Regular expression searched in the request path.")
    status: int = Field(ge=400, le=599)
    times: int = Field(default=1, ge=1, description="How many requests the fault answers before it is spent.")
    retry_after: float | None = Field(default=None, ge=0, description="Seconds sent as Retry-After.")
    code: str | None = Field(default=None, description="The error code in the body.")
    message: str = "injected fault"

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

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and re.search(self.path_regex, path) is not None


class Project(Record):
    id: str
    name: str
    slug: str
    organization_id: str
    organization_name: str
    api_key_id: str


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


class ModelRecord(Record):
    id: str
    name: str
    revision_id: str
    parameters: int
    architecture: str
    context_length: int
    min_memory_gib: int = Field(description="GPU memory a replica needs; smaller hardware gets no config.")
    visibility: Visibility
    created_at: datetime
    base_model: str | None = None
    input_usd_per_mtok: float = 0.0
    output_usd_per_mtok: float = 0.0


@dataclass(frozen=True)
class Config:
    """A (model, instance type) pairing; derived from the catalog, never stored."""

    id: str
    model_id: str
    instance_type: str


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


class World(Record):
    schema_version: Literal[1] = 1
    project: Project
    settings: Settings = Field(default_factory=Settings)
    instance_types: dict[str, InstanceType]
    models: dict[str, ModelRecord]
    endpoints: dict[str, EndpointRecord] = Field(default_factory=dict)
    deployments: dict[str, DeploymentRecord] = Field(default_factory=dict)
    faults: list[Fault] = Field(default_factory=list)
    sequence: int = Field(default=0, description="Counter behind ids and etags; survives a reset.")

    def mint(self, prefix: str) -> tuple[str, int]:
        """A new id, and its sequence number."""
        self.sequence += 1
        return f"{prefix}_{_digest(prefix, str(self.sequence))[:16]}", self.sequence

    def new_etag(self, resource_id: str) -> str:
        self.sequence += 1
        return _digest(resource_id, str(self.sequence))[:16]

    def configs(self) -> dict[str, Config]:
        """Every model on every instance type with enough GPU memory for it."""
        return {
            config.id: config
            for model in self.models.values()
            for hardware in self.instance_types.values()
            if hardware.memory_gib >= model.min_memory_gib
            for config in [Config(f"cr_{_digest(model.id, hardware.id)[:16]}", model.id, hardware.id)]
        }

    def reset(self, settings: Settings | None = None) -> None:
        """Back to the seeded contents. Settings stay unless given; the id counter always stays,
        so an id from before the reset never names something created after it."""
        fresh = seed_world(settings or self.settings)
        for name in type(self).model_fields:
            if name != "sequence":
                setattr(self, name, getattr(fresh, name))

    # -- resource names and lookups --

    def model_resource(self, model: ModelRecord) -> str:
        return f"projects/{self.project.id}/models/{model.id}"

    def config_resource(self, config_id: str) -> str:
        return f"projects/{self.project.id}/configs/{config_id}"

    def find_endpoint(self, key: str) -> EndpointRecord | None:
        """By id, bare name or `<slug>/<name>`."""
        bare = key.removeprefix(f"{self.project.slug}/")
        return self.endpoints.get(key) or next((e for e in self.endpoints.values() if e.name == bare), None)

    def find_deployment(self, endpoint: EndpointRecord, key: str) -> DeploymentRecord | None:
        """By id, bare name or `<slug>/<endpoint>/<name>`, within `endpoint`."""
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
        ready = Phase(state="DEPLOYMENT_STATE_READY", ready_replicas=target, scheduled_replicas=target,
                      message="all replicas ready")  # fmt: skip
        if heading == ready:
            return
        if current.serving_replicas:
            was = current.ready_replicas
            deployment.head(
                now,
                Phase(state="DEPLOYMENT_STATE_SCALING", ready_replicas=was, scheduled_replicas=max(was, target),
                      message=f"scaling from {was} to {target} replicas"),
                ready,
                settings.scale_seconds,
            )  # fmt: skip
            return
        # Stopped, stopping, failed or still provisioning: (re)provision from nothing.
        model = self.models[deployment.model_id]
        failed = Phase(
            state="DEPLOYMENT_STATE_FAILED", message=f"simulated failure: {model.name} did not become healthy"
        )
        provisioning = Phase(state="DEPLOYMENT_STATE_PROVISIONING", scheduled_replicas=target,
                             message=f"provisioning {target} replicas")  # fmt: skip
        end = failed if model.name in settings.failing_models else ready
        deployment.head(now, provisioning, end, settings.provision_seconds)


def seed_world(settings: Settings | None = None) -> World:
    """A fresh world: the project, the hardware catalog and the seeded models, nothing deployed."""
    project = Project(
        id="proj_sim",
        name="Simulated project",
        slug="sim",
        organization_id="org_sim",
        organization_name="Simulated org",
        api_key_id="key_sim",
    )
    return World(
        project=project,
        settings=settings or Settings(),
        instance_types={t.id: t.model_copy() for t in _CATALOG},
        models={m.id: m.model_copy() for m in _SEED_MODELS},
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
    base: str | None = None,
) -> ModelRecord:  # fmt: skip
    return ModelRecord(
        id=f"ml_{_digest(name)[:16]}",
        name=name,
        revision_id=f"rv_{_digest(name, 'revision 1')[:16]}",
        parameters=parameters,
        architecture=architecture,
        context_length=context,
        min_memory_gib=memory_gib,
        visibility="VISIBILITY_PRIVATE" if name.startswith("moonmakesmagic/") else "VISIBILITY_INTERNAL",
        created_at=_SEEDED_AT,
        base_model=base,
        input_usd_per_mtok=usd_per_mtok,
        output_usd_per_mtok=usd_per_mtok,
    )


_QWEN = "Qwen2ForCausalLM"
_SEED_MODELS = [
    _model("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", parameters=1_780_000_000, architecture=_QWEN,
           context=131072, memory_gib=16, usd_per_mtok=0.18),
    _model("Qwen/Qwen2.5-14B-Instruct", parameters=14_770_000_000, architecture=_QWEN,
           context=32768, memory_gib=40, usd_per_mtok=0.80),
    _model("moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond", parameters=1_780_000_000,
           architecture=_QWEN, context=131072, memory_gib=16, usd_per_mtok=0.18,
           base="deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"),
    _model("moonmakesmagic/DeepSeek-Qwen-14B-planning", parameters=14_770_000_000, architecture=_QWEN,
           context=131072, memory_gib=40, usd_per_mtok=0.80, base="Qwen/Qwen2.5-14B-Instruct"),
    # Needs two H100s' worth of memory, so it has no config on 1x H100 or 1x H200: that is how
    # tests meet "this hardware cannot run this model".
    _model("moonmakesmagic/DeepSeek-Llama-67B-coding", parameters=67_000_000_000, architecture="LlamaForCausalLM",
           context=32768, memory_gib=160, usd_per_mtok=0.90),
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
            return World.model_validate_json(text)
        except ValidationError as error:
            raise ProviderError(
                f"{self.path}: the simulated world cannot be read: {error.errors()[0]['msg']}",
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
