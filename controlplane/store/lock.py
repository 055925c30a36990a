"""The apply lock's row: one per project, with an owner and an expiry (`controlplane.lock` holds it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from controlplane.errors import LockHeld
from controlplane.store.database import Database
from controlplane.store.tables import locks as table
from controlplane.values import Lock

#: how often to try again when the lock changed hands between reading it and taking it over
ATTEMPTS = 5


class Locks:
    def __init__(self, database: Database) -> None:
        self.database = database

    def acquire_lock(self, project: str, owner: str, *, now: datetime, ttl: timedelta) -> Lock | None:
        """Take the project's lock; returns the lock it took over if that one had expired.

        Raises LockHeld naming the holder when someone else holds a live lock. Both the insert
        and the take-over are single statements, so two racing callers cannot both win.
        """
        ours = {"owner": owner, "acquired_at": now, "expires_at": now + ttl}
        for _ in range(ATTEMPTS):
            try:
                with self.database.transaction("lock") as connection:
                    connection.execute(insert(table).values(project=project, **ours))
                return None
            except IntegrityError:
                pass  # held, or expired: read who holds it
            with self.database.transaction("lock") as connection:
                held = connection.execute(select(table).where(table.c.project == project)).first()
                if held is None:
                    continue  # released between our insert and our read
                previous = Lock.model_validate(held, from_attributes=True)
                if previous.expires_at > now:
                    raise LockHeld(
                        f"project {project} is locked by {previous.owner} since "
                        f"{previous.acquired_at:%Y-%m-%d %H:%M:%S} UTC (expires {previous.expires_at:%H:%M:%S} UTC)",
                        hint="wait for it to finish",
                    )
                taken = connection.execute(
                    update(table)
                    .where(table.c.project == project, table.c.owner == held.owner, table.c.expires_at <= now)
                    .values(**ours)
                )
                if taken.rowcount == 1:
                    return previous
            # someone else took the expired lock over first: read again
        raise LockHeld(
            f"project {project}'s lock changed hands {ATTEMPTS} times while we tried to take it",
            hint="another apply or reconcile keeps taking it; wait for them to finish",
        )

    def renew_lock(self, project: str, owner: str, *, now: datetime, ttl: timedelta) -> None:
        with self.database.transaction("lock") as connection:
            connection.execute(
                update(table).where(table.c.project == project, table.c.owner == owner).values(expires_at=now + ttl)
            )

    def release_lock(self, project: str, owner: str) -> None:
        with self.database.transaction("unlock") as connection:
            connection.execute(delete(table).where(table.c.project == project, table.c.owner == owner))

    def lock(self, project: str) -> Lock | None:
        with self.database.transaction("read") as connection:
            row = connection.execute(select(table).where(table.c.project == project)).first()
        return None if row is None else Lock.model_validate(row, from_attributes=True)
