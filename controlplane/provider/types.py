"""Together's v2 wire format, as lenient models.

Fields we read are declared (camelCase aliases); anything else Together adds is ignored, so a new
field on their side never breaks a refresh. The official SDK `together==3.1.1` (`types/`) is the
reference for these shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True, defer_build=True)


class Page(Wire, Generic[T]):
    data: list[T]
    next_cursor: str | None = None


class WhoamiProject(Wire):
    id: str
    slug: str
    name: str = ""


class Whoami(Wire):
    project: WhoamiProject


class InstanceType(Wire):
    id: str
    name: str
    gpu_type: str = Field(alias="gpuType")
    gpu_count: int = Field(alias="gpuCount")
    price_cents_per_hour: int = Field(alias="priceCentsPerHour")

    @property
    def usd_per_hour(self) -> float:
        return self.price_cents_per_hour / 100


class Model(Wire):
    id: str
    name: str
    project_id: str = Field(alias="projectId")
    #: `projects/{owner}/models/{id}` of the model this one was derived from; configs hang off it
    base_model: str | None = Field(default=None, alias="baseModel")
    base_model_id: str | None = Field(default=None, alias="baseModelId")

    @property
    def resource(self) -> str:
        return f"projects/{self.project_id}/models/{self.id}"


class Selector(Wire):
    key: str
    value: str


class Config(Wire):
    id: str
    #: the owner, which for a public model's config is a platform project, not ours
    project_id: str = Field(alias="projectId")
    reference_model: str = Field(alias="referenceModel")
    selectors: list[Selector] = []

    @property
    def resource(self) -> str:
        return f"projects/{self.project_id}/configs/{self.id}"

    def selector(self, key: str) -> str | None:
        return next((s.value for s in self.selectors if s.key == key), None)

    @property
    def instance_type_name(self) -> str | None:
        """The instance type this config runs on, as Together names it: `{accelerator_count}x
        {accelerator_type}` (`1xnvidia-h100-80gb`), built as SDK `lib/cli/api/endpoints/_utils/
        _hardware_pricing.py::hardware_from_selectors` builds it; None without both selectors."""
        kind, count = self.selector("accelerator_type"), self.selector("accelerator_count")
        return f"{count}x{kind}" if kind and count else None


class PerformanceBenchmarks(Wire):
    decoding_speed_tps: float | None = Field(default=None, alias="decodingSpeedTps")
    time_to_first_token_ms: int | None = Field(default=None, alias="timeToFirstTokenMs")


class DeploymentProfile(Wire):
    """A certified (model, config) pair of a public model: deploy its `model` and `config` verbatim."""

    profile_id: str = Field(alias="profileId")
    model: str
    config: str
    model_name: str = Field(alias="modelName")
    gpu_type: str = Field(alias="gpuType")
    gpu_count: int = Field(alias="gpuCount")
    quantization: str = ""
    parallelism: str = ""
    adapter_mode: str | None = Field(default=None, alias="adapterMode")


class SupportedModel(Wire):
    """An entry of `/v2/supported-models`: a public model Together hosts, with its profiles."""

    id: str
    name: str
    status: str = ""
    base_model: str = Field(default="", alias="baseModel")
    base_model_id: str = Field(default="", alias="baseModelId")
    deployment_profiles: list[DeploymentProfile] = Field(default=[], alias="deploymentProfiles")

    @property
    def deployable(self) -> bool:
        return self.status not in ("SUPPORTED_MODEL_STATUS_DEPRECATED", "SUPPORTED_MODEL_STATUS_HIDDEN")


class Autoscaling(Wire):
    min_replicas: int | None = Field(default=None, alias="minReplicas")
    max_replicas: int | None = Field(default=None, alias="maxReplicas")


class DeploymentStatus(Wire):
    state: str
    message: str = ""
    ready_replicas: int | None = Field(default=None, alias="readyReplicas")
    #: placed on clusters; trails the desired count while capacity is found (DEGRADED)
    scheduled_replicas: int | None = Field(default=None, alias="scheduledReplicas")


class Deployment(Wire):
    id: str
    name: str
    etag: str
    model: str
    hardware: str
    autoscaling: Autoscaling
    status: DeploymentStatus
    desired_replicas: int | None = Field(default=None, alias="desiredReplicas")
    created_at: datetime = Field(alias="createdAt")


class DeploymentSummary(Wire):
    id: str
    name: str
    model: str
    hardware: str | None = None
    autoscaling: Autoscaling
    state: str
    ready_replicas: int | None = Field(default=None, alias="readyReplicas")
    desired_replicas: int | None = Field(default=None, alias="desiredReplicas")
    created_at: datetime = Field(alias="createdAt")

    @property
    def short_name(self) -> str:
        """`slug/endpoint/name` -> `name`."""
        return _last(self.name)


class TrafficEntry(Wire):
    deployment_id: str = Field(alias="deploymentId")
    weight: float


class Endpoint(Wire):
    id: str
    name: str
    etag: str
    traffic_split: list[TrafficEntry] = Field(default=[], alias="trafficSplit")
    deployments: list[DeploymentSummary] = []
    created_at: datetime = Field(alias="createdAt")
    #: a rollout in flight (paused included): while it runs, Together moves the pair's traffic
    active_rollout_id: str | None = Field(default=None, alias="activeRolloutId")

    @property
    def short_name(self) -> str:
        """`slug/name` -> `name`."""
        return _last(self.name)


def _last(qualified: str) -> str:
    """Together qualifies names with the project slug (and endpoint); we name things by the last part."""
    return qualified.rsplit("/", 1)[-1]
