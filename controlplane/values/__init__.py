"""The values the control plane and the runtime pass around, in one place.

    common      Value: the frozen, closed base of every value; Versioned: of every JSON output
    world       what exists: Spec, RemoteDeployment, RemoteRole (a refresh), AppliedRole (apply's record)
    records     what the store keeps: Event, Lock, Usage, Sample, ledger intervals; EventLog
    money       integer money, calendar periods, interval arithmetic (pure functions)
    spend       what was spent in a budget period: Spend, RoleSpend, BudgetUse
    catalog     what the provider offers: Hardware, Catalog
    policy      the policy's input and output: RoleFacts, PeriodSpend, PolicyDecision, Rule
    plan        the plan: Plan, Action, FieldChange, CostRange, ActionKind; Planned
    status      every role as it runs now: Status
    report      the cost report: CostReport
    reconcile   one reconcile round: Round, ActionSummary, Deletion
    data        training data out: DataStats, Readiness, ExportReport, Skip

This package re-exports the first five, the shared core the runtime may import (with `clock`,
`errors`, `manifest` and `store`); the others are imported from their modules, so a command
builds only the models it uses.
"""

from controlplane.values.common import FORMAT_VERSION, Moment, Value, Versioned
from controlplane.values.money import Period, period_bounds
from controlplane.values.records import (
    Billing,
    Event,
    EventLog,
    Label,
    LedgerChange,
    LedgerInterval,
    Lock,
    Outcome,
    PromptFormat,
    RoutingDecision,
    RoutingLabel,
    Sample,
    Source,
    Usage,
    UsageTotals,
)
from controlplane.values.spend import BudgetUse, RoleSpend, Spend
from controlplane.values.world import AppliedRole, DeploymentState, RemoteDeployment, RemoteRole, Spec

__all__ = [
    "FORMAT_VERSION",
    "AppliedRole",
    "Billing",
    "BudgetUse",
    "DeploymentState",
    "Event",
    "EventLog",
    "Label",
    "LedgerChange",
    "LedgerInterval",
    "Lock",
    "Moment",
    "Outcome",
    "Period",
    "PromptFormat",
    "RemoteDeployment",
    "RemoteRole",
    "RoleSpend",
    "RoutingDecision",
    "RoutingLabel",
    "Sample",
    "Source",
    "Spec",
    "Spend",
    "Usage",
    "UsageTotals",
    "Value",
    "Versioned",
    "period_bounds",
]
