"""Overrides: roles deployed or undeployed for a while by `reasoning models deploy|undeploy`."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from controlplane.store.database import Database
from controlplane.store.tables import overrides as table
from controlplane.values.override import Override


class Overrides:
    def __init__(self, database: Database) -> None:
        self.database = database

    def overrides(self, project: str) -> dict[str, Override]:
        """Every override of the project, expired or not, by role."""
        with self.database.transaction("read") as connection:
            rows = connection.execute(select(table).where(table.c.project == project)).all()
        return {
            row.role: Override(role=row.role, run=row.run, until=row.until, actor=row.actor, set_at=row.set_at)
            for row in rows
        }

    def set_override(self, project: str, override: Override) -> None:
        """One override per role: a new one replaces the old."""
        with self.database.transaction("write") as connection:
            connection.execute(delete(table).where(table.c.project == project, table.c.role == override.role))
            connection.execute(insert(table).values(project=project, **override.model_dump()))

    def clear_override(self, project: str, role: str) -> bool:
        with self.database.transaction("write") as connection:
            gone = connection.execute(delete(table).where(table.c.project == project, table.c.role == role))
        return bool(gone.rowcount)
