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

from controlplane import ledger
from controlplane.errors import EmptySpan, UnknownGrouping
from controlplane.manifest import Manifest
from controlplane.store import Store, spend
from controlplane.store.spend import by_role as _by_role
from controlplane.store.spend import requests_usd as _requests
from controlplane.values import BudgetUse, LedgerInterval, Period, RoleSpend, Spend, period_bounds
from controlplane.values.plan import Plan
from controlplane.values.report import PROJECTION, CostBucket, CostReport, Grouping, RoleCost
from controlplane.values.spend import ZERO

# the current period's spend and its calendar are the store's and the values', re-exported here
# because the report is built on them and callers have always found them here
__all__ = [
    "PROJECTION",
    "BudgetUse",
    "CostReport",
    "Grouping",
    "Period",
    "RoleSpend",
    "Spend",
    "period_bounds",
    "projected_overruns",
    "report",
    "spend",
]

BUCKET_SECONDS = {Grouping.DAY: 86_400, Grouping.HOUR: 3_600}


def report(
    store: Store,
    manifest: Manifest,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    by: Grouping | str = Grouping.ROLE,
) -> CostReport:
    """Spend between `since` and `until` (default: the current budget period up to now), per role
    and, for `by` day or hour, per UTC day or hour; with the budget, burn now and projection.

    `until` past `now` is cut to `now`: what has not happened yet was not spent. Raises
    `UnknownGrouping` for an unknown `by`, `EmptySpan` when `since` is not before `until`.
    """
    try:
        grouping = Grouping(by)
    except ValueError:
        raise UnknownGrouping(f"cannot group a cost report by {by!r}: not one of {', '.join(Grouping)}") from None
    current = spend(store, manifest, now)
    if since is None:
        since = current.start or _first_record(store, manifest.project, now)
    until = now if until is None else min(until, now)
    if since >= until:
        raise EmptySpan(since, until, cut_to_now=until == now)
    intervals = store.ledger(manifest.project, since=since, until=until)
    by_role = _by_role(intervals)
    usage = store.usage_totals(manifest.project, since=since, until=until)
    lines = []
    for role in sorted(set(manifest.models) | set(by_role) | set(usage)):
        hardware = ledger.cost(by_role.get(role, []), since, until)
        requests = _requests(usage.get(role))
        lines.append(
            RoleCost(
                role=role,
                usd=hardware + requests,
                hardware_usd=hardware,
                requests_usd=requests,
                replica_hours=ledger.replica_hours(by_role.get(role, []), since, until),
                requests=usage[role].requests if role in usage else 0,
            )
        )
    buckets: tuple[CostBucket, ...] = ()
    if grouping != Grouping.ROLE:
        buckets = _buckets(store, manifest.project, by_role, since, until, BUCKET_SECONDS[grouping])
    hardware_usd = sum((line.hardware_usd for line in lines), ZERO)
    requests_usd = sum((line.requests_usd for line in lines), ZERO)
    return CostReport(
        project=manifest.project,
        now=now,
        since=since,
        until=until,
        by=grouping,
        usd=hardware_usd + requests_usd,
        hardware_usd=hardware_usd,
        requests_usd=requests_usd,
        roles=tuple(lines),
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
) -> tuple[CostBucket, ...]:
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
        result.append(
            CostBucket(
                start=max(bucket, since), end=min(bucket + step, until), usd=sum(roles.values(), ZERO), roles=roles
            )
        )
        bucket += step
    return tuple(result)


def _first_record(store: Store, project: str, now: datetime) -> datetime:
    """Where a `total` report starts: the first ledger interval or request, else an hour ago."""
    firsts = [i.started_at for i in store.ledger(project, until=now)[:1]]
    firsts += [t.first_at for t in store.usage_totals(project, until=now).values()]
    return min(firsts, default=now - timedelta(hours=1))


def projected_overruns(
    store: Store, manifest: Manifest, plan: Plan, *, now: datetime, spent: Spend | None = None
) -> list[str]:
    """A warning for each budget the plan's running cost would overrun by its period's end:
    spent so far + the plan's $/h after it is applied (at minimum replicas) x the hours left.

    What `plan` and `apply` print before anything changes; the policy stops the roles once the
    money is really spent, so this is a warning, not a refusal. A `total` budget has no end.
    `spent`: the spend at `now` when the caller has read it already (the plan's policy has).
    """
    from controlplane.values.money import THIS_PERIOD

    spent = spent if spent is not None else spend(store, manifest, now)
    warnings = []
    scopes: list[tuple[str, Period, Decimal | None, datetime | None, Decimal, float]] = []
    if manifest.budget.limit_usd is not None:
        scopes.append(("budget", manifest.budget.period, spent.limit_usd, spent.end, spent.usd, plan.cost_after.low))
    by_role = {a.role: a for a in plan.actions}
    for name, role in manifest.models.items():
        use = spent.roles[name].budget if name in spent.roles else None
        if role.budget is None or use is None or name not in by_role:
            continue
        scopes.append(
            (f"models.{name}.budget", use.period, use.limit_usd, use.end, use.usd, by_role[name].cost_after.low)
        )
    for label, period, limit, end, usd, hourly in scopes:
        if limit is None or end is None or hourly <= 0:
            continue
        hours = Decimal(max(end - now, timedelta(0)) // timedelta(seconds=1)) / 3600
        projected = usd + Decimal(str(hourly)) * hours
        if projected > limit:
            warnings.append(
                f"{label}: projected {_usd(projected)} {THIS_PERIOD[period]} against a limit of {_usd(limit)}"
                f" (spent {_usd(usd)}, then ${hourly:,.2f}/h until {end:%Y-%m-%d %H:%M} UTC); the policy stops"
                " roles once it is spent"
            )
    return warnings


def _usd(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01')):,}"
