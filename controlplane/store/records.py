"""What the runtime records: usage per request (what idle shutdown and spend read) and training
samples (what retention trims and export reads). The recorder writes them in batches, off the
request path."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Connection, Integer, Select, Table, cast, delete, func, insert, select

from controlplane.store.budget import add_spend
from controlplane.store.database import Database
from controlplane.store.tables import reservations
from controlplane.store.tables import samples as sample_table
from controlplane.store.tables import usage as usage_table
from controlplane.values import Outcome, Sample, Usage, UsageTotals

_Record = TypeVar("_Record", Usage, Sample)


class Records:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, usage: Sequence[Usage] = (), samples: Sequence[Sample] = ()) -> None:
        """Write a batch in one transaction: the recorder calls this off the request path."""
        if not usage and not samples:
            return
        with self.database.transaction("write") as connection:
            if usage:
                fresh = _unwritten(connection, usage_table, usage)
                if fresh:
                    connection.execute(insert(usage_table), [_usage_row(u) for u in fresh])
                    for project in sorted({u.project for u in fresh}):
                        costs = [(u.role, u.at, _micros(u)) for u in fresh if u.project == project]
                        add_spend(connection, self.database.dialect, project, costs)
                # the cost is in request_spend now: its reservation goes in the same transaction
                # (a replayed record whose reservation has gone already changes nothing)
                settled = [u.reservation for u in usage if u.reservation is not None]
                if settled:
                    connection.execute(delete(reservations).where(reservations.c.id.in_(settled)))
            if samples:
                fresh_samples = _unwritten(connection, sample_table, samples)
                if fresh_samples:
                    connection.execute(insert(sample_table), [s.model_dump() for s in fresh_samples])

    def record_usage(
        self,
        project: str,
        role: str,
        *,
        at: datetime,
        input_tokens: int = 0,
        output_tokens: int = 0,
        latency_ms: float = 0.0,
        cost_usd: float = 0.0,
        outcome: Outcome = "ok",
        reason: str | None = None,
    ) -> None:
        """One request's usage, written at once."""
        self.record(
            usage=[
                Usage(
                    project=project,
                    role=role,
                    at=at,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    latency_ms=latency_ms,
                    cost_usd=cost_usd,
                    outcome=outcome,
                    reason=reason,
                )
            ]
        )

    def usage(
        self, project: str, *, since: datetime | None = None, until: datetime | None = None, role: str | None = None
    ) -> list[Usage]:
        table = usage_table
        query = _between(select(table).where(table.c.project == project), table.c.at, since, until)
        if role is not None:
            query = query.where(table.c.role == role)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query.order_by(table.c.at, table.c.id)).all()
        return [
            Usage(
                project=r.project,
                role=r.role,
                at=r.at,
                input_tokens=r.input_tokens,
                output_tokens=r.output_tokens,
                latency_ms=r.latency_ms,
                cost_usd=r.cost_micros / 1_000_000,
                outcome=r.outcome,
                reason=r.reason,
                record_id=r.record_id,
            )
            for r in rows
        ]

    def usage_totals(
        self, project: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, UsageTotals]:
        """Per role: requests, tokens, request cost, first and last request in [since, until)."""
        table = usage_table
        query = select(
            table.c.role,
            func.count(),
            func.sum(table.c.input_tokens),
            func.sum(table.c.output_tokens),
            func.sum(table.c.cost_micros),
            func.min(table.c.at),
            func.max(table.c.at),
        ).where(table.c.project == project)
        query = _between(query, table.c.at, since, until).group_by(table.c.role)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
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

    def recent_outputs(self, project: str, role: str, limit: int) -> list[int]:
        """Output tokens of the role's last `limit` answered requests, newest first: what the
        budget estimates a request's output from."""
        table = usage_table
        query = (
            select(table.c.output_tokens)
            .where(table.c.project == project, table.c.role == role, table.c.outcome == "ok")
            .order_by(table.c.id.desc())
            .limit(limit)
        )
        with self.database.transaction("read") as connection:
            return [int(n) for n in connection.execute(query).scalars()]

    def last_requests(self, project: str) -> dict[str, datetime]:
        """When each role last had a request: what idle shutdown measures from."""
        return {role: totals.last_at for role, totals in self.usage_totals(project).items()}

    def usage_cost_buckets(
        self, project: str, *, since: datetime, until: datetime, bucket_seconds: int
    ) -> dict[tuple[str, datetime], int]:
        """Request cost in micro-dollars per (role, bucket start) in [since, until), buckets being
        UTC-aligned spans of `bucket_seconds` (3600: hours, 86400: days). Summed in the database:
        a month of requests is not read row by row."""
        table = usage_table
        seconds: Any
        if self.database.dialect == "sqlite":
            seconds = cast(func.strftime("%s", table.c.at), Integer)
        else:
            seconds = cast(func.floor(func.extract("epoch", table.c.at)), BigInteger)
        bucket = (seconds - seconds % bucket_seconds).label("bucket")
        query = select(table.c.role, bucket, func.sum(table.c.cost_micros)).where(table.c.project == project)
        query = _between(query, table.c.at, since, until).group_by(table.c.role, bucket)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
        return {(row[0], datetime.fromtimestamp(int(row[1]), timezone.utc)): int(row[2] or 0) for row in rows}

    def samples(
        self,
        project: str,
        *,
        role: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Sample]:
        table = sample_table
        query = _between(select(table).where(table.c.project == project), table.c.at, since, until)
        if role is not None:
            query = query.where(table.c.role == role)
        query = query.order_by(table.c.at, table.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
        return [Sample.model_validate(row, from_attributes=True) for row in rows]

    def sample_counts(self, project: str) -> dict[str, int]:
        table = sample_table
        query = select(table.c.role, func.count()).where(table.c.project == project).group_by(table.c.role)
        with self.database.transaction("read") as connection:
            return {role: count for role, count in connection.execute(query).all()}

    def delete_samples_before(self, project: str, before: datetime) -> int:
        """Retention by age; returns how many went."""
        table = sample_table
        with self.database.transaction("write") as connection:
            result = connection.execute(delete(table).where(table.c.project == project, table.c.at < before))
        return result.rowcount

    def trim_samples(self, project: str, role: str, keep: int) -> int:
        """Retention by count: keep the newest `keep` samples of a role; returns how many went."""
        table = sample_table
        mine = (table.c.project == project, table.c.role == role)
        newest = select(table.c.id).where(*mine).order_by(table.c.at.desc(), table.c.id.desc()).limit(keep)
        with self.database.transaction("write") as connection:
            result = connection.execute(delete(table).where(*mine, table.c.id.not_in(select(newest.subquery().c.id))))
        return result.rowcount


def _unwritten(connection: Connection, table: Table, items: Sequence[_Record]) -> list[_Record]:
    """The items whose `record_id` the table does not hold yet (nor an earlier item of the batch)."""
    ids = [i.record_id for i in items if i.record_id is not None]
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known.update(connection.execute(select(table.c.record_id).where(table.c.record_id.in_(chunk))).scalars())
    fresh: list[_Record] = []
    for item in items:
        if item.record_id is not None:
            if item.record_id in known:
                continue
            known.add(item.record_id)
        fresh.append(item)
    return fresh


def _usage_row(usage: Usage) -> dict[str, Any]:
    row = usage.model_dump(exclude={"cost_usd", "reservation"})
    row["cost_micros"] = _micros(usage)
    return row


def _micros(usage: Usage) -> int:
    return round(usage.cost_usd * 1_000_000)


def _between(query: Select[Any], column: Any, since: datetime | None, until: datetime | None) -> Select[Any]:
    """[since, until): a request at `until` belongs to the next bucket."""
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query
