"""The plan as a value: per role one `Action` with its reason, field changes and cost.

`controlplane.plan` makes it (pure), `reasoning plan` shows it and saves it as JSON, `apply`
executes exactly it; `Planned` is a plan together with the catalog it was made against, which is
what apply needs to execute it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Literal, get_args

from controlplane.values.catalog import Catalog
from controlplane.values.common import Value, Versioned
from controlplane.values.override import Override
from controlplane.values.policy import Rule
from controlplane.values.spend import Spend
from controlplane.values.world import RemoteRole, Spec

#: What an action does to a role; the order plans count them in.
ActionKind = Literal["create", "update", "replace", "start", "stop", "delete", "noop"]
ACTION_KINDS: tuple[ActionKind, ...] = get_args(ActionKind)


class FieldChange(Value):
    """One field of a role's spec, before and after (a plan's change, or drift found by refresh)."""

    field: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.field} {self.before} → {self.after}"


class CostRange(Value):
    """USD per hour at the minimum and the maximum replica count."""

    low: float = 0.0
    high: float = 0.0

    def __add__(self, other: CostRange) -> CostRange:
        return CostRange(low=round(self.low + other.low, 4), high=round(self.high + other.high, 4))

    def __str__(self) -> str:
        if abs(self.low - self.high) < 0.005:
            return f"${self.low:,.2f}/h"
        return f"${self.low:,.2f}–{self.high:,.2f}/h"


class Action(Value):
    role: str
    kind: ActionKind
    reason: str
    changes: tuple[FieldChange, ...] = ()
    #: the field whose change made this a replacement
    forced_by: str | None = None
    desired: Spec | None = None
    actual: RemoteRole | None = None
    #: differences between what the last apply left and what is there now
    drift: tuple[FieldChange, ...] = ()
    cost_before: CostRange = CostRange()
    cost_after: CostRange = CostRange()
    #: the policy rule behind this action's start or stop (or behind a no-op holding it stopped)
    policy: Rule | None = None
    #: how the store's record of the role disagrees with the world (None: they agree); the
    #: action then writes the record from what the world holds
    out_of_step: str | None = None
    #: deployments beside the live one that stay (the candidate's in shadow): never retired
    keep: tuple[str, ...] = ()


class Plan(Versioned):
    project: str
    created_at: datetime
    actions: tuple[Action, ...]
    cost_before: CostRange
    cost_after: CostRange
    max_cost_per_hour_usd: float | None = None
    #: digest of the actual world the plan was made against
    fingerprint: str
    #: the `models deploy|undeploy` overrides in force when it was made
    overrides: tuple[Override, ...] = ()
    #: the roles `--target` limited it to (empty: every role)
    target: tuple[str, ...] = ()
    #: what the plan wants the user to know before applying it (spend projected over a budget)
    warnings: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind != "noop")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def counts(self) -> dict[ActionKind, int]:
        counted = Counter(a.kind for a in self.actions)
        return {kind: counted.get(kind, 0) for kind in ACTION_KINDS}

    def summary(self) -> str:
        if not self.has_changes:
            return f"No changes. {len(self.actions)} role(s) up to date; running cost {self.cost_after}."
        counts = self.counts()
        parts = ", ".join(f"{counts[k]} to {k}" for k in ACTION_KINDS if k != "noop" and counts[k])
        return f"Plan: {parts}. Cost {self.cost_before} → {self.cost_after}."


class Planned(Value):
    """A plan to execute and the catalog it was made against (models, configs, prices), and the
    spend the policy read for it (none for a saved plan or a destroy): the budget warnings read
    the same figures rather than the ledger a second time."""

    plan: Plan
    catalog: Catalog
    spent: Spend | None = None


class ApplyResult(Value):
    """What an apply did: the plan it was given, and whether it was executed (a plan without
    changes, or one the reviewer declined, is not)."""

    plan: Plan
    executed: bool
