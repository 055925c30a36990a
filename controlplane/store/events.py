"""The events log: every change apply and reconcile made, who made it and why (the audit trail)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select

from controlplane.store import rows
from controlplane.store.database import Database
from controlplane.store.tables import events as table
from controlplane.values import Event


def query(
    project: str,
    *,
    since: datetime | None = None,
    role: str | None = None,
    kinds: Collection[str] | None = None,
) -> Select[Any]:
    """The project's events, oldest first (compiled for the stdlib reader too: `reads.py`)."""
    query = select(table).where(table.c.project == project)
    if kinds is not None:
        query = query.where(table.c.kind.in_(sorted(kinds)))
    if since is not None:
        query = query.where(table.c.at >= since)
    if role is not None:
        query = query.where(table.c.role == role)
    return query.order_by(table.c.at, table.c.id)


class Events:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add_event(self, event: Event) -> None:
        with self.database.transaction("write") as connection:
            connection.execute(insert(table).values(**event.model_dump()))

    def events(
        self,
        project: str,
        *,
        since: datetime | None = None,
        role: str | None = None,
        kinds: Collection[str] | None = None,
    ) -> list[Event]:
        """The project's events, oldest first; from `since` on, of one `role`, of these `kinds`, if given."""
        with self.database.transaction("read") as connection:
            return rows.events(connection.execute(query(project, since=since, role=role, kinds=kinds)).all())
