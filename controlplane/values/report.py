"""The cost report as a value, and as the versioned JSON `reasoning costs report --json` prints.

Amounts are exact `Decimal` dollars; the JSON rounds each to the cent from its exact value (so a
total is the rounded exact total, not the sum of rounded lines), and times are ISO 8601.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, computed_field

from controlplane.values.common import Moment, Value, Versioned
from controlplane.values.money import Period, cents
from controlplane.values.spend import Spend


class Grouping(StrEnum):
    """How a report groups spend over time: by role only, or also per UTC day or hour."""

    ROLE = "role"
    DAY = "day"
    HOUR = "hour"


PROJECTION = "spent so far + burn rate now x hours left in the period"


def _dollars(amount: Decimal) -> float:
    return float(cents(amount))


#: exact dollars, shown rounded to the cent
Money = Annotated[Decimal, PlainSerializer(_dollars, return_type=float)]
#: replica-hours, shown to the thousandth
Hours = Annotated[Decimal, PlainSerializer(lambda hours: float(hours.quantize(Decimal("0.001"))), return_type=float)]


class RoleCost(Value):
    """One role over the report's span: hardware from the ledger, requests from the usage."""

    role: str
    usd: Money
    hardware_usd: Money
    requests_usd: Money
    replica_hours: Hours
    requests: int


class CostBucket(Value):
    """One hour or day of the report (clipped to since/until at the ends), USD per role."""

    start: Moment
    end: Moment
    usd: Money
    roles: dict[str, Money]


class RoleBudget(Value):
    period: Period
    limit_usd: Money | None
    spent_usd: Money


class BudgetSummary(Value):
    """The current budget period: its limit, what was spent, the burn now and where it leads."""

    period: Period
    start: Moment | None
    end: Moment | None
    limit_usd: Money | None
    spent_usd: Money
    remaining_usd: Money | None
    burn_usd_per_hour: Money
    projected_usd: Money | None
    projection: str = PROJECTION
    roles: dict[str, RoleBudget]


class CostReport(Versioned):
    """What was spent between `since` and `until`, per role (and per bucket), against the budget."""

    project: str
    currency: Literal["USD"] = "USD"
    now: Moment
    since: Moment
    until: Moment
    by: Grouping
    #: spent in the span, all roles (`total_usd` in the JSON)
    usd: Money = Field(serialization_alias="total_usd")
    hardware_usd: Money
    requests_usd: Money
    roles: tuple[RoleCost, ...]
    buckets: tuple[CostBucket, ...] = ()
    #: the current budget period, with limit and burn now (the JSON shows it as `budget`)
    spend: Spend = Field(exclude=True)

    @property
    def projected_usd(self) -> Decimal | None:
        return self.spend.budget.projected_usd(self.now)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def budget(self) -> BudgetSummary:
        budget = self.spend.budget
        return BudgetSummary(
            period=budget.period,
            start=budget.start,
            end=budget.end,
            limit_usd=budget.limit_usd,
            spent_usd=budget.usd,
            remaining_usd=budget.remaining_usd,
            burn_usd_per_hour=budget.burn_usd_per_hour,
            projected_usd=self.projected_usd,
            roles={
                r.role: RoleBudget(period=r.budget.period, limit_usd=r.budget.limit_usd, spent_usd=r.budget.usd)
                for r in self.spend.roles.values()
                if r.budget is not None
            },
        )

    def as_json(self) -> dict[str, Any]:
        """The versioned document, every amount rounded to the cent from its exact value."""
        return self.model_dump(mode="json", by_alias=True)
