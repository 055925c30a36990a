"""The cost report: what the ledger and the usage records say was spent, against the budgets.

Where it sits in the flow: `report()` is what `reasoning costs report` shows. The current period's
spend comes from `controlplane.store.spend`, the one read the budget checks share (reconcile's
policy, the runtime's budget guard). Both read the store only: hardware from the ledger's
intervals, requests from the usage the runtime recorded; nothing calls the provider, so a report
works offline and is as fresh as the last apply or reconcile. Amounts are exact `Decimal`
dollars, rounded to the cent only when shown. Projection to the end of a period: spent so far +
burn rate now x time left in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from controlplane import ledger
from controlplane.errors import ReasoningError
from controlplane.manifest import Manifest
from controlplane.store import Store, spend
from controlplane.store.spend import by_role as _by_role
from controlplane.store.spend import requests_usd as _requests
from controlplane.values import BudgetUse, LedgerInterval, Period, RoleSpend, Spend, Value, period_bounds
from controlplane.values.spend import ZERO

__all__ = ["BudgetUse", "Period", "Report", "RoleSpend", "Spend", "period_bounds", "report", "spend"]

FORMAT_VERSION = "1"
PROJECTION = "spent so far + burn rate now x hours left in the period"

By = Literal["role", "day", "hour"]
BY: tuple[By, ...] = ("role", "day", "hour")
BUCKET_SECONDS = {"day": 86_400, "hour": 3_600}


# -- the report ------------------------------------------------------------------------------


class RoleLine(Value):
    role: str
    hardware_usd: Decimal
    requests_usd: Decimal
    replica_hours: Decimal
    requests: int

    @property
    def usd(self) -> Decimal:
        return self.hardware_usd + self.requests_usd


class Bucket(Value):
    """One hour or day of the report (clipped to since/until at the ends), USD per role."""

    start: datetime
    end: datetime
    roles: dict[str, Decimal]

    @property
    def usd(self) -> Decimal:
        return sum(self.roles.values(), ZERO)


class Report(Value):
    project: str
    now: datetime
    since: datetime
    until: datetime
    by: By
    roles: tuple[RoleLine, ...]
    buckets: tuple[Bucket, ...] = ()
    #: the current budget period, with limit, burn now and what it projects to
    spend: Spend

    @property
    def usd(self) -> Decimal:
        return sum((r.usd for r in self.roles), ZERO)

    @property
    def hardware_usd(self) -> Decimal:
        return sum((r.hardware_usd for r in self.roles), ZERO)

    @property
    def requests_usd(self) -> Decimal:
        return sum((r.requests_usd for r in self.roles), ZERO)

    @property
    def projected_usd(self) -> Decimal | None:
        return self.spend.budget.projected_usd(self.now)

    def as_json(self) -> dict[str, Any]:
        """Versioned, with every amount rounded to the cent from its exact value."""
        budget = self.spend.budget
        projected = self.projected_usd
        return {
            "format_version": FORMAT_VERSION,
            "project": self.project,
            "currency": "USD",
            "now": self.now.isoformat(),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "by": self.by,
            "total_usd": _money(self.usd),
            "hardware_usd": _money(self.hardware_usd),
            "requests_usd": _money(self.requests_usd),
            "roles": [
                {
                    "role": r.role,
                    "usd": _money(r.usd),
                    "hardware_usd": _money(r.hardware_usd),
                    "requests_usd": _money(r.requests_usd),
                    "replica_hours": float(r.replica_hours.quantize(Decimal("0.001"))),
                    "requests": r.requests,
                }
                for r in self.roles
            ],
            "buckets": [
                {
                    "start": b.start.isoformat(),
                    "end": b.end.isoformat(),
                    "usd": _money(b.usd),
                    "roles": {role: _money(amount) for role, amount in b.roles.items()},
                }
                for b in self.buckets
            ],
            "budget": {
                "period": budget.period,
                "start": budget.start.isoformat() if budget.start else None,
                "end": budget.end.isoformat() if budget.end else None,
                "limit_usd": _money(budget.limit_usd) if budget.limit_usd is not None else None,
                "spent_usd": _money(budget.usd),
                "remaining_usd": _money(budget.remaining_usd) if budget.remaining_usd is not None else None,
                "burn_usd_per_hour": _money(budget.burn_usd_per_hour),
                "projected_usd": _money(projected) if projected is not None else None,
                "projection": PROJECTION,
                "roles": {
                    r.role: {
                        "period": r.budget.period,
                        "limit_usd": _money(r.budget.limit_usd) if r.budget.limit_usd is not None else None,
                        "spent_usd": _money(r.budget.usd),
                    }
                    for r in self.spend.roles.values()
                    if r.budget is not None
                },
            },
        }


def report(
    store: Store,
    manifest: Manifest,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str = "role",
) -> Report:
    """Spend between `since` and `until` (default: the current budget period up to now), per role
    and, for `by` day or hour, per UTC day or hour; with the budget, burn now and projection.

    `until` past `now` is cut to `now`: what has not happened yet was not spent.
    """
    if by not in BY:
        raise ReasoningError(f"--by {by}: not one of {', '.join(BY)}", hint="e.g. --by day")
    current = spend(store, manifest, now)
    if since is None:
        since = current.start or _first_record(store, manifest.project, now)
    until = now if until is None else min(until, now)
    if since >= until:
        raise ReasoningError(
            f"--since {since:%Y-%m-%d %H:%M} UTC is not before --until {until:%Y-%m-%d %H:%M} UTC"
            + (" (--until is cut to now)" if until == now else ""),
            hint="give --since an earlier time than --until, e.g. --since 7d",
        )
    intervals = store.ledger(manifest.project, since=since, until=until)
    by_role = _by_role(intervals)
    usage = store.usage_totals(manifest.project, since=since, until=until)
    lines = tuple(
        RoleLine(
            role=role,
            hardware_usd=ledger.cost(by_role.get(role, []), since, until),
            requests_usd=_requests(usage.get(role)),
            replica_hours=ledger.replica_hours(by_role.get(role, []), since, until),
            requests=usage[role].requests if role in usage else 0,
        )
        for role in sorted(set(manifest.models) | set(by_role) | set(usage))
    )
    buckets: tuple[Bucket, ...] = ()
    if by != "role":
        buckets = _buckets(store, manifest.project, by_role, since, until, BUCKET_SECONDS[by])
    return Report(
        project=manifest.project,
        now=now,
        since=since,
        until=until,
        by=by,
        roles=lines,
        buckets=buckets,
        spend=current,
    )


def _buckets(
    store: Store,
    project: str,
    by_role: Mapping[str, list[LedgerInterval]],
    since: datetime,
    until: datetime,
    seconds: int,
) -> tuple[Bucket, ...]:
    step = timedelta(seconds=seconds)
    epoch = datetime(1970, 1, 1, tzinfo=since.tzinfo)
    first = epoch + ((since - epoch) // step) * step
    requests = store.usage_cost_buckets(project, since=since, until=until, bucket_seconds=seconds)
    units: dict[tuple[str, datetime], int] = defaultdict(int)
    for role, intervals in by_role.items():
        for interval in intervals:
            # only the buckets this interval touches: a month of hours is 720 of them
            start = max(interval.started_at, since)
            end = until if interval.ended_at is None else min(interval.ended_at, until)
            bucket = first + ((start - first) // step) * step
            while bucket < end:
                units[role, bucket] += ledger.units(interval, max(bucket, since), min(bucket + step, until))
                bucket += step
    result = []
    bucket = first
    while bucket < until:
        roles: dict[str, Decimal] = {}
        for role in sorted(by_role.keys() | {r for r, _ in requests}):
            amount = ledger.usd(units.get((role, bucket), 0)) + Decimal(requests.get((role, bucket), 0)) / 1_000_000
            if amount:
                roles[role] = amount
        result.append(Bucket(start=max(bucket, since), end=min(bucket + step, until), roles=roles))
        bucket += step
    return tuple(result)


def _first_record(store: Store, project: str, now: datetime) -> datetime:
    """Where a `total` report starts: the first ledger interval or request, else an hour ago."""
    firsts = [i.started_at for i in store.ledger(project, until=now)[:1]]
    firsts += [t.first_at for t in store.usage_totals(project, until=now).values()]
    return min(firsts, default=now - timedelta(hours=1))


def _money(amount: Decimal) -> float:
    return float(ledger.cents(amount))
