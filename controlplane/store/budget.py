"""The budget every proxy replica and hooks process of a project shares: request cost per role and
day (`request_spend`, added to by every usage write, see `records.py`) and the reservations of
requests in flight (`reservations`).

`reserve` is the one place two processes could both take the last of a budget, so it is
serialized: its transaction first updates the project's row of `budget_heads` (a conditional
UPDATE: a row lock on PostgreSQL, the database's write lock on SQLite: the same code on both),
then reads what is spent and held in one statement (one snapshot: a usage write that moves a cost
from its reservation to `request_spend` is seen whole or not at all), lets the caller decide, and
inserts the reservation. The caller's decision is pure arithmetic, never I/O: the lock is held for
two round trips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, literal, select, text, union_all, update

from controlplane.store.database import Database
from controlplane.store.tables import budget_heads as heads
from controlplane.store.tables import request_spend as spend_table
from controlplane.store.tables import reservations as held_table

SECONDS_PER_DAY = 86_400


def day_of(at: datetime) -> int:
    """The UTC day holding `at`, in days since the epoch: `request_spend`'s key."""
    return int(at.timestamp() // SECONDS_PER_DAY)


@dataclass(frozen=True)
class Held:
    """What counts against the budgets at one instant: request cost per (role, day) since the
    day asked for, and per role the micro-dollars of reservations that have not lapsed."""

    spent: Mapping[tuple[str, int], int]
    reserved: Mapping[str, int]

    def spent_since(self, day: int, role: str | None = None) -> int:
        return sum(m for (r, d), m in self.spent.items() if d >= day and (role is None or r == role))

    def reserved_by(self, role: str | None = None) -> int:
        return sum(m for r, m in self.reserved.items() if role is None or r == role)


#: Given what is held, None to take the reservation or the reason it is refused.
Decide = Callable[[Held], str | None]


class Budget:
    def __init__(self, database: Database) -> None:
        self.database = database

    def reserve(
        self,
        project: str,
        *,
        id: str,
        role: str,
        micros: int,
        holder: str,
        now: datetime,
        expires_at: datetime,
        since_day: int,
        decide: Decide,
    ) -> tuple[str | None, Held]:
        """Take `micros` for `role` unless `decide` refuses, atomically across processes; returns
        the refusal (None: taken) and what was held before this reservation."""
        with self.database.transaction("reserve budget in") as connection:
            self._quick(connection)
            self._lock(connection, project)
            held = _held(connection, project, since_day, now)
            refusal = decide(held)
            if refusal is None:
                connection.execute(
                    insert(held_table).values(
                        id=id, project=project, role=role, micros=micros, holder=holder, expires_at=expires_at
                    )
                )
        return refusal, held

    def held(self, project: str, *, since_day: int, now: datetime) -> Held:
        """What is spent and reserved, without reserving (for /metrics and the refresher)."""
        with self.database.transaction("read the budget of") as connection:
            return _held(connection, project, since_day, now)

    def release(self, ids: Sequence[str]) -> None:
        """Give reservations back (no call was made); ids already gone change nothing."""
        if ids:
            with self.database.transaction("release budget in") as connection:
                self._quick(connection)
                connection.execute(delete(held_table).where(held_table.c.id.in_(list(ids))))

    def settle(self, project: str, id: str, role: str, micros: int, at: datetime) -> None:
        """A cost that no usage record carries: counted in `request_spend`, its reservation gone."""
        with self.database.transaction("settle budget in") as connection:
            connection.execute(delete(held_table).where(held_table.c.id == id))
            add_spend(connection, self.database.dialect, project, [(role, at, micros)])

    def renew(self, project: str, holder: str, *, now: datetime, expires_at: datetime) -> int:
        """Keep `holder`'s reservations from lapsing until `expires_at`; drop lapsed ones of anyone.
        Returns how many are renewed."""
        with self.database.transaction("renew budget reservations in") as connection:
            connection.execute(
                delete(held_table).where(held_table.c.project == project, held_table.c.expires_at <= now)
            )
            result = connection.execute(
                update(held_table)
                .where(held_table.c.project == project, held_table.c.holder == holder)
                .values(expires_at=expires_at)
            )
        return int(result.rowcount)

    def _quick(self, connection: Connection) -> None:
        """On PostgreSQL, commit without waiting for the WAL to reach the disk: a reservation the
        database loses in its own crash holds nothing afterwards, and a request waits on every
        reservation's commit. (Usage, what is spent, is written with the usual durability.)"""
        if self.database.dialect == "postgresql":
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))

    def _lock(self, connection: Connection, project: str) -> None:
        bump = update(heads).where(heads.c.project == project).values(version=heads.c.version + 1)
        if connection.execute(bump).rowcount:
            return
        # the project's first reservation makes its row (a concurrent first one may have won)
        statement = _upsert(self.database.dialect)(heads).values(project=project, version=0)
        connection.execute(statement.on_conflict_do_nothing())
        connection.execute(bump)


def _held(connection: Connection, project: str, since_day: int, now: datetime) -> Held:
    spent = select(spend_table.c.role, spend_table.c.day, spend_table.c.micros).where(
        spend_table.c.project == project, spend_table.c.day >= since_day
    )
    reserved = (
        select(held_table.c.role, literal(-1).label("day"), func.sum(held_table.c.micros))
        .where(held_table.c.project == project, held_table.c.expires_at > now)
        .group_by(held_table.c.role)
    )
    rows = connection.execute(union_all(spent, reserved)).all()
    return Held(
        spent={(role, int(day)): int(micros) for role, day, micros in rows if day >= 0},
        reserved={role: int(micros or 0) for role, day, micros in rows if day < 0},
    )


def add_spend(connection: Connection, dialect: str, project: str, costs: Iterable[tuple[str, datetime, int]]) -> None:
    """Add request costs (role, when, micro-dollars) to `request_spend`, in the caller's transaction."""
    sums: dict[tuple[str, int], int] = {}
    for role, at, micros in costs:
        if micros:
            key = (role, day_of(at))
            sums[key] = sums.get(key, 0) + micros
    if not sums:
        return
    upsert = _upsert(dialect)
    rows = [{"project": project, "role": role, "day": day, "micros": m} for (role, day), m in sorted(sums.items())]
    statement = upsert(spend_table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[spend_table.c.project, spend_table.c.role, spend_table.c.day],
        set_={"micros": spend_table.c.micros + statement.excluded.micros},
    )
    connection.execute(statement)


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT, which both databases speak alike through their own dialect's insert."""
    if dialect == "postgresql":  # imported only when needed (see tables.py: ~25 ms)
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
