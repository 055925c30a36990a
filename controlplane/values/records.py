"""What the store keeps besides applied state: events, the lock, the ledger's intervals, and what
the runtime writes (usage per request, training samples)."""

from __future__ import annotations

import hashlib
import json
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
    """A project's apply lock: `id` names it to `reasoning force-unlock`; `host` and `pid` are
    where its holder runs (none for a holder that did not say)."""

    project: str
    id: str
    owner: str
    host: str | None = None
    pid: int | None = None
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


#: A person's verdict on a sample: train on it (`good`) or never (`bad`).
Label = Literal["good", "bad"]
#: The shape `Sample.prompt` is in: a chat-completions request (what the custom models are served,
#: Anthropic requests included, translated), or an Anthropic Messages request kept as it came
#: (content the translation does not take went to the fallback untranslated).
PromptFormat = Literal["openai", "anthropic"]


class Sample(Value):
    """One decision as training data: the exact request as served and its answer, already redacted.

    `prompt` is the request in `format` (messages, tools...), less model and transport; `answer`
    the text the model (or the fallback, per `source`) gave, or, when it called tools, the
    assistant message `{"content", "tool_calls"}` as JSON. `model` is who answered: for `custom`
    the role's model revision as applied, for `fallback` the fallback's model. `content_hash` is
    what de-duplication compares (`content_digest`); the store fills it in when it writes."""

    project: str
    role: str
    at: datetime
    source: Source
    prompt: dict[str, Any]
    answer: str
    meta: dict[str, Any] = {}
    id: int | None = None  # the store's, once written
    format: PromptFormat = "openai"
    model: str | None = None
    outcome: Outcome = "ok"
    agent_id: str | None = None
    room_id: str | None = None
    label: Label | None = None
    note: str | None = None
    content_hash: str | None = None
    record_id: str | None = None

    def digest(self) -> str:
        return content_digest(self.role, self.prompt, self.answer)


def content_digest(role: str, prompt: dict[str, Any], answer: str) -> str:
    """sha256 of what a training line is made of: the role, the conversation (system, messages,
    tools) and the answer. Sampling settings (temperature, max_tokens) and metadata are left out:
    the same exchange asked twice is one example, however it was asked."""
    content = {k: prompt.get(k) for k in ("system", "messages", "tools")}
    text = json.dumps([role, content, answer], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


#: What the learned coding score said of a request (`runtime.learned.decide`), and a user's label.
RoutingVerdict = Literal["coding", "uncertain", "not_coding"]
RoutingLabel = Literal["coding", "other"]


class RoutingDecision(Value):
    """One request the router scored: what it decided and why, for `reasoning route review` and
    for the next training run once a user labels it. `request` is what the score read of the body
    (bounded and redacted), kept only when the manifest collects training data."""

    project: str
    at: datetime
    api: str
    role: str | None  # None: the upstream
    reason: str
    score: float
    decision: RoutingVerdict
    features: dict[str, float] = {}  # field:token -> its contribution to the logit, the largest few
    request: dict[str, Any] | None = None
    id: int | None = None  # the store's, once written
    label: RoutingLabel | None = None
    labeled_at: datetime | None = None


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
