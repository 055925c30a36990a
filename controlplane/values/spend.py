"""What was spent in a budget period, per role and in total, and the burn rate now: the figures
the policy, the runtime's budget guard and the cost report all read (`controlplane.store.spend`
computes them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from controlplane.values.common import Value
from controlplane.values.money import Period, cents

ZERO = Decimal(0)


class BudgetUse(Value):
    """One budget in its current period: its limit, what was spent in it, the burn rate now."""

    period: Period
    start: datetime | None
    end: datetime | None
    limit_usd: Decimal | None
    usd: Decimal
    burn_usd_per_hour: Decimal

    @property
    def remaining_usd(self) -> Decimal | None:
        return None if self.limit_usd is None else self.limit_usd - self.usd

    @property
    def exceeded(self) -> bool:
        """Spent, to the cent, is at or past the limit: the period's money is gone."""
        return self.limit_usd is not None and cents(self.usd) >= self.limit_usd

    def projected_usd(self, now: datetime) -> Decimal | None:
        """Spent + burn now x hours left; None for `total`, which has no end."""
        if self.end is None:
            return None
        left = max(self.end - now, timedelta(0))
        return self.usd + self.burn_usd_per_hour * Decimal(left // timedelta(microseconds=1)) / 3_600_000_000


class RoleSpend(Value):
    """One role in the current (global) budget period, and its own budget if it has one."""

    role: str
    hardware_usd: Decimal
    requests_usd: Decimal
    burn_usd_per_hour: Decimal
    #: the role's own `budget`, over its own period (which may differ from the global one)
    budget: BudgetUse | None = None

    @property
    def usd(self) -> Decimal:
        return self.hardware_usd + self.requests_usd


class Spend(Value):
    """What was spent in the current budget period, per role and in total, and the burn rate now."""

    project: str
    now: datetime
    period: Period
    start: datetime | None
    end: datetime | None
    #: the global budget's limit (`budget.limit_usd`), if any
    limit_usd: Decimal | None
    roles: dict[str, RoleSpend]

    @property
    def hardware_usd(self) -> Decimal:
        return sum((r.hardware_usd for r in self.roles.values()), ZERO)

    @property
    def requests_usd(self) -> Decimal:
        return sum((r.requests_usd for r in self.roles.values()), ZERO)

    @property
    def usd(self) -> Decimal:
        return self.hardware_usd + self.requests_usd

    @property
    def burn_usd_per_hour(self) -> Decimal:
        return sum((r.burn_usd_per_hour for r in self.roles.values()), ZERO)

    @property
    def budget(self) -> BudgetUse:
        return BudgetUse(
            period=self.period,
            start=self.start,
            end=self.end,
            limit_usd=self.limit_usd,
            usd=self.usd,
            burn_usd_per_hour=self.burn_usd_per_hour,
        )
