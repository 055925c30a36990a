"""Where the control plane remembers: applied state per role, the events log, the apply lock.

SQLite by default (a file next to the manifest), PostgreSQL by URL when several machines share
one project. sqlalchemy never leaks out: rows become the values of `controlplane.state`, and
database failures become `StoreError`. No transaction is held across a network call: every
method opens and closes its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, create_engine, select

from controlplane.errors import LockHeld, StoreError
from controlplane.state import AppliedRole, Spec, Value
from controlplane.store.tables import AppliedRoleRow, EventRow, LockRow


class Event(Value):
    at: datetime
    project: str
    role: str | None
    actor: str
    kind: str
    reason: str
    detail: dict[str, Any] = {}


class Lock(Value):
    project: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


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
