"""What exists: the remote roles a refresh finds, and what apply last did.

Plain, immutable data shared by the provider (which builds `RemoteRole`s), the store (which keeps
`AppliedRole`s) and the pure plan, which compares them with the manifest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from controlplane.values.common import Value

DeploymentState = Literal["PROVISIONING", "READY", "SCALING", "DEGRADED", "FAILED", "STOPPED", "STOPPING"]


class Spec(Value):
    """The part of a role that decides what runs: compared field by field by the plan."""

    model: str
    hardware: str
    min_replicas: int
    max_replicas: int

    @property
    def stopped(self) -> bool:
        return self.max_replicas == 0


class RemoteDeployment(Value):
    id: str
    name: str
    spec: Spec
    state: DeploymentState
    ready_replicas: int
    message: str = ""


class RemoteRole(Value):
    """One endpoint `<project>-<role>` and its deployments, as the provider reports them."""

    role: str
    endpoint_id: str
    endpoint_name: str
    etag: str
    traffic: dict[str, float]
    deployments: tuple[RemoteDeployment, ...] = ()
    #: the rollout Together is running on the endpoint (`activeRolloutId`), which owns its traffic
    rollout: str | None = None

    @property
    def live(self) -> RemoteDeployment | None:
        """The deployment serving traffic; failing that, the newest one."""
        routed = [d for d in self.deployments if self.traffic.get(d.id, 0) > 0]
        if routed:
            return max(routed, key=lambda d: self.traffic[d.id])
        return self.deployments[-1] if self.deployments else None

    @property
    def others(self) -> tuple[RemoteDeployment, ...]:
        live = self.live
        return tuple(d for d in self.deployments if live is None or d.id != live.id)


class AppliedRole(Value):
    """What the last successful apply left a role as: the baseline drift is measured against."""

    role: str
    spec: Spec
    enabled: bool
    endpoint_id: str | None
    deployment_id: str | None
    applied_at: datetime
