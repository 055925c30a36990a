"""Where the control plane remembers: applied state per role, the events log, the apply lock,
the cost ledger, and what the runtime writes: usage per request and training samples.

SQLite by default (a file next to the manifest), PostgreSQL by URL when several machines share
one project. sqlalchemy never leaks out: rows become the values of `controlplane.values`, and
database failures become `StoreError`. No transaction is held across a network call: every
method opens and closes its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Engine, Integer, cast, delete, event, func, insert, or_, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, create_engine, select

from controlplane.errors import LockHeld, SecretMissing, StoreError
from controlplane.manifest import Manifest
from controlplane.store.spend import spend
from controlplane.store.tables import AppliedRoleRow, EventRow, LedgerRow, LockRow, SampleRow, UsageRow
from controlplane.values import (
    AppliedRole,
    Billing,
    Event,
    LedgerChange,
    LedgerInterval,
    Lock,
    Outcome,
    Sample,
    Spec,
    Usage,
    UsageTotals,
)


def _micros(usd: float) -> int:
    return round(usd * 1_000_000)


def _utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; everything we store is UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Store:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.display_url = parsed.render_as_string(hide_password=True)
        try:
            if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, connect_args=_connect_args(parsed.drivername))
            if parsed.drivername.startswith("sqlite"):
                event.listen(self.engine, "connect", _sqlite_pragmas)
            SQLModel.metadata.create_all(self.engine)
        except (SQLAlchemyError, OSError) as error:
            raise self._error("open", error) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _error(self, doing: str, error: Exception) -> StoreError:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return StoreError(
            f"cannot {doing} the state database {self.display_url}: {reason}",
            hint="check store.url in reasoning.yaml and that the database is reachable",
        )

    @contextmanager
    def _session(self, doing: str) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except (IntegrityError, LockHeld):
            raise
        except SQLAlchemyError as error:
            raise self._error(doing, error) from None

    # -- applied state -----------------------------------------------------------------------

    def applied(self, project: str) -> dict[str, AppliedRole]:
        with self._session("read") as session:
            rows = session.exec(select(AppliedRoleRow).where(AppliedRoleRow.project == project)).all()
        return {
            row.role: AppliedRole(
                role=row.role,
                spec=Spec(
                    model=row.model, hardware=row.hardware, min_replicas=row.min_replicas, max_replicas=row.max_replicas
                ),
                enabled=row.enabled,
                endpoint_id=row.endpoint_id,
                deployment_id=row.deployment_id,
                applied_at=_utc(row.applied_at),
            )
            for row in rows
        }

    def record_applied(self, project: str, applied: AppliedRole) -> None:
        row = AppliedRoleRow(
            project=project,
            role=applied.role,
            model=applied.spec.model,
            hardware=applied.spec.hardware,
            min_replicas=applied.spec.min_replicas,
            max_replicas=applied.spec.max_replicas,
            enabled=applied.enabled,
            endpoint_id=applied.endpoint_id,
            deployment_id=applied.deployment_id,
            applied_at=applied.applied_at,
        )
        with self._session("write") as session:
            session.merge(row)
            session.commit()

    def forget(self, project: str, role: str) -> None:
        with self._session("write") as session:
            session.exec(
                delete(AppliedRoleRow).where(col(AppliedRoleRow.project) == project, col(AppliedRoleRow.role) == role)
            )
            session.commit()

    # -- events ------------------------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        row = EventRow(
            at=event.at,
            project=event.project,
            role=event.role,
            actor=event.actor,
            kind=event.kind,
            reason=event.reason,
            detail=json.dumps(event.detail, sort_keys=True, default=str),
        )
        with self._session("write") as session:
            session.add(row)
            session.commit()

    def events(self, project: str, *, since: datetime | None = None, role: str | None = None) -> list[Event]:
        query = select(EventRow).where(EventRow.project == project)
        if since is not None:
            query = query.where(col(EventRow.at) >= since)
        if role is not None:
            query = query.where(EventRow.role == role)
        with self._session("read") as session:
            rows = session.exec(query.order_by(col(EventRow.at), col(EventRow.id))).all()
        return [
            Event(
                at=_utc(r.at),
                project=r.project,
                role=r.role,
                actor=r.actor,
                kind=r.kind,
                reason=r.reason,
                detail=json.loads(r.detail),
            )
            for r in rows
        ]

    # -- what the runtime records ------------------------------------------------------------

    def record(self, usage: Sequence[Usage] = (), samples: Sequence[Sample] = ()) -> None:
        """Write a batch in one transaction: the recorder calls this off the request path."""
        if not usage and not samples:
            return
        with self._session("write") as session:
            if usage:
                session.execute(
                    insert(UsageRow),
                    [
                        {
                            "project": u.project,
                            "role": u.role,
                            "at": u.at,
                            "input_tokens": u.input_tokens,
                            "output_tokens": u.output_tokens,
                            "latency_ms": u.latency_ms,
                            "cost_micros": _micros(u.cost_usd),
                            "outcome": u.outcome,
                            "reason": u.reason,
                        }
                        for u in usage
                    ],
                )
            if samples:
                session.execute(
                    insert(SampleRow),
                    [
                        {
                            "project": s.project,
                            "role": s.role,
                            "at": s.at,
                            "source": s.source,
                            "prompt": json.dumps(s.prompt, sort_keys=True, ensure_ascii=False),
                            "answer": s.answer,
                            "meta": json.dumps(s.meta, sort_keys=True, default=str),
                        }
                        for s in samples
                    ],
                )
            session.commit()

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
        query = select(UsageRow).where(UsageRow.project == project)
        query = _between(query, UsageRow, since, until)
        if role is not None:
            query = query.where(UsageRow.role == role)
        with self._session("read") as session:
            rows = session.exec(query.order_by(col(UsageRow.at), col(UsageRow.id))).all()
        return [
            Usage(
                project=r.project,
                role=r.role,
                at=_utc(r.at),
                input_tokens=r.input_tokens,
                output_tokens=r.output_tokens,
                latency_ms=r.latency_ms,
                cost_usd=r.cost_micros / 1_000_000,
                outcome=r.outcome,
                reason=r.reason,
            )
            for r in rows
        ]

    def usage_totals(
        self, project: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, UsageTotals]:
        """Per role: requests, tokens, request cost, first and last request in [since, until)."""
        query = select(  # type: ignore[call-overload]
            UsageRow.role,
            func.count(),
            func.sum(UsageRow.input_tokens),
            func.sum(UsageRow.output_tokens),
            func.sum(UsageRow.cost_micros),
            func.min(UsageRow.at),
            func.max(UsageRow.at),
        ).where(UsageRow.project == project)
        query = _between(query, UsageRow, since, until).group_by(UsageRow.role)
        with self._session("read") as session:
            rows = session.exec(query).all()
        return {
            role: UsageTotals(
                requests=count,
                input_tokens=int(tokens_in or 0),
                output_tokens=int(tokens_out or 0),
                cost_usd=int(micros or 0) / 1_000_000,
                first_at=_utc(first),
                last_at=_utc(last),
            )
            for role, count, tokens_in, tokens_out, micros, first, last in rows
        }

    def last_requests(self, project: str) -> dict[str, datetime]:
        """When each role last had a request: what idle shutdown measures from."""
        return {role: totals.last_at for role, totals in self.usage_totals(project).items()}

    def samples(
        self,
        project: str,
        *,
        role: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Sample]:
        query = select(SampleRow).where(SampleRow.project == project)
        query = _between(query, SampleRow, since, until)
        if role is not None:
            query = query.where(SampleRow.role == role)
        query = query.order_by(col(SampleRow.at), col(SampleRow.id))
        if limit is not None:
            query = query.limit(limit)
        with self._session("read") as session:
            rows = session.exec(query).all()
        return [
            Sample(
                project=r.project,
                role=r.role,
                at=_utc(r.at),
                source=r.source,
                prompt=json.loads(r.prompt),
                answer=r.answer,
                meta=json.loads(r.meta),
            )
            for r in rows
        ]

    def sample_counts(self, project: str) -> dict[str, int]:
        query = select(SampleRow.role, func.count()).where(SampleRow.project == project).group_by(SampleRow.role)
        with self._session("read") as session:
            return dict(session.exec(query).all())

    def delete_samples_before(self, project: str, before: datetime) -> int:
        """Retention by age; returns how many went."""
        with self._session("write") as session:
            result = session.execute(
                delete(SampleRow).where(col(SampleRow.project) == project, col(SampleRow.at) < before)
            )
            session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]

    def trim_samples(self, project: str, role: str, keep: int) -> int:
        """Retention by count: keep the newest `keep` samples of a role; returns how many went."""
        with self._session("write") as session:
            newest = (
                select(SampleRow.id)
                .where(SampleRow.project == project, SampleRow.role == role)
                .order_by(col(SampleRow.at).desc(), col(SampleRow.id).desc())
                .limit(keep)
            )
            result = session.execute(
                delete(SampleRow).where(
                    col(SampleRow.project) == project,
                    col(SampleRow.role) == role,
                    col(SampleRow.id).not_in(select(newest.subquery().c.id)),
                )
            )
            session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]

    # -- the cost ledger ---------------------------------------------------------------------

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
        for attempt in range(3):
            try:
                return self._ledger_sync(project, role, running, at=at, by=by, keep_others=keep_others)
            except IntegrityError:
                # a concurrent writer opened the same deployment first: read again and agree
                if attempt == 2:
                    raise self._error("write", RuntimeError("ledger: concurrent writers kept colliding")) from None
        raise AssertionError("unreachable")

    def _ledger_sync(
        self, project: str, role: str, running: Sequence[Billing], *, at: datetime, by: str, keep_others: bool
    ) -> LedgerChange:
        wanted = {b.deployment_id: b for b in running if b.replicas > 0}
        opened: list[LedgerInterval] = []
        closed: list[LedgerInterval] = []
        with self._session("write") as session:
            rows = session.exec(
                select(LedgerRow).where(
                    LedgerRow.project == project, LedgerRow.role == role, col(LedgerRow.ended_at).is_(None)
                )
            ).all()
            holding: set[str] = set()
            for row in rows:
                interval = _interval(row)
                terms = wanted.get(row.deployment_id)
                if terms == interval.terms:
                    holding.add(row.deployment_id)
                    continue
                if terms is None and keep_others:
                    continue
                end = max(at, interval.started_at)
                if end == interval.started_at:
                    session.delete(row)
                else:
                    row.ended_at, row.closed_by = end, by
                    session.add(row)
                closed.append(interval.model_copy(update={"ended_at": end, "closed_by": by}))
            session.flush()  # closes first: the open-interval index allows one per deployment
            for deployment_id, terms in wanted.items():
                if deployment_id in holding:
                    continue
                row = LedgerRow(project=project, role=role, started_at=at, opened_by=by, **terms.model_dump())
                session.add(row)
                opened.append(_interval(row))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise
        return LedgerChange(opened=tuple(opened), closed=tuple(closed))

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
        # plain columns, not ORM objects: spend reads this every reconcile round
        table = LedgerRow.__table__.c  # type: ignore[attr-defined]
        query = select(*(table[name] for name in _INTERVAL_FIELDS)).where(table.project == project)
        if since is not None:
            query = query.where(or_(table.ended_at.is_(None), table.ended_at > since))
        if until is not None:
            query = query.where(table.started_at < until)
        if role is not None:
            query = query.where(table.role == role)
        if open_only:
            query = query.where(table.ended_at.is_(None))
        with self._session("read") as session:
            rows = session.execute(query.order_by(table.started_at, table.id)).all()
        return [
            LedgerInterval.model_construct(  # our own rows: validated when they were written
                **{
                    **row._asdict(),
                    "started_at": _utc(row.started_at),
                    "ended_at": _utc(row.ended_at) if row.ended_at is not None else None,
                }
            )
            for row in rows
        ]

    def usage_cost_buckets(
        self, project: str, *, since: datetime, until: datetime, bucket_seconds: int
    ) -> dict[tuple[str, datetime], int]:
        """Request cost in micro-dollars per (role, bucket start) in [since, until), buckets being
        UTC-aligned spans of `bucket_seconds` (3600: hours, 86400: days). Summed in the database:
        a month of requests is not read row by row."""
        seconds: Any
        if self.engine.dialect.name == "sqlite":
            seconds = cast(func.strftime("%s", col(UsageRow.at)), Integer)
        else:
            seconds = cast(func.floor(func.extract("epoch", col(UsageRow.at))), BigInteger)
        bucket = (seconds - seconds % bucket_seconds).label("bucket")
        query = select(UsageRow.role, bucket, func.sum(UsageRow.cost_micros)).where(UsageRow.project == project)
        query = _between(query, UsageRow, since, until).group_by(UsageRow.role, bucket)
        with self._session("read") as session:
            rows = session.exec(query).all()
        return {
            (role, datetime.fromtimestamp(int(start), timezone.utc)): int(micros or 0) for role, start, micros in rows
        }

    # -- the apply lock ----------------------------------------------------------------------

    def acquire_lock(self, project: str, owner: str, *, now: datetime, ttl: timedelta) -> Lock | None:
        """Take the project's lock; returns the lock it took over if that one had expired.

        Raises LockHeld naming the holder when someone else holds a live lock. Both the insert
        and the take-over are single statements, so two racing callers cannot both win.
        """
        with self._session("lock") as session:
            session.add(LockRow(project=project, owner=owner, acquired_at=now, expires_at=now + ttl))
            try:
                session.commit()
                return None
            except IntegrityError:
                session.rollback()
            held = session.get(LockRow, project)
            if held is None:  # released between our insert and our read: try once more
                return self.acquire_lock(project, owner, now=now, ttl=ttl)
            previous = Lock(
                project=project, owner=held.owner, acquired_at=_utc(held.acquired_at), expires_at=_utc(held.expires_at)
            )
            if previous.expires_at > now:
                raise LockHeld(
                    f"project {project} is locked by {previous.owner} since "
                    f"{previous.acquired_at:%Y-%m-%d %H:%M:%S} UTC (expires {previous.expires_at:%H:%M:%S} UTC)",
                    hint="wait for it to finish, or retry with --lock-timeout 10m",
                )
            taken = session.execute(
                update(LockRow)
                .where(
                    col(LockRow.project) == project, col(LockRow.owner) == held.owner, col(LockRow.expires_at) <= now
                )
                .values(owner=owner, acquired_at=now, expires_at=now + ttl)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return self.acquire_lock(project, owner, now=now, ttl=ttl)
            return previous

    def renew_lock(self, project: str, owner: str, *, now: datetime, ttl: timedelta) -> None:
        with self._session("lock") as session:
            session.execute(
                update(LockRow)
                .where(col(LockRow.project) == project, col(LockRow.owner) == owner)
                .values(expires_at=now + ttl)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def release_lock(self, project: str, owner: str) -> None:
        with self._session("unlock") as session:
            session.execute(delete(LockRow).where(col(LockRow.project) == project, col(LockRow.owner) == owner))
            session.commit()

    def lock(self, project: str) -> Lock | None:
        with self._session("read") as session:
            row = session.get(LockRow, project)
        if row is None:
            return None
        return Lock(
            project=project, owner=row.owner, acquired_at=_utc(row.acquired_at), expires_at=_utc(row.expires_at)
        )


_INTERVAL_FIELDS = tuple(LedgerInterval.model_fields)


def _interval(row: LedgerRow) -> LedgerInterval:
    return LedgerInterval(
        project=row.project,
        role=row.role,
        deployment_id=row.deployment_id,
        hardware=row.hardware,
        replicas=row.replicas,
        cents_per_hour=row.cents_per_hour,
        started_at=_utc(row.started_at),
        ended_at=_utc(row.ended_at) if row.ended_at is not None else None,
        opened_by=row.opened_by,
        closed_by=row.closed_by,
    )


def _between(query: Any, table: Any, since: datetime | None, until: datetime | None) -> Any:
    """[since, until): a request at `until` belongs to the next bucket."""
    if since is not None:
        query = query.where(col(table.at) >= since)
    if until is not None:
        query = query.where(col(table.at) < until)
    return query


def _connect_args(driver: str) -> dict[str, Any]:
    # SQLite: wait for a concurrent writer rather than failing at once; allow use across threads.
    return {"timeout": 30, "check_same_thread": False} if driver.startswith("sqlite") else {}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_store(url: str, base_dir: Path) -> Store:
    """A store for a manifest's URL; relative SQLite paths are relative to the manifest."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database)
        if not database.is_absolute():
            url = parsed.set(database=str((base_dir / database).resolve())).render_as_string(hide_password=False)
    return Store(url)


def store_url(manifest: Manifest) -> str:
    """The store's URL: `store.url`, or the environment variable `store.url_env` names."""
    if manifest.store.url_env is None:
        return manifest.store.url
    url = os.environ.get(manifest.store.url_env)
    if not url:
        raise SecretMissing(
            f"{manifest.store.url_env} is not set (store.url_env, {manifest.where('store', 'url_env')})",
            hint=f"export {manifest.store.url_env}=postgresql+psycopg://user:password@host/db",
        )
    return url


def open_for(manifest: Manifest) -> Store:
    """The manifest's store: its URL (from the file or the environment), relative to the file."""
    return open_store(store_url(manifest), manifest.path("."))


__all__ = [
    "AppliedRole",
    "Billing",
    "Event",
    "LedgerChange",
    "LedgerInterval",
    "Lock",
    "Outcome",
    "Sample",
    "Store",
    "Usage",
    "UsageTotals",
    "open_for",
    "open_store",
    "spend",
    "store_url",
]
