"""Overrides: roles deployed or undeployed for a while by `reasoning models deploy|undeploy`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, insert, select

from controlplane.store import rows
from controlplane.store.database import Database
from controlplane.store.tables import overrides as table
from controlplane.values.override import Override


def query(project: str) -> Select[Any]:
    """Every override of the project (compiled for the stdlib reader too: `reads.py`)."""
    return select(table).where(table.c.project == project)


class Overrides:
    def __init__(self, database: Database) -> None:
        self.database = database

    def overrides(self, project: str) -> dict[str, Override]:
        """Every override of the project, expired or not, by role."""
        with self.database.transaction("read") as connection:
            return rows.overrides(connection.execute(query(project)).all())

    def set_override(self, project: str, override: Override) -> None:
        """One override per role: a new one replaces the old."""
        with self.database.transaction("write") as connection:
            connection.execute(delete(table).where(table.c.project == project, table.c.role == override.role))
            connection.execute(insert(table).values(project=project, **override.model_dump()))

    def clear_override(self, project: str, role: str) -> bool:
        with self.database.transaction("write") as connection:
            gone = connection.execute(delete(table).where(table.c.project == project, table.c.role == role))
        return bool(gone.rowcount)
