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
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


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

    @property
    def resource(self) -> str:
        return f"projects/{self.project_id}/models/{self.id}"


class Selector(Wire):
    key: str
    value: str


class Config(Wire):
    id: str
    project_id: str = Field(alias="projectId")
    reference_model: str = Field(alias="referenceModel")
    selectors: list[Selector] = []

    @property
    def resource(self) -> str:
        return f"projects/{self.project_id}/configs/{self.id}"

    @property
    def instance_type(self) -> str | None:
        return next((s.value for s in self.selectors if s.key == "instance_type"), None)


class Autoscaling(Wire):
    min_replicas: int | None = Field(default=None, alias="minReplicas")
    max_replicas: int | None = Field(default=None, alias="maxReplicas")


class DeploymentStatus(Wire):
    state: str
    message: str = ""
    ready_replicas: int | None = Field(default=None, alias="readyReplicas")


class Deployment(Wire):
    id: str
    name: str
    etag: str
    model: str
    hardware: str
    autoscaling: Autoscaling
    status: DeploymentStatus
    created_at: datetime = Field(alias="createdAt")


class DeploymentSummary(Wire):
    id: str
    name: str
    model: str
    hardware: str | None = None
    autoscaling: Autoscaling
    state: str
    ready_replicas: int | None = Field(default=None, alias="readyReplicas")
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

    @property
    def short_name(self) -> str:
        """`slug/name` -> `name`."""
        return _last(self.name)


def _last(qualified: str) -> str:
    """Together qualifies names with the project slug (and endpoint); we name things by the last part."""
    return qualified.rsplit("/", 1)[-1]
