"""Rows into values, without SQLAlchemy: what a repository and the stdlib reader of SQLite
(`sqlite.py`) both turn the rows of plan's reads into, so the two cannot drift apart.

A row is anything with the columns as attributes (SQLAlchemy's `Row`, or the named tuples the
stdlib reader makes). The column conversions are those of `tables.py`'s types, spelt once here:
datetimes in UTC (SQLite hands them back naive, as SQLAlchemy's text format), JSON objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from controlplane.values import AppliedRole, Event, LedgerInterval, Spec, UsageTotals
from controlplane.values.override import Override

#: how SQLAlchemy's SQLite dialect writes a datetime (its DATETIME storage format): text
#: comparisons in SQL are only right when a bound value is written the same way
SQLITE_DATETIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def as_utc(value: datetime) -> datetime:
    """In UTC; a naive datetime (as SQLite hands them back) is taken to be UTC already."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utc_param(value: datetime) -> datetime:
    """A datetime as `UtcDateTime` binds it: an aware one in UTC, a naive one as it is."""
    return value.astimezone(timezone.utc) if value.tzinfo is not None else value


def sqlite_datetime(value: datetime) -> str:
    """A bound datetime as SQLAlchemy writes it to SQLite (after `utc_param`)."""
    v = utc_param(value)
    return SQLITE_DATETIME % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)


def from_sqlite_datetime(value: str | None) -> datetime | None:
    """A stored datetime back, aware and in UTC (SQLAlchemy reads it with `fromisoformat`)."""
    return None if value is None else as_utc(datetime.fromisoformat(value))


def json_object(value: str | None) -> dict[str, Any] | None:
    return None if value is None else dict(json.loads(value))


def applied_roles(rows: Iterable[Any]) -> dict[str, AppliedRole]:
    return {
        row.role: AppliedRole(
            role=row.role,
            spec=Spec.model_validate(row, from_attributes=True),
            enabled=row.enabled,
            endpoint_id=row.endpoint_id,
            deployment_id=row.deployment_id,
            applied_at=row.applied_at,
        )
        for row in rows
    }


def overrides(rows: Iterable[Any]) -> dict[str, Override]:
    return {
        row.role: Override(role=row.role, run=row.run, until=row.until, actor=row.actor, set_at=row.set_at)
        for row in rows
    }


def events(rows: Iterable[Any]) -> list[Event]:
    return [Event.model_validate(row, from_attributes=True) for row in rows]


def ledger_intervals(rows: Iterable[Any]) -> list[LedgerInterval]:
    # our own rows, validated when they were written: spend reads this every reconcile round
    return [LedgerInterval.model_construct(**row._asdict()) for row in rows]


def usage_totals(rows: Iterable[Any]) -> dict[str, UsageTotals]:
    """(role, count, input tokens, output tokens, micro-dollars, first, last) rows, by role."""
    return {
        role: UsageTotals(
            requests=count,
            input_tokens=int(tokens_in or 0),
            output_tokens=int(tokens_out or 0),
            cost_usd=int(micros or 0) / 1_000_000,
            first_at=first,
            last_at=last,
        )
        for role, count, tokens_in, tokens_out, micros, first, last in rows
    }
