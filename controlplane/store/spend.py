"""Spend: what the ledger and the usage records say was spent in the current budget period.

The one read that every budget check shares: reconcile's policy, the runtime's budget guard and
the cost report. It reads the store only (hardware from the ledger's intervals, requests from the
usage the runtime recorded), so it works offline and is as fresh as the last apply or reconcile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from controlplane.manifest import Manifest
from controlplane.values import BudgetUse, LedgerInterval, RoleSpend, Spend, UsageTotals
from controlplane.values.money import burn, cost, period_bounds, written_usd
from controlplane.values.spend import ZERO

if TYPE_CHECKING:
    from controlplane.store import Store


def spend(store: Store, manifest: Manifest, now: datetime) -> Spend:
    """USD spent per role and in total in the current budget period, up to and including `now`.

    Hardware: the ledger's intervals clipped to [period start, now], the open ones included.
    Requests: the `cost_usd` of usage recorded in the same span. Roles that are no longer in the
    manifest still count: their money was spent.
    """
    period = manifest.budget.period
    start, end = period_bounds(period, now)
    own = {name: role.budget for name, role in manifest.models.items() if role.budget is not None}
    bounds = [start] + [period_bounds(b.period, now)[0] for b in own.values()]
    earliest = None if None in bounds else min(b for b in bounds if b is not None)
    through = now + timedelta(microseconds=1)  # what happened at exactly `now` has happened
    intervals = store.ledger(manifest.project, since=earliest, until=through)
    usage = usage_in(store, manifest.project, start, end, through)
    grouped = by_role(intervals)
    roles: dict[str, RoleSpend] = {}
    for role in sorted(set(manifest.models) | set(grouped) | set(usage)):
        mine = grouped.get(role, [])
        hourly = burn(mine, now)
        budget = own.get(role)
        use = None
        if budget is not None:
            role_start, role_end = period_bounds(budget.period, now)
            role_usage = (
                usage if role_start == start else usage_in(store, manifest.project, role_start, role_end, through)
            )
            use = BudgetUse(
                period=budget.period,
                start=role_start,
                end=role_end,
                limit_usd=limit_usd(budget.limit_usd),
                usd=cost(mine, role_start, now) + requests_usd(role_usage.get(role)),
                burn_usd_per_hour=hourly,
            )
        roles[role] = RoleSpend(
            role=role,
            hardware_usd=cost(mine, start, now),
            requests_usd=requests_usd(usage.get(role)),
            burn_usd_per_hour=hourly,
            budget=use,
        )
    return Spend(
        project=manifest.project,
        now=now,
        period=period,
        start=start,
        end=end,
        limit_usd=limit_usd(manifest.budget.limit_usd),
        roles=roles,
    )


def usage_in(
    store: Store, project: str, start: datetime | None, end: datetime | None, through: datetime
) -> dict[str, UsageTotals]:
    until = through if end is None else min(end, through)
    return store.usage_totals(project, since=start, until=until)


def by_role(intervals: Iterable[LedgerInterval]) -> dict[str, list[LedgerInterval]]:
    grouped: dict[str, list[LedgerInterval]] = defaultdict(list)
    for interval in intervals:
        grouped[interval.role].append(interval)
    return dict(grouped)


def requests_usd(totals: UsageTotals | None) -> Decimal:
    # the store keeps micro-dollars and hands back micros / 1e6: rounding recovers them exactly
    return ZERO if totals is None else Decimal(round(totals.cost_usd * 1_000_000)) / 1_000_000


def limit_usd(value: float | None) -> Decimal | None:
    return None if value is None else written_usd(value)
