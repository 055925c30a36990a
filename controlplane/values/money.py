"""Money and time as integers: a ledger interval's cost in cents x replicas x microseconds, summed
as integers and divided once, so totals are exact to the cent however they are clipped or grouped;
and the calendar periods budgets are kept over (UTC: a day from 00:00, a week from Monday, a month
from the 1st; `total` has neither start nor end). Pure functions of values: the ledger, spend,
the report and the runtime's budget guard all count with these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from controlplane.values.records import LedgerInterval

#: cents x replicas x microseconds per USD: 100 cents x 3,600,000,000 microseconds in an hour
UNITS_PER_USD = 100 * 3_600_000_000
CENT = Decimal("0.01")

Period = Literal["day", "week", "month", "total"]
#: the current period in a sentence: "spent 12.00 of 50.00 USD this week"
THIS_PERIOD: dict[Period, str] = {"day": "today", "week": "this week", "month": "this month", "total": "in total"}


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


def written_usd(amount: float) -> Decimal:
    """Dollars a person wrote (a limit in the manifest), exactly: a float's shortest repr is what
    they meant (`0.1`, not 0.1000000000000000055...)."""
    return Decimal(repr(amount))


def units(interval: LedgerInterval, since: datetime | None, until: datetime) -> int:
    """The interval's cost inside [since, until) in cents x replicas x microseconds (exact);
    an open interval runs up to `until`."""
    start = interval.started_at if since is None else max(interval.started_at, since)
    end = until if interval.ended_at is None else min(interval.ended_at, until)
    if end <= start:
        return 0
    return interval.cents_per_hour * interval.replicas * ((end - start) // timedelta(microseconds=1))


def usd(units_: int) -> Decimal:
    """Units to dollars, unrounded (exact up to Decimal's 28 digits)."""
    return Decimal(units_) / UNITS_PER_USD


def cents(amount: Decimal) -> Decimal:
    """Rounded to the cent, half up, as a bill would be."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cost(intervals: Iterable[LedgerInterval], since: datetime | None, until: datetime) -> Decimal:
    """USD the intervals cost inside [since, until)."""
    return usd(sum(units(i, since, until) for i in intervals))


def burn(intervals: Iterable[LedgerInterval], at: datetime) -> Decimal:
    """USD per hour of the intervals running at `at`."""
    hourly = sum(
        i.cents_per_hour * i.replicas
        for i in intervals
        if i.started_at <= at and (i.ended_at is None or i.ended_at > at)
    )
    return Decimal(hourly) / 100


def replica_hours(intervals: Iterable[LedgerInterval], since: datetime | None, until: datetime) -> Decimal:
    """Replica-hours inside [since, until): how long, times how many, things ran."""
    total = timedelta(0)
    for i in intervals:
        start = i.started_at if since is None else max(i.started_at, since)
        end = until if i.ended_at is None else min(i.ended_at, until)
        if end > start:
            total += (end - start) * i.replicas
    return Decimal(total // timedelta(microseconds=1)) / 3_600_000_000
