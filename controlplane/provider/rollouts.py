"""Together's v2 rollouts (SDK 3.1.1 `client.endpoints.rollouts`; shared/reference/together-fidelity.md
§1.3 and §4(c)): a canary from the deployment serving a role to its candidate's, with Together
moving the traffic step by step and pausing the rollout by itself when a metric gate is breached.

Abort is cancel with FREEZE (3.1.1 has no revert): the split stays where it was, and the caller
routes the traffic back and stops the target itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from controlplane.provider.together import TogetherClient, _parse

ACTIVE = frozenset({
    "ROLLOUT_STATE_PENDING", "ROLLOUT_STATE_RUNNING", "ROLLOUT_STATE_PAUSING", "ROLLOUT_STATE_PAUSED",
    "ROLLOUT_STATE_SYSTEM_PAUSED", "ROLLOUT_STATE_STABILIZING", "ROLLOUT_STATE_CANCELLING",
})  # fmt: skip
#: Together's router metrics as gates: error rate above 2 %, or p95 latency 20 % worse than the source's.
DEFAULT_GATES: list[dict[str, Any]] = [
    {"name": "router_error_rate", "thresholdCheck": {"operator": "THRESHOLD_OPERATOR_GT", "value": 0.02}},
    {"name": "router_latency", "stat": "METRIC_STAT_TYPE_PERCENTILE", "percentile": 95,
     "regressionCheck": {"direction": "REGRESSION_DIRECTION_HIGHER_IS_WORSE", "maxRegressionPercent": 20}},
]  # fmt: skip


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Condition(_Wire):
    category: str | None = None
    message: str | None = None


class Step(_Wire):
    index: int = Field(alias="stepIndex")
    state: str | None = None
    traffic: int | None = Field(default=None, alias="targetTrafficPercent")


class Status(_Wire):
    steps: list[Step] = []
    condition: Condition | None = None


class Rollout(_Wire):
    id: str
    endpoint_id: str = Field(alias="endpointId")
    source: str = Field(alias="sourceDeploymentId")
    target: str = Field(alias="targetDeploymentId")
    state: str
    status: Status = Status()
    current_step: int | None = Field(default=None, alias="currentStep")
    traffic: int | None = Field(default=None, alias="currentTrafficPercent")
    started_at: datetime | None = Field(default=None, alias="startedAt")
    completed_at: datetime | None = Field(default=None, alias="completedAt")
    etag: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def short_state(self) -> str:
        return self.state.removeprefix("ROLLOUT_STATE_").lower().replace("_", " ")


class _Page(_Wire):
    data: list[Rollout]


class RolloutClient:
    def __init__(self, client: TogetherClient) -> None:
        self._client = client

    def _path(self, endpoint_id: str, tail: str = "") -> str:
        return f"/v2/projects/{self._client.project_id}/endpoints/{endpoint_id}/rollouts{tail}"

    def _call(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Rollout:
        return _parse(Rollout, self._client._request(method, path, body=body, params=params), f"{method} {path}")

    def canary(
        self,
        endpoint_id: str,
        source: str,
        target: str,
        *,
        steps: list[int] | None = None,
        step_interval_seconds: int | None = None,
        gates: list[dict[str, Any]] | None = None,
    ) -> Rollout:
        """Create a canary rollout (PENDING: no traffic moves until `start`)."""
        canary: dict[str, Any] = {}
        if steps:
            canary["steps"] = [{"traffic": percent} for percent in steps]
        if step_interval_seconds:
            canary["stepInterval"] = f"{step_interval_seconds}s"
        body = {"sourceDeploymentId": source, "targetDeploymentId": target, "canary": canary,
                "metrics": DEFAULT_GATES if gates is None else gates, "finalSourceReplicas": 0}  # fmt: skip
        return self._call("POST", self._path(endpoint_id), body)

    def start(self, endpoint_id: str, rollout_id: str) -> Rollout:
        return self._call("POST", self._path(endpoint_id, f"/{rollout_id}/start"))

    def get(self, endpoint_id: str, rollout_id: str) -> Rollout:
        return self._call("GET", self._path(endpoint_id, f"/{rollout_id}"))

    def active(self, endpoint_id: str) -> Rollout | None:
        path = self._path(endpoint_id)
        data = self._client._request("GET", path, params={"filter": "ROLLOUT_FILTER_ACTIVE"})
        page = _parse(_Page, data, f"GET {path}")
        return page.data[-1] if page.data else None

    def latest(self, endpoint_id: str) -> Rollout | None:
        path = self._path(endpoint_id)
        page = _parse(_Page, self._client._request("GET", path), f"GET {path}")
        return page.data[-1] if page.data else None

    def promote(self, endpoint_id: str, rollout_id: str) -> Rollout:
        return self._call("POST", self._path(endpoint_id, f"/{rollout_id}/promote"), {})

    def resume(self, endpoint_id: str, rollout_id: str) -> Rollout:
        return self._call("POST", self._path(endpoint_id, f"/{rollout_id}/resume"), {})

    def cancel(self, endpoint_id: str, rollout_id: str, reason: str) -> Rollout:
        body = {"reason": reason, "disposition": "CANCEL_DISPOSITION_FREEZE"}
        return self._call("POST", self._path(endpoint_id, f"/{rollout_id}/cancel"), body)
