"""What the store keeps besides applied state: events, the lock, the ledger's intervals, and what
the runtime writes (usage per request, training samples)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import SerializationInfo, field_serializer

from controlplane.values.common import Moment, Value, Versioned


class Event(Value):
    at: datetime
    project: str
    role: str | None
    actor: str
    kind: str
    reason: str
    detail: dict[str, Any] = {}


class Lock(Value):
    project: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


#: How a request for a role ended: answered by its model, sent to the fallback, or failed.
Outcome = Literal["ok", "fallback", "error"]
#: Who answered a decision that became a sample: the role's custom model, or the fallback.
Source = Literal["custom", "fallback"]


class Usage(Value):
    """One request for a role: served by it (`ok`), sent to the fallback (`fallback`, with the
    reason), or failed (`error`). `cost_usd` is what the request itself cost; hourly hardware is
    in the ledger."""

    project: str
    role: str
    at: datetime
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    outcome: Outcome = "ok"
    reason: str | None = None
    #: the recorder's id (written once however often it is replayed); None: not deduplicated
    record_id: str | None = None
    #: the budget reservation this request's cost settles (released when the usage is written)
    reservation: str | None = None


class UsageTotals(Value):
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    first_at: datetime
    last_at: datetime


class Sample(Value):
    """One decision as training data: the exact prompt and answer, already redacted.

    `prompt` is the request in the role's format (messages, tools...), `answer` the text or JSON
    the model (or the fallback, per `source`) gave."""

    project: str
    role: str
    at: datetime
    source: Source
    prompt: dict[str, Any]
    answer: str
    meta: dict[str, Any] = {}
    record_id: str | None = None


class Billing(Value):
    """The terms one deployment is billed at while they hold: an open ledger interval's."""

    deployment_id: str
    hardware: str
    replicas: int
    #: per replica, integer cents as Together's catalog gives them
    cents_per_hour: int


class LedgerInterval(Value):
    """A span of time in which a deployment of a role was billed at fixed terms; open while
    `ended_at` is None. `opened_by` / `closed_by` say which step saw the change (apply, observe)."""

    project: str
    role: str
    deployment_id: str
    hardware: str
    replicas: int
    cents_per_hour: int
    started_at: datetime
    ended_at: datetime | None = None
    opened_by: str
    closed_by: str | None = None

    @property
    def terms(self) -> Billing:
        return Billing(
            deployment_id=self.deployment_id,
            hardware=self.hardware,
            replicas=self.replicas,
            cents_per_hour=self.cents_per_hour,
        )


class LedgerChange(Value):
    opened: tuple[LedgerInterval, ...] = ()
    closed: tuple[LedgerInterval, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.opened or self.closed)


class EventLog(Versioned):
    """The audit timeline `reasoning events --json` prints: the project's events, oldest first."""

    project: str
    #: the filters the events were read with
    since: Moment | None
    role: str | None
    events: tuple[Event, ...]

    @field_serializer("events")
    def _without_project(self, events: tuple[Event, ...], info: SerializationInfo) -> list[dict[str, Any]]:
        # the document names the project once, not once per event
        return [event.model_dump(mode=info.mode, exclude={"project"}) for event in events]
