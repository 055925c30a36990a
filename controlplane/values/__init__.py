"""The values the control plane and the runtime pass around, in one place.

    common      Value: the frozen, closed base of every value
    world       what exists: Spec, RemoteDeployment, RemoteRole (a refresh), AppliedRole (apply's record)
    records     what the store keeps: Event, Lock, Usage, Sample, ledger intervals
    money       integer money, calendar periods, interval arithmetic (pure functions)
    spend       what was spent in a budget period: Spend, RoleSpend, BudgetUse

Part of the shared core the runtime may import (with `clock`, `errors`, `manifest` and `store`).
"""

from controlplane.values.common import Value
from controlplane.values.money import Period, period_bounds
from controlplane.values.records import (
    Billing,
    Event,
    LedgerChange,
    LedgerInterval,
    Lock,
    Outcome,
    Sample,
    Source,
    Usage,
    UsageTotals,
)
from controlplane.values.spend import BudgetUse, RoleSpend, Spend
from controlplane.values.world import AppliedRole, DeploymentState, RemoteDeployment, RemoteRole, Spec

__all__ = [
    "AppliedRole",
    "Billing",
    "BudgetUse",
    "DeploymentState",
    "Event",
    "LedgerChange",
    "LedgerInterval",
    "Lock",
    "Outcome",
    "Period",
    "RemoteDeployment",
    "RemoteRole",
    "RoleSpend",
    "Sample",
    "Source",
    "Spec",
    "Spend",
    "Usage",
    "UsageTotals",
    "Value",
    "period_bounds",
]
