"""The cost ledger's intervals: what was billed, at which terms, from when to when.

`controlplane.ledger` holds the billing rule and decides what should be open; this repository
makes the open intervals exactly that, in one transaction, and reads them back for spend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from controlplane.store import rows
from controlplane.store.database import Database
from controlplane.store.rows import as_utc
from controlplane.store.tables import ledger as table
from controlplane.values import Billing, LedgerChange, LedgerInterval

#: how many times a sync reads again after a concurrent writer opened the same deployment first
ATTEMPTS = 3
_FIELDS = [table.c[name] for name in LedgerInterval.model_fields]


def query(
    project: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    role: str | None = None,
    open_only: bool = False,
) -> Select[Any]:
    """Intervals that overlap [since, until), oldest first (compiled for the stdlib reader too: `reads.py`)."""
    query = select(*_FIELDS).where(table.c.project == project)
    if since is not None:
        query = query.where(or_(table.c.ended_at.is_(None), table.c.ended_at > since))
    if until is not None:
        query = query.where(table.c.started_at < until)
    if role is not None:
        query = query.where(table.c.role == role)
    if open_only:
        query = query.where(table.c.ended_at.is_(None))
    return query.order_by(table.c.started_at, table.c.id)


class Ledger:
    def __init__(self, database: Database) -> None:
        self.database = database

    def ledger_sync(
        self,
        project: str,
        role: str,
        running: Sequence[Billing],
        *,
        at: datetime,
        by: str,
        keep_others: bool = False,
    ) -> LedgerChange:
        """Make the role's open intervals exactly `running`, as of `at`, in one transaction.

        An open interval whose terms still hold is left alone (so saying the same thing twice
        changes nothing); one whose terms changed is closed at `at` and its successor opened;
        deployments no longer running are closed, unless `keep_others` (a step that only adds
        a deployment, as a blue/green replace does before the old one goes). An interval that
        would close the instant it opened is dropped: it billed nothing.
        """
        for _ in range(ATTEMPTS):
            try:
                with self.database.transaction("write") as connection:
                    return _sync(connection, project, role, running, at=at, by=by, keep_others=keep_others)
            except IntegrityError:
                continue  # a concurrent writer opened the same deployment first: read again and agree
        raise self.database.error("write", RuntimeError("ledger: concurrent writers kept colliding"))

    def ledger(
        self,
        project: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        role: str | None = None,
        open_only: bool = False,
    ) -> list[LedgerInterval]:
        """Intervals that overlap [since, until) (open ones reach to the end of time), oldest first."""
        selected = query(project, since=since, until=until, role=role, open_only=open_only)
        with self.database.transaction("read") as connection:
            return rows.ledger_intervals(connection.execute(selected).all())


def _sync(
    connection: Connection,
    project: str,
    role: str,
    running: Sequence[Billing],
    *,
    at: datetime,
    by: str,
    keep_others: bool,
) -> LedgerChange:
    wanted = {b.deployment_id: b for b in running if b.replicas > 0}
    opened: list[LedgerInterval] = []
    closed: list[LedgerInterval] = []
    rows = connection.execute(
        select(table).where(table.c.project == project, table.c.role == role, table.c.ended_at.is_(None))
    ).all()
    holding: set[str] = set()
    for row in rows:
        interval = LedgerInterval.model_validate(row, from_attributes=True)
        terms = wanted.get(row.deployment_id)
        if terms == interval.terms:
            holding.add(row.deployment_id)
            continue
        if terms is None and keep_others:
            continue
        end = max(at, interval.started_at)
        if end == interval.started_at:
            connection.execute(delete(table).where(table.c.id == row.id))
        else:
            connection.execute(update(table).where(table.c.id == row.id).values(ended_at=end, closed_by=by))
        closed.append(interval.model_copy(update={"ended_at": end, "closed_by": by}))
    # the closes ran first: the open-interval index allows one per deployment
    for deployment_id, terms in wanted.items():
        if deployment_id in holding:
            continue
        interval = LedgerInterval(project=project, role=role, started_at=as_utc(at), opened_by=by, **terms.model_dump())
        connection.execute(insert(table).values(**interval.model_dump()))
        opened.append(interval)
    return LedgerChange(opened=tuple(opened), closed=tuple(closed))
