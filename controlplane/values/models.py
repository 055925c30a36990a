"""Every role as an agent's operator sees it: what `reasoning models list|status` shows."""

from __future__ import annotations

from datetime import datetime

from controlplane.values.common import Value, Versioned
from controlplane.values.override import Override
from controlplane.values.plan import CostRange


class ModelLine(Value):
    role: str
    #: what the manifest says (`enabled:`), before overrides and the policy
    enabled: bool
    #: the live deployment's state, or ABSENT
    state: str
    ready_replicas: int
    min_replicas: int
    max_replicas: int
    model: str
    hardware: str
    #: the live deployment's name (one per model revision and hardware), if any
    revision: str | None
    #: the name an agent calls: the Together endpoint `<project>-<role>`
    endpoint: str
    usd_per_hour: CostRange
    last_request: datetime | None
    #: why the role does not run now (None when it runs or is about to)
    why_stopped: str | None
    override: Override | None = None
    #: what a plan made now would do to it (None: nothing)
    pending: str | None = None


class ModelsReport(Versioned):
    project: str
    at: datetime
    models: tuple[ModelLine, ...]
    usd_per_hour: CostRange
