"""Applied state: what the last successful apply left each role as (the runtime reads it too)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from controlplane.store import rows
from controlplane.store.database import Database
from controlplane.store.tables import applied_roles as table
from controlplane.values import AppliedRole


def query(project: str) -> Select[Any]:
    """The project's applied roles (compiled for the stdlib reader too: `reads.py`)."""
    return select(table).where(table.c.project == project)


class AppliedRoles:
    def __init__(self, database: Database) -> None:
        self.database = database

    def applied(self, project: str) -> dict[str, AppliedRole]:
        with self.database.transaction("read") as connection:
            return rows.applied_roles(connection.execute(query(project)).all())

    def record_applied(self, project: str, applied: AppliedRole) -> None:
        """Overwrite the role's record (one per role); apply writes it under the project's lock."""
        values = {
            **applied.spec.model_dump(),
            "enabled": applied.enabled,
            "endpoint_id": applied.endpoint_id,
            "deployment_id": applied.deployment_id,
            "applied_at": applied.applied_at,
        }
        mine = (table.c.project == project, table.c.role == applied.role)
        with self.database.transaction("write") as connection:
            if connection.execute(update(table).where(*mine).values(**values)).rowcount == 0:
                connection.execute(insert(table).values(project=project, role=applied.role, **values))

    def forget(self, project: str, role: str) -> None:
        with self.database.transaction("write") as connection:
            connection.execute(delete(table).where(table.c.project == project, table.c.role == role))
