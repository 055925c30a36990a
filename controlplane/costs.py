"""Spend: what the ledger and the usage records say was spent, against the budgets.

Where it sits in the flow: `spend()` is the one function the budget checks read (reconcile's
policy and the runtime's budget guard), `report()` is what `reasoning costs report` shows. Both
read the store only: hardware cost comes from the ledger's intervals (`ledger.py`), request cost
from the usage the runtime recorded. Nothing here calls the provider, so a report works offline
and costs nothing; it is as fresh as the last apply or reconcile.

Periods are calendar periods in UTC: a day starts at 00:00, a week on Monday 00:00, a month on
the 1st; `total` has neither start nor end. Amounts are `Decimal` dollars, exact (see ledger);
they are rounded to the cent only when shown.

Projection to the end of a period: spent so far + burn rate now x time left in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from controlplane import ledger
from controlplane.errors import ReasoningError
from controlplane.manifest import Manifest
from controlplane.state import Value
from controlplane.store import LedgerInterval, Store, UsageTotals

FORMAT_VERSION = "1"
PROJECTION = "spent so far + burn rate now x hours left in the period"

Period = Literal["day", "week", "month", "total"]
By = Literal["role", "day", "hour"]
BY: tuple[By, ...] = ("role", "day", "hour")
BUCKET_SECONDS = {"day": 86_400, "hour": 3_600}
ZERO = Decimal(0)


def period_bounds(period: Period, now: datetime) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the calendar period holding `now`, in UTC; `total` is unbounded."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=7)
    if period == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following
    return None, None


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
        return self.limit_usd is not None and ledger.cents(self.usd) >= self.limit_usd

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
    usage = _usage(store, manifest.project, start, end, through)
    by_role = _by_role(intervals)
    roles: dict[str, RoleSpend] = {}
    for role in sorted(set(manifest.models) | set(by_role) | set(usage)):
        mine = by_role.get(role, [])
        burn = ledger.burn(mine, now)
        budget = own.get(role)
        use = None
        if budget is not None:
            role_start, role_end = period_bounds(budget.period, now)
            role_usage = (
                usage if role_start == start else _usage(store, manifest.project, role_start, role_end, through)
            )
            use = BudgetUse(
                period=budget.period,
                start=role_start,
                end=role_end,
                limit_usd=_decimal(budget.limit_usd),
                usd=ledger.cost(mine, role_start, now) + _requests(role_usage.get(role)),
                burn_usd_per_hour=burn,
            )
        roles[role] = RoleSpend(
            role=role,
            hardware_usd=ledger.cost(mine, start, now),
            requests_usd=_requests(usage.get(role)),
            burn_usd_per_hour=burn,
            budget=use,
        )
    return Spend(
        project=manifest.project,
        now=now,
        period=period,
        start=start,
        end=end,
        limit_usd=_decimal(manifest.budget.limit_usd),
        roles=roles,
    )


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


def _usage(
    store: Store, project: str, start: datetime | None, end: datetime | None, through: datetime
) -> dict[str, UsageTotals]:
    until = through if end is None else min(end, through)
    return store.usage_totals(project, since=start, until=until)


def _by_role(intervals: Iterable[LedgerInterval]) -> dict[str, list[LedgerInterval]]:
    grouped: dict[str, list[LedgerInterval]] = defaultdict(list)
    for interval in intervals:
        grouped[interval.role].append(interval)
    return dict(grouped)


def _requests(totals: UsageTotals | None) -> Decimal:
    # the store keeps micro-dollars and hands back micros / 1e6: rounding recovers them exactly
    return ZERO if totals is None else Decimal(round(totals.cost_usd * 1_000_000)) / 1_000_000


def _decimal(value: float | None) -> Decimal | None:
    # limits are written by people in dollars and cents: their shortest repr is what they meant
    return None if value is None else Decimal(repr(value))


def _money(amount: Decimal) -> float:
    return float(ledger.cents(amount))
