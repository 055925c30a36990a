"""What one reconcile round did (or, in a dry run, would do): `reasoning reconcile --json` prints it."""

from __future__ import annotations

from datetime import datetime

from controlplane.values.common import Value, Versioned
from controlplane.values.plan import ActionKind
from controlplane.values.policy import Rule


class ActionSummary(Value):
    """One role's action in a round, without its specs: what it was, why, and the policy rule."""

    role: str
    kind: ActionKind
    reason: str
    policy: Rule | None = None


class Deletion(Value):
    """What retention deleted (or would delete): training samples by age for all roles or by
    count per role, or the proxy's unlabeled routing decisions by age."""

    role: str | None
    samples: int
    reason: str
    #: routing decisions (the proxy's learned router's log), by the samples' age rule
    decisions: int = 0

    def counts(self) -> dict[str, int]:
        """What went, for an event's detail: the samples, and the decisions when there were any."""
        return {"samples": self.samples, **({"decisions": self.decisions} if self.decisions else {})}


class Round(Versioned):
    project: str
    at: datetime
    dry_run: bool
    #: the starts, stops and other changes the round made
    changes: tuple[ActionSummary, ...]
    retention: tuple[Deletion, ...]
    #: every role as the round left it wanted: `noop` roles with their reason (up to date, held)
    roles: tuple[ActionSummary, ...]
    usd_per_hour_before: float
    usd_per_hour_after: float

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.retention)
