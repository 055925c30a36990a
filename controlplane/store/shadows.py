"""Shadows: which candidate deployment shadows a role, and the comparisons the runtime made."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from controlplane.store.database import Database
from controlplane.store.tables import shadow_results, shadows

if TYPE_CHECKING:  # imported by the methods: a store opened for `plan` needs no shadows' values
    from controlplane.values.shadow import ShadowDeployment, ShadowResult


class Shadows:
    def __init__(self, database: Database) -> None:
        self.database = database

    def shadow_deployments(self, project: str) -> dict[str, ShadowDeployment]:
        from controlplane.values.shadow import ShadowDeployment

        with self.database.transaction("read") as connection:
            rows = connection.execute(select(shadows).where(shadows.c.project == project)).all()
        return {row.role: ShadowDeployment(**{k: v for k, v in row._mapping.items() if k != "project"}) for row in rows}

    def set_shadow(self, project: str, shadow: ShadowDeployment) -> None:
        """One shadow per role: a new one replaces the old."""
        with self.database.transaction("write") as connection:
            connection.execute(delete(shadows).where(shadows.c.project == project, shadows.c.role == shadow.role))
            connection.execute(insert(shadows).values(project=project, **shadow.model_dump()))

    def clear_shadow(self, project: str, role: str) -> bool:
        with self.database.transaction("write") as connection:
            gone = connection.execute(delete(shadows).where(shadows.c.project == project, shadows.c.role == role))
        return bool(gone.rowcount)

    def record_shadow_results(self, results: Iterable[ShadowResult]) -> int:
        rows = [r.model_dump() for r in results]
        if not rows:
            return 0
        with self.database.transaction("write") as connection:
            connection.execute(insert(shadow_results), rows)
        return len(rows)

    def shadow_results(
        self, project: str, role: str, *, model: str | None = None, since: datetime | None = None
    ) -> list[ShadowResult]:
        query = select(shadow_results).where(shadow_results.c.project == project, shadow_results.c.role == role)
        if model is not None:
            query = query.where(shadow_results.c.model == model)
        if since is not None:
            query = query.where(shadow_results.c.at >= since)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query.order_by(shadow_results.c.id)).all()
        from controlplane.values.shadow import ShadowResult

        return [ShadowResult(**{k: v for k, v in row._mapping.items() if k != "id"}) for row in rows]
