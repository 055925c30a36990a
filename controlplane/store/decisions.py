"""The router's decisions, as the proxy recorded them (through the recorder, off the request path),
and the labels users give them: what `reasoning route review` lists and `bench/routing_train.py`
trains on next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from controlplane.store.database import Database
from controlplane.store.tables import routing_decisions as table
from controlplane.values import RoutingDecision, RoutingLabel


class Decisions:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record_decisions(self, decisions: Sequence[RoutingDecision]) -> None:
        """Write a batch in one transaction."""
        if not decisions:
            return
        rows = [d.model_dump(exclude={"id", "label", "labeled_at"}) for d in decisions]
        with self.database.transaction("write") as connection:
            connection.execute(insert(table), rows)

    def decisions(
        self,
        project: str,
        *,
        since: datetime | None = None,
        near: tuple[float, float] | None = None,
        labeled: bool | None = None,
        limit: int | None = None,
    ) -> list[RoutingDecision]:
        """The project's decisions, newest first: scored in `near` = [low, high] when given, labeled or
        not when `labeled` says, at most `limit`."""
        query = select(table).where(table.c.project == project)
        if since is not None:
            query = query.where(table.c.at >= since)
        if near is not None:
            query = query.where(table.c.score >= near[0], table.c.score <= near[1])
        if labeled is not None:
            query = query.where(table.c.label.is_not(None) if labeled else table.c.label.is_(None))
        query = query.order_by(table.c.at.desc(), table.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
        return [_decision(row) for row in rows]

    def label_decision(self, project: str, decision_id: int, label: RoutingLabel, at: datetime) -> bool:
        """Label one decision (again, if it was); False when the project has no decision of that id."""
        with self.database.transaction("write") as connection:
            result = connection.execute(
                update(table)
                .where(table.c.project == project, table.c.id == decision_id)
                .values(label=label, labeled_at=at)
            )
        return bool(result.rowcount)

    def delete_decisions_before(self, project: str, before: datetime) -> int:
        """Retention: unlabeled decisions older than `before` go (labeled ones are training data)."""
        with self.database.transaction("write") as connection:
            result = connection.execute(
                delete(table).where(table.c.project == project, table.c.at < before, table.c.label.is_(None))
            )
        return int(result.rowcount or 0)

    def count_decisions_before(self, project: str, before: datetime) -> int:
        """What `delete_decisions_before` would delete (a retention dry run)."""
        query = select(func.count()).where(table.c.project == project, table.c.at < before, table.c.label.is_(None))
        with self.database.transaction("read") as connection:
            return int(connection.execute(query).scalar_one())

    def decision_count(self, project: str) -> int:
        with self.database.transaction("read") as connection:
            return int(connection.execute(select(func.count()).where(table.c.project == project)).scalar_one())


def _decision(row: Any) -> RoutingDecision:
    return RoutingDecision(
        id=row.id,
        project=row.project,
        at=row.at,
        api=row.api,
        role=row.role,
        reason=row.reason,
        score=row.score,
        decision=row.decision,
        features=row.features,
        request=row.request,
        label=row.label,
        labeled_at=row.labeled_at,
    )
